"""Answers over the posterior (issue 12): paired replicates share a posterior draw and a seed, the
spread of an effect splits into parameter uncertainty and seed noise, and the sensitivity problem
samples levers over their reform ranges with the posterior as one input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from experiments.calibration import load_posterior
from experiments.errors import UserError
from experiments.replicates import run_experiment
from experiments.replicates.settings import replicate_params
from experiments.sensitivity import Plan, build_problem, parse_outputs
from experiments.sensitivity.plan import POSTERIOR_INPUT
from experiments.stats import variance_split
from model.parameters import PARAMETERS_BY_NAME, names


@pytest.fixture()
def posterior(tmp_path):
    df = pd.DataFrame({"choice_sensitivity": [1.0, 2.0, 3.0, 4.0],
                       "skill_mean": [0.4, 0.5, 0.6, 0.45], "weight": [0.25] * 4})
    df.to_parquet(tmp_path / "posterior.parquet", index=False)
    return load_posterior(tmp_path)


def test_variance_split_recovers_known_components():
    rng = np.random.default_rng(3)
    k, m, sd_param, sd_seed = 400, 3, 1.0, 0.5
    effect = 2.0 + sd_param * rng.standard_normal(k)
    d = np.repeat(effect, m) + sd_seed * rng.standard_normal(k * m)
    out = variance_split(d, np.repeat(np.arange(k), m))
    assert out["draws"] == k
    assert out["sd_param"] == pytest.approx(sd_param, rel=0.1)
    assert out["sd_seed"] == pytest.approx(sd_seed, rel=0.1)
    half_full = (out["full_high"] - out["full_low"]) / 2
    assert half_full == pytest.approx(1.96 * np.hypot(sd_param, sd_seed), rel=0.1)
    assert out["seed_high"] - out["seed_low"] < out["full_high"] - out["full_low"]
    assert out["same_sign_share"] == pytest.approx(np.mean(effect > 0), abs=0.03)


def test_variance_split_with_one_parameter_set_is_all_seed_noise():
    d = np.array([1.0, 2.0, 3.0, 4.0])
    out = variance_split(d, np.zeros(4))
    assert out["sd_param"] == 0.0 and out["sd_seed"] == pytest.approx(d.std(ddof=1))
    assert np.isnan(out["same_sign_share"])
    assert (out["full_low"], out["full_high"]) == (out["seed_low"], out["seed_high"])


def test_replicates_share_draws_in_groups_and_explicit_settings_win(posterior):
    a = [replicate_params(posterior, r, 7, 2, set()) for r in range(6)]
    assert [d for _, d in a] == [0, 0, 1, 1, 2, 2]
    assert a[0][0] == a[1][0] == posterior.draw_for(0, 7)
    assert a[2][0] == posterior.draw_for(1, 7)
    values, _ = replicate_params(posterior, 0, 7, 2, {"skill_mean"})
    assert "skill_mean" not in values and "choice_sensitivity" in values
    assert replicate_params(None, 3, 7, 2, set()) == ({}, 0)


def test_comparison_over_a_posterior_reports_both_intervals(posterior):
    res = run_experiment("compare", ["baseline", "credible_fault_tolerance"], replicates=4,
                         years=2, seed=3, n_cadres=100, workers=1, progress=False,
                         outputs=["innovation_rate"], posterior=posterior, seeds_per_draw=2)
    assert list(res.summary["draw"][:4]) == [0, 0, 1, 1]
    e = res.effects.iloc[0]
    for col in ("full_low", "full_high", "seed_low", "seed_high", "sd_param", "sd_seed",
                "same_sign_share", "draws"):
        assert col in res.effects.columns
    assert e["draws"] == 2 and e["robust"] is None  # too few draws to say "robust"
    assert res.manifest["settings"]["posterior"]["sha256"] == posterior.sha256
    without = run_experiment("compare", ["baseline", "credible_fault_tolerance"], replicates=4,
                             years=2, seed=3, n_cadres=100, workers=1, progress=False,
                             outputs=["innovation_rate"])
    # Drawing behaviour from the posterior changes the runs (same seeds, other parameters).
    assert not np.allclose(res.summary["innovation_rate"], without.summary["innovation_rate"])


def test_bad_seeds_per_draw_is_refused(posterior):
    with pytest.raises(UserError, match="--seeds-per-draw"):
        run_experiment("compare", ["baseline", "credible_fault_tolerance"], replicates=4,
                       years=1, seed=3, n_cadres=100, posterior=posterior, seeds_per_draw=0)


def test_reform_ranges_and_the_posterior_as_one_input(posterior):
    problem = build_problem("levers", ranges="reform", posterior=posterior)
    levers = names("lever")
    assert list(problem.names) == levers + [POSTERIOR_INPUT]
    for name, bounds in zip(problem.names[:-1], problem.bounds[:-1], strict=True):
        assert tuple(bounds) == PARAMETERS_BY_NAME[name].reform_range
    assert problem.groups[-1] == "posterior" and problem.bounds[-1] == (0.0, 1.0)
    plan = Plan(method="sobol", samples=4, replicates=1, problem=problem,
                outputs=parse_outputs("innovation_rate"), years=1, seed=1, ranges="reform",
                posterior=posterior)
    design = plan.design()
    sweep = plan.sweep_design(design)
    assert POSTERIOR_INPUT not in sweep.param_names
    assert sweep.param_names[-2:] == ["choice_sensitivity", "skill_mean"]
    rows = posterior.index_of(design.X[:, -1])
    np.testing.assert_array_equal(sweep.samples[:, -2],
                                  posterior.params["choice_sensitivity"].to_numpy()[rows])
    sweep.validate()
    with pytest.raises(UserError, match="drawn from the posterior"):
        build_problem("workload,skill_mean", posterior=posterior)
    with pytest.raises(UserError, match="--ranges"):
        build_problem("levers", ranges="wide")


def test_a_resumed_sensitivity_keeps_its_reform_ranges_and_posterior(tmp_path):
    """`cadresim resume` rebuilds the plan from its record: ranges and posterior included (a
    plan rebuilt without them would sample another design)."""
    import shutil

    from experiments.calibration.posterior import default_posterior
    from experiments.errors import UserError
    from experiments.sensitivity import Plan, build_problem, parse_outputs
    from experiments.sensitivity.resume import plan_from_dict

    post = default_posterior()
    plan = Plan(method="sobol", samples=4, replicates=1,
                problem=build_problem("levers", ranges="reform", posterior=post),
                outputs=parse_outputs(None), years=2, seed=3, n_cadres=100, ranges="reform",
                posterior=post)
    again = plan_from_dict(plan.to_dict())
    assert again.to_dict() == plan.to_dict()
    assert (again.sweep_design(again.design()).fingerprint()
            == plan.sweep_design(plan.design()).fingerprint())
    # Another file at the recorded place is refused, not silently mixed in.
    moved = tmp_path / "posterior"
    shutil.copytree(post.path, moved)
    record = plan.to_dict()
    record["posterior"] = {**record["posterior"], "path": str(moved), "sha256": "0" * 64}
    with pytest.raises(UserError, match="checksum changed"):
        plan_from_dict(record)
