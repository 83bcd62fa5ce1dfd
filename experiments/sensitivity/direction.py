"""Direction of effects: does raising a parameter raise or lower an output?

Sobol indices say how much, not which way. Two signed measures, from the same runs:

* standardised regression coefficients (SRC) of the replicate-mean output on the sampled
  parameters (any design), with bootstrap intervals; the sign is the direction, the R^2 of the
  linear fit says how much of the behaviour a straight line captures;
* Morris' mu, the signed mean elementary effect: consistent when |mu| is close to mu*.

A mechanism's direction is read from its members (see :func:`group_direction`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

#: Bootstrap resamples of the SRC intervals.
NUM_RESAMPLES = 200
#: Morris direction: |mu| must be at least this share of mu* for a consistent sign.
MONOTONE_SHARE = 0.8


def is_constant(y: np.ndarray) -> bool:
    """True when ``y`` does not vary (up to rounding): nothing to apportion."""
    return bool(np.ptp(y) <= 1e-12 * max(1.0, float(np.max(np.abs(y)))))


def src(X: np.ndarray, y: np.ndarray, seed: int) -> tuple[np.ndarray, np.ndarray, float]:
    """Standardised regression coefficients of ``y`` on the columns of ``X``.

    Returns (SRC, 95% bootstrap half-interval, R^2 of the linear fit). SRC_j is the change in y, in
    standard deviations, per standard deviation of parameter j, the others held fixed; its sign is
    the direction of the effect. A low R^2 means the effects are far from linear and the sign is a
    summary, not the whole story.
    """
    k = X.shape[1]
    nan = np.full(k, np.nan)
    if len(y) <= k + 2 or is_constant(y):
        return (np.zeros(k), np.zeros(k), float("nan")) if is_constant(y) else (nan, nan, np.nan)
    sx, sy = X.std(axis=0), y.std()
    sx = np.where(sx > 0, sx, 1.0)
    Z = np.column_stack([np.ones(len(y)), (X - X.mean(axis=0)) / sx])
    w = (y - y.mean()) / sy

    def fit(idx):
        beta, *_ = np.linalg.lstsq(Z[idx], w[idx], rcond=None)
        return beta[1:]

    coef = fit(np.arange(len(y)))
    resid = w - Z[:, 1:] @ coef
    r2 = float(1.0 - resid.var() / w.var())
    rng = np.random.default_rng(seed)
    boots = np.array([fit(rng.integers(0, len(y), len(y))) for _ in range(NUM_RESAMPLES)])
    z = 1.959963984540054
    return coef, z * boots.std(axis=0, ddof=1), r2


def direction_from_src(s: float, conf: float) -> str:
    """raises / lowers when the SRC interval excludes zero, else unclear."""
    if not np.isfinite(s):
        return "unknown"
    if s - conf > 0:
        return "raises"
    if s + conf < 0:
        return "lowers"
    return "unclear"


def direction_from_mu(mu: float, mu_star: float) -> str:
    """raises / lowers when |mu| >= MONOTONE_SHARE * mu* (nearly always one sign), else mixed."""
    if not np.isfinite(mu) or mu_star <= 0:
        return "none"
    if abs(mu) >= MONOTONE_SHARE * mu_star:
        return "raises" if mu > 0 else "lowers"
    return "mixed"


def group_direction(members: list[str], table: pd.DataFrame) -> str:
    """A mechanism raises (lowers) an output when every member with a clear direction does.

    Members under the noise floor are ignored, and so are members whose effect is only
    provisional (interval reaching the noise floor or zero) when some member's effect is not;
    members whose sign is unclear do not veto; members pulling both ways make it "mixed"."""
    rows = table[table["name"].isin(members)]
    relevant = rows[~rows["flags"].str.contains("below_noise")]
    confident = relevant[~relevant["flags"].str.contains(
        "near_noise|ST_spans_zero|mu_star_spans_zero")]
    if len(confident):
        relevant = confident
    dirs = set(relevant["direction"])
    clear = dirs & {"raises", "lowers", "mixed"}
    if not clear:
        return "none" if dirs <= {"none"} else "unclear"
    if clear == {"raises"}:
        return "raises"
    if clear == {"lowers"}:
        return "lowers"
    return "mixed"
