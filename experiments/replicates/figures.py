"""Figures of experiments: time series with bands, and paired effects with intervals.

Figures are built with Matplotlib's object API (``matplotlib.figure.Figure``, no pyplot), so
drawing them changes no global state and needs no display. Each is saved as PNG and SVG with the
experiment's provenance in its metadata (``experiments.store.save_figure``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from model.outputs import OUTPUTS

from ..stats import CONFIDENCE, t_quantile
from ..store import save_figure
from .effects import KEY_OUTPUTS

BARRIER_OUTPUTS = ("innovation_rate", "barrier_afraid", "barrier_unwilling",
                   "barrier_unaccustomed", "barrier_unable")
_TITLES = {
    "innovation_rate": "genuine innovation", "success_rate": "success of attempts",
    "symbolic_rate": "symbolic innovation", "barrier_afraid": "barrier: afraid",
    "barrier_unwilling": "barrier: unwilling", "barrier_unaccustomed": "barrier: unaccustomed",
    "barrier_unable": "barrier: unable", "mean_stress": "mean stress",
    "innovator_share_promoted": "innovators among promoted",
    "cumulative_value": "value delivered (cumulative)",
}


def _title(output: str) -> str:
    return _TITLES.get(output, output.replace("_", " "))


def _grid(n: int, max_cols: int = 5, size=(3.0, 2.4), left: float = 0.5,
          bottom: float = 0.5, top: float = 0.6):
    """A figure with ``n`` panels; margins in inches (a fixed layout: Matplotlib's constrained
    layout would cost as much as drawing the figure again)."""
    from matplotlib.figure import Figure

    cols = min(n, max_cols)
    rows = math.ceil(n / cols)
    width = size[0] * cols + left
    height = size[1] * rows + top + bottom
    fig = Figure(figsize=(width, height))
    fig.subplots_adjust(left=left / width, right=1 - 0.15 / width, bottom=bottom / height,
                        top=1 - top / height, wspace=0.3, hspace=0.55 * 2.4 / size[1])
    axes = fig.subplots(rows, cols, squeeze=False).ravel()
    for ax in axes[n:]:
        ax.set_visible(False)
    return fig, axes[:n]


def band_table(timeseries: pd.DataFrame, output: str,
               confidence: float = CONFIDENCE) -> pd.DataFrame:
    """Per scenario and year: mean over replicates and the t-interval band of that mean."""
    g = timeseries.groupby(["scenario", "year"], observed=True)[output]
    df = g.agg(["mean", "std", "count"]).reset_index()
    q = df["count"].map(lambda n: t_quantile(n - 1, confidence) if n > 1 else np.nan)
    half = q * df["std"] / np.sqrt(df["count"])
    df["low"], df["high"] = df["mean"] - half, df["mean"] + half
    return df


def timeseries_figure(timeseries: pd.DataFrame, outputs: Sequence[str], title: str):
    """One panel per output: each scenario's mean over replicates with a 95% band."""
    scenarios = list(dict.fromkeys(timeseries["scenario"].astype(str)))
    legend_rows = math.ceil(len(scenarios) / 4)
    fig, axes = _grid(len(outputs), bottom=0.55 + 0.22 * legend_rows)
    n_rep = timeseries.groupby("scenario", observed=True)["replicate"].nunique().min()
    for ax, out in zip(axes, outputs, strict=True):
        bands = band_table(timeseries, out)
        for i, name in enumerate(scenarios):
            b = bands[bands["scenario"].astype(str) == name]
            color = f"C{i % 10}"
            ax.plot(b["year"], b["mean"], color=color, lw=1.4, label=name)
            if n_rep > 1:
                ax.fill_between(b["year"], b["low"], b["high"], color=color, alpha=0.2, lw=0)
        ax.set_title(_title(out), fontsize=9)
        ax.set_xlabel("year", fontsize=8)
        ax.tick_params(labelsize=7)
        ax.grid(alpha=0.3)
    band = f"; bands: {CONFIDENCE:.0%} interval of the mean" if n_rep > 1 else ""
    fig.suptitle(f"{title} ({n_rep} replicate{'s' if n_rep != 1 else ''}{band})", fontsize=10)
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncols=min(len(labels), 4), fontsize=8,
               frameon=False)
    return fig


def effects_figure(effects: pd.DataFrame, outputs: Sequence[str] | None = None):
    """One panel per output: each scenario's mean paired difference from the baseline, with its
    95% interval (black) and, in grey, the wider interval independent seeds would have given."""
    outputs = list(dict.fromkeys(effects["output"])) if outputs is None else list(outputs)
    scenarios = list(dict.fromkeys(effects["scenario"]))
    baseline = effects["baseline"].iloc[0]
    label_width = 0.06 * max(len(s) for s in scenarios) + 0.2  # inches, at font size 7
    fig, axes = _grid(len(outputs), size=(3.0, 0.4 * len(scenarios) + 1.0), left=label_width,
                      bottom=0.4)
    y = np.arange(len(scenarios))
    cols = min(len(outputs), 5)
    for i, (ax, out) in enumerate(zip(axes, outputs, strict=True)):
        e = effects[effects["output"] == out].set_index("scenario").reindex(scenarios)
        diff = e["mean_diff"].to_numpy(float)
        colors = ["C0" if d >= 0 else "C3" for d in diff]
        ax.barh(y, diff, color=colors, alpha=0.6, height=0.6)
        ax.errorbar(diff, y, xerr=e["ci_halfwidth_unpaired"].to_numpy(float), fmt="none",
                    ecolor="0.7", elinewidth=4, capsize=0, zorder=2)
        ax.errorbar(diff, y, xerr=e["ci_halfwidth"].to_numpy(float), fmt="none", ecolor="k",
                    elinewidth=1.2, capsize=3, zorder=3)
        ax.axvline(0, color="k", lw=0.8)
        ax.set_yticks(y, scenarios if i % cols == 0 else [""] * len(y), fontsize=7)
        ax.invert_yaxis()
        ax.set_title(_title(out), fontsize=9)
        ax.tick_params(axis="x", labelsize=7)
        ax.grid(axis="x", alpha=0.3)
    n = int(effects["n"].min())
    fig.suptitle(f"Paired effect vs '{baseline}' ({n} paired replicates): mean difference, "
                 f"{CONFIDENCE:.0%} interval (black) and independent-seed interval (grey)",
                 fontsize=10)
    return fig


def write_experiment_figures(folder: Path, res, kind: str, prov: dict) -> list[Path]:
    """Draw and save the figures of an experiment into ``folder`` (PNG + SVG each)."""
    paths = []
    ts = res.timeseries
    fig = timeseries_figure(ts, BARRIER_OUTPUTS, "Genuine innovation and the four barriers")
    paths += save_figure(fig, folder / "innovation_barriers", prov,
                         title="Genuine innovation and the four barriers")
    if kind == "compare":
        outputs = [o for o in res.manifest["settings"]["outputs"] if o in OUTPUTS]
        fig = timeseries_figure(ts, outputs or list(KEY_OUTPUTS), "Key outputs over time")
        paths += save_figure(fig, folder / "timeseries", prov, title="Key outputs over time")
        fig = effects_figure(res.effects, outputs)
        paths += save_figure(fig, folder / "effects", prov, title="Paired effects")
    return paths
