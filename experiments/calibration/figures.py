"""The figures a reviewer of a calibration expects: posterior marginals against the prior, and
the posterior-predictive check of every target."""

from __future__ import annotations

import numpy as np
import pandas as pd

from model.parameters import PARAMETERS_BY_NAME

from .check import weighted_quantiles


def marginals_figure(posterior: pd.DataFrame, names: list[str]):
    """One panel per calibrated uncertainty: the weighted posterior histogram over its declared
    range, the uniform prior as a line, the posterior median and 90% interval."""
    from matplotlib.figure import Figure

    cols = 4
    rows = -(-len(names) // cols)
    fig = Figure(figsize=(3.2 * cols, 2.3 * rows + 0.8), layout="constrained")
    axes = np.atleast_1d(fig.subplots(rows, cols, squeeze=False)).ravel()
    w = posterior["weight"].to_numpy(float)
    for ax, name in zip(axes, names, strict=False):
        p = PARAMETERS_BY_NAME[name]
        x = posterior[name].to_numpy(float)
        ax.hist(x, bins=20, range=(p.low, p.high), weights=w, density=True, color="C0",
                alpha=0.6, label="posterior")
        ax.axhline(1.0 / (p.high - p.low), color="0.3", ls="--", lw=1, label="prior")
        q05, q50, q95 = weighted_quantiles(x, w, [0.05, 0.5, 0.95])
        ax.axvspan(q05, q95, color="C0", alpha=0.1)
        ax.axvline(q50, color="C0", lw=1.5)
        ax.axvline(p.default, color="C3", lw=1, ls=":", label="declared default")
        ax.set_title(name, fontsize=9)
        ax.set_xlim(p.low, p.high)
        ax.tick_params(labelsize=7)
        ax.set_yticks([])
    for ax in axes[len(names):]:
        ax.set_visible(False)
    axes[0].legend(fontsize=7, loc="upper right")
    fig.suptitle("Calibrated uncertainties: posterior (bars; median and 90% interval shaded) "
                 "against the uniform prior over the declared range (dashed)", fontsize=10)
    return fig


def check_figure(targets, ppc: pd.DataFrame, prior: pd.DataFrame, table: pd.DataFrame):
    """One panel per target: prior predictive (grey) and posterior predictive (blue) histograms
    of its statistic, the band the evidence allows (green) and the published value."""
    from matplotlib.figure import Figure

    cols = 4
    ts = list(targets.targets)
    rows = -(-len(ts) // cols)
    fig = Figure(figsize=(3.2 * cols, 2.4 * rows + 0.8), layout="constrained")
    axes = np.atleast_1d(fig.subplots(rows, cols, squeeze=False)).ravel()
    for ax, t, row in zip(axes, ts, table.itertuples(), strict=False):
        post = ppc[t.statistic].to_numpy(float)
        pri = prior[t.statistic].to_numpy(float)
        both = np.concatenate([post[np.isfinite(post)], pri[np.isfinite(pri)], [t.value]])
        lo, hi = float(np.min(both)), float(np.max(both))
        pad = 0.05 * (hi - lo or 1.0)
        rng = (lo - pad, hi + pad)
        ax.hist(pri[np.isfinite(pri)], bins=30, range=rng, density=True, color="0.6",
                alpha=0.5, label="prior predictive")
        ok = np.isfinite(post)
        ax.hist(post[ok], bins=30, range=rng, weights=ppc["weight"].to_numpy(float)[ok],
                density=True, color="C0", alpha=0.6, label="posterior predictive")
        low, high = t.band
        ax.axvspan(max(low, rng[0]), min(high, rng[1]), color="C2", alpha=0.12,
                   label="band the evidence allows")
        ax.axvline(t.value, color="C2", lw=1.5)
        verdict = "met" if row.met else "NOT MET"
        ax.set_title(f"{t.name} ({verdict})", fontsize=9,
                     color="black" if row.met else "C3")
        ax.set_xlabel(t.statistic, fontsize=8)
        ax.tick_params(labelsize=7)
        ax.set_yticks([])
    for ax in axes[len(ts):]:
        ax.set_visible(False)
    axes[0].legend(fontsize=7)
    fig.suptitle("Posterior-predictive check: each target's band and value against its statistic "
                 "over the posterior ensemble and fresh seeds", fontsize=10)
    return fig
