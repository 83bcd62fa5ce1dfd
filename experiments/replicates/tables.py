"""The tables of a scenario experiment, built from its finished runs: the time series (one row
per scenario x replicate x step), the summary (one row per run, each output read over the
experiment's window), each scenario's mean with its t-interval, and the check that a rerun gave
the same summary."""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from model.outputs import OUTPUTS

from ..errors import UserError
from ..presentation import Window, decimals, label
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


def summary_table(records: dict, scenarios: Sequence[str],
                  window: Window | None = None) -> pd.DataFrame:
    """One row per scenario x replicate: seed, wall time and each output's summary value over
    ``window`` (default: the last five years; see ``experiments.runner.summarise``). Values are
    kept exact: ``cadresim reproduce`` compares them to the last bit."""
    steps = window.steps if window is not None else None
    rows = []
    for (name, rep), rec in records.items():
        rows.append({"scenario": name, "replicate": rep, "seed": rec.task.seed,
                     "wall_time_s": rec.wall_time_s, **summarise(rec.series, steps)})
    df = pd.DataFrame(rows)
    df["order"] = df["scenario"].map({s: i for i, s in enumerate(scenarios)})
    return (df.sort_values(["order", "replicate"]).drop(columns="order")
            .reset_index(drop=True))


def scenario_stats(summary: pd.DataFrame, outputs: Iterable[str],
                   window: Window | None = None) -> pd.DataFrame:
    """Mean, standard deviation and 95% t-interval of each output per scenario (long table),
    with the output in words and the years it was read over."""
    rows = []
    for name, grp in summary.groupby("scenario", sort=False):
        for out in outputs:
            x = grp[out].to_numpy(dtype=float)
            mean, half = float(x.mean()), t_halfwidth(x)
            rows.append({"scenario": name, "output": out, "label": label(out),
                         "window": window.label(out) if window is not None else "",
                         "n": len(x), "mean": mean,
                         "sd": float(x.std(ddof=1)) if len(x) > 1 else float("nan"),
                         "ci_low": mean - half, "ci_high": mean + half})
    return pd.DataFrame(rows)


def rounded_stats(stats: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``scenario_stats`` rounded to the precision each row's interval justifies
    (four significant digits for a single run, which has no interval)."""
    out = stats.copy()
    for i, row in stats.iterrows():
        scale = max(abs(row["mean"]), 1e-12)
        places = decimals((row["ci_high"] - row["ci_low"]) / 2,
                          fallback=max(0, 3 - math.floor(math.log10(scale))))
        for col in ("mean", "sd", "ci_low", "ci_high"):
            out.at[i, col] = round(row[col], places)
    return out


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


def stats_lines(stats: pd.DataFrame) -> list[str]:
    """Each scenario's results as a reader wants them on a console: the output in words, what it
    measures and over which years, then its level with the 95% interval over replicates."""
    from ..presentation import level_text, meaning, scenario_label, title

    lines = []
    for name, grp in stats.groupby("scenario", sort=False):
        lines.append(f"{scenario_label(name)} ({int(grp['n'].iloc[0])} run"
                     f"{'s' if grp['n'].iloc[0] != 1 else ''}):")
        for r in grp.itertuples():
            interval = (r.ci_low, r.ci_high) if r.n > 1 else (None, None)
            when = f", {r.window}" if getattr(r, "window", "") else ""
            lines.append(f"  {title(r.output)}: {level_text(r.output, r.mean, *interval)}  "
                         f"({meaning(r.output)}{when})")
    return lines
