"""M11 -- skill and training (training.py; docs/ODD.md 7.11): who is trained each quarter
(``training_coverage / 4``), what a course adds (``training_effect * (0.5 + quality) *
sqrt(30 / class_size) * sqrt(days / 7)`` of the gap to full skill), classmates' ties, learning by
doing and from successful colleagues (slowed by stress), consolidation of the boost by use, its
fading without workplace support, decay without practice, and the support a leader adds.
"""

from __future__ import annotations

import numpy as np
import pytest
from handmade import county, params

from model import training
from model.training import LEADER_TRANSFER, PEERS_FULL, STRESS_LEARNING


def course(p) -> float:
    return min(p.training_effect * (0.5 + p.training_quality) * np.sqrt(30 / p.training_class_size)
               * np.sqrt(p.training_days / 7), 1.0)


@pytest.mark.parametrize("over", [{}, {"training_coverage": 0.8, "training_quality": 0.9,
                                       "training_class_size": 60, "training_days": 12},
                                  {"training_effect": 0.3, "training_quality": 1.0,
                                   "training_class_size": 10, "training_days": 30}])
def test_m11_a_quarter_of_the_yearly_coverage_is_trained_and_gains_the_course(over):
    p = params(**over)
    pop = county([25, 25, 25], seed=1)
    pop.active[::10] = False
    pop.skill[:5] = 0.95  # with their boost, some are at full skill: nothing left to gain
    rng = np.random.default_rng(0)
    u = rng.random(pop.n)
    u[21], u[22] = p.training_coverage / 4 * (1 - 1e-9), p.training_coverage / 4 * (1 + 1e-9)
    skill, boost = pop.skill.copy(), pop.training_boost.copy()
    trainees = training.train(pop, p, u, rng.random(pop.n), tie_slot=2)
    want = pop.active & (u < p.training_coverage / 4)
    np.testing.assert_array_equal(trainees, want)
    assert trainees[21] and not trainees[22]
    gap = 1.0 - np.minimum(skill + boost, 1.0)
    np.testing.assert_allclose(pop.training_boost, boost + want * course(p) * gap, rtol=1e-14)
    np.testing.assert_array_equal(pop.skill, skill)  # a course adds a boost, not lasting skill


def test_m11_classmates_become_ties_in_a_ring_in_seating_order():
    p = params(training_coverage=1.0)
    pop = county([10, 10, 10], seed=2)
    u_train = np.where(np.arange(30) % 3 == 0, 0.0, 0.9)  # rows 0, 3, ..., 27 trained
    seats = np.random.default_rng(1).permutation(30) / 30.0
    ties = pop.ties.copy()
    trainees = training.train(pop, p, u_train, seats, tie_slot=3)
    order = [i for i in np.argsort(seats) if trainees[i]]
    assert len(order) == 10
    for k, i in enumerate(order):
        assert pop.ties[i, 3] == order[k - 1]  # its neighbour in the class (the first: the last)
    others = np.ones(pop.ties.shape, bool)
    others[trainees, 3] = False
    np.testing.assert_array_equal(pop.ties[others], ties[others])


def test_m11_nobody_trained_at_zero_coverage():
    pop = county([20], seed=3)
    ties, boost = pop.ties.copy(), pop.training_boost.copy()
    trainees = training.train(pop, params(training_coverage=0.0), np.zeros(20), np.zeros(20), 1)
    assert not trainees.any()
    np.testing.assert_array_equal(pop.ties, ties)
    np.testing.assert_array_equal(pop.training_boost, boost)


@pytest.mark.parametrize("over", [{}, {"learning_by_doing": 0.08, "peer_learning": 0.05,
                                       "skill_decay": 0.03, "transfer_decay": 0.4}])
def test_m11_practice_consolidation_fading_and_decay(over):
    p = params(**over)
    pop = county([20, 20, 20, 20], seed=4)
    rng = np.random.default_rng(5)
    attempted = rng.random(80) < 0.4
    # Successes by unit: two, one, none, and five (more than PEERS_FULL): a successful cadre's
    # colleagues are the others.
    success = np.zeros(80, bool)
    success[[0, 1, 20, 60, 61, 62, 63, 64]] = True
    attempted |= success
    support = rng.uniform(0.0, 1.0, 80)
    skill, boost, stress = pop.skill.copy(), pop.training_boost.copy(), pop.stress.copy()
    training.practise(pop, p, attempted, success, support, n_units=4)

    successes = np.bincount(pop.unit, weights=success, minlength=4)[pop.unit] - success
    peers = np.minimum(successes / PEERS_FULL, 1.0)
    room = (1.0 - skill) * (1.0 - STRESS_LEARNING * stress)
    s = skill + p.learning_by_doing * attempted * room + p.peer_learning * peers * room
    s = np.where(attempted, s, s - p.skill_decay * s)
    moved = 0.5 * boost * attempted  # an attempt makes half of the boost lasting
    want_skill = np.clip(s + moved, 0.0, 1.0)
    want_boost = (boost - moved) * (1.0 - p.transfer_decay * (1.0 - support))
    np.testing.assert_allclose(pop.skill, want_skill, rtol=1e-14)
    np.testing.assert_allclose(pop.training_boost, want_boost, rtol=1e-14)


def test_m11_boost_fades_without_support_and_stays_with_full_support():
    pop = county([40], seed=6)
    pop.training_boost[:] = 0.1
    none = np.zeros(40, bool)
    p = params(transfer_decay=0.2)
    training.practise(pop, p, none, none, np.zeros(40), 1)
    np.testing.assert_allclose(pop.training_boost, 0.08)
    pop.training_boost[:] = 0.1
    training.practise(pop, p, none, none, np.ones(40), 1)
    np.testing.assert_allclose(pop.training_boost, 0.1)


def test_m11_a_supportive_leader_adds_to_the_transfer_policy():
    """support = clip(transfer_support + LEADER_TRANSFER * max(stance, 0), 0, 1)."""
    stance = np.array([-1.0, -0.2, 0.0, 0.3, 0.9, 1.0])
    for policy in (0.0, 0.2, 0.8):
        got = training.transfer_support(params(transfer_support=policy), stance)
        want = np.clip(policy + LEADER_TRANSFER * np.maximum(stance, 0.0), 0.0, 1.0)
        np.testing.assert_allclose(got, want, rtol=1e-15)
    assert training.transfer_support(params(transfer_support=0.8), stance)[-1] == 1.0


def test_m11_course_gain_of_the_reference_course():
    """A 7-day course of quality 0.5 in a class of 30 closes training_effect of the gap."""
    p = params(training_quality=0.5, training_days=7, training_class_size=30)
    assert training.course_gain(p) == pytest.approx(p.training_effect, rel=1e-15)
    assert training.course_gain(params(training_class_size=120, training_days=28)) == \
        pytest.approx(training.course_gain(params()), rel=1e-14)
