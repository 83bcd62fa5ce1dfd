"""The policy briefing: a stored scenario comparison found and read, its paired effects as bars
and heat maps."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from ..store import load_manifest
from .labels import AXIS_UNITS, OUTPUT_LABELS


def find_comparison(results_dir) -> Path | None:
    """A stored scenario comparison in ``results_dir``: the folder itself or, sorted by name,
    the first subfolder whose ``manifest.json`` says ``"kind": "compare"`` and that holds
    ``effects.csv``. None when there is none (the notebook then computes one)."""
    if results_dir is None:
        return None
    root = Path(results_dir)
    for folder in [root, *sorted(p for p in root.glob("*") if p.is_dir())]:
        try:
            manifest = json.loads((folder / "manifest.json").read_text())
        except (OSError, ValueError):
            continue
        if manifest.get("kind") == "compare" and (folder / "effects.csv").is_file():
            return folder
    return None


def load_comparison(folder) -> tuple:
    """(effects table, settings, scenario descriptions) of a stored comparison folder."""
    import pandas as pd

    manifest = load_manifest(folder)
    effects = pd.read_csv(Path(folder) / "effects.csv")
    descriptions = {s["name"]: s.get("description", "") for s in manifest.get("scenarios", [])}
    return effects, manifest["settings"], descriptions


def effect_bars(effects, outputs, scale: float = 100.0, order=None, good: str = "up"):
    """A Figure with one panel per output: each scenario's paired effect and 95% interval.

    Scenarios are drawn top to bottom in ``order`` (default: largest effect on the first output
    first); blue bars are changes for the better (increases when ``good="up"``, decreases when
    ``good="down"``), red ones for the worse; an interval that crosses zero means the direction
    is not established.
    """
    from matplotlib.figure import Figure

    if order is None:
        first = effects[effects["output"] == outputs[0]].sort_values("mean_diff", ascending=False)
        order = list(first["scenario"])
    order = list(order)[::-1]  # barh draws the first row at the bottom
    fig = Figure(figsize=(4.2 * len(outputs) + 1.5, 0.42 * len(order) + 1.4), layout="constrained")
    axes = fig.subplots(1, len(outputs), sharey=True, squeeze=False)[0]
    y = np.arange(len(order))
    for ax, out in zip(axes, outputs, strict=True):
        e = effects[effects["output"] == out].set_index("scenario").reindex(order)
        diff = e["mean_diff"].to_numpy(float) * scale
        low, high = e["ci_low"].to_numpy(float) * scale, e["ci_high"].to_numpy(float) * scale
        better = diff >= 0 if good == "up" else diff <= 0
        ax.barh(y, diff, color=np.where(better, "C0", "C3"), alpha=0.65, height=0.6)
        ax.errorbar(diff, y, xerr=[diff - low, high - diff], fmt="none", ecolor="k", capsize=3)
        ax.axvline(0, color="k", lw=0.8)
        ax.set_title(OUTPUT_LABELS.get(out, out.replace("_", " ")))
        ax.set_xlabel(f"change vs baseline ({AXIS_UNITS.get(out, 'percentage points')})")
        ax.grid(axis="x", alpha=0.3)
    axes[0].set_yticks(y, order)
    return fig


def heatmap(table, title: str, unit: str = "percentage points", good: str = "up",
            fmt: str = "{:+.1f}"):
    """A Figure showing a scenarios x columns table of changes, diverging colours, annotated.

    Blue marks good changes: increases when ``good="up"``, decreases when ``good="down"``.
    """
    from matplotlib.figure import Figure

    values = table.to_numpy(float)
    bound = float(np.nanmax(np.abs(values))) if np.isfinite(values).any() else 1.0
    fig = Figure(figsize=(1.0 * table.shape[1] + 3.5, 0.42 * table.shape[0] + 1.8),
                 layout="constrained")
    ax = fig.subplots()
    bound = bound or 1.0
    image = ax.imshow(values, cmap="RdBu" if good == "up" else "RdBu_r", vmin=-bound,
                      vmax=bound, aspect="auto")
    ax.set_xticks(range(table.shape[1]), [str(c) for c in table.columns], rotation=30,
                  ha="right")
    ax.set_yticks(range(table.shape[0]), [str(i) for i in table.index])
    for (i, j), v in np.ndenumerate(values):
        if np.isfinite(v):
            ax.text(j, i, fmt.format(v), ha="center", va="center", fontsize=8,
                    color="white" if abs(v) > 0.6 * bound else "black")
    fig.colorbar(image, ax=ax, label=unit, shrink=0.8)
    ax.set_title(title)
    return fig
