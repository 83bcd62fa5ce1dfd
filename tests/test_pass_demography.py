"""M16 -- demography and careers (demography.py; docs/ODD.md 7.16): ageing, retirement, exit
with chance ``exit_rate * (1 + EXIT_STRESS * stress)`` a year, recruits into vacant staff posts
(ages 22-30, fresh traits, their unit's mean beliefs, random ties), and rotation with a tie to the
former head.
"""

from __future__ import annotations

import numpy as np
import pytest
from handmade import county, params

from model import demography
from model.demography import EXIT_STRESS
from model.organisation import COUNTY, DEPUTY, HEAD, STAFF, Organisation
from model.population import (
    N_TRAIT_DRAWS,
    NO_BARRIER,
    RECRUIT_AGE,
    RECRUIT_AGE_SPAN,
    ROUTINE_START,
)
from model.rng import YearlyStream


def test_m16_everybody_ages_a_quarter():
    pop = county([10], seed=1)
    age, tenure, service = pop.age.copy(), pop.tenure.copy(), pop.service.copy()
    demography.age(pop)
    np.testing.assert_allclose(pop.age, age + 0.25)
    np.testing.assert_allclose(pop.tenure, tenure + 0.25)
    np.testing.assert_allclose(pop.service, service + 0.25)


@pytest.mark.parametrize("rate", [0.01, 0.05])
def test_m16_retirement_at_the_age_and_exit_raised_by_stress(rate):
    p = params(exit_rate=rate, retirement_age=60)
    pop = county([60], seed=2)
    pop.age[:] = 40.0
    pop.age[:3] = [60.0, 59.75, 64.0]
    pop.stress[:] = np.linspace(0.0, 1.0, 60)
    chance = rate * (1.0 + EXIT_STRESS * pop.stress)
    u = np.where(np.arange(60) % 2 == 0, chance * (1 - 1e-9), chance * (1 + 1e-9))
    u[:3] = 0.99
    pop.active[59] = False
    leavers = demography.departures(pop, p, u)
    want = (np.arange(60) % 2 == 0) & (np.arange(60) < 59)
    want[:3] = [True, False, True]
    np.testing.assert_array_equal(leavers, want)
    np.testing.assert_array_equal(pop.active, ~want & (np.arange(60) < 59))
    assert chance[-1] == pytest.approx(rate * 3.0)  # full stress triples the chance of leaving


def staffed_county():
    """Units 0-2, a head, a deputy and eight staff each (capacity 8 staff); unit 3 the county
    leadership with two posts; 40 rows."""
    ranks = ([HEAD, DEPUTY] + [STAFF] * 8) * 3 + [COUNTY] * 2 + [STAFF] * 8
    pop = county([10, 10, 10, 10], seed=3, ranks=np.array(ranks))
    pop.unit[30:32] = 3
    pop.unit[32:] = 0
    pop.active[32:] = False
    cap = np.zeros((4, 4), dtype=np.int64)
    cap[:3, STAFF], cap[:3, DEPUTY], cap[:3, HEAD], cap[3, COUNTY] = 8, 1, 1, 2
    org = Organisation(n_units=3, n_townships=1, capacity=cap, unit_load=np.ones(4))
    return pop, org


def test_m16_recruits_fill_vacant_staff_posts_with_fresh_state_and_their_units_beliefs():
    p = params()
    pop, org = staffed_county()
    pop.active[[3, 4, 25]] = False  # two staff posts in unit 0, one in unit 2
    pop.active[10] = False  # a vacant head post is not filled by recruitment
    pop.n_attempts[:], pop.sham_record[:], pop.last_action[:] = 5, 0.7, 2
    beliefs = {}
    for name in ("perceived_tolerance", "perceived_risk", "perceived_detection"):
        col = getattr(pop, name)
        beliefs[name] = [col[(pop.unit == u) & pop.active].mean() for u in range(3)]
    rows = demography.recruit(pop, org, p, np.random.default_rng(4), year=7.0)
    # Only the three recruits draw: their traits' normals, then their ages' and ties' uniforms.
    twin = np.random.default_rng(4)
    z, u = twin.standard_normal((N_TRAIT_DRAWS, 3)), twin.random((2, 3))
    # Vacant staff posts unit by unit, into free rows in order.
    np.testing.assert_array_equal(rows, [3, 4, 10])
    np.testing.assert_array_equal(pop.unit[rows], [0, 0, 2])
    assert pop.active[rows].all() and np.all(pop.rank[rows] == STAFF)
    np.testing.assert_allclose(pop.age[rows], RECRUIT_AGE + RECRUIT_AGE_SPAN * u[0])
    assert np.all((pop.age[rows] >= 22.0) & (pop.age[rows] < 30.0))
    for name, means in beliefs.items():
        np.testing.assert_allclose(getattr(pop, name)[rows], [means[0], means[0], means[2]],
                                   rtol=1e-14, err_msg=name)
    for name in ("tenure", "service", "training_boost", "propensity", "stress",
                 "innovation_record", "attempts_year", "recent_innovation", "sham_record",
                 "score", "n_attempts", "n_successes", "n_sanctions", "n_promotions",
                 "last_action", "last_outcome"):
        assert np.all(getattr(pop, name)[rows] == 0), name
    assert np.all(pop.routine_performance[rows] == ROUTINE_START)
    assert np.all(pop.demerit_until[rows] == 7.0) and np.all(pop.barrier[rows] == NO_BARRIER)
    for t in range(pop.ties.shape[1]):
        np.testing.assert_array_equal(pop.ties[rows, t],
                                      np.floor(u[1] * 40 * (t + 1)).astype(int) % 40)
    # Fresh traits from the recruit's own normal draws (the population tests check the formulas).
    np.testing.assert_allclose(pop.risk_aversion[rows],
                               np.clip(p.risk_aversion_mean + p.risk_aversion_sd * z[0],
                                       0.01, 0.99))
    assert pop.active.sum() == 32 - 4 + 3 and not pop.active[25]  # unit 2's post: no free row


