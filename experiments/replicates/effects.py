"""Paired effects of scenarios against a baseline, with common random numbers.

Replicate ``r`` of every scenario runs on the same seed (see ``runs.replicate_seed``), so the
noise the scenarios share cancels in the paired difference ``d_r = scenario_r - baseline_r``. The
effect of a scenario on an output is the mean of ``d_r`` with a 95% t-interval
(``experiments.stats.paired_ci``).

For contrast, each row also gives the half-width an experiment with *independent* seeds would have
had (Welch's interval from the two scenarios' own spreads: the spread of each scenario is the same
whichever seeds the other used) and the ratio of the two: how many times pairing narrows the
interval. Sample sizes scale with the square of that ratio.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..stats import CONFIDENCE, narrowing_ratio, paired_ci, variance_split, welch_halfwidth

#: Share of posterior draws in which an effect keeps its sign for it to be called robust.
ROBUST_SHARE = 0.9
#: Fewer posterior draws than this cannot support the word "robust" (robust is left empty).
MIN_DRAWS = 10

#: Outputs a comparison reports by default: genuine innovation, its success, symbolic innovation,
#: the four barriers, stress, promotion of innovators and value delivered.
KEY_OUTPUTS = (
    "innovation_rate", "success_rate", "symbolic_rate",
    "barrier_afraid", "barrier_unwilling", "barrier_unaccustomed", "barrier_unable",
    "mean_stress", "innovator_share_promoted", "cumulative_value",
)


def effects_table(summary: pd.DataFrame, baseline: str, outputs: Sequence[str] = KEY_OUTPUTS,
                  confidence: float = CONFIDENCE) -> pd.DataFrame:
    """Paired effects of every scenario of ``summary`` against ``baseline``, per output.

    ``summary`` has one row per scenario x replicate (columns ``scenario``, ``replicate`` and the
    outputs); replicates are matched by number. Columns of the result: scenario, output, baseline,
    n, baseline_mean, scenario_mean, mean_diff, sd_diff, ci_low, ci_high, ci_halfwidth,
    ci_halfwidth_unpaired, narrowing (unpaired / paired half-width), relative_diff (mean_diff /
    baseline_mean) and p_value (paired t-test).

    Over a posterior (``summary`` has a ``draw`` column: the parameter draw of each replicate,
    shared by every scenario), the spread of the effect is split into parameter uncertainty and
    seed noise (``experiments.stats.variance_split``): columns draws, sd_param, sd_seed,
    full_low/full_high (95% interval of the effect with parameter uncertainty and seed noise),
    seed_low/seed_high (seed noise alone), same_sign_share (share of draws whose effect has the
    sign of the mean) and robust (that share is at least ROBUST_SHARE; empty with fewer than
    MIN_DRAWS draws). ci_low/ci_high stay the
    interval of the mean effect. Without a ``draw`` column every replicate counts as one draw.
    """
    from scipy.stats import ttest_rel

    summary = summary.assign(scenario=summary["scenario"].astype(str))
    base = summary[summary["scenario"] == baseline].set_index("replicate").sort_index()
    if base.empty:
        raise ValueError(f"baseline '{baseline}' is not in the summary table")
    rows = []
    for name in dict.fromkeys(summary["scenario"]):
        if name == baseline:
            continue
        grp = summary[summary["scenario"] == name].set_index("replicate").sort_index()
        common = base.index.intersection(grp.index)
        draws = (base.loc[common, "draw"].to_numpy() if "draw" in base.columns
                 else np.zeros(len(common)))
        for out in outputs:
            a = grp.loc[common, out].to_numpy(float)
            b = base.loc[common, out].to_numpy(float)
            ci = paired_ci(a, b, confidence)
            unpaired = welch_halfwidth(a, b, confidence)
            if ci["sd_diff"] == 0 or len(common) < 2:
                p = 1.0 if ci["mean_diff"] == 0 else (0.0 if len(common) > 1 else float("nan"))
            else:
                with warnings.catch_warnings():  # near-identical pairs: scipy warns, p is fine
                    warnings.simplefilter("ignore", RuntimeWarning)
                    p = float(ttest_rel(a, b).pvalue)
            bmean = float(b.mean())
            split = variance_split(a - b, draws, confidence)
            share = split["same_sign_share"]
            rows.append({
                "scenario": name, "output": out, "baseline": baseline, "n": ci["n"],
                "baseline_mean": bmean, "scenario_mean": float(a.mean()),
                "mean_diff": ci["mean_diff"], "sd_diff": ci["sd_diff"],
                "ci_low": ci["ci_low"], "ci_high": ci["ci_high"],
                "ci_halfwidth": ci["ci_halfwidth"], "ci_halfwidth_unpaired": unpaired,
                "narrowing": narrowing_ratio(unpaired, ci["ci_halfwidth"]),
                "relative_diff": ci["mean_diff"] / bmean if bmean != 0 else float("nan"),
                "p_value": p,
                **split,
                "robust": (bool(share >= ROBUST_SHARE)
                           if np.isfinite(share) and split["draws"] >= MIN_DRAWS else None),
            })
    return pd.DataFrame(rows)


def overall_narrowing(effects: pd.DataFrame) -> float:
    """Median narrowing ratio over the finite rows of an effects table."""
    r = effects["narrowing"].to_numpy(float)
    r = r[np.isfinite(r)]
    return float(np.median(r)) if r.size else float("nan")
