"""M5, M6, M7 and M8 -- the yearly appraisal, promotion into vacant posts, demotion of the mediocre,
and the age and eligibility rules that end careers.

Appraisal score (z-scores within rank, noise from distorted democratic evaluation)::

    score = w_I * innovation_record
          + (1 - w_I) * ((1 - w_S) * routine_performance + w_S * seniority)
          + evaluation_noise * N(0, 1) - sanction_severity * [demerit active]

with ``w_I = promotion_innovation_weight`` and ``w_S = promotion_seniority_weight``.

Eligible for promotion: serving below county rank, younger than ``promotion_age_limit``, at least
two years in rank, no active demerit. Vacancies are filled top-down, county departments before
townships (the pull of county posts on able township cadres), by the best-scoring eligible cadres
of the rank below, county-wide. With ``demotion_rate > 0`` the lowest-scoring share of each rank
is demoted one rank (placed in a post freed below) and of the staff is dismissed.
"""

from __future__ import annotations

import numpy as np

from .organisation import COUNTY, N_RANKS, STAFF, occupancy

MIN_YEARS_IN_RANK = 2.0
RECORD_RETENTION = 0.5  # share of the innovation record carried into the next appraisal year
PROMOTION_LIFT = 0.5  # share of the gap to full ambition a promotion restores


def eligible(pop, p, year: float) -> np.ndarray:
    """M8: who may be promoted this year."""
    return (pop.active & (pop.rank < COUNTY) & (pop.age < p.promotion_age_limit)
            & (pop.tenure >= MIN_YEARS_IN_RANK) & (pop.demerit_until <= year))


def _z_by_rank(x: np.ndarray, rank: np.ndarray, active: np.ndarray) -> np.ndarray:
    w = active.astype(np.float64)
    n = np.maximum(np.bincount(rank, weights=w, minlength=N_RANKS), 1.0)
    mean = np.bincount(rank, weights=x * w, minlength=N_RANKS) / n
    var = np.bincount(rank, weights=(x - mean[rank]) ** 2 * w, minlength=N_RANKS) / n
    sd = np.sqrt(var)
    return (x - mean[rank]) / np.where(sd > 0, sd, 1.0)[rank]


def appraise(pop, p, noise: np.ndarray, year: float) -> np.ndarray:
    """M5: the yearly appraisal score of every cadre (higher is better)."""
    a, r = pop.active, pop.rank
    w_i, w_s = p.promotion_innovation_weight, p.promotion_seniority_weight
    score = (w_i * _z_by_rank(pop.innovation_record, r, a)
             + (1.0 - w_i) * ((1.0 - w_s) * _z_by_rank(pop.routine_performance, r, a)
                              + w_s * _z_by_rank(pop.service, r, a))
             + p.evaluation_noise * noise
             - p.sanction_severity * (pop.demerit_until > year))
    pop.score[:] = score
    return score


def _vacant_units(cap: np.ndarray, occ: np.ndarray, rank: int, township: np.ndarray) -> np.ndarray:
    """Unit of each vacant post of ``rank``, county departments first."""
    vac = np.maximum(cap[:, rank] - occ[:, rank], 0)
    units = np.repeat(np.arange(cap.shape[0]), vac)
    return units[np.argsort(township[units], kind="stable")]


def _bottom(mask: np.ndarray, score: np.ndarray, share: float) -> np.ndarray:
    """Rows of the lowest-scoring ``share`` of ``mask``."""
    idx = np.flatnonzero(mask)
    k = int(round(share * idx.size))
    return idx[np.argsort(score[idx], kind="stable")[:k]] if k else idx[:0]


def annual_personnel(pop, org, p, year: float, noise: np.ndarray) -> dict:
    """Appraise, dismiss and demote the mediocre, fill vacancies top-down, update ambition.

    Returns counts for the outputs and the rows of promoted innovators (evidence for M4).
    """
    score = appraise(pop, p, noise, year)
    cap, township = org.capacity, org.is_township
    can_rise = eligible(pop, p, year)
    innovator = pop.attempts_year > 0
    promoted = np.zeros(pop.n, dtype=bool)

    dismissed = _bottom(pop.active & (pop.rank == STAFF), score, p.demotion_rate)
    pop.active[dismissed] = False
    n_demoted = 0
    for r in range(COUNTY, STAFF, -1):
        pending = _bottom(pop.active & (pop.rank == r), score, p.demotion_rate)
        pop.active[pending] = False  # off their post while the cascade runs
        occ = occupancy(pop.unit, pop.rank, pop.active, org.n_units)
        vacant = _vacant_units(cap, occ, r, township)
        cand = np.flatnonzero(can_rise & pop.active & (pop.rank == r - 1))
        cand = cand[np.argsort(-score[cand], kind="stable")][: vacant.size]
        pop.rank[cand], pop.unit[cand], pop.tenure[cand] = r, vacant[: cand.size], 0.0
        pop.n_promotions[cand] += 1
        promoted[cand] = True
        # Demoted cadres take posts freed one rank below; any left over keep their rank.
        occ = occupancy(pop.unit, pop.rank, pop.active, org.n_units)
        below = _vacant_units(cap, occ, r - 1, township)
        down, back = pending[: below.size], pending[below.size:]
        pop.rank[down], pop.unit[down], pop.tenure[down] = r - 1, below[: down.size], 0.0
        pop.active[down] = True
        if back.size:
            occ = occupancy(pop.unit, pop.rank, pop.active, org.n_units)
            pop.unit[back] = _vacant_units(cap, occ, r, township)[: back.size]
            pop.active[back] = True
        n_demoted += down.size

    # M8: passed over or past the age limit, ambition fades; a promotion revives it.
    passed_over = can_rise & ~promoted
    too_old = pop.active & (pop.age >= p.promotion_age_limit)
    pop.ambition *= 1.0 - p.ambition_decay * (passed_over + 2.0 * too_old)
    pop.ambition[promoted] += PROMOTION_LIFT * (1.0 - pop.ambition[promoted])

    n_promoted = int(promoted.sum())
    stats = {
        "promotions": n_promoted,
        "demotions": n_demoted + int(dismissed.size),
        "innovator_share_promoted": float(innovator[promoted].mean()) if n_promoted else 0.0,
        "promoted_innovators": promoted & innovator,
    }
    pop.innovation_record *= RECORD_RETENTION
    pop.attempts_year[:] = 0.0
    return stats
