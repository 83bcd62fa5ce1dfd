"""Intervals every analysis shares: t-intervals of a mean, paired and Welch intervals of a
difference.

The paired interval of ``d_r = scenario_r - baseline_r`` (replicate ``r`` of both on the same
seed) is::

    mean(d) +- t(0.975, n - 1) * sd(d) / sqrt(n)

Welch's interval is what independent seeds would have given; :func:`narrowing_ratio` says how
many times pairing narrows the interval (sample sizes scale with its square).
"""

from __future__ import annotations

import math

import numpy as np

CONFIDENCE = 0.95


def t_quantile(df: float, confidence: float = CONFIDENCE) -> float:
    """The two-sided Student-t quantile for ``confidence`` with ``df`` degrees of freedom."""
    from scipy.stats import t

    return float(t.ppf(0.5 + confidence / 2.0, df))


def t_halfwidth(x, confidence: float = CONFIDENCE) -> float:
    """Half-width of the t-interval for the mean of ``x`` (NaN with fewer than two values)."""
    x = np.asarray(x, dtype=float)
    n = x.size
    if n < 2:
        return float("nan")
    return t_quantile(n - 1, confidence) * float(x.std(ddof=1)) / math.sqrt(n)


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
    return t_quantile(df, confidence) * math.sqrt(se2)


def narrowing_ratio(unpaired_half: float, paired_half: float) -> float:
    """How many times narrower the paired interval is (NaN when both are zero)."""
    if paired_half > 0:
        return unpaired_half / paired_half
    return float("inf") if unpaired_half > 0 else float("nan")


def variance_split(d, draws, confidence: float = CONFIDENCE) -> dict:
    """Split the spread of paired differences ``d`` into parameter uncertainty and seed noise.

    ``draws[i]`` is the posterior parameter draw of difference ``i``; differences of one draw
    differ only by their seeds (a nested design: k draws x m seeds each). By the law of total
    variance, ``var(d) = var_draws(E[d | draw]) + E[var(d | draw)]``:

    * ``sd_seed``: the pooled within-draw standard deviation (seed noise at fixed parameters);
    * ``sd_param``: the standard deviation of the effect between draws, with the seed noise of
      the draw means removed (``var(mean_j) - sd_seed^2 * mean(1 / m_j)``, floored at 0);
    * ``full_low/high``: ``mean +- z * sqrt(sd_param^2 + sd_seed^2)``, where the effect of one run
      may fall given what we do not know about behaviour and the seed;
    * ``seed_low/high``: ``mean +- z * sd_seed``, the same with behaviour known (seed noise alone);
    * ``same_sign_share``: the share of draws whose mean difference has the sign of the overall
      mean (NaN with a single draw).

    With a single draw (every run at the same parameters) all the spread is seed noise.
    """
    from scipy.stats import norm

    d, draws = np.asarray(d, dtype=float), np.asarray(draws)
    mean = float(d.mean()) if d.size else float("nan")
    z = float(norm.ppf(0.5 + confidence / 2.0))
    keys = list(dict.fromkeys(draws.tolist()))
    groups = [d[draws == k] for k in keys]
    within = [(g.size - 1, float(g.var(ddof=1))) for g in groups if g.size > 1]
    dof = sum(n for n, _ in within)
    if len(keys) < 2:
        var_seed = float(d.var(ddof=1)) if d.size > 1 else float("nan")
        var_param, share = 0.0, float("nan")
    else:
        var_seed = sum(n * v for n, v in within) / dof if dof else float("nan")
        means = np.array([g.mean() for g in groups])
        inv_m = float(np.mean([1.0 / g.size for g in groups]))
        seed_part = var_seed * inv_m if np.isfinite(var_seed) else 0.0
        var_param = max(float(means.var(ddof=1)) - seed_part, 0.0)
        share = float(np.mean(np.sign(means) == np.sign(mean))) if mean != 0 else float("nan")
    sd_seed = math.sqrt(var_seed) if np.isfinite(var_seed) else float("nan")
    sd_full = math.sqrt(var_param + (var_seed if np.isfinite(var_seed) else 0.0))
    return {"draws": len(keys), "sd_param": math.sqrt(var_param), "sd_seed": sd_seed,
            "full_low": mean - z * sd_full, "full_high": mean + z * sd_full,
            "seed_low": mean - z * sd_seed, "seed_high": mean + z * sd_seed,
            "same_sign_share": share}
