"""M5, M6, M7 and M8 -- the yearly appraisal, promotion into vacant posts, demotion of the mediocre,
and the age and eligibility rules that end careers.

Appraisal score (routine performance and seniority as z-scores within rank; noise from
relationships and distorted democratic evaluation)::

    score = w_I * innovation_record
          + (1 - w_I) * ((1 - w_S) * z(routine_performance) + w_S * z(seniority))
          + evaluation_noise * N(0, 1) - sanction_severity * [demerit active]

with ``w_I = promotion_innovation_weight`` and ``w_S = promotion_seniority_weight``. The innovation
record is counted on its own scale (full-size innovations credited, this year's and half of
last year's), not as a z-score: where few innovate, a z-score would give each of them a large
lead whatever the weight, so today's low weight would still put innovators first in line.

Eligible for promotion: serving below county rank, younger than ``promotion_age_limit``, at least
two years in rank, no active demerit. Vacancies are filled top-down, county departments before
townships (the pull of county posts on able township cadres), by the best-scoring eligible cadres
of the rank below, county-wide. With ``demotion_rate > 0`` the lowest-scoring share of each rank
is demoted one rank (placed in a post freed below) and of the staff is dismissed.
"""

from __future__ import annotations

import numpy as np

from .jit import kernel
from .organisation import COUNTY, N_RANKS, STAFF, occupancy

MIN_YEARS_IN_RANK = 2.0
RECORD_RETENTION = 0.5  # share of the innovation record carried into the next appraisal year
PROMOTION_LIFT = 0.5  # share of the gap to full ambition a promotion restores
CEILING_DECAY = 2.0  # ambition fades this many times faster past the age limit
#: Posts falling vacant a year, as a share of the posts of a rank: the first guess of the odds
#: of promotion, before any appraisal has been seen.
VACANCY_RATE = 0.08
ODDS_UPDATE = 0.5  # weight of the latest year's realised odds in the cadres' estimate


def initial_odds(capacity: np.ndarray) -> np.ndarray:
    """First guess of the yearly chance that an eligible cadre of each rank wins a post."""
    posts = capacity.sum(axis=0).astype(np.float64)
    odds = np.zeros(N_RANKS)
    odds[:-1] = VACANCY_RATE * posts[1:] / np.maximum(posts[:-1], 1.0)
    return odds


def update_odds(odds: np.ndarray, promoted_from: np.ndarray, candidates: np.ndarray) -> None:
    """Move the odds of promotion towards last year's realised ones (promoted / eligible)."""
    realised = promoted_from / np.maximum(candidates, 1.0)
    has = candidates > 0
    odds[has] += ODDS_UPDATE * (realised[has] - odds[has])


def eligible(pop, p, year: float) -> np.ndarray:
    """M8: who may be promoted this year."""
    out = np.empty(pop.n, dtype=np.bool_)
    _eligible_kernel(pop.active, pop.rank, pop.age, pop.tenure, pop.demerit_until,
                     p.promotion_age_limit, year, out)
    return out


@kernel
def _eligible_kernel(active, rank, age, tenure, demerit_until, age_limit, year, out):
    for i in range(active.size):
        out[i] = (active[i] and rank[i] < COUNTY and age[i] < age_limit
                  and tenure[i] >= MIN_YEARS_IN_RANK and demerit_until[i] <= year)


@kernel
def _z_by_rank(x, rank, active):
    """x as z-scores among the serving cadres of each rank."""
    n, mean, var = np.zeros(N_RANKS), np.zeros(N_RANKS), np.zeros(N_RANKS)
    for i in range(x.size):
        if active[i]:
            n[rank[i]] += 1.0
            mean[rank[i]] += x[i]
    for r in range(N_RANKS):
        n[r] = max(n[r], 1.0)
        mean[r] /= n[r]
    for i in range(x.size):
        if active[i]:
            var[rank[i]] += (x[i] - mean[rank[i]]) ** 2
    sd = np.sqrt(var / n)
    for r in range(N_RANKS):
        if not sd[r] > 0:
            sd[r] = 1.0
    z = np.empty(x.size)
    for i in range(x.size):
        z[i] = (x[i] - mean[rank[i]]) / sd[rank[i]]
    return z


def appraise(pop, p, noise: np.ndarray, year: float) -> np.ndarray:
    """M5: the yearly appraisal score of every cadre (higher is better)."""
    _appraise_kernel(pop.active, pop.rank, pop.innovation_record, pop.routine_performance,
                     pop.service, pop.demerit_until, noise, year, p.promotion_innovation_weight,
                     p.promotion_seniority_weight, p.evaluation_noise, p.sanction_severity,
                     pop.score)
    return pop.score.copy()


@kernel
def _appraise_kernel(active, rank, record, routine, service, demerit_until, noise, year, w_i,
                     w_s, noise_sd, severity, score):
    z_routine = _z_by_rank(routine, rank, active)
    z_service = _z_by_rank(service, rank, active)
    for i in range(active.size):
        score[i] = (w_i * record[i]
                    + (1.0 - w_i) * ((1.0 - w_s) * z_routine[i] + w_s * z_service[i])
                    + noise_sd * noise[i]
                    - severity * (demerit_until[i] > year))


@kernel
def _vacant_units(cap, occ, rank, township):
    """Unit of each vacant post of ``rank``, county departments first."""
    units = []
    for first_townships in (False, True):
        for u in range(cap.shape[0]):
            if township[u] == first_townships:
                for _ in range(cap[u, rank] - occ[u, rank]):
                    units.append(u)
    return np.array(units, dtype=np.int64)


