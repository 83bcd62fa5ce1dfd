"""Paired comparisons: seeds, reproducibility, interval arithmetic, coverage, and the narrowing
that common random numbers buy."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from experiments import compare_scenarios, replicate_seed
from experiments.replicates import KEY_OUTPUTS, effects_table, run_experiment
from experiments.scenario import Scenario
from experiments.stats import narrowing_ratio, paired_ci, welch_halfwidth

TINY = {"years": 2, "n_cadres": 200, "progress": False}


def test_replicate_seeds_depend_only_on_root_and_replicate():
    seeds = [replicate_seed(7, r) for r in range(5)]
    assert seeds == [replicate_seed(7, r) for r in range(5)]
    assert len(set(seeds)) == 5
    assert replicate_seed(8, 0) != seeds[0]
    assert seeds[2] == int(np.random.SeedSequence(7, spawn_key=(2,)).generate_state(1)[0])


def test_paired_ci_matches_hand_computation():
    a, b = np.array([3.0, 5.0, 4.0, 6.0]), np.array([1.0, 2.0, 2.0, 3.0])
    ci = paired_ci(a, b)
    d = a - b
    half = stats.t.ppf(0.975, 3) * d.std(ddof=1) / 2.0
    assert ci["mean_diff"] == pytest.approx(2.5)
    assert ci["ci_low"] == pytest.approx(2.5 - half)
    assert ci["ci_high"] == pytest.approx(2.5 + half)
    assert ci["n"] == 4
    # Welch's half-width agrees with scipy's own interval for independent samples
    res = stats.ttest_ind(a, b, equal_var=False).confidence_interval(0.95)
    assert welch_halfwidth(a, b) == pytest.approx((res.high - res.low) / 2)
    assert narrowing_ratio(2.0, 1.0) == 2.0 and np.isnan(narrowing_ratio(0.0, 0.0))


@pytest.mark.slow
def test_intervals_cover_a_known_difference_95_percent_of_the_time():
    """Synthetic check: paired data with true mean difference 0.3 and strong shared noise."""
    rng = np.random.default_rng(20240601)
    trials, n, true_diff = 4000, 8, 0.3
    hit_paired = hit_welch = 0
    narrower = 0
    for _ in range(trials):
        shared = rng.normal(0.0, 1.0, n)          # what common random numbers share
        base = 1.0 + shared + rng.normal(0.0, 0.2, n)
        scen = 1.0 + true_diff + shared + rng.normal(0.0, 0.2, n)
        ci = paired_ci(scen, base)
        hit_paired += ci["ci_low"] <= true_diff <= ci["ci_high"]
        # independent seeds: the scenario's own noise, unrelated to the baseline's
        indep = 1.0 + true_diff + rng.normal(0.0, 1.0, n) + rng.normal(0.0, 0.2, n)
        h = welch_halfwidth(indep, base)
        mean = indep.mean() - base.mean()
        hit_welch += mean - h <= true_diff <= mean + h
        narrower += ci["ci_halfwidth"] < h
    assert 0.935 <= hit_paired / trials <= 0.965
    assert 0.935 <= hit_welch / trials <= 0.97
    assert narrower / trials > 0.95


def test_same_seed_gives_identical_results_on_any_number_of_workers():
    args = (["baseline", "credible_fault_tolerance"], 3)
    one = run_experiment("compare", *args, seed=5, workers=1, **TINY)
    again = run_experiment("compare", *args, seed=5, workers=1, **TINY)
    two = run_experiment("compare", *args, seed=5, workers=2, **TINY)
    cols = list(KEY_OUTPUTS)
    for other in (again, two):
        pd.testing.assert_frame_equal(one.summary[["scenario", "replicate", "seed", *cols]],
                                      other.summary[["scenario", "replicate", "seed", *cols]])
        pd.testing.assert_frame_equal(one.timeseries, other.timeseries)
        pd.testing.assert_frame_equal(one.effects, other.effects)
    other_seed = run_experiment("compare", *args, seed=6, workers=1, **TINY)
    assert not np.array_equal(one.summary[cols].to_numpy(), other_seed.summary[cols].to_numpy())


def test_identical_policies_differ_by_exactly_zero():
    """Replicate r of every scenario uses the same seed: the same policy under another name gives
    paired differences of exactly zero (and an interval of zero width)."""
    twin = Scenario("baseline_twin", "the baseline under another name")
    eff = compare_scenarios("baseline", [twin], replicates=3, seed=2, workers=1, **TINY)
    assert list(eff["output"]) == list(KEY_OUTPUTS)
    assert (eff["mean_diff"] == 0).all() and (eff["ci_halfwidth"] == 0).all()
    assert (eff["ci_halfwidth_unpaired"] > 0).any()


def test_pairing_narrows_intervals_against_independent_seeds():
    """Run the scenario a second time on independent seeds (another root seed) and compare the
    width of Welch's interval with the paired one."""
    reps = 8
    kw = {"years": 3, "n_cadres": 200, "progress": False, "workers": 1}
    paired = run_experiment("compare", ["baseline", "credible_fault_tolerance"], reps, seed=1, **kw)
    indep = run_experiment("run", ["credible_fault_tolerance"], reps, seed=999, **kw).summary
    base = paired.summary[paired.summary["scenario"] == "baseline"]
    ratios = []
    for out in ("innovation_rate", "barrier_afraid", "barrier_unable", "mean_stress",
                "cumulative_value"):
        row = paired.effects.set_index("output").loc[out]
        ratios.append(welch_halfwidth(indep[out], base[out]) / row["ci_halfwidth"])
    assert np.median(ratios) > 1.5, ratios
    # the table's own estimate of the unpaired width tells the same story
    assert (paired.effects["narrowing"] > 1).mean() >= 0.7


