"""Results are bit-identical to the stored reference numbers (``tests/reference/``).

A short run of the default model, a tiny Sobol analysis through the sweep machinery and a small
paired comparison must reproduce every stored number exactly: refactoring the experiments (or the
model's code without changing its rules) may not change a single bit. The one exception is the
standardised regression coefficients (``src``, ``src_conf``): they are least-squares fits, and
LAPACK picks its kernels for the CPU, so another machine may round their last bits differently
(it did, on the machine of 1 December); they must agree to twelve significant digits. After an
intended change of the model's results, regenerate the reference with one command and say so in
the commit::

    make reference        # or: .venv/bin/python tests/reference/make_reference.py
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent / "reference"
REGENERATE = ("if the model's rules changed on purpose, regenerate with `make reference` and "
              "say so in the commit")


def _load_maker():
    spec = importlib.util.spec_from_file_location("make_reference", HERE / "make_reference.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


maker = _load_maker()


@pytest.fixture(scope="module")
def stored() -> dict:
    return json.loads((HERE / "reference.json").read_text())


#: Fields computed by LAPACK (least squares), compared to this relative tolerance.
LAPACK_FIELDS, LAPACK_RTOL = ("/src", "/src_conf"), 1e-12


def _equal(old, new, path: str) -> bool:
    if (path.endswith(LAPACK_FIELDS) and isinstance(old, float) and isinstance(new, float)):
        return abs(old - new) <= LAPACK_RTOL * max(abs(old), abs(new), 1e-3)
    return old == new


def _differences(old, new, path="") -> list[str]:
    """Where two JSON documents differ (exact equality, but for LAPACK_FIELDS; NaN is stored
    as the string 'nan')."""
    if isinstance(old, dict) and isinstance(new, dict):
        out = [f"{path}/{k}: missing" for k in old.keys() - new.keys()]
        out += [f"{path}/{k}: new" for k in new.keys() - old.keys()]
        for k in old.keys() & new.keys():
            out += _differences(old[k], new[k], f"{path}/{k}")
        return out
    if isinstance(old, list) and isinstance(new, list):
        if len(old) != len(new):
            return [f"{path}: {len(old)} items stored, {len(new)} now"]
        out = []
        for i, (a, b) in enumerate(zip(old, new, strict=True)):
            out += _differences(a, b, f"{path}[{i}]")
        return out
    return [] if _equal(old, new, path) else [f"{path}: stored {old!r}, now {new!r}"]


def _check(stored_part, new_part, what: str) -> None:
    # Through JSON, so that both sides have the form that was stored.
    diff = _differences(stored_part, json.loads(json.dumps(new_part)))
    assert not diff, (f"{what} differs from the reference in {len(diff)} place(s), first: "
                      f"{diff[:5]}; {REGENERATE}")


def test_settings_are_those_the_reference_was_made_with(stored):
    assert stored["settings"] == json.loads(json.dumps(
        {"run_model": maker.RUN, "sweep": maker.SWEEP, "compare": maker.COMPARE}))


def test_model_runs_are_bit_identical_to_the_reference(stored):
    _check(stored["run_model"], maker.model_runs(), "run_model at defaults")


def test_small_sweep_is_bit_identical_to_the_reference(stored):
    _check(stored["sweep"], maker.small_sweep(), "the small Sobol sweep")


def test_paired_comparison_is_bit_identical_to_the_reference(stored):
    _check(stored["compare"], maker.comparison(), "the paired comparison")


def test_a_changed_number_is_reported():
    old = {"a": [1.0, 2.0], "b": {"c": "x"}}
    assert _differences(old, {"a": [1.0, 2.0], "b": {"c": "x"}}) == []
    assert _differences(old, {"a": [1.0, 2.0000000000000004], "b": {"c": "x"}}) == [
        "/a[1]: stored 2.0, now 2.0000000000000004"]
