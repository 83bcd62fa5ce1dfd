"""M16 -- demography and careers: ageing, retirement, voluntary exit, entry of young graduates into
vacant staff posts, and rotation of cadres between units.

* Everybody ages a quarter a step; at ``retirement_age`` a cadre retires.
* Each year a cadre leaves with chance ``exit_rate * (1 + 2 * stress)``.
* Vacant staff posts are filled by recruits aged 22-30 with fresh traits; a recruit takes on the
  mean tolerance belief of its new unit (socialisation, March 1991).
* Each year a share ``rotation_rate`` of cadres below county rank swap units with others of their
  rank; a rotated cadre keeps a tie to its former head (cross-unit ties for M4).
"""

from __future__ import annotations

import numpy as np

from .organisation import COUNTY, STAFF, occupancy
from .population import NO_BARRIER, ROUTINE, draw_traits

QUARTER = 0.25


def age(pop) -> None:
    """One quarter passes."""
    pop.age += QUARTER
    pop.tenure += QUARTER
    pop.service += QUARTER


def departures(pop, p, u_exit: np.ndarray) -> np.ndarray:
    """Retire those at retirement age and draw voluntary exits; returns the leavers' mask."""
    retire = pop.active & (pop.age >= p.retirement_age)
    leave = pop.active & (u_exit < p.exit_rate * (1.0 + 2.0 * pop.stress))
    leavers = retire | leave
    pop.active[leavers] = False
    return leavers


def recruit(pop, org, p, z: np.ndarray, u: np.ndarray, year: float) -> np.ndarray:
    """Fill vacant staff posts with new cadres in free rows; returns the recruits' rows.

    ``z`` is a (5, n) block of standard normals (traits) and ``u`` a (2, n) block of uniforms
    (age, ties), both drawn for every row so that draws do not depend on how many are recruited.
    """
    occ = occupancy(pop.unit, pop.rank, pop.active, org.n_units)
    vac = np.maximum(org.capacity[:, STAFF] - occ[:, STAFF], 0)
    units = np.repeat(np.arange(org.capacity.shape[0]), vac)
    rows = np.flatnonzero(~pop.active)[: units.size]
    units = units[: rows.size]
    if not rows.size:
        return rows
    n_unit = np.maximum(np.bincount(pop.unit, weights=pop.active, minlength=org.n_units + 1), 1)
    belief = np.bincount(pop.unit, weights=pop.perceived_tolerance * pop.active,
                         minlength=org.n_units + 1) / n_unit
    pop.active[rows] = True
    pop.unit[rows], pop.rank[rows] = units, STAFF
    pop.age[rows] = 22.0 + 8.0 * u[0, rows]
    pop.tenure[rows] = pop.service[rows] = 0.0
    draw_traits(pop, rows, p, z)
    pop.perceived_tolerance[rows] = belief[units]
    pop.routine_performance[rows] = 0.5
    for name in ("training_boost", "propensity", "stress", "innovation_record", "attempts_year",
                 "recent_innovation", "score"):
        getattr(pop, name)[rows] = 0.0
    for name in ("n_attempts", "n_successes", "n_sanctions", "n_promotions"):
        getattr(pop, name)[rows] = 0
    pop.demerit_until[rows] = year
    pop.last_action[rows], pop.barrier[rows] = ROUTINE, NO_BARRIER
    pop.last_outcome[rows] = 0
    pop.ties[rows] = (u[1, rows, None] * pop.n * np.arange(1, pop.ties.shape[1] + 1)).astype(
        np.int64) % pop.n
    return rows


def rotate(pop, org, p, u_move: np.ndarray, keys: np.ndarray, leaders: np.ndarray) -> np.ndarray:
    """Swap the units of a random ``rotation_rate`` share of cadres within each rank."""
    moved = np.zeros(pop.n, dtype=bool)
    if p.rotation_rate <= 0:
        return moved
    for r in range(STAFF, COUNTY):
        movers = np.flatnonzero(pop.active & (pop.rank == r) & (u_move < p.rotation_rate))
        if movers.size < 2:
            continue
        old = pop.unit[movers]
        pop.unit[movers] = old[np.argsort(keys[movers], kind="stable")]
        former_head = leaders[old]
        keep = (former_head >= 0) & (former_head != movers)  # a rotated head keeps no self-tie
        pop.ties[movers[keep], 0] = former_head[keep]
        moved[movers] = pop.unit[movers] != old
    return moved
