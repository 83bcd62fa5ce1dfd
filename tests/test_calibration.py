"""Calibration (issue 12): the targets file, the ABC-SMC recovering known parameters on a synthetic
problem, the same posterior on any engine, and the committed headline posterior meeting every
target in its posterior-predictive check."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from experiments.calibration import (
    CalibrationPlan,
    calibrate,
    default_posterior,
    load_posterior,
    load_targets,
    simulate,
)
from experiments.calibration.check import weighted_quantiles
from experiments.calibration.targets import DEFAULT_TARGETS
from experiments.errors import UserError

ROOT = Path(__file__).resolve().parents[1]
CLI = [sys.executable, "-c", "from experiments.cli import main; main()"]
EVIDENCE = ROOT / "docs" / "EVIDENCE.md"


# ------------------------------------------------------------------------------ targets
def test_every_target_names_its_evidence():
    targets = load_targets()
    text = EVIDENCE.read_text(encoding="utf-8")
    assert len(targets.targets) >= 6
    for t in targets.targets:
        assert t.source and t.mapping and t.why_tolerance, t.name
        missing = [s for s in t.source if s not in text]
        assert not missing, f"target {t.name}: sources {missing} are not in docs/EVIDENCE.md"


def test_evidence_copy_matches_the_shared_file_when_present():
    shared = ROOT.parent / "shared" / "EVIDENCE.md"
    if not shared.is_file():
        shared = Path("/work/shared/EVIDENCE.md")
    if not shared.is_file():
        pytest.skip("no shared evidence file beside the repository")
    assert EVIDENCE.read_text(encoding="utf-8") == shared.read_text(encoding="utf-8"), (
        "docs/EVIDENCE.md differs from the shared evidence file: copy it and recheck the targets")


def test_bands_and_distances():
    t = {x.name: x for x in load_targets().targets}
    ceil = t["ceilinged_leaders"]
    assert ceil.kind == "at_least" and ceil.band[0] == pytest.approx(0.4)
    np.testing.assert_allclose(ceil.distance([0.9, 0.5, 0.4, 0.3]), [0, 0, 1, 2])
    burn = t["burnout_share"]
    np.testing.assert_allclose(burn.distance([0.55, 0.8, np.nan]), [0, 1, np.inf])


def _bad(tmp_path, old, new) -> Path:
    text = DEFAULT_TARGETS.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "bad.toml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


@pytest.mark.parametrize("old, new, words", [
    ('statistic = "burnout_share"', 'statistic = "burnout_rate"', "unknown statistic"),
    ('source = ["handmsg.com 2019/0917/5556430"]', "", "missing source"),
    ("value = 0.55\ntolerance = 0.25", "value = 0.55", "missing tolerance"),
    ("value = 0.55", "value = 1.55", "outside what 'burnout_share' can take"),
    ("tolerance = 0.25", "tolerance = 0.0", "tolerance must be above 0"),
    ('kind = "at_least"\ncadres', 'kind = "more"\ncadres', "kind 'more'"),
])
def test_bad_targets_file_is_one_line_naming_the_entry(tmp_path, old, new, words):
    path = _bad(tmp_path, old, new)
    with pytest.raises(UserError) as err:
        load_targets(path)
    assert words in str(err.value) and "\n" not in str(err.value)
    out = tmp_path / "never"
    done = subprocess.run(CLI + ["calibrate", "--targets", str(path), "--out", str(out)],
                          capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert done.returncode == 2
    assert len(done.stderr.strip().splitlines()) == 1 and "Traceback" not in done.stderr
    assert "target" in done.stderr and words in done.stderr
    assert not out.exists() and not list(tmp_path.glob(".never*"))


def test_levers_are_never_calibrated():
    with pytest.raises(UserError, match="only uncertainties are calibrated"):
        CalibrationPlan(targets=load_targets(), calibrate=("workload",))


def test_dry_run_states_runs_and_time_and_writes_nothing(tmp_path):
    out = tmp_path / "cal"
    done = subprocess.run(CLI + ["calibrate", "--dry-run", "--quick", "--out", str(out)],
                          capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert "model runs:" in done.stdout and "time:" in done.stdout
    assert not out.exists()


# ------------------------------------------------------------------------------ synthetic problem
TRUE = {"choice_sensitivity": 2.5, "routine_error_rate": 0.05}
SMALL = {"years": 8, "cadres": 200}


def _synthetic_targets(tmp_path) -> Path:
    """Targets made of the model's own statistics at TRUE (mean of four seeds)."""
    runs = [simulate(TRUE, 900 + s, 4 * SMALL["years"], n_cadres=SMALL["cadres"])["summary"]
            for s in range(4)]
    share = float(np.mean([r["innovator_share"] for r in runs]))
    sanctions = float(np.mean([r["sanctions_per_year"] for r in runs]))
    text = f"""
[setting]
years = {SMALL['years']}
cadres = {SMALL['cadres']}
regime = "synthetic: the model's own output at known values"
[[target]]
name = "innovators"
statistic = "innovator_share"
value = {share}
tolerance = 0.08
source = "synthetic"
mapping = "the statistic itself"
why_tolerance = "about three seed sds"
[[target]]
name = "sanctions"
statistic = "sanctions_per_year"
value = {sanctions}
tolerance = 0.05
source = "synthetic"
mapping = "the statistic itself"
why_tolerance = "about three seed sds"
"""
    path = tmp_path / "synthetic.toml"
    path.write_text(text)
    return path


