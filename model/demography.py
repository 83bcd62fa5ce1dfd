"""M16 -- demography and careers: ageing, retirement, voluntary exit, entry of young graduates into
vacant staff posts, and rotation of cadres between units.

* Everybody ages a quarter a step; at ``retirement_age`` a cadre retires.
* Each year a cadre leaves with chance ``exit_rate * (1 + EXIT_STRESS * stress)``.
* Vacant staff posts are filled by recruits aged 22-30 with fresh traits; a recruit takes on the
  mean beliefs of its new unit (socialisation, March 1991) -- of the county where nobody serves in
  the unit, and the priors where nobody serves at all.
* Each year a share ``rotation_rate`` of cadres below county rank swap units with others of their
  rank; a rotated cadre keeps a tie to its former head (cross-unit ties for M4).
"""

from __future__ import annotations

import numpy as np

from .calendar import QUARTER
from .jit import kernel
from .organisation import COUNTY, STAFF, occupancy
from .population import (
    HEAD_TIE,
    N_TRAIT_DRAWS,
    NO_BARRIER,
    RECRUIT_AGE,
    RECRUIT_AGE_SPAN,
    ROUTINE_START,
    draw_traits,
)

EXIT_STRESS = 2.0  # full stress triples the chance of leaving (burnout)
N_RECRUIT_DRAWS = N_TRAIT_DRAWS  # standard normals per row for a recruit's traits


@kernel
def exit_chance(exit_rate, stress):
    """Yearly chance that a serving cadre leaves of its own accord."""
    return exit_rate * (1.0 + EXIT_STRESS * stress)


def age(pop) -> None:
    """One quarter passes."""
    _age_kernel(pop.age, pop.tenure, pop.service)


@kernel
def _age_kernel(age, tenure, service):
    for i in range(age.size):  # one pass instead of three array operations
        age[i] += QUARTER
        tenure[i] += QUARTER
        service[i] += QUARTER


def departures(pop, p, u_exit: np.ndarray) -> np.ndarray:
    """Retire those at retirement age and draw voluntary exits; returns the leavers' mask."""
    leavers = np.zeros(pop.n, dtype=np.bool_)
    _departures_kernel(pop.active, pop.age, pop.stress, u_exit, p.retirement_age, p.exit_rate,
                       leavers)
    return leavers


@kernel
def _departures_kernel(active, age, stress, u_exit, retirement_age, exit_rate, leavers):
    for i in range(active.size):
        if active[i] and (age[i] >= retirement_age or u_exit[i] < exit_chance(exit_rate,
                                                                               stress[i])):
            leavers[i] = True
            active[i] = False


def recruit(pop, org, p, rng: np.random.Generator, year: float) -> np.ndarray:
    """Fill vacant staff posts with new cadres in free rows; returns the recruits' rows.

    ``rng`` (the year's recruitment stream, rng.YearlyStream) gives recruit k, in row order,
    column k of an (N_RECRUIT_DRAWS, recruits) block of standard normals (traits), then column k
    of a (2, recruits) block of uniforms (age, ties). Only the recruits draw: drawing for every
    row took a twentieth of a 1,000-cadre run.
    """
    rows, units = _vacant_staff_posts(pop.unit, pop.rank, pop.active, org.capacity, org.n_units)
    if rows.size:
        z = rng.standard_normal((N_RECRUIT_DRAWS, rows.size))
        u = rng.random((2, rows.size))
        _enter_kernel(rows, units, u, year, org.n_units, pop.active, pop.unit,
                      pop.rank, pop.age, pop.tenure, pop.service,
                      (pop.perceived_tolerance, pop.perceived_risk, pop.perceived_detection),
                      np.array([p.prior_tolerance_belief, p.prior_risk_belief,
                                p.prior_detection_belief]),
                      pop.routine_performance, pop.demerit_until, pop.ties, pop.barrier,
                      (pop.training_boost, pop.propensity, pop.stress, pop.innovation_record,
                       pop.attempts_year, pop.recent_innovation, pop.sham_record, pop.score),
                      (pop.n_attempts, pop.n_successes, pop.n_sanctions, pop.n_promotions),
                      (pop.last_action, pop.last_outcome))
        draw_traits(pop, rows, p, z)
    return rows


