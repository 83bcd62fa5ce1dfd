"""The figures of a comparison's effects: one panel per output with each policy's paired change
from the baseline (``effects.png``), and what each policy costs with the innovation it buys per
1,000 yuan (``costs.png``).

Colours follow ``experiments.presentation``: blue where the change is better for genuine
innovation, orange where it is worse, grey where it is neither (barrier shares, counts, costs);
a pale bar when the 95% interval includes no change. Panels of the same unit never zoom in further
than the one with the largest change, so a small change looks small.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..presentation import (
    BARRIER_NOTE,
    COLOURS,
    COST_NOTE,
    LEGEND_WORDS,
    PALE,
    decimals,
    display,
    established,
    judge,
    label,
    number,
    scenario_label,
    title,
)
from ..stats import CONFIDENCE

#: Panels per row of the effects figure.
COLUMNS = 4


def scenario_order(effects: pd.DataFrame) -> list[str]:
    """Scenarios from the largest effect on genuine innovation to the smallest (the table's
    order when it has no genuine-innovation rows)."""
    gen = effects[effects["output"] == "innovation_rate"]
    if gen.empty:
        return list(dict.fromkeys(effects["scenario"].astype(str)))
    return list(gen.sort_values("mean_diff", ascending=False, kind="stable")["scenario"]
                .astype(str))


def _panel_title(output: str, window_label: str) -> str:
    heading = title(output)
    unit = display(output).change
    extra = f"; {window_label}" if window_label.startswith("at the end") else ""
    return f"{heading}\n({unit}{extra})"


def _wrapped(names: Sequence[str], width: int = 24) -> list[str]:
    return ["\n".join(textwrap.wrap(scenario_label(n), width)) for n in names]


def over_posterior(effects: pd.DataFrame) -> bool:
    """Whether the effects were computed over several posterior draws (then the wide grey bar
    is the range of one county's effect given what we do not know about behaviour)."""
    return "full_low" in effects.columns and effects["draws"].fillna(1).max() > 1


def _spread(e: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """The limits of the wide grey bar, in the table's unit: over a posterior the full range
    (parameter uncertainty and seed noise), else the interval independent seeds would give."""
    if over_posterior(e):
        return e["full_low"].to_numpy(float), e["full_high"].to_numpy(float)
    half = e["ci_halfwidth_unpaired"].fillna(0).to_numpy(float)
    diff = e["mean_diff"].to_numpy(float)
    return diff - half, diff + half


def _limits(effects: pd.DataFrame, outputs: Sequence[str]) -> dict[str, tuple]:
    """x-limits per panel. Panels of one unit share the extent of their bars, so that no panel
    is zoomed in further than the one with the largest change (a small change looks small); a
    panel widens beyond that only to show its own intervals."""
    def extent(out, with_intervals):
        e = effects[effects["output"] == out]
        parts = [e["mean_diff"]]
        if with_intervals:
            parts += [e["ci_low"], e["ci_high"], *_spread(e)]
        v = np.concatenate([np.asarray(p, float) for p in parts]) * display(out).factor
        v = v[np.isfinite(v)]
        return (min(0.0, v.min()), max(0.0, v.max())) if v.size else (0.0, 0.0)

    shared: dict[str, tuple] = {}
    for out in outputs:
        lo, hi = extent(out, False)
        unit = display(out).change
        a, b = shared.get(unit, (0.0, 0.0))
        shared[unit] = (min(a, lo), max(b, hi))
    limits = {}
    for out in outputs:
        a, b = shared[display(out).change]
        lo, hi = extent(out, True)
        lo, hi = min(a, lo), max(b, hi)
        pad = 0.2 * ((hi - lo) or 1.0)  # room for the numbers written beside the bars
        limits[out] = (lo - (pad if lo < 0 else 0.02 * pad), hi + (pad if hi > 0 else 0.02 * pad))
    return limits


def effects_figure(effects: pd.DataFrame, outputs: Sequence[str] | None = None,
                   order: Sequence[str] | None = None):
    """One panel per output: each scenario's mean paired difference from the baseline, with its
    95% interval (black) and, in light grey, over a posterior the range of one county's effect
    given what we do not know about behaviour (parameter uncertainty and seed noise), else the
    wider interval independent seeds would have given; each change written beside its bar."""
    from matplotlib.figure import Figure

    outputs = list(dict.fromkeys(effects["output"])) if outputs is None else list(outputs)
    order = scenario_order(effects) if order is None else list(order)
    baseline = str(effects["baseline"].iloc[0])
    window = str(effects["window"].iloc[0]) if "window" in effects and effects[
        "window"].iloc[0] else ""
    labels = _wrapped(order)
    lines = max(s.count("\n") + 1 for s in labels)
    label_width = 0.065 * max(len(s) for lab in labels for s in lab.split("\n")) + 0.25
    cols = min(len(outputs), COLUMNS)
    rows = math.ceil(len(outputs) / cols)
    # Fixed layout in inches (constrained layout would cost a second drawing): rows of bars,
    # then room between panels for tick labels and two-line titles, the title on top, the
    # legend and the note on barrier shares at the bottom.
    axes_h = (0.18 + 0.08 * lines) * len(order) + 0.3
    gap, top = 0.95, 0.95
    note = any(o.startswith("barrier_") for o in outputs)
    legend_h, note_h = 0.55, (0.5 if note else 0.0)
    bottom = 0.4 + legend_h + note_h
    width = 3.3 * cols + label_width + 0.3
    height = axes_h * rows + gap * (rows - 1) + top + bottom
    fig = Figure(figsize=(width, height))
    fig.subplots_adjust(left=label_width / width, right=1 - 0.3 / width, top=1 - top / height,
                        bottom=bottom / height, wspace=0.12, hspace=gap / axes_h)
    axes = fig.subplots(rows, cols, squeeze=False).ravel()
    for ax in axes[len(outputs):]:
        ax.set_visible(False)
    limits = _limits(effects, outputs)
    y = np.arange(len(order))
    for i, (ax, out) in enumerate(zip(axes, outputs, strict=False)):
        e = effects[effects["output"] == out].assign(scenario=lambda d: d["scenario"].astype(
            str)).set_index("scenario").reindex(order)
        _effect_panel(ax, out, e, y)
        ax.set_xlim(*limits[out])
        ax.set_yticks(y, labels if i % cols == 0 else [""] * len(y), fontsize=7)
        ax.set_ylim(len(order) - 0.5, -0.5)
        when = str(e["window"].dropna().iloc[0]) if window and e["window"].notna().any() else ""
        ax.set_title(_panel_title(out, when), fontsize=8)
    n = int(effects["n"].min())
    when = effects.loc[effects["output"] == outputs[0], "window"].iloc[0] if window else ""
    posterior = over_posterior(effects)
    where = (f" over {int(effects['draws'].max())} calibrated behaviours" if posterior else "")
    fig.suptitle(f"Effect of each policy compared with '{scenario_label(baseline)}': paired "
                 f"change{', ' + when if when else ''}, {n} paired replicates{where}\npolicies "
                 "ordered by their effect on genuine innovation", fontsize=10,
                 y=1 - 0.12 / height, va="top")
    _effects_legend(fig, note_h, posterior)
    return fig


def _effect_panel(ax, out: str, e: pd.DataFrame, y: np.ndarray) -> None:
    f = display(out).factor
    diff = e["mean_diff"].to_numpy(float) * f
    low, high = e["ci_low"].to_numpy(float) * f, e["ci_high"].to_numpy(float) * f
    spread_low, spread_high = (v * f for v in _spread(e))
    for k in range(len(y)):
        if not math.isfinite(diff[k]):
            continue
        sure = established(low[k], high[k])
        ax.barh(y[k], diff[k], height=0.62, color=COLOURS[judge(out, diff[k])],
                alpha=0.9 if sure else PALE, lw=0)
        places = decimals((high[k] - low[k]) / 2)
        # Beside the widest bar, so that the number never sits on an interval.
        edge = (np.nanmax([high[k], spread_high[k]]) if diff[k] >= 0
                else np.nanmin([low[k], spread_low[k]]))
        ax.text(edge, y[k], f" {number(diff[k], places, sign=True)} " if diff[k] >= 0 else
                f"{number(diff[k], places, sign=True)} ", va="center",
                ha="left" if diff[k] >= 0 else "right", fontsize=6.5, color="0.15")
    ax.errorbar(diff, y, xerr=np.clip([diff - spread_low, spread_high - diff], 0, None),
                fmt="none", ecolor="0.8", elinewidth=4, capsize=0, zorder=2)
    ax.errorbar(diff, y, xerr=[diff - low, high - diff], fmt="none", ecolor="k",
                elinewidth=1.1, capsize=2.5, zorder=3)
    ax.axvline(0, color="k", lw=0.8)
    ax.tick_params(axis="x", labelsize=7)
    ax.grid(axis="x", alpha=0.3)


def _effects_legend(fig, note_h: float, posterior: bool = False) -> None:
    """The colour key, just above the note on barrier shares (``note_h`` inches high)."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    handles = [Patch(color=COLOURS[k], alpha=0.9, label=LEGEND_WORDS[k]) for k in COLOURS]
    handles += [Patch(color=COLOURS["better"], alpha=PALE,
                      label=f"pale: the {CONFIDENCE:.0%} interval includes no change"),
                Line2D([], [], color="k", lw=1.1, marker="|", ms=6,
                       label=f"{CONFIDENCE:.0%} interval (paired replicates)"),
                Line2D([], [], color="0.8", lw=4,
                       label=("range of one county's effect: behaviour uncertain (calibrated "
                              "posterior) and seed noise" if posterior else
                              "interval independent seeds would have given"))]
    height = fig.get_figheight()
    fig.legend(handles=handles, loc="lower center", ncols=3, fontsize=7.5, frameon=False,
               bbox_to_anchor=(0.5, (note_h + 0.02) / height))
    if note_h:
        fig.text(0.5, 0.015, textwrap.fill(BARRIER_NOTE, int(fig.get_figwidth() * 15)),
                 ha="center", va="bottom", fontsize=6.5, color="0.25")


def cost_figure(effects: pd.DataFrame, order: Sequence[str] | None = None,
                output: str = "innovation_rate"):
    """Two panels: each policy's extra budget cost against the baseline (yuan per cadre per
    year, 95% interval), and the change in ``output`` it buys per 1,000 yuan (Fieller's 95%
    interval; where the ratio means nothing, what the numbers say instead)."""
    from matplotlib.figure import Figure

    order = scenario_order(effects) if order is None else list(order)
    rows = effects[effects["output"] == output].assign(
        scenario=lambda d: d["scenario"].astype(str)).set_index("scenario").reindex(order)
    labels = _wrapped(order)
    label_width = 0.065 * max(len(s) for lab in labels for s in lab.split("\n")) + 0.25
    panel_h = 0.32 * len(order) + 0.9
    width, height = 2 * 4.6 + label_width + 0.4, panel_h + 0.7 + 1.0
    fig = Figure(figsize=(width, height))
    fig.subplots_adjust(left=label_width / width, right=1 - 0.3 / width, top=1 - 0.7 / height,
                        bottom=1.0 / height, wspace=0.08)
    cost_ax, gain_ax = fig.subplots(1, 2, sharey=True)
    y = np.arange(len(order))
    cost, lo, hi = (rows[c].to_numpy(float) for c in ("cost_diff", "cost_ci_low", "cost_ci_high"))
    cost_ax.barh(y, cost, height=0.62, color=COLOURS["neither"], alpha=0.9, lw=0)
    cost_ax.errorbar(cost, y, xerr=np.clip([cost - lo, hi - cost], 0, None), fmt="none",
                     ecolor="k", capsize=2.5, elinewidth=1.1)
    for k in range(len(y)):
        cost_ax.text(cost[k], y[k], f" {number(cost[k], decimals((hi[k] - lo[k]) / 2, 0), True)} ",
                     va="center", ha="left" if cost[k] >= 0 else "right", fontsize=6.5)
    cost_ax.set_title("extra budget cost against the baseline\n(yuan per cadre per year)",
                      fontsize=8)
    f = display(output).factor
    ratio = rows["per_1000_yuan"].to_numpy(float) * f
    rlo, rhi = (rows[c].to_numpy(float) * f for c in ("per_1000_yuan_low", "per_1000_yuan_high"))
    for k in range(len(y)):
        if math.isfinite(ratio[k]):
            gain_ax.barh(y[k], ratio[k], height=0.62, color=COLOURS[judge(output, ratio[k])],
                         alpha=0.9 if established(rlo[k], rhi[k]) else PALE, lw=0)
            err = [[max(ratio[k] - rlo[k], 0)], [max(rhi[k] - ratio[k], 0)]]
            gain_ax.errorbar(ratio[k], y[k], xerr=err, fmt="none", ecolor="k",
                             capsize=2.5, elinewidth=1.1)
            text = number(ratio[k], decimals((rhi[k] - rlo[k]) / 2), sign=True)
            gain_ax.text(rhi[k] if ratio[k] >= 0 else rlo[k], y[k], f" {text} " , va="center",
                         ha="left" if ratio[k] >= 0 else "right", fontsize=6.5)
        else:
            gain_ax.text(0, y[k], f"  {rows['cost_reading'].iloc[k]}", va="center", ha="left",
                         fontsize=6.5, color="0.3", style="italic")
    gain_ax.set_title(f"{label(output)} per 1,000 yuan of extra cost\n"
                      f"({display(output).change} per 1,000 yuan per cadre per year)", fontsize=8)
    for ax in (cost_ax, gain_ax):
        ax.axvline(0, color="k", lw=0.8)
        ax.grid(axis="x", alpha=0.3)
        ax.tick_params(axis="x", labelsize=7)
    cost_ax.set_yticks(y, labels, fontsize=7)
    cost_ax.set_ylim(len(order) - 0.5, -0.5)
    _pad(cost_ax)
    _pad(gain_ax)
    window = str(rows["window"].iloc[0]) if "window" in rows and len(rows) else ""
    fig.suptitle(f"What each policy costs and what it buys ({window}; "
                 f"{int(rows['n'].min())} paired replicates)", fontsize=10)
    fig.text(0.5, 0.02, textwrap.fill(COST_NOTE, int(width * 15)), ha="center", va="bottom",
             fontsize=6.5, color="0.25")
    return fig


def _pad(ax) -> None:
    """Room on both sides for the numbers written beside the bars, and zero in view."""
    lo, hi = ax.get_xlim()
    lo, hi = min(lo, 0.0), max(hi, 0.0)
    span = (hi - lo) or 1.0
    ax.set_xlim(lo - (0.15 * span if lo < 0 else 0), hi + 0.3 * span)