def _plan(path, **kw) -> CalibrationPlan:
    return CalibrationPlan(targets=load_targets(path), population=kw.pop("population", 40),
                           max_generations=kw.pop("max_generations", 4),
                           calibrate=tuple(TRUE), nuisance="defaults", ppc_seeds=1, seed=5,
                           **kw)


def test_abc_recovers_known_parameters(tmp_path):
    plan = _plan(_synthetic_targets(tmp_path))
    res = calibrate(plan, tmp_path / "cal", progress=False, log=lambda _: None, engine="serial")
    post = load_posterior(tmp_path / "cal")
    assert set(post.names) == set(TRUE) and len(post) == 40
    for name, true in TRUE.items():
        lo, hi = weighted_quantiles(post.params[name], post.weights, [0.05, 0.95])
        assert lo <= true <= hi, f"{name}: true {true} outside the 90% interval [{lo}, {hi}]"
        p = res.parameters.set_index("parameter").loc[name]
        # The evidence taught something: the interval is well inside the prior range.
        assert p.share_of_range < 0.8, f"{name} barely constrained ({p.share_of_range:.2f})"
    assert res.smc.history[0]["epsilon"] == np.inf and res.smc.history[-1]["epsilon"] < 3
    for name in ("posterior.parquet", "manifest.json", "marginals.png", "check.png",
                 "check.csv", "summary.md", "generations.csv"):
        assert (tmp_path / "cal" / name).is_file(), name
    assert not (tmp_path / "cal" / "runs").exists()


def test_same_posterior_on_any_engine_and_worker_count(tmp_path):
    path = _synthetic_targets(tmp_path)
    plan = _plan(path, population=20, max_generations=2)
    calibrate(plan, tmp_path / "serial", progress=False, log=lambda _: None, engine="serial")
    calibrate(plan, tmp_path / "local", progress=False, log=lambda _: None, engine="local",
              workers=2)
    a = pd.read_parquet(tmp_path / "serial" / "posterior.parquet")
    b = pd.read_parquet(tmp_path / "local" / "posterior.parquet")
    pd.testing.assert_frame_equal(a, b, check_exact=True)


# ------------------------------------------------------------------------------ headline posterior
def _documented_unmet() -> set[str]:
    """Targets docs/CALIBRATION.md lists under 'Targets the model cannot meet' (in backticks)."""
    import re

    text = (ROOT / "docs" / "CALIBRATION.md").read_text(encoding="utf-8")
    if "### Targets the model cannot meet" not in text:
        return set()
    section = text.split("### Targets the model cannot meet", 1)[1].split("\n#", 1)[0]
    return set(re.findall(r"^- `([a-z_]+)`", section, flags=re.M))


def test_committed_posterior_meets_every_target():
    """Every target's posterior-predictive median lies in its band -- or the target is reported
    as one the model cannot meet, in the calibration's summary and in docs/CALIBRATION.md (a
    finding, never a silently loosened target). Either way the list must be exactly right."""
    post = default_posterior()
    if post is None:
        pytest.skip("no committed headline posterior yet (make calibrate)")
    assert len(post) >= 200
    check = pd.read_csv(post.path / "check.csv")
    targets = load_targets()
    assert list(check["target"]) == targets.names, "committed posterior is for other targets"
    assert list(check["value"]) == [t.value for t in targets.targets]
    assert list(check["tolerance"]) == [t.tolerance for t in targets.targets]
    unmet = set(check.loc[~check["met"], "target"])
    assert unmet == _documented_unmet(), (
        f"targets not met by the committed posterior: {sorted(unmet) or 'none'}; documented as "
        f"unmet in docs/CALIBRATION.md: {sorted(_documented_unmet()) or 'none'}")
    if unmet:
        summary = (post.path / "summary.md").read_text(encoding="utf-8")
        assert "Not every target can be met" in summary


def test_nuisance_prior_carries_the_uncalibrated_uncertainties_as_prior_draws(tmp_path):
    """`--nuisance prior`: the uncertainties the targets cannot inform are drawn afresh from their
    declared ranges for every candidate, and the posterior carries them into every answer."""
    from model.parameters import PARAMETERS_BY_NAME, names

    plan = _plan(_synthetic_targets(tmp_path), population=20, max_generations=1)
    plan = dataclasses.replace(plan, nuisance="prior")
    calibrate(plan, tmp_path / "cal", progress=False, log=lambda _: None, engine="serial")
    post = load_posterior(tmp_path / "cal")
    others = [n for n in names("uncertainty") if n not in TRUE]
    assert set(post.names) == set(TRUE) | set(others)
    assert post.calibrated == list(TRUE)
    for name in others:
        p, values = PARAMETERS_BY_NAME[name], post.params[name]
        assert values.between(p.low, p.high).all(), name
        assert values.nunique() > 1, f"{name} was not drawn from its range"
    summary = (tmp_path / "cal" / "summary.md").read_text()
    assert "draws from their declared ranges" in summary