@kernel
def _bottom(active, rank, r, score, share):
    """Rows of the lowest-scoring ``share`` of the serving cadres of rank ``r``."""
    idx = np.flatnonzero(active & (rank == r)) if share > 0 else np.zeros(0, dtype=np.int64)
    k = int(np.rint(share * idx.size))
    return idx[np.argsort(score[idx], kind="mergesort")[:k]]


@kernel
def _cascade(active, rank, unit, tenure, n_promotions, score, can_rise, cap, township,
             demotion_rate, promoted):
    """Dismissal and demotion of the bottom ``demotion_rate`` of each rank, and promotion of
    the best eligible cadres of the rank below into every vacancy, top rank first. Returns
    (demoted, dismissed) counts."""
    n_units = cap.shape[0] - 1
    dismissed = _bottom(active, rank, STAFF, score, demotion_rate)
    active[dismissed] = False
    n_demoted = 0
    for r in range(COUNTY, STAFF, -1):
        pending = _bottom(active, rank, r, score, demotion_rate)
        active[pending] = False  # off their post while the cascade runs
        vacant = _vacant_units(cap, occupancy(unit, rank, active, n_units), r, township)
        cand = np.flatnonzero(can_rise & active & (rank == r - 1))
        cand = cand[np.argsort(-score[cand], kind="mergesort")][: vacant.size]
        for k in range(cand.size):
            c = cand[k]
            rank[c], unit[c], tenure[c] = r, vacant[k], 0.0
            n_promotions[c] += 1
            promoted[c] = True
        # Demoted cadres take posts freed one rank below; any left over keep their rank.
        below = _vacant_units(cap, occupancy(unit, rank, active, n_units), r - 1, township)
        n_down = min(pending.size, below.size)
        for k in range(n_down):
            c = pending[k]
            rank[c], unit[c], tenure[c], active[c] = r - 1, below[k], 0.0, True
        if pending.size > n_down:
            back = pending[n_down:]
            again = _vacant_units(cap, occupancy(unit, rank, active, n_units), r, township)
            if again.size < back.size:  # cannot happen: they left posts of rank r
                raise RuntimeError("demotion cascade: no post left for a cadre kept in rank")
            for k in range(back.size):
                unit[back[k]], active[back[k]] = again[k], True
        n_demoted += n_down
    return n_demoted, dismissed.size


@kernel
def _after_appraisal(active, age, rank_before, attempts_year, can_rise, promoted, decay, age_limit,
                     ambition, record, promoted_innovators, promoted_from, candidates):
    """M8: passed over or past the age limit, ambition fades; a promotion revives it. Then the
    year's tallies (promoted innovators, promotions and candidates by rank before), and the
    record and attempts carried into the next appraisal year. Returns the counts (promoted,
    candidates, promoted innovators, innovators among candidates)."""
    n_promoted = n_candidates = n_promoted_innovators = n_innovator_candidates = 0
    for i in range(active.size):
        innovator = attempts_year[i] > 0
        passed_over = can_rise[i] and not promoted[i]
        too_old = active[i] and age[i] >= age_limit
        ambition[i] *= 1.0 - decay * (passed_over + CEILING_DECAY * too_old)
        if promoted[i]:
            ambition[i] += PROMOTION_LIFT * (1.0 - ambition[i])
            n_promoted += 1
            n_promoted_innovators += innovator
            promoted_from[rank_before[i]] += 1.0
        if can_rise[i]:
            n_candidates += 1
            n_innovator_candidates += innovator
            candidates[rank_before[i]] += 1.0
        promoted_innovators[i] = promoted[i] and innovator
        record[i] *= RECORD_RETENTION
        attempts_year[i] = 0.0
    return n_promoted, n_candidates, n_promoted_innovators, n_innovator_candidates


def annual_personnel(pop, org, p, year: float, noise: np.ndarray) -> dict:
    """Appraise, dismiss and demote the mediocre, fill vacancies top-down, update ambition.

    Returns counts for the outputs and the rows of promoted innovators (evidence for M4).
    """
    score = appraise(pop, p, noise, year)
    cap, township = org.capacity, org.is_township
    can_rise = eligible(pop, p, year)
    promoted = np.zeros(pop.n, dtype=bool)
    rank_before = pop.rank.copy()

    n_demoted, n_dismissed = _cascade(pop.active, pop.rank, pop.unit, pop.tenure,
                                      pop.n_promotions, score, can_rise, cap, township,
                                      p.demotion_rate, promoted)
    promoted_innovators = np.empty(pop.n, dtype=np.bool_)
    promoted_from, candidates = np.zeros(N_RANKS), np.zeros(N_RANKS)
    n_promoted, n_candidates, n_promoted_innovators, n_innovator_candidates = _after_appraisal(
        pop.active, pop.age, rank_before, pop.attempts_year, can_rise, promoted,
        p.ambition_decay, p.promotion_age_limit, pop.ambition, pop.innovation_record,
        promoted_innovators, promoted_from, candidates)
    # Shares as counts over counts.
    stats = {
        "promotions": n_promoted,
        "demotions": n_demoted + n_dismissed,
        "innovator_share_promoted": (n_promoted_innovators / n_promoted if n_promoted else 0.0),
        "innovator_share_candidates": (n_innovator_candidates / n_candidates
                                       if n_candidates else 0.0),
        "promoted_innovators": promoted_innovators,
        "promoted_from": promoted_from,
        "candidates": candidates,
    }
    return stats
