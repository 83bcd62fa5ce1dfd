"""M10 -- conformity and habit: Granovetter-style thresholds.

Each cadre has a threshold: the share of its unit's colleagues who must innovate before it is at
ease doing so. Below the threshold, acting differently costs ``conformity_strength`` times the gap;
once enough peers innovate, the cost is gone. Because the share of innovators feeds back on
itself, innovation can spread through a unit or stall (tipping points).
"""

from __future__ import annotations

import numpy as np

from .jit import kernel


def peer_share(pop, attempted: np.ndarray, n_units: int) -> np.ndarray:
    """Share of each cadre's unit colleagues (itself excluded) who innovated last quarter."""
    share = np.empty(pop.n)
    _peer_share_kernel(pop.unit, pop.active, attempted, n_units, share)
    return share


@kernel
def _peer_share_kernel(unit, active, attempted, n_units, share):
    n_unit = np.zeros(n_units + 1)
    innovators = np.zeros(n_units + 1)
    for i in range(unit.size):
        if active[i]:
            n_unit[unit[i]] += 1.0
            innovators[unit[i]] += attempted[i]
    for i in range(unit.size):
        others = innovators[unit[i]] - attempted[i]
        share[i] = others / max(n_unit[unit[i]] - 1.0, 1.0)


@kernel
def conformity_pressure(strength, share, threshold):
    """Utility of innovating from conformity (one cadre): a cost below the threshold, none
    above it."""
    return strength * min(share - threshold, 0.0)

