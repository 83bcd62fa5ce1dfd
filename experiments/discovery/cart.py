"""CART, a second view of the same question: a classification tree splits the points into leaves
(boxes) by one input at a time, each leaf holding at least ``mass_min`` of the points.

EMA Workbench 2.5's ``CART`` wrapper turns the tree's leaves into boxes and their coverage,
density and mass; the tree itself is scikit-learn's ``DecisionTreeClassifier``. We fit the tree
with a fixed ``random_state`` (scikit-learn breaks ties between equally good splits at random,
and the wrapper leaves the state unset), and read the leaves as ``prim.Box``-like limits so both
views are checked on the same held-out points.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .prim import ema_analysis, quiet


@dataclass
class Leaf:
    """One leaf of the tree as a box."""

    index: int
    limits: dict[str, tuple[float, float]]  # restricted inputs; open sides +-inf
    coverage: float
    density: float
    mass: float


@dataclass
class CartResult:
    leaves: list[Leaf]
    tree: object        # the fitted DecisionTreeClassifier
    features: list[str]

    def best(self) -> Leaf:
        """The leaf with the highest density (the larger one on a tie)."""
        return max(self.leaves, key=lambda leaf: (leaf.density, leaf.mass))


def run_cart(x: pd.DataFrame, y: np.ndarray, mass_min: float = 0.05,
             seed: int = 0) -> CartResult:
    """Fit the tree on ``x`` and the 0/1 ``y`` and describe every leaf as a box."""
    from sklearn.tree import DecisionTreeClassifier

    analysis = ema_analysis()
    x = x.reset_index(drop=True)
    y = np.asarray(y, dtype=int)
    with quiet():
        model = analysis.CART(x, y, mass_min=mass_min,
                              mode=analysis.scenario_discovery_util.RuleInductionType.BINARY)
    # The wrapper's build_tree() with a seeded tree: the inputs are all numeric, so the
    # wrapper's feature matrix is x itself, column for column.
    model.clf = DecisionTreeClassifier(min_samples_leaf=max(1, int(mass_min * len(x))),
                                       random_state=seed).fit(x.to_numpy(dtype=float), y)
    init = x.agg(["min", "max"]).reset_index(drop=True)
    leaves = []
    with quiet():
        boxes, stats_list = model.boxes, model.stats
    for i, (box, stats) in enumerate(zip(boxes, stats_list, strict=True)):
        limits = {}
        for d in x.columns:
            low, high = float(box.loc[0, d]), float(box.loc[1, d])
            if low != init.loc[0, d] or high != init.loc[1, d]:
                limits[d] = (-math.inf if low == init.loc[0, d] else low,
                             math.inf if high == init.loc[1, d] else high)
        leaves.append(Leaf(i, limits, float(stats["coverage"]), float(stats["density"]),
                           float(stats["mass"])))
    return CartResult(leaves, model.clf, list(x.columns))


def leaves_table(result: CartResult, describe) -> pd.DataFrame:
    """One row per leaf (``cart_boxes.csv``), densest first."""
    best = result.best().index
    rows = [{"leaf": leaf.index, "best": leaf.index == best, "coverage": leaf.coverage,
             "density": leaf.density, "mass": leaf.mass, "restricted": len(leaf.limits),
             "conditions": "; ".join(describe(leaf.limits))} for leaf in result.leaves]
    return pd.DataFrame(rows).sort_values(["density", "mass"], ascending=False,
                                          kind="stable").reset_index(drop=True)
