"""The county at the start (population.py, organisation.py; docs/ODD.md 2, 5): the rank pyramid of
posts, every post filled, ages by rank, the traits kernel (each trait ``mean + sd * z`` clipped,
the post's lognormal load, routine competence), initial beliefs around their priors, and
counties of 10,000 cadres and more.
"""

from __future__ import annotations

import numpy as np
import pytest
from handmade import params

from model import CadreModel, ParameterError
from model.organisation import (
    COUNTY,
    DEPUTY,
    HEAD,
    STAFF,
    TOWNSHIP_LOAD,
    UNIT_LOAD_RANGE,
    build_organisation,
    occupancy,
)
from model.population import (
    AMBITION_SD,
    BELIEF_SD,
    COMPETENCE_SD,
    MAX_START_TENURE,
    MOTIVATION_MAX,
    MOTIVATION_SD,
    N_TRAIT_DRAWS,
    NO_BARRIER,
    RECRUIT_AGE,
    ROUTINE_START,
    ROUTINE_START_SD,
    START_AGE,
    THRESHOLD_SD,
    TRAIT_DRAW,
    Population,
    draw_traits,
    populate,
)


@pytest.mark.parametrize("n, units, townships, county, staff", [
    # n / unit_size units, 40% townships, a quarter of a county post per unit, three deputies
    # and a head per unit, the rest staff spread evenly (the first units one more).
    (1000, 33, 13, 8, (26, 2)),
    (10_000, 333, 133, 83, (25, 260)),
    (12_345, 412, 165, 103, (25, 294)),
])
def test_m6_rank_pyramid_of_posts(n, units, townships, county, staff):
    org = build_organisation(n, params(), np.random.default_rng(0))
    cap = org.capacity
    assert (org.n_units, org.n_townships) == (units, townships)
    assert cap.sum() == n and cap.shape == (units + 1, 4)
    assert np.all(cap[:units, HEAD] == 1) and np.all(cap[:units, DEPUTY] == 3)
    assert cap[units, COUNTY] == county and cap[units, :COUNTY].sum() == 0
    per_unit, extra = staff
    np.testing.assert_array_equal(cap[:units, STAFF],
                                  [per_unit + 1] * extra + [per_unit] * (units - extra))
    low, high = UNIT_LOAD_RANGE
    assert np.all((org.unit_load[townships:] >= low) & (org.unit_load[townships:] < high))
    assert np.all(org.unit_load[:townships] >= low + TOWNSHIP_LOAD)
    assert org.is_township.sum() == townships and not org.is_township[units]


def test_m6_too_small_a_county_is_refused_with_the_size_it_needs():
    # 6 units of a head and 10 deputies, 2 county posts: 60 posts leave no staff.
    with pytest.raises(ParameterError, match=r"n_cadres=60 is too small.*n_cadres >= 74"):
        build_organisation(60, params(unit_size=10, deputies_per_unit=10),
                           np.random.default_rng(0))


def test_traits_kernel_each_trait_from_its_own_draw():
    p = params(risk_aversion_mean=0.4, risk_aversion_sd=0.2, ambition_mean=0.7, skill_mean=0.45,
               skill_sd=0.1, conformity_threshold_mean=0.25, intrinsic_motivation=0.3,
               post_load_sd=0.2)
    n = 60
    pop = Population(n)
    rows = np.arange(0, n, 2)  # only these rows get traits, column k of z for rows[k]
    z = np.random.default_rng(1).standard_normal((N_TRAIT_DRAWS, rows.size)) * 4.0  # some clip
    draw_traits(pop, rows, p, z)
    d = TRAIT_DRAW
    want = {
        "risk_aversion": np.clip(0.4 + 0.2 * z[d.risk_aversion], 0.01, 0.99),
        "ambition": np.clip(0.7 + AMBITION_SD * z[d.ambition], 0.01, 0.99),
        "skill": np.clip(0.45 + 0.1 * z[d.skill], 0.01, 0.99),
        "conformity_threshold": np.clip(0.25 + THRESHOLD_SD * z[d.conformity_threshold], 0.01,
                                        0.99),
        "motivation": np.clip(0.3 + MOTIVATION_SD * z[d.motivation], 0.0, MOTIVATION_MAX),
        "post_load": np.exp(0.2 * z[d.post_load] - 0.5 * 0.2 ** 2),  # lognormal of mean one
        "competence": COMPETENCE_SD * z[d.competence],
    }
    for name, values in want.items():
        np.testing.assert_allclose(getattr(pop, name)[rows], values, rtol=1e-14,
                                   err_msg=name)
        assert np.all(getattr(pop, name)[1::2] == 0.0), name
    assert np.any(pop.risk_aversion[rows] == 0.99) and np.any(pop.skill[rows] == 0.01)
    assert len(set(TRAIT_DRAW)) == N_TRAIT_DRAWS == len(want)  # one draw per trait


