"""M5-M8 -- the yearly appraisal and the personnel cascade (promotion.py; docs/ODD.md 7.5-7.8):
eligibility, the score (routine work and seniority as z-scores within rank, the innovation record
on its own scale, noise, a demerit), vacancies filled top-down (county departments before
townships) by the best eligible cadres of the rank below, demotion and dismissal of the lowest,
the odds of promotion cadres estimate, and ambition fading when passed over and past the age
limit (CEILING_DECAY times faster) and revived by a promotion.
"""

from __future__ import annotations

import numpy as np
import pytest
from handmade import county, params

from model import promotion
from model.organisation import COUNTY, DEPUTY, HEAD, STAFF, Organisation
from model.promotion import (
    CEILING_DECAY,
    MIN_YEARS_IN_RANK,
    ODDS_UPDATE,
    PROMOTION_LIFT,
    RECORD_RETENTION,
    VACANCY_RATE,
)

YEAR = 6.0


def test_m8_eligible_serving_below_county_young_enough_long_enough_in_rank_and_clean():
    p = params(promotion_age_limit=45.0)
    pop = county([12], seed=1, ranks=np.array([0, 1, 2, 3] * 3))
    pop.age[:], pop.tenure[:], pop.demerit_until[:] = 40.0, 3.0, YEAR - 1
    pop.age[4], pop.age[5] = 45.0, 44.99  # the limit itself is too old
    pop.tenure[6], pop.tenure[9] = MIN_YEARS_IN_RANK - 0.25, MIN_YEARS_IN_RANK
    pop.demerit_until[8], pop.demerit_until[10] = YEAR + 0.25, YEAR  # a demerit ending now is over
    pop.active[1] = False
    want = np.array([1, 0, 1, 0, 0, 1, 0, 0, 0, 1, 1, 0], dtype=bool)
    np.testing.assert_array_equal(promotion.eligible(pop, p, YEAR), want)


@pytest.mark.parametrize("w_i, w_s", [(0.1, 0.5), (0.6, 0.0), (0.0, 1.0), (1.0, 0.3)])
def test_m5_appraisal_score(w_i, w_s):
    """score = w_I record + (1 - w_I)((1 - w_S) z(routine) + w_S z(seniority)) + noise_sd noise
    - severity [demerit active]; z within rank over serving cadres (population sd)."""
    p = params(promotion_innovation_weight=w_i, promotion_seniority_weight=w_s,
               evaluation_noise=0.7, sanction_severity=0.45)
    pop = county([30, 30, 30], seed=2, ranks=np.random.default_rng(0).integers(0, 4, 90))
    pop.active[::9] = False
    pop.demerit_until[:] = np.random.default_rng(1).uniform(0, 10, 90)
    noise = np.random.default_rng(2).standard_normal(90)

    def z(x):
        out = np.empty(90)
        for r in range(4):
            serving = pop.active & (pop.rank == r)
            sd = x[serving].std()
            out[pop.rank == r] = (x[pop.rank == r] - x[serving].mean()) / (sd if sd > 0 else 1)
        return out

    want = (w_i * pop.innovation_record
            + (1 - w_i) * ((1 - w_s) * z(pop.routine_performance) + w_s * z(pop.service))
            + 0.7 * noise - 0.45 * (pop.demerit_until > YEAR))
    np.testing.assert_allclose(promotion.appraise(pop, p, noise, YEAR), want, rtol=1e-12,
                               atol=1e-12)
    np.testing.assert_allclose(pop.score, want, rtol=1e-12, atol=1e-12)


def small_county():
    """Units 0 (township), 1, 2 (departments), 3 the county leadership; each unit a head, two
    deputies and six staff, two county posts; rows 29-31 spare. Routine work and seniority equal
    within rank (z = 0), so the score is the noise given (sd 1) less any demerit."""
    units = [3, 3, 0, 1, 2, 0, 0, 1, 1, 2, 2] + [0] * 6 + [1] * 6 + [2] * 6 + [0, 0, 0]
    ranks = [COUNTY, COUNTY, HEAD, HEAD, HEAD] + [DEPUTY] * 6 + [STAFF] * 18 + [STAFF] * 3
    pop = county([32], seed=3, ranks=np.array(ranks))
    pop.unit[:] = units
    pop.active[29:] = False
    pop.age[:], pop.tenure[:], pop.demerit_until[:] = 35.0, 3.0, 0.0
    pop.routine_performance[:], pop.service[:], pop.innovation_record[:] = 0.5, 10.0, 0.0
    cap = np.zeros((4, 4), dtype=np.int64)
    cap[:3, STAFF], cap[:3, DEPUTY], cap[:3, HEAD], cap[3, COUNTY] = 6, 2, 1, 2
    org = Organisation(n_units=3, n_townships=1, capacity=cap, unit_load=np.ones(4))
    return pop, org