def test_effects_table_matches_the_summary():
    summary = pd.DataFrame({
        "scenario": ["b", "b", "b", "s", "s", "s"], "replicate": [0, 1, 2, 2, 1, 0],
        "innovation_rate": [0.1, 0.2, 0.3, 0.6, 0.4, 0.2],
    })
    eff = effects_table(summary, "b", ["innovation_rate"])
    row = eff.iloc[0]
    # replicates are matched by number, whatever the row order
    assert row["mean_diff"] == pytest.approx(0.2)
    assert row["sd_diff"] == pytest.approx(np.std([0.1, 0.2, 0.3], ddof=1))
    assert row["baseline_mean"] == pytest.approx(0.2) and row["scenario_mean"] == pytest.approx(0.4)
    assert row["relative_diff"] == pytest.approx(1.0)
    assert {"scenario", "output", "mean_diff", "ci_low", "ci_high", "n",
            "ci_halfwidth_unpaired", "narrowing", "p_value"} <= set(eff.columns)


def _costed_summary(policies: dict) -> pd.DataFrame:
    """Baseline 'b' plus one scenario per entry: name -> (innovation effects, cost effects) per
    replicate, on top of a baseline of 0.10 innovation and 3,000 yuan."""
    rows = []
    for r in range(4):
        rows.append({"scenario": "b", "replicate": r, "innovation_rate": 0.10 + 0.01 * r,
                     "policy_cost": 3000.0 + 10 * r})
    for name, (effect, cost) in policies.items():
        for r in range(4):
            rows.append({"scenario": name, "replicate": r,
                         "innovation_rate": 0.10 + 0.01 * r + effect[r],
                         "policy_cost": 3000.0 + 10 * r + cost[r]})
    return pd.DataFrame(rows)


