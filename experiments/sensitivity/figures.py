"""Figures of a sensitivity analysis, one panel per output.

* ``indices``    -- per parameter: Sobol total index (bar, coloured by direction) and first-order
  index (dot), both with 95% intervals; or Morris mu* with its interval. The dashed line is the
  seed-noise floor: bars that do not clear it are noise, not sensitivity.
* ``mechanisms`` -- the same at the level of mechanisms (M1-M17).
* ``morris_mu_sigma`` (Morris only) -- mu* against sigma: far right = important, high = non-linear
  or interacting.

Built with Matplotlib's object API (no pyplot state) and saved as PNG + SVG with provenance.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from model.parameters import MECHANISMS

from ..store import save_figure
from .analysis import Analysis

COLOURS = {"raises": "#2a9d5c", "lowers": "#c8553d", "mixed": "#8d6cab", "unclear": "#9a9a9a",
           "none": "#cfcfcf", "unknown": "#cfcfcf"}


def _grid(n: int, rows_per_panel: int, cols: int = 3):
    from matplotlib.figure import Figure

    cols = min(cols, n)
    nrows = math.ceil(n / cols)
    height = max(2.2, 0.24 * rows_per_panel + 1.0)
    fig = Figure(figsize=(4.6 * cols, height * nrows), layout="constrained")
    axes = fig.subplots(nrows, cols, squeeze=False).ravel()
    for ax in axes[n:]:
        ax.set_visible(False)
    return fig, axes


def _legend(fig, method: str) -> None:
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    handles = [Patch(color=c, label=d) for d, c in COLOURS.items()
               if d in ("raises", "lowers", "mixed", "unclear")]
    if method == "sobol":
        handles.append(Line2D([], [], marker="o", color="k", ls="", label="first order S1"))
    handles.append(Line2D([], [], color="k", ls="--", lw=0.8, label="seed-noise floor"))
    fig.legend(handles=handles, loc="outside lower center", ncol=len(handles), fontsize=8,
               frameon=False)


def _label(name: str) -> str:
    """Parameter names as they are; mechanism ids with a short description ("M3 fault tol...")."""
    if name in MECHANISMS:
        words = MECHANISMS[name].split(" (")[0]
        return f"{name} {words[:26]}{'...' if len(words) > 26 else ''}"
    return name


def _bars(ax, table, method: str, floor: float, title: str) -> None:
    key = "ST" if method == "sobol" else "mu_star"
    t = table.sort_values(key, ascending=True)
    y = np.arange(len(t))
    conf = t[f"{key}_conf"].to_numpy()
    ax.barh(y, t[key], xerr=conf, color=[COLOURS.get(d, "#999") for d in t["direction"]],
            error_kw={"elinewidth": 0.8, "capsize": 2}, height=0.7)
    if method == "sobol":
        ax.errorbar(t["S1"], y, xerr=t["S1_conf"], fmt="o", color="k", ms=3, elinewidth=0.6,
                    capsize=1.5)
        ax.set_xlabel("Sobol index (share of variance)", fontsize=8)
    else:
        ax.set_xlabel("mu* (output change across the range)", fontsize=8)
    if np.isfinite(floor):
        ax.axvline(floor, color="k", ls="--", lw=0.8)
    ax.axvline(0, color="k", lw=0.5)
    ax.set_yticks(y, [_label(n) for n in t["name"]], fontsize=7)
    ax.tick_params(axis="x", labelsize=7)
    ax.set_title(title, fontsize=9)


def indices_figure(analysis: Analysis, level: str):
    """Bars of every output's indices at ``level`` ("parameter" or "mechanism")."""
    outs = list(analysis.outputs.values())
    n_items = max(int((a.indices.level == level).sum()) for a in outs)
    fig, axes = _grid(len(outs), n_items)
    for ax, a in zip(axes, outs, strict=False):
        table = a.indices[a.indices.level == level]
        _bars(ax, table, analysis.method, a.noise["index_floor"], a.output)
    what = "parameter" if level == "parameter" else "mechanism"
    fig.suptitle(f"{analysis.method.capitalize()} sensitivity by {what} (95% intervals; colour "
                 "= direction of the effect)", fontsize=10)
    _legend(fig, analysis.method)
    return fig


def morris_figure(analysis: Analysis):
    """mu* against sigma for every output, the five largest labelled."""
    outs = list(analysis.outputs.values())
    fig, axes = _grid(len(outs), 12)
    for ax, a in zip(axes, outs, strict=False):
        t = a.indices[a.indices.level == "parameter"]
        ax.scatter(t["mu_star"], t["sigma"], s=14,
                   c=[COLOURS.get(d, "#999") for d in t["direction"]])
        for row in t.nlargest(5, "mu_star").itertuples():
            ax.annotate(row.name, (row.mu_star, row.sigma), fontsize=6,
                        xytext=(2, 2), textcoords="offset points")
        if np.isfinite(a.noise["index_floor"]):
            ax.axvline(a.noise["index_floor"], color="k", ls="--", lw=0.8)
        ax.set_xlabel("mu*", fontsize=8)
        ax.set_ylabel("sigma", fontsize=8)
        ax.tick_params(labelsize=7)
        ax.set_title(a.output, fontsize=9)
    fig.suptitle("Morris screening: importance (mu*) against non-linearity/interaction (sigma)",
                 fontsize=10)
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