def test_m16_no_vacancy_no_recruit():
    pop, org = staffed_county()
    rng = np.random.default_rng(0)
    before = rng.bit_generator.state
    rows = demography.recruit(pop, org, params(), rng, 1.0)
    assert rows.size == 0 and pop.active.sum() == 32
    assert rng.bit_generator.state == before  # nobody recruited, nothing drawn


def test_m16_rotation_permutes_units_within_rank_and_ties_movers_to_their_former_head():
    p = params(rotation_rate=0.5)
    pop, org = staffed_county()
    leaders = np.array([0, 10, 20, -1])
    rng = np.random.default_rng(6)
    u_move, keys = rng.random(40), rng.random(40)
    u_move[[0, 10]] = 0.0  # two heads rotate: they keep no tie to themselves
    unit_before, ties_before = pop.unit.copy(), pop.ties.copy()
    moved = demography.rotate(pop, org, p, u_move, keys, leaders)
    for r in (STAFF, DEPUTY, HEAD):
        movers = np.flatnonzero(pop.active & (pop.rank == r) & (u_move < 0.5))
        order = np.argsort(keys[movers], kind="stable")
        np.testing.assert_array_equal(pop.unit[movers], unit_before[movers][order])
        for i in movers:
            head = leaders[unit_before[i]]
            want = head if head >= 0 and head != i else ties_before[i, 0]
            assert pop.ties[i, 0] == want
    stay = ~(pop.active & (pop.rank < COUNTY) & (u_move < 0.5))
    np.testing.assert_array_equal(pop.unit[stay], unit_before[stay])
    np.testing.assert_array_equal(pop.ties[stay], ties_before[stay])
    np.testing.assert_array_equal(moved, pop.unit != unit_before)
    assert moved.sum() > 5
    # Posts per unit and rank are unchanged by a swap.
    for r in range(4):
        np.testing.assert_array_equal(np.bincount(pop.unit[pop.active & (pop.rank == r)],
                                                  minlength=4),
                                      np.bincount(unit_before[pop.active & (pop.rank == r)],
                                                  minlength=4))


def test_m16_no_rotation_at_rate_zero():
    pop, org = staffed_county()
    unit = pop.unit.copy()
    moved = demography.rotate(pop, org, params(rotation_rate=0.0), np.zeros(40), np.zeros(40),
                              np.array([0, 10, 20, -1]))
    assert not moved.any()
    np.testing.assert_array_equal(pop.unit, unit)


def test_m16_recruits_to_a_unit_nobody_serves_in_take_the_county_mean_or_the_priors():
    p = params(prior_tolerance_belief=0.15, prior_risk_belief=0.65, prior_detection_belief=0.25)
    pop, org = staffed_county()
    pop.active[20:30] = False  # unit 2 empty: head, deputy and staff all gone
    county = pop.perceived_risk[pop.active].mean()
    rows = demography.recruit(pop, org, p, np.random.default_rng(0), 3.0)
    assert np.all(pop.unit[rows] == 2) and rows.size == 8
    np.testing.assert_allclose(pop.perceived_risk[rows], county, rtol=1e-14)
    pop.active[:] = False  # nobody serves anywhere (every agent removed)
    rows = demography.recruit(pop, org, p, np.random.default_rng(0), 4.0)
    assert rows.size == 24
    np.testing.assert_allclose(pop.perceived_tolerance[rows], 0.15)
    np.testing.assert_allclose(pop.perceived_risk[rows], 0.65)
    np.testing.assert_allclose(pop.perceived_detection[rows], 0.25)


def test_m16_each_year_of_recruitment_starts_at_its_own_place_of_the_stream():
    """However many recruits earlier years drew, year y's draws are the same (common random
    numbers across scenarios that recruit different numbers)."""
    stream = YearlyStream(7, "recruits")
    first = stream.year(3).random(5)
    stream.year(2).standard_normal((N_TRAIT_DRAWS, 400))  # a year with many recruits
    np.testing.assert_array_equal(stream.year(3).random(5), first)
    assert not np.array_equal(stream.year(4).random(5), first)
    assert not np.array_equal(YearlyStream(8, "recruits").year(3).random(5), first)
