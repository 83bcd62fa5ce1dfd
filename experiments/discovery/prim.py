"""PRIM (the patient rule induction method) through EMA Workbench 2.5's implementation.

EMA Workbench's ``Prim`` peels the box of all points along one input at a time (5% of the points
per step, keeping the peel that raises the share of cases of interest most per point removed),
then pastes back where that helps, recording the *peeling trajectory*: every box on the way, with

* **coverage** -- the share of all cases of interest that fall inside the box,
* **density**  -- the share of points inside the box that are cases of interest,
* **mass**     -- the share of all points inside the box,

and, for each restricted input, a quasi-p value (Bryant & Lempert 2010): a one-sided binomial
test of whether the restriction raises the density more than chance would (dropping it leaves a
box whose density would be this far below with probability qp). We read the trajectory, choose a
box (:func:`choose`) and turn its limits into plain ranges; open sides are +-infinity, so points
outside the sampled range of an unrestricted side still count as inside.
"""

from __future__ import annotations

import contextlib
import math
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import UserError

#: A restriction counts as significant when its quasi-p value is at most this.
SIGNIFICANCE = 0.05


def ema_analysis():
    """EMA Workbench's ``analysis`` package, imported quietly (its import warns about optional
    parallel back-ends we do not use)."""
    with quiet():
        from ema_workbench import analysis
    return analysis


