"""The plain summary of a scenario discovery (``summary.md``) and its headline sentence, e.g.

    Credible fault tolerance raises genuine innovation by more than 5 points in 83% (78-87%) of
    held-out cases when workload <= 0.8 and tolerance credibility >= 0.6; outside that box in
    12% (9-15%).
"""

from __future__ import annotations

import numpy as np

from .figures import param_words
from .prim import SIGNIFICANCE

MAX_CONDITIONS = 4


def pct(v: float) -> str:
    return "n/a" if not np.isfinite(v) else f"{v:.0%}"


def interval(s: dict, key: str) -> str:
    """``83% (78-87%)``."""
    v, lo, hi = s[key], s[f"{key}_low"], s[f"{key}_high"]
    if not np.isfinite(v):
        return "n/a (no points)"
    return f"{v:.0%} ({lo:.0%}-{hi:.0%})"


def conditions(limits: dict, order: list[str]) -> str:
    """``workload ≤ 0.8 and tolerance credibility ≥ 0.6`` (the strongest few)."""
    parts = []
    for d in order[:MAX_CONDITIONS]:
        low, high = limits[d]
        name = d.replace("_", " ")
        if np.isfinite(low) and np.isfinite(high):
            parts.append(f"{name} is between {low:.3g} and {high:.3g}")
        elif np.isfinite(low):
            parts.append(f"{name} ≥ {low:.3g}")
        else:
            parts.append(f"{name} ≤ {high:.3g}")
    more = len(order) - MAX_CONDITIONS
    text = " and ".join(parts) if len(parts) < 3 else ", ".join(parts[:-1]) + " and " + parts[-1]
    return text + (f" (and {more} more condition{'s' if more > 1 else ''})" if more > 0 else "")


def headline(question, box, stats: dict) -> str:
    """The one sentence a reader takes away; held-out numbers when there are any."""
    kind = "held-out" if np.isfinite(stats["held-out"]["density"]) else "in-sample"
    s = stats[kind]
    words = question.words()
    words = words[0].upper() + words[1:]
    return (f"{words} in {interval(s, 'density')} of {kind} cases when "
            f"{conditions(box.limits, box.dims)}; outside that box in "
            f"{interval(s, 'outside_density')}.")


def holds_out(stats: dict) -> str:
    """Whether the box's density survives on points PRIM did not see."""
    ins, out = stats["in-sample"], stats["held-out"]
    if not np.isfinite(out["density"]):
        return ("cannot be checked: no held-out point fell inside the box (use more --points or "
                "a larger --holdout)")
    if out["outside_density_high"] >= out["density_low"]:
        return (f"is not clearly above the rate outside it on held-out points "
                f"({interval(out, 'density')} inside, {interval(out, 'outside_density')} "
                "outside): the box does not separate the cases there; sample more --points")
    if out["density_high"] >= ins["density"]:
        return (f"holds: on held-out points the density is {interval(out, 'density')}, whose "
                f"interval reaches the in-sample {pct(ins['density'])}, and the rate outside "
                f"the box is {interval(out, 'outside_density')}")
    return (f"falls on held-out points to {interval(out, 'density')} against "
            f"{pct(ins['density'])} in-sample: part of the box fits noise; read it as the "
            "held-out figure, or choose a box with fewer restrictions (--box)")


def summary(d) -> str:
    """``summary.md`` of a :class:`discover.Discovery`."""
    q, box, stats = d.question, d.box, d.stats
    n, k = len(d.y), int(np.sum(d.y))
    lines = [
        f"# Scenario discovery: when does it hold that {q.words()}?", "",
        f"**Answer.** {headline(q, box, stats)}", "",
        "## The question", "",
        f"- Asked: `--where \"{q.text}\"` ({q.column}); a point is a *case of interest* when it "
        f"holds there. It holds at {k:,} of {n:,} points ({k / n:.0%}).",
        f"- Points: {d.source_line}.",
    ]
    lines += [f"- {line}" for line in d.notes]
    lines += [
        "", f"## The box (box {box.index} of the peeling trajectory)", "",
        f"Chosen as {d.choice}. Inside it, the question holds at {pct(box.density)} of the "
        f"points PRIM saw (its *density*), and it holds {pct(box.coverage)} of all their cases "
        f"of interest (its *coverage*); it holds {pct(box.mass)} of the points (its *mass*).", "",
        "| setting | inside the box | sampled range | quasi-p |", "|---|---|---|---|",
    ]
    for dim in box.dims:
        low, high = box.limits[dim]
        lo_r, hi_r = d.ranges[dim]
        cond = (f"{low:.3g} to {high:.3g}" if np.isfinite(low) and np.isfinite(high)
                else (f"≥ {low:.3g}" if np.isfinite(low) else f"≤ {high:.3g}"))
        lines.append(f"| {param_words(dim)} | {cond} | {lo_r:.3g} to {hi_r:.3g} | "
                     f"{np.nanmin(box.qp[dim]):.2g} |")
    ins, out = stats["in-sample"], stats["held-out"]
    lines += [
        "", "## How sure", "",
        f"- In-sample ({ins['points']:,} points): density {interval(ins, 'density')}, "
        f"coverage {interval(ins, 'coverage')}, outside the box "
        f"{interval(ins, 'outside_density')}.",
        f"- Held out ({out['points']:,} points PRIM never saw): density "
        f"{interval(out, 'density')} on {out['in_box']:,} points in the box, coverage "
        f"{interval(out, 'coverage')}, outside the box {interval(out, 'outside_density')}.",
        f"- The box's density {holds_out(stats)}.",
        f"- Every restriction has a quasi-p value of at most {max(box.max_qp, 0):.2g} "
        f"(significant below {SIGNIFICANCE}); quasi-p values are not corrected for PRIM's "
        "search over many boxes, which is what the held-out check is for. Intervals are 95% "
        "Wilson intervals of a share.",
    ]
    c, cs = d.cart_leaf, d.cart_stats
    shared = sorted(set(c.limits) & set(box.limits))
    lines += [
        "", "## Second view: a classification tree (CART)", "",
        f"The tree's purest leaf: {conditions(c.limits, sorted(c.limits)) or 'all points'} - "
        f"density {interval(cs['in-sample'], 'density')} in-sample, "
        f"{interval(cs['held-out'], 'density')} held out, coverage "
        f"{interval(cs['in-sample'], 'coverage')}. "
        + (f"It restricts {', '.join(shared)} as the PRIM box does." if shared else
           "It restricts none of the box's settings: the two views disagree, so read the box "
           "with care."),
        "",
        "## Files", "",
        "- `boxes.csv`: every box of the peeling trajectory, one row per restricted setting "
        "(limits, sampled range, quasi-p, coverage, density, mass); `trajectory.csv`: one row "
        "per box; `holdout.csv`: the chosen box and the tree's purest leaf in-sample and on "
        "held-out points; `cart_boxes.csv`: every leaf of the tree; `points.parquet`: the "
        "points (settings, result, class, held out or not).",
        "- `tradeoff.png`: coverage against density of every box; `box.png`: the chosen box for "
        "a reader; `cart_tree.png`: the tree; `manifest.json`: command, settings, seeds, "
        "versions, git commit and the files' checksums.",
    ]
    return "\n".join(lines) + "\n"
