"""Paired comparison of scenarios against a baseline, with common random numbers.

Replicate ``r`` of every scenario runs on the same seed (see ``experiments.replicates``), so the
noise the scenarios share cancels in the paired difference ``d_r = scenario_r - baseline_r``. The
effect of a scenario on an output is the mean of ``d_r`` with a 95% t-interval::

    mean(d) +- t(0.975, n - 1) * sd(d) / sqrt(n)

For contrast, each row also gives the half-width an experiment with *independent* seeds would have
had (Welch's interval from the two scenarios' own spreads: the spread of each scenario is the same
whichever seeds the other used) and the ratio of the two: how many times pairing narrows the
interval. Sample sizes scale with the square of that ratio.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

#: Outputs a comparison reports by default: genuine innovation, its success, symbolic innovation,
#: the four barriers, stress, promotion of innovators and value delivered.
KEY_OUTPUTS = (
    "innovation_rate", "success_rate", "symbolic_rate",
    "barrier_afraid", "barrier_unwilling", "barrier_unaccustomed", "barrier_unable",
    "mean_stress", "innovator_share_promoted", "cumulative_value",
)
CONFIDENCE = 0.95


def _t_quantile(df: float, confidence: float = CONFIDENCE) -> float:
    from scipy.stats import t

    return float(t.ppf(0.5 + confidence / 2.0, df))


def t_halfwidth(x, confidence: float = CONFIDENCE) -> float:
    """Half-width of the t-interval for the mean of ``x`` (NaN with fewer than two values)."""
    x = np.asarray(x, dtype=float)
    n = x.size
    if n < 2:
        return float("nan")
    return _t_quantile(n - 1, confidence) * float(x.std(ddof=1)) / math.sqrt(n)


def paired_ci(scenario, baseline, confidence: float = CONFIDENCE) -> dict:
    """Mean paired difference ``scenario - baseline`` with its t-interval.

    ``scenario[i]`` and ``baseline[i]`` must come from the same seed. Returns ``mean_diff``,
    ``sd_diff``, ``ci_low``, ``ci_high``, ``ci_halfwidth`` and ``n``.
    """
    a, b = np.asarray(scenario, dtype=float), np.asarray(baseline, dtype=float)
    if a.shape != b.shape or a.ndim != 1:
        raise ValueError("paired samples must be 1-D arrays of the same length")
    d = a - b
    mean, half = float(d.mean()), t_halfwidth(d, confidence)
    return {"n": int(d.size), "mean_diff": mean,
            "sd_diff": float(d.std(ddof=1)) if d.size > 1 else float("nan"),
            "ci_low": mean - half, "ci_high": mean + half, "ci_halfwidth": half}


def welch_halfwidth(a, b, confidence: float = CONFIDENCE) -> float:
    """Half-width of Welch's interval for ``mean(a) - mean(b)`` from independent samples."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if a.size < 2 or b.size < 2:
        return float("nan")
    va, vb = a.var(ddof=1) / a.size, b.var(ddof=1) / b.size
    se2 = va + vb
    if se2 == 0:
        return 0.0
    # Welch-Satterthwaite degrees of freedom
    df = se2 ** 2 / (va ** 2 / (a.size - 1) + vb ** 2 / (b.size - 1))
    return _t_quantile(df, confidence) * math.sqrt(se2)


def narrowing_ratio(unpaired_half: float, paired_half: float) -> float:
    """How many times narrower the paired interval is (NaN when both are zero)."""
    if paired_half > 0:
        return unpaired_half / paired_half
    return float("inf") if unpaired_half > 0 else float("nan")


def effects_table(summary: pd.DataFrame, baseline: str, outputs: Sequence[str] = KEY_OUTPUTS,
                  confidence: float = CONFIDENCE) -> pd.DataFrame:
    """Paired effects of every scenario of ``summary`` against ``baseline``, per output.

    ``summary`` has one row per scenario x replicate (columns ``scenario``, ``replicate`` and the
    outputs); replicates are matched by number. Columns of the result: scenario, output, baseline,
    n, baseline_mean, scenario_mean, mean_diff, sd_diff, ci_low, ci_high, ci_halfwidth,
    ci_halfwidth_unpaired, narrowing (unpaired / paired half-width), relative_diff (mean_diff /
    baseline_mean) and p_value (paired t-test).
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
        for out in outputs:
            a = grp.loc[common, out].to_numpy(float)
            b = base.loc[common, out].to_numpy(float)
            ci = paired_ci(a, b, confidence)
            unpaired = welch_halfwidth(a, b, confidence)
            if ci["sd_diff"] == 0 or len(common) < 2:
                p = 1.0 if ci["mean_diff"] == 0 else (0.0 if len(common) > 1 else float("nan"))
            else:
                p = float(ttest_rel(a, b).pvalue)
            bmean = float(b.mean())
            rows.append({
                "scenario": name, "output": out, "baseline": baseline, "n": ci["n"],
                "baseline_mean": bmean, "scenario_mean": float(a.mean()),
                "mean_diff": ci["mean_diff"], "sd_diff": ci["sd_diff"],
                "ci_low": ci["ci_low"], "ci_high": ci["ci_high"],
                "ci_halfwidth": ci["ci_halfwidth"], "ci_halfwidth_unpaired": unpaired,
                "narrowing": narrowing_ratio(unpaired, ci["ci_halfwidth"]),
                "relative_diff": ci["mean_diff"] / bmean if bmean != 0 else float("nan"),
                "p_value": p,
            })
    return pd.DataFrame(rows)


def overall_narrowing(effects: pd.DataFrame) -> float:
    """Median narrowing ratio over the finite rows of an effects table."""
    r = effects["narrowing"].to_numpy(float)
    r = r[np.isfinite(r)]
    return float(np.median(r)) if r.size else float("nan")


def compare_scenarios(baseline, scenarios, replicates: int, years: float, seed: int,
                      n_cadres: int = 1000, workers: int | None = None, out=None,
                      progress: bool = True, overrides: dict | None = None,
                      outputs: Sequence[str] | None = None,
                      argv: list[str] | None = None) -> pd.DataFrame:
    """Paired comparison of ``scenarios`` against ``baseline`` (names, paths or Scenarios).

    Every replicate of every scenario runs on the same seed. Returns the effects table (see
    :func:`effects_table`); writes the full results folder when ``out`` is given. For the time
    series and manifest as well, use ``experiments.replicates.run_experiment("compare", ...)``.
    """
    from .replicates import run_experiment

    if isinstance(scenarios, str):
        scenarios = [scenarios]
    res = run_experiment("compare", [baseline, *scenarios], replicates, years, seed,
                         n_cadres=n_cadres, workers=workers, out=out, progress=progress,
                         overrides=overrides, outputs=outputs, argv=argv)
    return res.effects