@contextlib.contextmanager
def quiet():
    """Silence the warnings EMA Workbench 2.5 raises under pandas 3 (deprecated ``inplace``);
    they are about its code, not about the analysis, and a briefing must not show them."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


@dataclass
class Box:
    """One box of the trajectory: its restricted inputs, their quasi-p values, its statistics
    on the points PRIM saw."""

    index: int
    limits: dict[str, tuple[float, float]]    # restricted inputs only; open sides +-inf
    qp: dict[str, tuple[float, float]]        # quasi-p of the lower and upper limit (NaN: open)
    coverage: float
    density: float
    mass: float
    n: int
    k: int
    pruned_from: int | None = None            # the peeled box it came from (see prune())

    @property
    def dims(self) -> list[str]:
        """Restricted inputs, most significant first."""
        return sorted(self.limits, key=lambda d: np.nanmin(self.qp[d]))

    @property
    def significant(self) -> bool:
        return all(v <= SIGNIFICANCE for d in self.limits for v in self.qp[d] if v == v)

    @property
    def max_qp(self) -> float:
        vals = [v for d in self.limits for v in self.qp[d] if v == v]
        return max(vals) if vals else float("nan")


def run_prim(x: pd.DataFrame, y: np.ndarray, peel_alpha: float = 0.05,
             paste_alpha: float = 0.05, mass_min: float = 0.05) -> tuple[list[Box], list[str]]:
    """The peeling (and pasting) trajectory of EMA Workbench's PRIM on ``x`` and the 0/1 ``y``,
    and the inputs it was run on.

    With many inputs PRIM's first peels each take 5% off a different input, and a box collects
    restrictions none of which matters on its own. So PRIM runs twice, the second time only on
    the inputs whose restriction was significant (quasi-p <= SIGNIFICANCE) somewhere on the
    first trajectory (EMA's ``determine_dimres``, the first step of Kwakkel's 2019 constrained
    PRIM); the second trajectory is the one reported.
    """
    y = np.asarray(y, dtype=int)
    if y.min() == y.max():
        raise ValueError("PRIM needs both cases of interest and others")
    analysis = ema_analysis()
    x = x.reset_index(drop=True)
    first = _trajectory(analysis, x, y, peel_alpha, paste_alpha, mass_min)
    with quiet():
        significant = analysis.prim_util.determine_dimres(first, issignificant=True,
                                                          significance_threshold=SIGNIFICANCE)
    dims = [c for c in x.columns if c in significant]
    if not dims:
        return _boxes(first), []
    second = _trajectory(analysis, x[dims], y, peel_alpha, paste_alpha, mass_min)
    with quiet():
        origin = prune(second)
    boxes = _boxes(second)
    for i, j in origin.items():
        boxes[i].pruned_from = j
    return boxes, dims


def prune(box) -> dict[int, int]:
    """Add to EMA's box, for every peeled box with a limit that may be chance (quasi-p above
    SIGNIFICANCE), the box left after opening such limits one at a time, the least significant
    first; EMA's ``update`` recomputes the statistics and quasi-p values after each. This is
    EMA's ``drop_restriction`` done per side (a lower limit may matter where the upper does
    not): what an analyst does by hand on EMA's trajectory. Returns ``{new box: the peeled box
    it came from}``."""
    prim, peeled, origin = box.prim, len(box.peeling_trajectory), {}
    x = prim.x.loc[prim.yi_remaining]
    for i in range(1, peeled):
        j = i
        while True:
            sides = [(q, d, side) for d, qs in box.qp[j].items()
                     for side, q in enumerate(qs) if q > SIGNIFICANCE]
            if not sides or sum(q >= 0 for qs in box.qp[j].values() for q in qs) == 1:
                break
            _, d, side = max(sides)
            lims = box.box_lims[j].copy()
            lims.loc[side, d] = box.box_lims[0].loc[side, d]
            restricted = [c for c in lims.columns if (lims[c] != box.box_lims[0][c]).any()]
            inside = np.ones(len(x), dtype=bool)
            for c in restricted:
                v = x[c].to_numpy()
                inside &= (v >= lims.loc[0, c]) & (v <= lims.loc[1, c])
            box.update(lims, prim.yi_remaining[inside])
            j = len(box.peeling_trajectory) - 1
            origin[j] = i
    return origin


def _trajectory(analysis, x, y, peel_alpha, paste_alpha, mass_min):
    # EMA's threshold is the density the final box must reach to be kept (else it returns an
    # unrestricted box); we keep every box on the way and choose ourselves (see choose()).
    with quiet():
        alg = analysis.prim.Prim(x, y, threshold=1e-9, peel_alpha=peel_alpha,
                                 paste_alpha=paste_alpha, mass_min=mass_min)
        return alg.find_box()


def _boxes(box) -> list[Box]:
    init = box.prim.box_init
    out = []
    for i, row in box.peeling_trajectory.reset_index(drop=True).iterrows():
        lims = box.box_lims[i]
        limits, qp = {}, {}
        for d, (q_low, q_high) in box.qp[i].items():
            low, high = float(lims.loc[0, d]), float(lims.loc[1, d])
            limits[d] = (-math.inf if low == init.loc[0, d] else low,
                         math.inf if high == init.loc[1, d] else high)
            qp[d] = (float("nan") if q_low < 0 else float(q_low),
                     float("nan") if q_high < 0 else float(q_high))
        out.append(Box(i, limits, qp, float(row["coverage"]), float(row["density"]),
                       float(row["mass"]), int(row["n"]), int(row["k"])))
    return out


def choose(boxes: list[Box], density: float, index: int | None = None) -> tuple[Box, str]:
    """The box to report, and why.

    With ``index``, that box. Otherwise, of the boxes whose every restriction is significant,
    the one with the greatest coverage among those reaching the target ``density`` (fewer
    restricted inputs break ties); when none reaches it, the densest that still holds at least
    half of the cases of interest (else the densest).
    """
    if index is not None:
        if not 0 <= index < len(boxes):
            raise UserError(f"--box {index}: the peeling trajectory has boxes 0 to "
                            f"{len(boxes) - 1}; see trajectory.csv")
        b = boxes[index]
        if not b.limits:
            raise UserError(f"--box {index} restricts nothing (it is every point); choose a box "
                            "from 1 on (trajectory.csv)")
        note = "chosen with --box" + ("" if b.significant else
                                      f"; NOT every restriction is significant (largest "
                                      f"quasi-p {b.max_qp:.2g})")
        return b, note
    good = [b for b in boxes if b.limits and b.significant]
    if not good:
        raise UserError("PRIM found no box whose every restriction is significant (quasi-p <= "
                        f"{SIGNIFICANCE}): the cases of interest do not gather in any region of "
                        "the sampled settings; ask another threshold or sample more --points")
    dense = [b for b in good if b.density >= density]
    if dense:
        best = max(dense, key=lambda b: (b.coverage, -len(b.limits), b.mass))
        return best, (f"the box with the greatest coverage among those with density >= "
                      f"{density:.0%} and every restriction significant")
    half = [b for b in good if b.coverage >= 0.5] or good
    best = max(half, key=lambda b: (b.density, b.coverage))
    return best, (f"no box reached the target density {density:.0%}; this is the densest box "
                  "with every restriction significant" +
                  (" that keeps half of the cases of interest" if best.coverage >= 0.5 else ""))


def in_box(x: pd.DataFrame, limits: dict[str, tuple[float, float]]) -> np.ndarray:
    """Which rows of ``x`` lie inside the box."""
    inside = np.ones(len(x), dtype=bool)
    for d, (low, high) in limits.items():
        v = x[d].to_numpy(dtype=float)
        inside &= (v >= low) & (v <= high)
    return inside


def proportion(k: int, n: int) -> tuple[float, float, float]:
    """A share with its 95% Wilson interval (NaN when there are no points)."""
    if n == 0:
        return float("nan"), float("nan"), float("nan")
    from scipy.stats import binomtest

    ci = binomtest(int(k), int(n)).proportion_ci(0.95, method="wilson")
    return k / n, float(ci.low), float(ci.high)


def performance(inside: np.ndarray, y: np.ndarray) -> dict:
    """How well a box separates: density inside and outside, coverage, mass, with intervals."""
    inside, y = np.asarray(inside, dtype=bool), np.asarray(y, dtype=int)
    n, n_in, k, k_in = len(y), int(inside.sum()), int(y.sum()), int(y[inside].sum())
    out = {"points": n, "in_box": n_in, "cases": k, "cases_in_box": k_in,
           "mass": n_in / n if n else float("nan")}
    for name, (kk, nn) in {"density": (k_in, n_in), "coverage": (k_in, k),
                           "outside_density": (k - k_in, n - n_in)}.items():
        p, low, high = proportion(kk, nn)
        out.update({name: p, f"{name}_low": low, f"{name}_high": high})
    return out


def trajectory_table(boxes: list[Box], chosen: int) -> pd.DataFrame:
    """One row per box of the trajectory (``trajectory.csv``)."""
    return pd.DataFrame([{"box": b.index, "coverage": b.coverage, "density": b.density,
                          "mass": b.mass, "points": b.n, "cases": b.k,
                          "restricted": len(b.limits), "significant": b.significant,
                          "pruned_from": b.pruned_from,
                          "max_quasi_p": b.max_qp, "chosen": b.index == chosen,
                          "restrictions": "; ".join(describe_limits(b.limits, b.dims))}
                         for b in boxes])


def boxes_table(boxes: list[Box], chosen: int, ranges: dict) -> pd.DataFrame:
    """One row per restricted input of every box (``boxes.csv``): limits, range, quasi-p and
    the box's coverage, density and mass."""
    rows = []
    for b in boxes:
        for d in b.dims:
            low, high = b.limits[d]
            rows.append({"box": b.index, "chosen": b.index == chosen, "coverage": b.coverage,
                         "density": b.density, "mass": b.mass, "restricted": len(b.limits),
                         "input": d, "lower": low if np.isfinite(low) else np.nan,
                         "upper": high if np.isfinite(high) else np.nan,
                         "range_low": ranges[d][0], "range_high": ranges[d][1],
                         "quasi_p_lower": b.qp[d][0], "quasi_p_upper": b.qp[d][1]})
    return pd.DataFrame(rows)


def describe_limits(limits: dict[str, tuple[float, float]], order: list[str] | None = None,
                    fmt: str = "{:.3g}") -> list[str]:
    """``["workload <= 0.8", "0.2 <= skill_mean <= 0.5", ...]`` in ``order`` (default: as
    given)."""
    out = []
    for d in order or list(limits):
        low, high = limits[d]
        if np.isfinite(low) and np.isfinite(high):
            out.append(f"{fmt.format(low)} <= {d} <= {fmt.format(high)}")
        elif np.isfinite(low):
            out.append(f"{d} >= {fmt.format(low)}")
        else:
            out.append(f"{d} <= {fmt.format(high)}")
    return out