def test_population_at_the_start_fills_every_post_with_plausible_cadres():
    p = params(prior_tolerance_belief=0.25, prior_risk_belief=0.6, prior_detection_belief=0.35)
    org = build_organisation(6000, p, np.random.default_rng(2))
    pop = populate(org, p, np.random.default_rng(3))
    assert pop.active.all() and pop.n == 6000
    np.testing.assert_array_equal(occupancy(pop.unit, pop.rank, pop.active, org.n_units),
                                  org.capacity)
    low = np.array(START_AGE)[pop.rank]
    assert np.all(pop.age >= low) and np.all(pop.age < p.retirement_age - 0.25 + 1e-12)
    assert np.mean(pop.age[pop.rank == STAFF]) < np.mean(pop.age[pop.rank == COUNTY])
    np.testing.assert_allclose(pop.service, pop.age - RECRUIT_AGE)
    assert np.all(pop.tenure >= 0) and np.all(pop.tenure <= np.minimum(pop.service,
                                                                       MAX_START_TENURE))
    for name, prior in (("perceived_tolerance", 0.25), ("perceived_risk", 0.6),
                        ("perceived_detection", 0.35)):
        values = getattr(pop, name)
        assert values.min() >= 0 and values.max() <= 1
        assert values.mean() == pytest.approx(prior, abs=0.01), name
        assert values.std() == pytest.approx(BELIEF_SD, rel=0.1), name
    assert pop.routine_performance.mean() == pytest.approx(ROUTINE_START, abs=0.01)
    assert pop.routine_performance.std() == pytest.approx(ROUTINE_START_SD, rel=0.1)
    assert pop.post_load.mean() == pytest.approx(1.0, abs=0.01)
    assert pop.skill.mean() == pytest.approx(p.skill_mean, abs=0.01)
    assert np.all((pop.ties >= 0) & (pop.ties < pop.n))
    assert np.all(pop.barrier == NO_BARRIER) and np.all(pop.n_attempts == 0)


def test_skill_in_use_is_skill_plus_boost_capped_at_one():
    pop = Population(4)
    pop.skill[:], pop.training_boost[:] = [0.2, 0.9, 0.5, 1.0], [0.1, 0.3, 0.0, 0.2]
    np.testing.assert_allclose(pop.skill_effective(), [0.3, 1.0, 0.5, 1.0])


def test_a_county_of_12000_cadres_runs_a_year_with_every_post_accounted_for():
    m = CadreModel(seed=5, n_cadres=12_000, with_agents=False)
    org = m.organisation
    assert org.n_units == 400 and m.population.n == 12_000
    for _ in range(4):  # a year end included: appraisal, turnover, recruitment
        m.step()
    pop = m.population
    occ = occupancy(pop.unit, pop.rank, pop.active, org.n_units)
    assert np.all(occ <= org.capacity)
    assert pop.active.sum() + (org.capacity - occ).sum() == pop.n
    assert m.outputs["promotions"] > 0 and 0 < m.outputs["innovation_rate"] < 1
