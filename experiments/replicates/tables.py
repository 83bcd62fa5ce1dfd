"""The tables of a scenario experiment, built from its finished runs: the time series (one row
per scenario x replicate x step), the summary (one row per run), each scenario's mean with its
t-interval, and the check that a rerun gave the same summary."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from model.outputs import OUTPUTS

from ..errors import UserError
from ..runner import summarise
from ..stats import t_halfwidth
from .settings import STEPS_PER_YEAR


def timeseries_table(records: dict, scenarios: Sequence[str]) -> pd.DataFrame:
    """One row per scenario x replicate x step; one column per output."""
    frames = []
    for (name, rep), rec in sorted(records.items(), key=lambda kv: (scenarios.index(kv[0][0]),
                                                                     kv[0][1])):
        n = len(next(iter(rec.series.values())))
        frame = {"scenario": name, "replicate": rep, "seed": rec.task.seed,
                 "step": np.arange(n), "year": np.arange(n) / STEPS_PER_YEAR}
        frame.update({k: rec.series[k] for k in OUTPUTS if k in rec.series})
        frames.append(pd.DataFrame(frame))
    df = pd.concat(frames, ignore_index=True)
    df["scenario"] = pd.Categorical(df["scenario"], categories=list(scenarios))
    return df


def summary_table(records: dict, scenarios: Sequence[str]) -> pd.DataFrame:
    """One row per scenario x replicate: seed, wall time and each output's summary value
    (see ``experiments.runner.summarise``)."""
    rows = []
    for (name, rep), rec in records.items():
        rows.append({"scenario": name, "replicate": rep, "seed": rec.task.seed,
                     "wall_time_s": rec.wall_time_s, **summarise(rec.series)})
    df = pd.DataFrame(rows)
    df["order"] = df["scenario"].map({s: i for i, s in enumerate(scenarios)})
    return (df.sort_values(["order", "replicate"]).drop(columns="order")
            .reset_index(drop=True))


def scenario_stats(summary: pd.DataFrame, outputs: Iterable[str]) -> pd.DataFrame:
    """Mean, standard deviation and 95% t-interval of each output per scenario (long table)."""
    rows = []
    for name, grp in summary.groupby("scenario", sort=False):
        for out in outputs:
            x = grp[out].to_numpy(dtype=float)
            mean, half = float(x.mean()), t_halfwidth(x)
            rows.append({"scenario": name, "output": out, "n": len(x), "mean": mean,
                         "sd": float(x.std(ddof=1)) if len(x) > 1 else float("nan"),
                         "ci_low": mean - half, "ci_high": mean + half})
    return pd.DataFrame(rows)


def compare_summaries(a: pd.DataFrame, b: pd.DataFrame) -> float:
    """Largest absolute difference between two summary tables of the same experiment
    (timings excluded); raises UserError when they do not describe the same runs."""
    keys = ["scenario", "replicate", "seed"]
    cols = [c for c in a.columns if c not in keys and c != "wall_time_s"]
    a = a.assign(scenario=a["scenario"].astype(str)).sort_values(keys).reset_index(drop=True)
    b = b.assign(scenario=b["scenario"].astype(str)).sort_values(keys).reset_index(drop=True)
    if len(a) != len(b) or not (a[keys].values == b[keys].values).all() or set(cols) - set(b):
        raise UserError("the rerun does not describe the same runs as the stored summary")
    with contextlib.suppress(TypeError):
        return float(np.nanmax(np.abs(a[cols].to_numpy(float) - b[cols].to_numpy(float))))
    return float("inf")
