"""M10 -- conformity and habit: Granovetter-style thresholds.

Each cadre has a threshold: the share of its unit's colleagues who must innovate before it is at
ease doing so. Below the threshold, acting differently costs ``conformity_strength`` times the gap;
once enough peers innovate, the cost is gone. Because the share of innovators feeds back on
itself, innovation can spread through a unit or stall (tipping points).
"""

from __future__ import annotations

import numpy as np


def peer_share(pop, attempted: np.ndarray, n_units: int) -> np.ndarray:
    """Share of each cadre's unit colleagues (itself excluded) who innovated last quarter."""
    active = pop.active
    n_unit = np.bincount(pop.unit, weights=active, minlength=n_units + 1)
    innov = np.bincount(pop.unit, weights=attempted & active, minlength=n_units + 1)
    others = innov[pop.unit] - attempted
    return others / np.maximum(n_unit[pop.unit] - 1.0, 1.0)


def pressure(pop, share: np.ndarray, p) -> np.ndarray:
    """Utility of innovating from conformity: a cost below the threshold, none above it."""
    return p.conformity_strength * np.minimum(share - pop.conformity_threshold, 0.0)
