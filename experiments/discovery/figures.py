"""Figures of a scenario discovery, drawn for a reader who has not met PRIM:

* ``tradeoff``  -- every box PRIM passed through, coverage against density, the chosen one marked
  with its density on held-out points;
* ``box``       -- the chosen box in words and bars: the conditions (each input's range and the
  part the box keeps), how often the question holds inside and outside the box (in-sample and
  held-out, with 95% intervals), and the points over the two strongest conditions;
* ``cart_tree`` -- the first levels of the classification tree (the second view).
"""

from __future__ import annotations

import textwrap

import numpy as np

from model.parameters import PARAMETERS_BY_NAME

INTEREST, OTHER = "#d95f02", "#b3b3b3"
IN_SAMPLE, HELD_OUT = "#9ecae1", "#08519c"


def _plt():
    import matplotlib.pyplot as plt

    return plt


def param_words(name: str) -> str:
    """A parameter's name in words, with its unit."""
    p = PARAMETERS_BY_NAME.get(name)
    unit = f" ({p.unit})" if p is not None and p.unit else ""
    return name.replace("_", " ") + unit


def tradeoff_figure(trajectory, chosen_box, held_out: dict, base_rate: float, target: float):
    """Coverage against density of every box of the peeling trajectory."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(7.5, 5.2), layout="constrained")
    t = trajectory
    res = t["restricted"].to_numpy()
    cmap = plt.get_cmap("viridis", max(res.max(), 1) + 1)
    sig = t["significant"].to_numpy(dtype=bool)
    peeled = t["pruned_from"].isna().to_numpy()
    sc = None
    for marker, rows, what in (("o", peeled, "peeled box"),
                               ("^", ~peeled, "peeled box with chance restrictions dropped")):
        for fill, mask, how in ((True, rows & sig, "every restriction significant"),
                                (False, rows & ~sig, "a restriction may be chance")):
            if not mask.any():
                continue
            kwargs = ({"c": res[mask], "cmap": cmap, "vmin": -0.5, "vmax": res.max() + 0.5}
                      if fill else {"facecolors": "none", "edgecolors": cmap(res[mask])})
            art = ax.scatter(t["coverage"][mask], t["density"][mask], marker=marker, s=28,
                             zorder=3, label=f"{what}: {how}", **kwargs)
            sc = art if fill and sc is None else sc
    ax.plot(t["coverage"][peeled], t["density"][peeled], color="#cccccc", lw=0.8, zorder=1)
    row = t[t["box"] == chosen_box].iloc[0]
    ax.scatter([row["coverage"]], [row["density"]], s=220, facecolors="none",
               edgecolors="black", lw=1.8, zorder=4, label=f"chosen box ({chosen_box})")
    d, lo, hi = held_out["density"], held_out["density_low"], held_out["density_high"]
    if np.isfinite(d):
        ax.errorbar([held_out["coverage"]], [d], yerr=[[d - lo], [hi - d]], fmt="D",
                    color="#e41a1c", ms=7, capsize=4, zorder=5,
                    label=f"chosen box on held-out points: density {d:.0%} ({lo:.0%}-{hi:.0%})")
    ax.axhline(base_rate, color="grey", ls=":", lw=1)
    ax.text(0.01, base_rate, f" share among all points: {base_rate:.0%}", va="bottom",
            fontsize=8, color="grey", transform=ax.get_yaxis_transform())
    ax.axhline(target, color="grey", ls="--", lw=0.8)
    ax.text(0.01, target, f" target density {target:.0%}", va="bottom", fontsize=8,
            color="grey", transform=ax.get_yaxis_transform())
    ax.set_xlim(-0.02, 1.02)
    ax.set_ylim(0, 1.05)
    ax.set_xlabel("coverage: share of all cases of interest that fall inside the box")
    ax.set_ylabel("density: share of points inside the box that are cases of interest")
    ax.set_title("Peeling trajectory: smaller boxes are purer but hold fewer cases", fontsize=11)
    if sc is not None:
        fig.colorbar(sc, ax=ax, label="number of restricted settings",
                     ticks=range(res.max() + 1))
    ax.legend(fontsize=7.5, loc="lower left")
    return fig


def _fmt(v: float) -> str:
    return f"{v:.3g}"


def _condition(low: float, high: float) -> str:
    if np.isfinite(low) and np.isfinite(high):
        return f"{_fmt(low)} to {_fmt(high)}"
    return f"≥ {_fmt(low)}" if np.isfinite(low) else f"≤ {_fmt(high)}"


def box_figure(headline: str, box, ranges: dict, stats: dict, points, y, question_words: str):
    """The chosen box for a non-specialist: conditions, inside vs outside, the points.

    ``stats``: ``{"in-sample": performance, "held-out": performance}`` (``prim.performance``);
    ``points``: the input table, ``y``: 0/1 cases of interest of those points.
    """
    plt = _plt()
    dims = box.dims
    fig = plt.figure(figsize=(13, 5.6), layout="constrained")
    grid = fig.add_gridspec(1, 3, width_ratios=[1.35, 0.8, 1.0])
    fig.suptitle("\n".join(textwrap.wrap(headline, 120)), fontsize=11.5, ha="center")

    ax = fig.add_subplot(grid[0])
    for i, d in enumerate(dims):
        lo_r, hi_r = ranges[d]
        low, high = box.limits[d]
        a = (max(low, lo_r) - lo_r) / (hi_r - lo_r) if np.isfinite(low) else 0.0
        b = (min(high, hi_r) - lo_r) / (hi_r - lo_r) if np.isfinite(high) else 1.0
        ax.barh(i, 1.0, color="#eeeeee", height=0.55)
        ax.barh(i, b - a, left=a, color=INTEREST, height=0.55)
        ax.text(0.5, i - 0.36, f"inside the box: {_condition(low, high)}   "
                f"(sampled {_fmt(lo_r)}-{_fmt(hi_r)}; quasi-p {np.nanmin(box.qp[d]):.1g})",
                ha="center", va="top", fontsize=8)
    ax.set_yticks(range(len(dims)), [param_words(d) for d in dims], fontsize=9)
    ax.set_ylim(len(dims) - 0.4, -0.7)
    ax.set_xlim(0, 1)
    ax.set_xticks([0, 1], ["lowest sampled", "highest sampled"], fontsize=8)
    ax.set_title("Conditions (orange: the part of each range inside the box)", fontsize=10)

    ax = fig.add_subplot(grid[1])
    groups = [("inside\nthe box", "density"), ("outside\nthe box", "outside_density")]
    width = 0.38
    for j, (kind, colour) in enumerate((("in-sample", IN_SAMPLE), ("held-out", HELD_OUT))):
        s = stats[kind]
        for i, (_, key) in enumerate(groups):
            v, lo, hi = s[key], s[f"{key}_low"], s[f"{key}_high"]
            if not np.isfinite(v):
                continue
            x = i + (j - 0.5) * width
            ax.bar(x, v, width, color=colour, label=kind if i == 0 else None)
            ax.errorbar(x, v, yerr=[[v - lo], [hi - v]], color="black", capsize=3, lw=1)
            ax.text(x, hi + 0.02, f"{v:.0%}", ha="center", fontsize=8)
    ax.set_xticks(range(len(groups)), [g for g, _ in groups])
    ax.set_ylim(0, 1.12)
    ax.set_yticks(np.linspace(0, 1, 6), [f"{v:.0%}" for v in np.linspace(0, 1, 6)])
    ax.set_ylabel("share of cases where " + "\n".join(textwrap.wrap(question_words, 45)),
                  fontsize=8.5)
    ax.legend(fontsize=8, loc="upper right", title="points", title_fontsize=8)
    ax.set_title("How often it holds (95% intervals)", fontsize=10)

    ax = fig.add_subplot(grid[2])
    y = np.asarray(y, dtype=bool)
    if len(dims) >= 2:
        d1, d2 = dims[0], dims[1]
        ax.scatter(points[d1][~y], points[d2][~y], s=7, color=OTHER, label="other points")
        ax.scatter(points[d1][y], points[d2][y], s=7, color=INTEREST, label="cases of interest")
        (l1, h1), (l2, h2) = box.limits[d1], box.limits[d2]
        x0, x1 = max(l1, ranges[d1][0]), min(h1, ranges[d1][1])
        y0, y1 = max(l2, ranges[d2][0]), min(h2, ranges[d2][1])
        ax.add_patch(plt.Rectangle((x0, y0), x1 - x0, y1 - y0, fill=False, ls="--", lw=1.6,
                                   color="black", label="box (these two conditions)"))
        ax.set_xlabel(param_words(d1), fontsize=9)
        ax.set_ylabel(param_words(d2), fontsize=9)
    else:
        d1 = dims[0]
        v = points[d1].to_numpy()
        bins = np.linspace(*ranges[d1], 21)
        ax.hist([v[y], v[~y]], bins=bins, stacked=True, color=[INTEREST, OTHER],
                label=["cases of interest", "other points"])
        low, high = box.limits[d1]
        for edge in (low, high):
            if np.isfinite(edge):
                ax.axvline(edge, color="black", ls="--", lw=1.6)
        ax.set_xlabel(param_words(d1), fontsize=9)
        ax.set_ylabel("points", fontsize=9)
    ax.legend(fontsize=7.5, loc="best", markerscale=2)
    ax.set_title("Every sampled point", fontsize=10)
    return fig


def cart_figure(result, depth: int = 3):
    """The first ``depth`` levels of the classification tree."""
    from sklearn.tree import plot_tree

    plt = _plt()
    fig, ax = plt.subplots(figsize=(13, 6), layout="constrained")
    plot_tree(result.tree, max_depth=depth, feature_names=result.features,
              class_names=["other", "case of interest"], filled=True, proportion=True,
              impurity=False, rounded=True, fontsize=7, ax=ax)
    ax.set_title(f"Classification tree (CART), first {depth} levels: each box shows the split, the "
                 "share of points that reach it and the share of each class among them",
                 fontsize=10)
    return fig