@kernel
def _vacant_staff_posts(unit, rank, active, capacity, n_units):
    """(rows, units): the first free rows, each with the unit of a vacant staff post (units in
    order), as many as there are both."""
    occ = occupancy(unit, rank, active, n_units)
    n_posts = 0
    for v in range(capacity.shape[0]):
        n_posts += max(capacity[v, STAFF] - occ[v, STAFF], 0)
    units = np.empty(n_posts, dtype=np.int64)
    k = 0
    for v in range(capacity.shape[0]):
        for _ in range(capacity[v, STAFF] - occ[v, STAFF]):  # no loop when none is vacant
            units[k] = v
            k += 1
    rows = np.empty(n_posts, dtype=np.int64)
    m = 0
    for i in range(active.size):
        if m == n_posts:
            break
        if not active[i]:
            rows[m] = i
            m += 1
    return rows[:m], units[:m]


@kernel
def _enter_kernel(rows, units, u, year, n_units, active, unit, rank, age, tenure, service,
                  beliefs, priors, routine, demerit_until, ties, barrier, zero_floats,
                  zero_counts, zero_codes):
    """A recruit's starting state; the ``zero_*`` columns start at 0 (memories, stress,
    counters; last action routine, no outcome yet)."""
    # Socialisation: a recruit takes on the mean beliefs of its unit's serving cadres.
    n_unit, mean = np.zeros(n_units + 1), np.zeros((len(beliefs), n_units + 1))
    for i in range(active.size):
        if active[i]:
            n_unit[unit[i]] += 1.0
            for b in range(len(beliefs)):
                mean[b, unit[i]] += beliefs[b][i]
    # A unit nobody serves in has no mean: its recruits take the county's (or the priors).
    serving, county = n_unit.sum(), mean.sum(axis=1)
    for v in range(n_units + 1):
        for b in range(len(beliefs)):
            if n_unit[v] > 0.0:
                mean[b, v] /= n_unit[v]
            else:
                mean[b, v] = county[b] / serving if serving > 0.0 else priors[b]
    n = active.size
    for k in range(rows.size):
        i, home = rows[k], units[k]
        active[i], unit[i], rank[i] = True, home, STAFF
        age[i] = RECRUIT_AGE + RECRUIT_AGE_SPAN * u[0, k]
        tenure[i] = service[i] = 0.0
        for b in range(len(beliefs)):
            beliefs[b][i] = mean[b, home]
        routine[i] = ROUTINE_START
        demerit_until[i] = year
        for t in range(ties.shape[1]):  # random acquaintances anywhere in the county
            ties[i, t] = int(u[1, k] * n * (t + 1)) % n
        barrier[i] = NO_BARRIER
        for column in zero_floats:
            column[i] = 0.0
        for column in zero_counts:
            column[i] = 0
        for column in zero_codes:  # last action ROUTINE, last outcome NONE: both code 0
            column[i] = 0


def rotate(pop, org, p, u_move: np.ndarray, keys: np.ndarray, leaders: np.ndarray) -> np.ndarray:
    """Swap the units of a random ``rotation_rate`` share of cadres within each rank."""
    moved = np.zeros(pop.n, dtype=np.bool_)
    if p.rotation_rate > 0:
        _rotate_kernel(pop.active, pop.rank, pop.unit, pop.ties, u_move, keys, leaders,
                       p.rotation_rate, moved)
    return moved


@kernel
def _rotate_kernel(active, rank, unit, ties, u_move, keys, leaders, rate, moved):
    for r in range(STAFF, COUNTY):
        movers = np.flatnonzero(active & (rank == r) & (u_move < rate))
        if movers.size < 2:
            continue
        old = unit[movers]
        shuffled = old[np.argsort(keys[movers], kind="mergesort")]  # a random permutation
        for k in range(movers.size):
            i, head = movers[k], leaders[old[k]]
            unit[i] = shuffled[k]
            if head >= 0 and head != i:  # a tie to the former head; a rotated head keeps none
                ties[i, HEAD_TIE] = head
            moved[i] = shuffled[k] != old[k]
