"""Figures of experiments: time series with bands, paired effects with intervals, and costs.

Every figure follows ``experiments.presentation``: outputs in words, shares in percent (changes in
percentage points), the years a result is read over written on the figure, panels of the same
unit on one scale (so a small change looks small), and changes coloured by what they do for
genuine innovation -- better, worse or neither -- with the key in the legend.

Figures are built with Matplotlib's object API (``matplotlib.figure.Figure``, no pyplot), so
drawing them changes no global state and needs no display. Each is saved as PNG and SVG with the
experiment's provenance in its metadata (``experiments.store.save_figure``).
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from model.outputs import OUTPUTS

from ..presentation import BARRIER_NOTE, Window, display, scenario_label, title
from ..stats import CONFIDENCE, t_quantile
from ..store import save_figure
from .effect_figures import cost_figure, effects_figure, scenario_order
from .effects import KEY_OUTPUTS

BARRIER_OUTPUTS = ("innovation_rate", "barrier_afraid", "barrier_unwilling",
                   "barrier_unaccustomed", "barrier_unable")
#: Line colours of the scenarios (categories, not judgements: the blue and orange of "better" and
#: "worse" are left out); the baseline is always black. After seven, line styles change.
SCENARIO_COLOURS = ("#009E73", "#CC79A7", "#8C564B", "#56B4E9", "#9467BD", "#BCBD22", "#E377C2")
_STYLES = ("-", "--", ":")


def scenario_style(i: int, name: str, baseline: str | None) -> dict:
    """Line colour, style and width of the ``i``-th scenario (the baseline black and thicker)."""
    if name == baseline:
        return {"color": "black", "ls": "-", "lw": 1.8}
    j = i - (1 if baseline is not None else 0)
    return {"color": SCENARIO_COLOURS[j % len(SCENARIO_COLOURS)],
            "ls": _STYLES[(j // len(SCENARIO_COLOURS)) % len(_STYLES)], "lw": 1.3}


def _grid(n: int, max_cols: int = 5, size=(3.0, 2.4), left: float = 0.5,
          bottom: float = 0.5, top: float = 0.6, sharey: bool = False):
    """A figure with ``n`` panels; margins in inches (a fixed layout: Matplotlib's constrained
    layout would cost as much as drawing the figure again)."""
    from matplotlib.figure import Figure

    cols = min(n, max_cols)
    rows = math.ceil(n / cols)
    width = size[0] * cols + left + 0.2
    height = size[1] * rows + top + bottom
    fig = Figure(figsize=(width, height))
    fig.subplots_adjust(left=left / width, right=1 - 0.2 / width, bottom=bottom / height,
                        top=1 - top / height, wspace=0.32, hspace=0.62 * 2.4 / size[1])
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


def reform_marks(schedules: dict[str, list] | None) -> list[tuple[float, float, list[str]]]:
    """(start year, phase-in years, scenario names) of every scheduled change, one per distinct
    start and phase-in."""
    marks: dict[tuple[float, float], list[str]] = {}
    for name, changes in (schedules or {}).items():
        for c in changes or []:
            key = (float(c["year"]), float(c.get("phase_in_years", 0.0)))
            marks.setdefault(key, []).append(name)
    return [(y, p, names) for (y, p), names in sorted(marks.items())]


def _mark_reforms(ax, marks, styles: dict) -> None:
    for year, phase, names in marks:
        colour = styles[names[0]]["color"] if len(names) == 1 else "0.3"
        ax.axvline(year, color=colour, ls=(0, (2, 2)), lw=1.0, zorder=1)
        if phase > 0:
            ax.axvspan(year, year + phase, color=colour, alpha=0.10, lw=0, zorder=0)


def _unit_axis(ax, output: str) -> None:
    d = display(output)
    if output in ("innovation_rate", "symbolic_rate"):
        text = "% of cadres per quarter"
    elif output.startswith("barrier_") and output != "barrier_gap":
        text = "% of the missing chance"
    else:
        text = "%" if d.level == "%" else d.level
    ax.set_ylabel(text, fontsize=7)


def timeseries_figure(timeseries: pd.DataFrame, outputs: Sequence[str], heading: str,
                      schedules: dict[str, list] | None = None, window: Window | None = None,
                      baseline: str | None = None):
    """One panel per output: each scenario's mean over replicates with a 95% band.

    ``schedules`` (scenario -> its policy schedule) marks when each reform starts (dotted line)
    and is phased in (shaded); ``window`` shades the years results are read over. Panels in
    percent share one scale; the x-axis is in years.
    """
    scenarios = list(dict.fromkeys(timeseries["scenario"].astype(str)))
    if baseline is None and "baseline" in scenarios:
        baseline = "baseline"
    styles = {s: scenario_style(i, s, baseline if baseline in scenarios else None)
              for i, s in enumerate(sorted(scenarios, key=lambda s: s != baseline))}
    marks = reform_marks(schedules)
    legend_rows = math.ceil((len(scenarios) + 2) / 4)
    note_lines = 2 if any(o.startswith("barrier_") for o in outputs) else 0
    fig, axes = _grid(len(outputs), bottom=0.6 + 0.2 * legend_rows + 0.16 * note_lines)
    n_rep = int(timeseries.groupby("scenario", observed=True)["replicate"].nunique().min())
    tops = {}
    for ax, out in zip(axes, outputs, strict=True):
        bands = band_table(timeseries, out)
        factor = display(out).factor
        if factor == 100.0 and out != "leader_support":  # a 0-1 quantity: no band beyond it
            bands[["low", "high"]] = bands[["low", "high"]].clip(0.0, 1.0)
        for name in scenarios:
            b = bands[bands["scenario"].astype(str) == name]
            st = styles[name]
            ax.plot(b["year"], b["mean"] * factor, label=scenario_label(name), zorder=3, **st)
            if n_rep > 1:
                ax.fill_between(b["year"], b["low"] * factor, b["high"] * factor,
                                color=st["color"], alpha=0.15, lw=0, zorder=2)
        if window is not None:
            a, z = window.years()
            ax.axvspan(a, z, color="0.9", alpha=0.6, lw=0, zorder=0)
        _mark_reforms(ax, marks, styles)
        ax.set_title(title(out), fontsize=9)
        ax.set_xlabel("years from the start", fontsize=7)
        _unit_axis(ax, out)
        ax.tick_params(labelsize=7)
        ax.grid(alpha=0.3)
        ax.set_xlim(0, float(timeseries["year"].max()))
        hi = ax.get_ylim()[1]
        positive = bool(bands[["mean", "low"]].min().min() >= 0)  # NaN bands are skipped
        tops.setdefault(display(out).level, []).append((ax, hi, positive))
    for unit, group in tops.items():  # one scale per unit, from zero when nothing is negative
        top = max(h for _, h, _ in group)
        top = min(top, 100.0) if unit == "%" else top
        for ax, _, positive in group:
            ax.set_ylim(bottom=0 if positive else None, top=top)
    band = f"; bands: {CONFIDENCE:.0%} interval of the mean" if n_rep > 1 else ""
    fig.suptitle(f"{heading} ({n_rep} replicate{'s' if n_rep != 1 else ''} per scenario{band})",
                 fontsize=10)
    _timeseries_legend(fig, axes[0], window, marks, legend_rows, note_lines)
    return fig


def _timeseries_legend(fig, ax, window, marks, legend_rows: int, note_lines: int) -> None:
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    handles, labels = ax.get_legend_handles_labels()
    if window is not None:
        handles.append(Patch(color="0.9", alpha=0.6))
        labels.append(f"results read over {window.span()}")
    if marks:
        handles.append(Line2D([], [], color="0.3", ls=(0, (2, 2)), lw=1.0))
        labels.append("; ".join(
            f"{scenario_label(', '.join(n))}: reform from year {y:g}"
            + (f", phased in by year {y + p:g} (shaded)" if p else "") for y, p, n in marks))
    y = 0.16 * note_lines / fig.get_figheight() + 0.02
    fig.legend(handles, labels, loc="lower center", ncols=min(len(labels), 4), fontsize=8,
               frameon=False, bbox_to_anchor=(0.5, y))
    if note_lines:
        width = int(fig.get_figwidth() * 15)
        fig.text(0.5, 0.01, textwrap.fill(BARRIER_NOTE, width), ha="center", va="bottom",
                 fontsize=6.5, color="0.25")


def write_experiment_figures(folder: Path, res, kind: str, prov: dict) -> list[Path]:
    """Draw and save the figures of an experiment into ``folder`` (PNG + SVG each)."""
    settings = res.manifest.get("settings", {})
    window = Window.from_dict(settings.get("window"), settings.get("years", 0) or 0) \
        if settings.get("window") else None
    schedules = {s["name"]: s.get("policy_schedule") for s in res.manifest.get("scenarios", [])}
    baseline = settings.get("baseline")
    paths = []
    ts = res.timeseries
    heading = "Genuine innovation and what holds the others back"
    fig = timeseries_figure(ts, BARRIER_OUTPUTS, heading, schedules, window, baseline)
    paths += save_figure(fig, folder / "innovation_barriers", prov, title=heading)
    if kind == "compare":
        outputs = [o for o in settings.get("outputs", KEY_OUTPUTS) if o in OUTPUTS]
        fig = timeseries_figure(ts, outputs or list(KEY_OUTPUTS), "Key outputs over time",
                                schedules, window, baseline)
        paths += save_figure(fig, folder / "timeseries", prov, title="Key outputs over time")
        order = scenario_order(res.effects)
        fig = effects_figure(res.effects, outputs, order=order)
        paths += save_figure(fig, folder / "effects", prov, title="Paired effects")
        if "cost_diff" in res.effects.columns:
            fig = cost_figure(res.effects, order=order)
            paths += save_figure(fig, folder / "costs", prov, title="Policy costs")
    return paths


__all__ = ["BARRIER_OUTPUTS", "band_table", "cost_figure", "effects_figure",
           "reform_marks", "scenario_style", "timeseries_figure", "write_experiment_figures"]
