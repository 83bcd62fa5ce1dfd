"""Figures of a sensitivity analysis, one panel per output.

* ``indices``    -- per parameter: Sobol total index (bar) and first-order index (dot), both with
  95% intervals, in percent of the variance; or Morris mu* with its interval, in the output's
  unit. The dashed line is the seed-noise floor: pale bars cannot be told from noise.
* ``mechanisms`` -- the same at the level of mechanisms (M1-M17), with their full names.
* ``morris_mu_sigma`` (Morris only) -- mu* against sigma: far right = important, high = non-linear
  or interacting.

Colours follow ``experiments.presentation``: a bar is blue when turning the parameter up is better
for genuine innovation (it raises innovation, or lowers stress or symbolic innovation), orange
when it is worse, grey when neither (the output is a share of a whole, or the direction is mixed
or unclear); the word beside each bar says what turning it up does to that output. Sobol panels
share one scale (shares of variance), so a small index looks small.

Built with Matplotlib's object API (no pyplot state) and saved as PNG + SVG with provenance.
"""

from __future__ import annotations

import math
import textwrap
from pathlib import Path

import numpy as np

from model.parameters import MECHANISMS

from ..presentation import COLOURS, PALE, direction_handles, display, judge, label
from ..store import save_figure
from .analysis import Analysis
from .plan import POSTERIOR_GROUP, POSTERIOR_INPUT, POSTERIOR_WORDS

#: What turning a parameter up does to an output, in the words written beside its bar.
DIRECTION_WORDS = {"raises": "raises", "lowers": "lowers", "mixed": "mixed",
                   "unclear": "unclear", "none": "", "unknown": ""}
_NOISE = ("below_noise", "near_noise", "noise_dominated", "constant")


def bar_colour(output: str, direction: str) -> str:
    """Blue, orange or grey: what turning a parameter up does for genuine innovation through
    ``output``, given the ``direction`` it moves that output."""
    if direction == "raises":
        return COLOURS[judge(output, 1.0)]
    if direction == "lowers":
        return COLOURS[judge(output, -1.0)]
    return COLOURS["neither"]


def _grid(n: int, rows_per_panel: int, label_inches: float, cols: int = 3):
    from matplotlib.figure import Figure

    cols = min(cols, n)
    nrows = math.ceil(n / cols)
    height = max(2.4, 0.26 * rows_per_panel + 1.2)
    fig = Figure(figsize=((3.2 + label_inches) * cols, height * nrows + 0.9),
                 layout="constrained")
    axes = fig.subplots(nrows, cols, squeeze=False).ravel()
    for ax in axes[n:]:
        ax.set_visible(False)
    return fig, axes


def _legend(fig, method: str) -> None:
    from matplotlib.lines import Line2D

    handles = direction_handles()
    if method == "sobol":
        handles.append(Line2D([], [], marker="o", color="k", ls="", ms=3,
                              label="first-order share (alone)"))
    handles.append(Line2D([], [], color="k", ls="--", lw=0.8, label="seed-noise floor"))
    fig.legend(handles=handles, loc="outside lower center", ncol=3, fontsize=8, frameon=False)


def item_label(name: str) -> str:
    """Parameter names as they are (the names scenarios and the CLI use); mechanism ids with
    their full name, wrapped ("M13 workload, strict management\\nand stress")."""
    if name in MECHANISMS:
        return "\n".join(textwrap.wrap(f"{name} {MECHANISMS[name].split(' (')[0]}", 30))
    if name in (POSTERIOR_GROUP, POSTERIOR_INPUT):
        return "\n".join(textwrap.wrap(POSTERIOR_WORDS, 30))
    return name


