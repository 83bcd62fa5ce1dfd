"""Unit tests of each mechanism's rule on hand-set cadres (M1-M17)."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from model import (
    CadreModel,
    accountability,
    conformity,
    decision,
    demography,
    incentives,
    leaders,
    promotion,
    social_learning,
    training,
    workload,
)
from model.organisation import COUNTY, HEAD, STAFF, occupancy
from model.parameters import defaults
from model.population import BOLD, INCREMENTAL, ROUTINE, SYMBOLIC
from model.schedule import PolicySchedule, parse_schedule


def params(**over):
    p = defaults()
    p.update(over)
    return SimpleNamespace(**p)


def fake_decision(n, success=0.5, bold=0.3, preparation=1.0):
    fields = {f: np.zeros(n) for f in decision.Decision.fields}
    fields.update(success_chance=np.full(n, success), success_chance_bold=np.full(n, bold),
                  preparation=np.full(n, preparation))
    return decision.Decision(**fields)


# ---------------------------------------------------------------- M1, M15 decision
def test_m1_expected_sanction_lowers_innovation(small_model):
    m = small_model
    pop, ctx = m.population, m._context(0.0)
    _, d_low, _ = decision.decide(pop, m.p, ctx, np.ones(pop.n))
    pop.perceived_tolerance[:] = 0.0
    m.p.sanction_severity = 1.0
    _, d_high, _ = decision.decide(pop, m.p, ctx, np.ones(pop.n))
    assert np.all(d_high.expected_sanction >= d_low.expected_sanction)
    assert d_high.p_innovate.mean() < d_low.p_innovate.mean()


def test_m1_choice_probabilities_and_draw(small_model):
    m = small_model
    pop = m.population
    action, d, barrier = decision.decide(pop, m.p, m._context(0.0), np.zeros(pop.n))
    # u = 0 picks the first option with positive probability: an incremental innovation.
    assert np.all(action == INCREMENTAL)
    assert np.all(barrier == -1)
    action, d, barrier = decision.decide(pop, m.p, m._context(0.0), np.full(pop.n, 0.999999))
    assert np.all(action == ROUTINE)
    assert np.all((d.p_innovate >= 0) & (d.p_innovate + d.p_symbolic <= 1))


def test_barrier_is_the_counterfactual_with_largest_gain(small_model):
    m = small_model
    pop = m.population
    # Make fear dominate: nothing tolerated, heavy sanctions, very risk averse.
    pop.perceived_tolerance[:] = 0.0
    pop.risk_aversion[:] = 0.99
    m.p.sanction_severity, m.p.accountability_intensity = 1.0, 1.0
    _, d, barrier = decision.decide(pop, m.p, m._context(0.0), np.ones(pop.n))
    assert np.mean(barrier == 0) > 0.9  # afraid
    gains = np.stack([d.gain_afraid, d.gain_unwilling, d.gain_unaccustomed, d.gain_unable])
    assert np.all(np.argmax(gains, axis=0) == barrier)
    assert np.all(gains >= -1e-12)  # removing a barrier never lowers the chance


def test_m15_bold_innovations_fail_and_are_scrutinised_more():
    p = params()
    skill, prep = np.linspace(0.1, 0.9, 9), np.ones(9)
    assert np.all(decision.success_chance(skill, prep, 1, p) < decision.success_chance(skill, prep,
                                                                                      0, p))
    assert decision.investigation_chance(1.0, p) > decision.investigation_chance(0.4, p)
    # Reckless attempts (no time to prepare) fail more.
    assert np.all(decision.success_chance(skill, prep * 0, 0, p)
                  < decision.success_chance(skill, prep, 0, p))


# ---------------------------------------------------------------- M2, M3, M14 outcomes
def _resolve(m, action, u_success, u_acc, u_verify, **over):
    for k, v in over.items():
        setattr(m.p, k, v)
    n = m.population.n
    return accountability.resolve(m.population, m.p, np.full(n, action, dtype=np.int8),
                                  fake_decision(n), np.full(n, u_success), u_acc,
                                  np.full(n, u_verify), year=3.0)


def test_m3_excused_failure_does_not_lose_standing(small_model):
    m = small_model
    n = m.population.n
    before = m.population.demerit_until.copy()
    # Every failure investigated (u=0) and every excuse granted (u=0, full tolerance).
    ev = _resolve(m, INCREMENTAL, 0.99, np.zeros((3, n)), 0.5, fault_tolerance=1.0,
                  tolerance_credibility=1.0)
    assert ev.excused.all() and not ev.sanctioned.any()
    np.testing.assert_array_equal(m.population.demerit_until, before)
    assert (m.population.n_sanctions == 0).all()


def test_m2_unexcused_failure_is_sanctioned_and_bars_promotion(small_model):
    m = small_model
    n = m.population.n
    ev = _resolve(m, BOLD, 0.99, np.zeros((3, n)), 0.5, fault_tolerance=0.0, demerit_years=2.0)
    assert ev.sanctioned.all()
    assert np.all(m.population.demerit_until == 5.0)
    assert not promotion.eligible(m.population, m.p, 4.0).any()


def test_m2_no_accountability_no_investigation(small_model):
    m = small_model
    n = m.population.n
    ev = _resolve(m, BOLD, 0.99, np.full((3, n), 1e-9), 0.5, accountability_intensity=0.0)
    assert not ev.investigated.any() and not ev.sanctioned.any()


def test_m3_tolerance_needs_coverage_credibility_and_diligence():
    p = params(fault_tolerance=0.8, tolerance_credibility=0.5)
    prep = np.array([0.0, 0.5, 1.0])
    np.testing.assert_allclose(accountability.excuse_chance(prep, p), [0.0, 0.2, 0.4])
    assert accountability.excuse_chance(prep, params(tolerance_credibility=0.0)).max() == 0


def test_m14_symbolic_detected_is_sanctioned_undetected_earns_credit(small_model):
    m = small_model
    n = m.population.n
    record = m.population.innovation_record.copy()
    ev = _resolve(m, SYMBOLIC, 0.5, np.ones((3, n)), 0.0, verification_accuracy=0.5)
    assert ev.symbolic_detected.all() and ev.sanctioned.all()
    np.testing.assert_array_equal(m.population.innovation_record, record)
    ev = _resolve(m, SYMBOLIC, 0.5, np.ones((3, n)), 0.9, verification_accuracy=0.5)
    assert not ev.sanctioned.any()
    assert np.all(m.population.innovation_record > record)
    assert ev.value.sum() == 0  # symbolic innovation delivers no value


# ---------------------------------------------------------------- M4, M17 learning
def test_m4_punished_innovator_chills_its_unit_only(small_model):
    m = small_model
    pop = m.population
    pop.ties[:] = np.flatnonzero(pop.rank == COUNTY)[0]  # ties only to a bystander
    m.p.county_visibility = 0.0
    pop.perceived_tolerance[:] = 0.5
    victim = np.flatnonzero(pop.unit == 0)[0]
    sanctioned = np.zeros(pop.n, dtype=bool)
    sanctioned[victim] = True
    social_learning.update_beliefs(pop, np.zeros(pop.n, bool), sanctioned, m.n_units, m.p)
    assert np.all(pop.perceived_tolerance[pop.unit == 0] < 0.5)
    np.testing.assert_allclose(pop.perceived_tolerance[pop.unit != 0], 0.5)


def test_m4_excused_innovator_reassures_and_sanctions_weigh_more(small_model):
    m = small_model
    pop = m.population
    pop.ties[:] = np.flatnonzero(pop.rank == COUNTY)[0]
    m.p.county_visibility = 0.0
    pop.perceived_tolerance[:] = 0.5
    unit0 = np.flatnonzero(pop.unit == 0)
    excused = np.zeros(pop.n, bool)
    excused[unit0[0]] = True
    social_learning.update_beliefs(pop, excused, np.zeros(pop.n, bool), m.n_units, m.p)
    assert np.all(pop.perceived_tolerance[unit0] > 0.5)
    # One excusal and one sanction seen together: the sanction wins (salience > 1).
    pop.perceived_tolerance[:] = 0.5
    sanctioned = np.zeros(pop.n, bool)
    sanctioned[unit0[1]] = True
    social_learning.update_beliefs(pop, excused, sanctioned, m.n_units, m.p)
    assert np.all(pop.perceived_tolerance[unit0] < 0.5)


def test_m4_belief_is_learned_not_read_from_the_parameter():
    m = CadreModel(seed=3, n_cadres=200, fault_tolerance=1.0, tolerance_credibility=1.0)
    start = m.outputs["perceived_tolerance"]
    assert start == pytest.approx(0.2, abs=0.03)  # the prior, not the policy
    for _ in range(12):
        m.step()
    assert m.outputs["perceived_tolerance"] > start + 0.1  # learned from excused cases


def test_m17_own_success_raises_and_punishment_lowers_propensity(small_model):
    m = small_model
    pop = m.population
    n = pop.n
    success = np.arange(n) % 3 == 0
    punished = np.arange(n) % 3 == 1
    social_learning.reinforce(pop, success, punished, m.p)
    assert np.all(pop.propensity[success] > 0)
    assert np.all(pop.propensity[punished] < 0)
    assert np.all(pop.propensity[~success & ~punished] == 0)


# ---------------------------------------------------------------- M5-M8 careers
def test_m6_no_promotion_without_a_vacancy(small_model):
    m = small_model
    pop = m.population
    pop.tenure[:] = 5.0
    pop.age[:] = 30.0
    m.p.demotion_rate = 0.0
    stats = promotion.annual_personnel(pop, m.organisation, m.p, 1.0, np.zeros(pop.n))
    assert stats["promotions"] == 0  # every post is filled, nobody left
    # Free one head post: exactly one promotion into it, from the deputies.
    head = np.flatnonzero(pop.rank == HEAD)[0]
    pop.active[head] = False
    stats = promotion.annual_personnel(pop, m.organisation, m.p, 2.0, np.zeros(pop.n))
    assert stats["promotions"] >= 1
    occ = occupancy(pop.unit, pop.rank, pop.active, m.n_units)
    assert np.all(occ <= m.organisation.capacity)


def test_m5_innovation_weight_decides_who_rises(small_model):
    m = small_model
    pop = m.population
    pop.innovation_record[:] = 0.0
    star = np.flatnonzero(pop.rank == STAFF)[:3]
    pop.innovation_record[star] = 5.0
    m.p.promotion_innovation_weight, m.p.evaluation_noise = 1.0, 0.0
    score = promotion.appraise(pop, m.p, np.zeros(pop.n), 1.0)
    staff = pop.rank == STAFF
    assert set(np.argsort(-np.where(staff, score, -np.inf))[:3]) == set(star)


def test_m7_demotion_of_the_mediocre_keeps_posts_filled(small_model):
    m = small_model
    pop = m.population
    pop.tenure[:] = 5.0
    pop.age[:] = 30.0
    m.p.demotion_rate = 0.2
    stats = promotion.annual_personnel(pop, m.organisation, m.p, 1.0,
                                       m.rngs["evaluation"].standard_normal(pop.n))
    assert stats["demotions"] > 0
    occ = occupancy(pop.unit, pop.rank, pop.active, m.n_units)
    assert np.all(occ <= m.organisation.capacity)
    m2 = CadreModel(seed=7, n_cadres=200)
    m2.population.tenure[:] = 5.0
    m2.population.age[:] = 30.0
    stats0 = promotion.annual_personnel(m2.population, m2.organisation, m2.p, 1.0,
                                        np.zeros(m2.population.n))
    assert stats0["demotions"] == 0


def test_m8_age_limit_ends_eligibility_and_ambition_fades(small_model):
    m = small_model
    pop = m.population
    pop.tenure[:] = 5.0
    pop.demerit_until[:] = 0.0
    pop.age[:] = 50.0
    m.p.promotion_age_limit = 45.0
    assert not promotion.eligible(pop, m.p, 1.0).any()
    pop.age[:] = 40.0
    assert promotion.eligible(pop, m.p, 1.0)[pop.rank < COUNTY].all()
    pop.age[:] = 50.0
    before = pop.ambition.copy()
    promotion.annual_personnel(pop, m.organisation, m.p, 1.0, np.zeros(pop.n))
    assert np.all(pop.ambition < before)


# ---------------------------------------------------------------- M9 leaders, M10 conformity
def test_m9_leader_stance_reaches_subordinates(small_model):
    m = small_model
    pop = m.population
    rows = leaders.leader_rows(pop, m.n_units)
    head = rows[0]
    pop.recent_innovation[head], pop.risk_aversion[head] = 4.0, 0.1
    stance = leaders.subordinate_stance(pop, rows, m.organisation.county_unit)
    staff0 = (pop.unit == 0) & (pop.rank < HEAD)
    assert np.allclose(stance[staff0], 0.9)
    pop.recent_innovation[head], pop.risk_aversion[head] = 0.0, 0.9
    stance = leaders.subordinate_stance(pop, rows, m.organisation.county_unit)
    assert np.allclose(stance[staff0], -0.9)


def test_m10_conformity_threshold(small_model):
    m = small_model
    pop = m.population
    attempted = np.zeros(pop.n, bool)
    unit0 = np.flatnonzero(pop.unit == 0)
    attempted[unit0[: len(unit0) // 2]] = True
    share = conformity.peer_share(pop, attempted, m.n_units)
    k = len(unit0) // 2
    assert share[unit0[0]] == pytest.approx((k - 1) / (len(unit0) - 1))  # self excluded
    assert share[unit0[-1]] == pytest.approx(k / (len(unit0) - 1))
    assert np.all(share[pop.unit != 0] == 0)
    pop.conformity_threshold[:] = 0.3
    press = conformity.pressure(pop, share, m.p)
    assert np.all(press[unit0] == 0)  # above the threshold: no cost
    assert np.all(press[pop.unit != 0] < 0)


# ---------------------------------------------------------------- M11 training, M12 incentives
def test_m11_training_raises_skill_of_trainees_only(small_model):
    m = small_model
    pop = m.population
    m.p.training_coverage = 1.0
    u = np.where(np.arange(pop.n) % 2 == 0, 0.0, 0.9)
    before = pop.skill_effective().copy()
    trainees = training.train(pop, m.p, u, np.zeros(pop.n), tie_slot=1)
    after = pop.skill_effective()
    assert np.all(after[trainees] > before[trainees])
    np.testing.assert_array_equal(after[~trainees], before[~trainees])


def test_m11_training_fades_without_support_and_sticks_with_use(small_model):
    m = small_model
    pop = m.population
    pop.training_boost[:] = 0.1
    m.p.transfer_decay = 0.2
    none = np.zeros(pop.n, bool)
    training.practise(pop, m.p, none, none, np.zeros(pop.n), m.n_units)
    assert np.allclose(pop.training_boost, 0.08)
    pop.training_boost[:] = 0.1
    training.practise(pop, m.p, none, none, np.ones(pop.n), m.n_units)
    assert np.allclose(pop.training_boost, 0.1)  # full support: nothing fades
    pop.training_boost[:] = 0.1
    skill = pop.skill.copy()
    training.practise(pop, m.p, ~none, none, np.zeros(pop.n), m.n_units)
    assert np.all(pop.skill > skill)  # used: consolidated into lasting skill


def test_m11_bigger_classes_and_shorter_courses_teach_less():
    assert training.course_gain(params(training_class_size=90)) < training.course_gain(params())
    assert training.course_gain(params(training_days=3)) < training.course_gain(params())
    assert training.course_gain(params(training_quality=1.0)) > training.course_gain(params())


def test_m12_honours_lose_value_without_material_reward():
    h = 1.0
    p = params(material_reward=0.0)
    for _ in range(40):
        h = incentives.update_honour_value(h, p)
    assert h < 0.05
    h = 1.0
    p = params(material_reward=1.0, honour_backing=0.5)
    for _ in range(40):
        h = incentives.update_honour_value(h, p)
    assert h == pytest.approx(1.0)


def test_m12_rewards_raise_the_payoff_of_innovating(small_model):
    m = small_model
    pop = m.population
    ctx = m._context(0.0)
    _, d0, _ = decision.decide(pop, m.p, ctx, np.ones(pop.n))
    ctx.reward_unit = incentives.reward_per_size(1.0, params(material_reward=2.0))
    _, d1, _ = decision.decide(pop, m.p, ctx, np.ones(pop.n))
    assert np.all(d1.expected_gain > d0.expected_gain)
    assert d1.p_innovate.mean() > d0.p_innovate.mean()


# ---------------------------------------------------------------- M13 workload
def test_m13_digital_relief_frees_time_and_load_raises_stress(small_model):
    m = small_model
    pop = m.population
    unit_load = np.ones(pop.n)
    t0 = workload.free_time(workload.load(unit_load, params()))
    t1 = workload.free_time(workload.load(unit_load, params(digital_relief=0.4)))
    assert np.all(t1 > t0)
    pop.stress[:] = 0.0
    workload.update_stress(pop, np.full(pop.n, 1.1), np.zeros(pop.n, bool), params())
    assert np.all(pop.stress > 0)
    pop.stress[:] = 0.0
    workload.update_stress(pop, np.full(pop.n, 0.1), np.ones(pop.n, bool), params())
    assert np.allclose(pop.stress, workload.SANCTION_STRESS)


# ---------------------------------------------------------------- M16 demography
def test_m16_retirement_recruitment_and_rotation(small_model):
    m = small_model
    pop, org = m.population, m.organisation
    old = np.flatnonzero(pop.rank == STAFF)[:5]
    pop.age[old] = m.p.retirement_age
    left = demography.departures(pop, m.p, np.ones(pop.n))
    assert set(np.flatnonzero(left)) == set(old)
    z, u = np.zeros((5, pop.n)), np.full((2, pop.n), 0.5)
    rows = demography.recruit(pop, org, m.p, z, u, 1.0)
    assert set(rows) == set(old)
    assert np.all(pop.age[rows] == 26.0) and np.all(pop.rank[rows] == STAFF)
    occ = occupancy(pop.unit, pop.rank, pop.active, m.n_units)
    np.testing.assert_array_equal(occ, org.capacity)
    m.p.rotation_rate = 0.5
    units = pop.unit.copy()
    moved = demography.rotate(pop, org, m.p, m.rngs["rotation"].random(pop.n),
                              m.rngs["rotation"].random(pop.n), leaders.leader_rows(pop,
                                                                                     m.n_units))
    assert moved.any() and np.any(pop.unit != units)
    np.testing.assert_array_equal(occupancy(pop.unit, pop.rank, pop.active, m.n_units),
                                  org.capacity)


# ---------------------------------------------------------------- policy schedule
def test_schedule_phases_a_reform_in():
    changes = parse_schedule([{"year": 5, "set": {"fault_tolerance": 0.8}, "phase_in_years": 2}])
    p = params(fault_tolerance=0.2)
    sched = PolicySchedule(changes)
    sched.apply(p, 4.75)
    assert p.fault_tolerance == 0.2
    sched.apply(p, 6.0)
    assert p.fault_tolerance == pytest.approx(0.5)
    sched.apply(p, 8.0)
    assert p.fault_tolerance == pytest.approx(0.8)


def test_schedule_changes_the_running_model():
    m = CadreModel(seed=1, n_cadres=100,
                   policy_schedule=[{"year": 1, "set": {"accountability_intensity": 0.0}}])
    for _ in range(4):
        m.step()
    assert m.p.accountability_intensity == 0.6
    m.step()
    assert m.p.accountability_intensity == 0.0
    assert m.parameters["accountability_intensity"] == 0.6  # the declared run parameters stay
