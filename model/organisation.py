"""M6 -- the county's units and its rank pyramid of fixed posts.

A county has townships and county departments (the *units*), and one county leadership team. Each
unit has exactly one head (rank 2), a fixed number of deputies (rank 1) and staff (rank 0); the
leadership team holds the rank-3 posts. Post counts never change during a run: a promotion needs a
vacancy, and vacancies only come from retirement, exit, promotion and demotion.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .jit import kernel
from .parameters import ParameterError

STAFF, DEPUTY, HEAD, COUNTY = 0, 1, 2, 3
RANK_NAMES = ("staff", "deputy", "head", "county leader")
N_RANKS = 4
MIN_UNITS, MIN_COUNTY_POSTS = 2, 1  # the smallest county: two units and one county leader
#: Relative routine load of a unit: uniform in this range, plus TOWNSHIP_LOAD for townships,
#: which carry more routine work than county departments (essay 003).
UNIT_LOAD_RANGE = (0.9, 1.05)
TOWNSHIP_LOAD = 0.05


@dataclass(frozen=True)
class Organisation:
    """Units and post capacities; ``capacity[u, r]`` is the number of rank-r posts in unit u."""

    n_units: int  # townships and departments, not counting the leadership team
    n_townships: int
    capacity: np.ndarray  # (n_units + 1, N_RANKS) int
    unit_load: np.ndarray  # (n_units + 1,) relative routine load of each unit

    @property
    def county_unit(self) -> int:
        """Index of the pseudo-unit that holds the county leadership posts."""
        return self.n_units

    @property
    def is_township(self) -> np.ndarray:
        """Boolean per unit (leadership team included, as False)."""
        flags = np.zeros(self.n_units + 1, dtype=bool)
        flags[: self.n_townships] = True
        return flags

    def unit_name(self, unit: int) -> str:
        """A readable name for a unit index."""
        if unit == self.county_unit:
            return "county leadership"
        if unit < self.n_townships:
            return f"township {unit + 1}"
        return f"department {unit - self.n_townships + 1}"


def build_organisation(n_cadres: int, p, rng: np.random.Generator) -> Organisation:
    """Lay out units and posts for ``n_cadres`` cadres from the structure parameters."""
    n_units = max(MIN_UNITS, round(n_cadres / p.unit_size))
    n_town = min(n_units, round(p.township_share * n_units))
    n_county = max(MIN_COUNTY_POSTS, round(p.county_leader_ratio * n_units))
    deputies = int(p.deputies_per_unit)
    staff_total = n_cadres - n_county - n_units * (1 + deputies)
    if staff_total < n_units:
        need = n_county + n_units * (2 + deputies)
        raise ParameterError(
            f"n_cadres={n_cadres} is too small for unit_size={p.unit_size} and "
            f"deputies_per_unit={deputies}; use n_cadres >= {need} or a larger unit_size"
        )
    cap = np.zeros((n_units + 1, N_RANKS), dtype=np.int64)
    cap[:n_units, STAFF] = staff_total // n_units
    cap[: staff_total % n_units, STAFF] += 1
    cap[:n_units, DEPUTY] = deputies
    cap[:n_units, HEAD] = 1
    cap[n_units, COUNTY] = n_county
    load = rng.uniform(*UNIT_LOAD_RANGE, size=n_units + 1)
    load[:n_town] += TOWNSHIP_LOAD
    return Organisation(n_units=n_units, n_townships=n_town, capacity=cap, unit_load=load)


@kernel
def occupancy(unit, rank, active, n_units):
    """Count of active cadres per (unit, rank), shaped like ``capacity``."""
    counts = np.zeros((n_units + 1, N_RANKS), dtype=np.int64)
    for i in range(unit.size):
        if active[i]:
            counts[unit[i], rank[i]] += 1
    return counts
