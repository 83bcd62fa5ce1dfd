"""The posterior-predictive check: every posterior parameter set run again on fresh seeds, and each
target's value set against the distribution of its statistic over the ensemble and the seeds.

A target is *met* when the weighted median of the predictive distribution lies in its band; the
table also gives the predictive 5-95% interval and the (weighted) share of runs inside the band.
The prior predictive (generation 0 of the ABC, drawn from the prior) is given beside it, so a
reader sees what the evidence changed.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..sweeps import run_sweep
from .generations import wait_for_shards
from .plan import CalibrationPlan

#: The spawn key of the check's seeds (the ABC's generations use 0, 1, ...; screening 10,000).
PPC_KEY = 20_000


def weighted_quantiles(x, w, qs) -> np.ndarray:
    """Quantiles ``qs`` of ``x`` under weights ``w`` (inverse of the weighted CDF); NaNs dropped."""
    x, w = np.asarray(x, float), np.asarray(w, float)
    ok = np.isfinite(x)
    x, w = x[ok], w[ok]
    if x.size == 0:
        return np.full(len(qs), np.nan)
    order = np.argsort(x, kind="stable")
    x, cdf = x[order], np.cumsum(w[order])
    cdf /= cdf[-1]
    return np.array([x[min(np.searchsorted(cdf, q, side="left"), x.size - 1)] for q in qs])


def run_check(plan: CalibrationPlan, posterior: pd.DataFrame, names: list[str], runs: Path,
              progress: bool = True, **engine) -> pd.DataFrame:
    """Run every posterior set on ``plan.ppc_seeds`` fresh seeds; one row per run with its set's
    row number, the weight of the run and the statistics."""
    seed = int(np.random.SeedSequence(plan.seed, spawn_key=(PPC_KEY,)).generate_state(1)[0])
    design = plan.sweep(names, posterior[names].to_numpy(dtype=float), seed,
                        replicates=plan.ppc_seeds, meta={"step": "posterior_predictive"})
    results = run_sweep(design, runs, progress=progress, **engine)
    if engine.get("shard") is not None:
        results = wait_for_shards(runs, progress)
    w = posterior["weight"].to_numpy(dtype=float)
    out = results[["row", "replicate", "seed"]].copy()
    out["weight"] = w[out["row"].to_numpy()] / plan.ppc_seeds
    for s in plan.targets.statistics:
        v = results[s].to_numpy(dtype=float, copy=True)
        v[(results["status"] != "ok").to_numpy()] = np.nan
        out[s] = v
    return out


def check_table(plan: CalibrationPlan, ppc: pd.DataFrame, prior: pd.DataFrame) -> pd.DataFrame:
    """One row per target: its band, the prior and posterior predictive median and 5-95%
    interval, the share of posterior-predictive runs in the band, and whether it is met."""
    rows = []
    for t in plan.targets.targets:
        low, high = t.band
        x, w = ppc[t.statistic].to_numpy(float), ppc["weight"].to_numpy(float)
        q05, q50, q95 = weighted_quantiles(x, w, [0.05, 0.5, 0.95])
        p05, p50, p95 = weighted_quantiles(prior[t.statistic], np.ones(len(prior)),
                                           [0.05, 0.5, 0.95])
        ok = np.isfinite(x)
        inside = float(np.sum(w[ok] * ((x[ok] >= low) & (x[ok] <= high))) / np.sum(w[ok]))
        prior_x = prior[t.statistic].to_numpy(float)
        prior_inside = float(np.mean((prior_x >= low) & (prior_x <= high)))
        rows.append({"target": t.name, "statistic": t.statistic, "value": t.value,
                     "tolerance": t.tolerance, "kind": t.kind, "band": t.describe_band(),
                     "prior_median": p50, "prior_q05": p05, "prior_q95": p95,
                     "prior_in_band": prior_inside,
                     "posterior_median": q50, "posterior_q05": q05, "posterior_q95": q95,
                     "posterior_in_band": inside, "met": bool(low <= q50 <= high)})
    return pd.DataFrame(rows)