def test_costs_and_gain_per_cost_are_paired_differences_and_their_ratio():
    fixed = [500.0] * 4
    summary = _costed_summary({
        "pays": ([0.04, 0.05, 0.06, 0.05], fixed),          # costs more, raises innovation
        "hurts": ([-0.04, -0.05, -0.06, -0.05], fixed),     # costs more, lowers it
        "saves": ([0.02, 0.03, 0.02, 0.03], [-200.0] * 4),  # cheaper and better
        "free": ([0.02, 0.03, 0.02, 0.03], [0.0] * 4),      # no cost difference at all
        "unsure": ([0.02, 0.03, 0.02, 0.03], [300.0, -250.0, 200.0, -240.0]),
    })
    eff = effects_table(summary, "b", ["innovation_rate", "policy_cost"]).set_index(
        ["scenario", "output"])
    pays = eff.loc[("pays", "innovation_rate")]
    assert pays["cost_diff"] == pytest.approx(500.0)
    assert pays["per_1000_yuan"] == pytest.approx(0.05 / 500 * 1000)  # 10 points per 1,000 yuan
    # the cost is fixed, so Fieller's interval is the effect's t-interval divided by the cost
    assert pays["per_1000_yuan_low"] == pytest.approx(pays["ci_low"] / 0.5)
    assert pays["per_1000_yuan_high"] == pytest.approx(pays["ci_high"] / 0.5)
    assert pays["cost_reading"] == "costs more and raises it"
    assert eff.loc[("hurts", "innovation_rate"), "cost_reading"] == "costs more and lowers it"
    assert eff.loc[("saves", "innovation_rate"), "cost_reading"] == "saves money and raises it"
    free = eff.loc[("free", "innovation_rate")]
    assert free["cost_reading"].startswith("no cost difference") and np.isnan(
        free["per_1000_yuan"])
    unsure = eff.loc[("unsure", "innovation_rate")]
    assert unsure["cost_reading"].startswith("cost difference uncertain")
    assert np.isnan(unsure["per_1000_yuan"])  # no finite interval: no ratio is shown
    # the cost row itself carries the cost as its effect and no ratio
    assert eff.loc[("pays", "policy_cost"), "mean_diff"] == pytest.approx(500.0)
    assert np.isnan(eff.loc[("pays", "policy_cost"), "per_1000_yuan"])


def test_effects_csv_is_rounded_to_what_each_interval_justifies():
    from experiments.replicates.effects import rounded

    summary = _costed_summary({"pays": ([0.0412345, 0.0512345, 0.0612345, 0.0512345],
                                        [500.123] * 4)})
    eff = effects_table(summary, "b", ["innovation_rate", "policy_cost"])
    out = rounded(eff).set_index("output")
    row = eff.set_index("output").loc["innovation_rate"]
    # half-width ~0.013 -> three decimals of the share (a tenth of a percentage point)
    assert out.loc["innovation_rate", "mean_diff"] == round(row["mean_diff"], 3)
    assert out.loc["innovation_rate", "ci_low"] == round(row["ci_low"], 3)
    # no interval (the cost difference is exact): four significant digits of the level (3,500)
    assert out.loc["policy_cost", "mean_diff"] == 500.0
    assert eff["mean_diff"].iloc[0] != out["mean_diff"].iloc[0]  # the table itself keeps digits


def test_the_headline_states_cost_and_the_best_value_from_the_table():
    from experiments.briefings.headline import cost_finding

    summary = _costed_summary({
        "big": ([0.20, 0.21, 0.19, 0.20], [4000.0] * 4),    # +20 points for 4,000 yuan
        "thrifty": ([0.05, 0.06, 0.04, 0.05], [100.0] * 4),  # +5 points for 100 yuan
        "free": ([0.02, 0.03, 0.02, 0.03], [0.0] * 4),
    })
    eff = effects_table(summary, "b", ["innovation_rate", "policy_cost"])
    text = cost_finding(eff)
    assert text.startswith("What it costs: big, the strongest, adds 4,000 yuan per cadre per year")
    assert "thrifty buys the most genuine innovation: +50 percentage points" in text
    assert text.endswith("free raises it at no extra cost.")
    assert cost_finding(eff.drop(columns=["cost_diff"])) is None  # tables from before costs