def test_m6_vacancies_fill_top_down_departments_first_with_the_best_eligible():
    p = params(evaluation_noise=1.0, promotion_innovation_weight=0.0, demotion_rate=0.0,
               ambition_decay=0.1, promotion_age_limit=45.0)
    pop, org = small_county()
    pop.active[[1, 3, 6]] = False  # a county post, unit 1's head, a deputy of unit 0: vacant
    noise = np.full(32, -1.0)
    noise[[2, 4]] = [0.5, 1.0]
    pop.age[4] = 50.0  # the better head is past the age limit
    noise[[5, 7, 8, 9, 10]] = [0.2, 0.9, 1.5, 0.6, 0.6]
    pop.demerit_until[8] = YEAR + 1  # the best deputy has a demerit
    noise[[12, 25, 18, 13]] = [2.0, 1.5, 1.2, 3.0]
    pop.tenure[13] = 1.0  # the best staff member is too new in rank
    pop.attempts_year[[7, 12, 25, 11, 14]] = 1.0  # innovators this year
    ambition, record = pop.ambition.copy(), pop.innovation_record.copy() + 1.0
    pop.innovation_record[:] = record
    eligible = (pop.active & (pop.rank < COUNTY) & (pop.age < 45.0) & (pop.tenure >= 2.0)
                & (pop.demerit_until <= YEAR))
    rank_before = pop.rank.copy()
    stats = promotion.annual_personnel(pop, org, p, YEAR, noise)

    # The county post goes to unit 0's head; the two head posts to deputies 7 (department,
    # unit 1 first) and 9 (township 0; 9 and 10 tie, the lower row first); the three deputy
    # posts freed to staff 12 (unit 1), 25 (unit 2) and 18 (township 0).
    moves = {2: (COUNTY, 3), 7: (HEAD, 1), 9: (HEAD, 0), 12: (DEPUTY, 1), 25: (DEPUTY, 2),
             18: (DEPUTY, 0)}
    promoted = np.zeros(32, bool)
    promoted[list(moves)] = True
    for row, (rank, unit) in moves.items():
        assert (pop.rank[row], pop.unit[row], pop.tenure[row]) == (rank, unit, 0.0), row
        assert pop.n_promotions[row] == 1
    assert pop.n_promotions[~promoted].sum() == 0
    assert stats["promotions"] == 6 and stats["demotions"] == 0
    np.testing.assert_array_equal(stats["promoted_from"], [3, 2, 1, 0])
    np.testing.assert_array_equal(stats["candidates"],
                                  np.bincount(rank_before[eligible], minlength=4))
    innovator = np.zeros(32, bool)
    innovator[[7, 12, 25, 11, 14]] = True
    assert stats["innovator_share_promoted"] == pytest.approx(3 / 6)
    assert stats["innovator_share_candidates"] == pytest.approx(innovator[eligible].mean())
    np.testing.assert_array_equal(stats["promoted_innovators"], promoted & innovator)
    # Ambition: passed over -> x (1 - d); past the limit -> x (1 - CEILING_DECAY d); promoted ->
    # a share PROMOTION_LIFT of the gap to full ambition back.
    d = p.ambition_decay
    too_old = pop.active & (pop.age >= 45.0)
    want = ambition * (1 - d * ((eligible & ~promoted) + CEILING_DECAY * too_old))
    want = np.where(promoted, want + PROMOTION_LIFT * (1 - want), want)
    np.testing.assert_allclose(pop.ambition, want, rtol=1e-14)
    assert pop.ambition[4] == pytest.approx(ambition[4] * (1 - CEILING_DECAY * d))
    np.testing.assert_allclose(pop.innovation_record, record * RECORD_RETENTION)
    assert np.all(pop.attempts_year == 0.0)


def test_m7_the_lowest_are_dismissed_and_demoted_into_posts_freed_below():
    """demotion_rate 0.1 of a full county: round(0.1 * 18) = 2 staff dismissed, round(0.1 * 6)
    = 1 deputy demoted; the best eligible staff member takes the deputy's post, the deputy the
    first staff post freed (county departments first)."""
    p = params(evaluation_noise=1.0, promotion_innovation_weight=0.0, demotion_rate=0.1)
    pop, org = small_county()
    noise = np.linspace(0.0, 1.0, 32)  # rises with the row
    noise[[15, 20]] = [-5.0, -4.0]  # the two worst staff (units 0 and 1)
    noise[8] = -3.0  # the worst deputy (unit 1)
    noise[28] = 9.0  # the best staff member (unit 2)
    stats = promotion.annual_personnel(pop, org, p, YEAR, noise)
    assert not pop.active[15] and not pop.active[20]  # dismissed
    assert (pop.rank[28], pop.unit[28]) == (DEPUTY, 1)  # into the demoted deputy's post
    assert (pop.rank[8], pop.unit[8], pop.active[8]) == (STAFF, 1, True)
    assert pop.tenure[8] == 0.0 and pop.tenure[28] == 0.0
    assert stats["demotions"] == 3 and stats["promotions"] == 1
    # Posts: every rank full but the two staff posts of the dismissed and the one 28 left.
    occupied = np.zeros((4, 4), int)
    np.add.at(occupied, (pop.unit[pop.active], pop.rank[pop.active]), 1)
    vacant = org.capacity - occupied
    assert vacant[:, STAFF].sum() == 2 and vacant[:, 1:].sum() == 0 and vacant.min() == 0
    assert vacant[2, STAFF] == 1  # unit 2 lost 28 upwards; unit 1 got 8 back for 20


def test_m5_odds_move_half_way_to_last_years_and_start_from_vacancies():
    odds = np.array([0.1, 0.2, 0.05, 0.0])
    promotion.update_odds(odds, np.array([6.0, 1.0, 0.0, 0.0]), np.array([30.0, 0.0, 4.0, 0.0]))
    np.testing.assert_allclose(odds, [0.1 + ODDS_UPDATE * (0.2 - 0.1), 0.2,
                                      0.05 + ODDS_UPDATE * (0.0 - 0.05), 0.0])
    cap = np.array([[20, 3, 1, 0], [25, 3, 1, 0], [0, 0, 0, 2]])
    posts = cap.sum(axis=0)
    np.testing.assert_allclose(promotion.initial_odds(cap),
                               [VACANCY_RATE * posts[1] / posts[0],
                                VACANCY_RATE * posts[2] / posts[1],
                                VACANCY_RATE * posts[3] / posts[2], 0.0])