def _bars(ax, table, method: str, floor: float, output: str) -> None:
    key = "ST" if method == "sobol" else "mu_star"
    scale = 100.0 if method == "sobol" else display(output).factor
    t = table.sort_values(key, ascending=True)
    y = np.arange(len(t))
    value, conf = t[key].to_numpy(float) * scale, t[f"{key}_conf"].to_numpy(float) * scale
    noise = t["flags"].fillna("").str.contains("|".join(_NOISE)).to_numpy()
    for k in range(len(t)):
        ax.barh(y[k], value[k], height=0.7, alpha=PALE if noise[k] else 0.9, lw=0,
                color=bar_colour(output, t["direction"].iloc[k]))
        words = DIRECTION_WORDS.get(t["direction"].iloc[k], "")
        if words and not noise[k]:
            right = value[k] + conf[k]
            if method == "sobol":
                right = max(right, 100 * (t["S1"].iloc[k] + t["S1_conf"].iloc[k]))
            ax.text(right, y[k], f" {words}", va="center", fontsize=6, color="0.25")
    ax.errorbar(value, y, xerr=conf, fmt="none", ecolor="k", elinewidth=0.8, capsize=2)
    if method == "sobol":
        ax.errorbar(t["S1"].to_numpy(float) * 100, y, xerr=t["S1_conf"].to_numpy(float) * 100,
                    fmt="o", color="k", ms=3, elinewidth=0.6, capsize=1.5)
        ax.set_xlabel("% of the variance (Sobol index)", fontsize=8)
    else:
        ax.set_xlabel(f"mu*: mean change across the range ({display(output).change})",
                      fontsize=8)
    if np.isfinite(floor):
        ax.axvline(floor * scale, color="k", ls="--", lw=0.8)
    ax.axvline(0, color="k", lw=0.5)
    ax.set_yticks(y, [item_label(n) for n in t["name"]], fontsize=7)
    ax.tick_params(axis="x", labelsize=7)
    ax.set_title(label(output), fontsize=9)
    ax.grid(axis="x", alpha=0.3)


def indices_figure(analysis: Analysis, level: str):
    """Bars of every output's indices at ``level`` ("parameter" or "mechanism")."""
    outs = list(analysis.outputs.values())
    n_items = max(int((a.indices.level == level).sum()) for a in outs)
    names = [n for a in outs for n in a.indices.loc[a.indices.level == level, "name"]]
    label_inches = 0.06 * max(len(line) for n in names for line in item_label(n).split("\n"))
    fig, axes = _grid(len(outs), n_items, label_inches)
    for ax, a in zip(axes, outs, strict=False):
        table = a.indices[a.indices.level == level]
        _bars(ax, table, analysis.method, a.noise["index_floor"], a.output)
    if analysis.method == "sobol":  # shares of variance: one scale for every panel
        # Limits beyond 0-100% are sampling error (summary.md says so); the axis stops there.
        right = min(max(ax.get_xlim()[1] for ax in axes[:len(outs)]) * 1.12, 115.0)
        left = max(min(ax.get_xlim()[0] for ax in axes[:len(outs)]), -10.0)
        for ax in axes[:len(outs)]:
            ax.set_xlim(left, right)
    what = "parameter" if level == "parameter" else "mechanism"
    measure = ("share of each output's variance it explains: total (bar) and alone (dot)"
               if analysis.method == "sobol" else "Morris mu*, the typical change it causes")
    fig.suptitle(f"What drives each output, by {what}: {measure}; 95% intervals", fontsize=10)
    _legend(fig, analysis.method)
    return fig


def morris_figure(analysis: Analysis):
    """mu* against sigma for every output, the five largest labelled."""
    outs = list(analysis.outputs.values())
    fig, axes = _grid(len(outs), 12, 0.0)
    for ax, a in zip(axes, outs, strict=False):
        t = a.indices[a.indices.level == "parameter"]
        f = display(a.output).factor
        ax.scatter(t["mu_star"] * f, t["sigma"] * f, s=14,
                   c=[bar_colour(a.output, d) for d in t["direction"]])
        for row in t.nlargest(5, "mu_star").itertuples():
            ax.annotate(row.name, (row.mu_star * f, row.sigma * f), fontsize=6,
                        xytext=(2, 2), textcoords="offset points")
        if np.isfinite(a.noise["index_floor"]):
            ax.axvline(a.noise["index_floor"] * f, color="k", ls="--", lw=0.8)
        unit = display(a.output).change
        ax.set_xlabel(f"mu*: importance ({unit})", fontsize=8)
        ax.set_ylabel(f"sigma: non-linearity or interaction ({unit})", fontsize=7)
        ax.tick_params(labelsize=7)
        ax.set_title(label(a.output), fontsize=9)
    fig.suptitle("Morris screening: importance (mu*) against non-linearity or interaction "
                 "(sigma)", fontsize=10)
    _legend(fig, "morris")
    return fig


def write_figures(folder, plan, analysis: Analysis, prov: dict) -> list[Path]:
    """Save every figure of ``analysis`` into ``folder`` (PNG + SVG each)."""
    folder = Path(folder)
    paths = []
    paths += save_figure(indices_figure(analysis, "parameter"), folder / "indices", prov,
                         title="Sensitivity indices by parameter")
    paths += save_figure(indices_figure(analysis, "mechanism"), folder / "mechanisms", prov,
                         title="Sensitivity indices by mechanism")
    if analysis.method == "morris":
        paths += save_figure(morris_figure(analysis), folder / "morris_mu_sigma", prov,
                             title="Morris mu* against sigma")
    return paths
