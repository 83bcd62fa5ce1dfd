"""Processes that start at the same moment on one results folder: shards of a job array share the
staging folder safely; two identical commands do not both do the work (the second is refused)."""

from __future__ import annotations

import json
import multiprocessing as mp

import numpy as np
import pytest

from experiments.store import staged_output_dir


def _enter(target: str, plan: dict, shared: bool, start, done, results) -> None:
    start.wait()
    try:
        stage = staged_output_dir(target, plan, shared=shared)
        staging = stage.__enter__()
        (staging / "runs" / "chunks").mkdir(parents=True, exist_ok=True)  # as a sweep would
        (staging / "runs" / "chunks" / "chunk-000000.parquet").touch()  # finished work: kept
        results.put(("ok", str(staging)))
    except Exception as exc:  # noqa: BLE001 - reported to the parent
        results.put(("error", str(exc)))
    done.wait()  # all hold the folder at once, as the shards of a job array do


def _together(target, args: tuple, n: int = 6, timeout: float = 60) -> list:
    """Run ``target(*args, start, done, results)`` in ``n`` processes released at one moment
    (``start``, a barrier); returns what each put in ``results``."""
    ctx = mp.get_context("fork")
    start, done, results = ctx.Barrier(n), ctx.Barrier(n), ctx.Queue()
    procs = [ctx.Process(target=target, args=(*args, start, done, results)) for _ in range(n)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout)
    return [results.get(timeout=5) for _ in range(n)]


def _race(tmp_path, shared: bool) -> list[tuple[str, str]]:
    return _together(_enter, (str(tmp_path / "sweep"), {"method": "sobol", "samples": 8}, shared))


def test_simultaneous_shards_all_join_the_same_staging_folder(tmp_path):
    outcomes = _race(tmp_path, shared=True)
    assert all(kind == "ok" for kind, _ in outcomes), outcomes
    assert len({where for _, where in outcomes}) == 1
    assert not list(tmp_path.glob("*.tmp"))  # the losers' temporary folders are gone


def test_simultaneous_identical_commands_one_works_the_others_are_refused(tmp_path):
    outcomes = _race(tmp_path, shared=False)
    kinds = sorted(kind for kind, _ in outcomes)
    assert kinds == ["error"] * 5 + ["ok"], outcomes
    for kind, text in outcomes:
        if kind == "error":
            assert "another cadresim command is writing" in text and "\n" not in text
    assert not list(tmp_path.glob("*.tmp"))


def test_a_full_run_is_refused_while_shards_hold_the_folder(tmp_path):
    target = tmp_path / "sweep"
    plan = {"method": "sobol"}
    with staged_output_dir(target, plan, shared=True) as staging:
        (staging / "runs").mkdir()
        with pytest.raises(Exception, match="another cadresim command is writing"), \
                staged_output_dir(target, plan):
            pass
        with staged_output_dir(target, plan, shared=True) as again:  # another shard: welcome
            assert again == staging
    assert staging.exists() and not target.exists()  # shards never publish


def _design():
    from experiments.sweeps import SweepDesign

    samples = np.linspace(0.0, 1.0, 16).reshape(8, 2)
    return SweepDesign(param_names=["fault_tolerance", "material_reward"], samples=samples,
                       base_params={}, replicates=1, n_steps=4, n_cadres=100, root_seed=3,
                       outputs=["innovation_rate"], meta={"method": "test"})


def _prepare(out: str, start, done, results) -> None:
    from experiments.sweeps import prepare_sweep

    start.wait()
    try:
        results.put(("ok", prepare_sweep(_design(), out)))
    except Exception as exc:  # noqa: BLE001 - reported to the parent
        results.put(("error", str(exc)))


def test_shards_starting_together_all_save_or_find_the_same_design(tmp_path):
    """The shards of a job array write the sweep's design at the same moment: one that finds
    another's samples before its design.json must not take the folder for something else."""
    outcomes = _together(_prepare, (str(tmp_path / "runs"),))
    assert [kind for kind, _ in outcomes] == ["ok"] * len(outcomes), outcomes
    assert len({json.dumps(plan, sort_keys=True) for _, plan in outcomes}) == 1


def test_samples_without_design_json_are_a_design_still_being_written(tmp_path):
    """The state another shard leaves for a moment (samples.npy written, design.json not yet):
    this shard writes the design and goes on."""
    from experiments.sweeps import load_design, prepare_sweep
    from experiments.sweeps.ledger import DESIGN_FILE, SAMPLES_FILE

    first = tmp_path / "first"
    plan = prepare_sweep(_design(), first)
    second = tmp_path / "second"
    (second / "chunks").mkdir(parents=True)
    (second / SAMPLES_FILE).write_bytes((first / SAMPLES_FILE).read_bytes())
    assert prepare_sweep(_design(), second) == plan
    assert (second / DESIGN_FILE).read_bytes() == (first / DESIGN_FILE).read_bytes()
    assert load_design(second).fingerprint() == _design().fingerprint()
