"""M13 -- workload, free time, preparation and stress (workload.py; docs/ODD.md 7.13), and the
routine performance that strict management and skill raise and innovating lowers (model.py).

load = workload * unit_load * post_load * (1 - digital_relief) + compliance_burden * intensity;
free time = min(TIME_SOFTNESS * softplus((1 - load) / TIME_SOFTNESS), 1);
preparation = 1 - exp(-time / diligence_time); the stress a load leads to is logistic around
stress_threshold with width STRESS_WIDTH; stress moves at stress_rate towards it and jumps by
SANCTION_STRESS with a sanction.
"""

from __future__ import annotations

import numpy as np
import pytest
from handmade import county, params, rec

from model import workload
from model.model import (
    ROUTINE_ADJUST,
    ROUTINE_BASE,
    ROUTINE_DISTRACTION,
    ROUTINE_INSPECTION,
    ROUTINE_SKILL,
    update_routine_performance,
)
from model.population import BOLD, INCREMENTAL, ROUTINE, SYMBOLIC
from model.workload import SANCTION_STRESS, STRESS_WIDTH, TIME_SOFTNESS

PARAMETER_SETS = [{}, {"workload": 1.1, "digital_relief": 0.3, "compliance_burden": 0.3,
                       "accountability_intensity": 0.9, "diligence_time": 0.05,
                       "stress_threshold": 0.5, "post_load_sd": 0.3},
                  {"workload": 0.3, "diligence_time": 0.5, "stress_threshold": 1.0}]


@pytest.mark.parametrize("over", PARAMETER_SETS)
def test_m13_time_budget_load_softplus_time_preparation_and_stress_target(over):
    p = params(**over)
    pop = county([30, 30, 30], seed=1)
    pop.post_load[:] = np.linspace(0.5, 1.8, 90)  # from light desks to overloaded ones
    unit_load = np.array([1.1, 0.95, 1.02, 1.0])
    load, time, prep, target = workload.time_budget(pop, unit_load, rec(p))
    want_load = (p.workload * unit_load[pop.unit] * pop.post_load * (1 - p.digital_relief)
                 + p.compliance_burden * p.accountability_intensity)
    np.testing.assert_allclose(load, want_load, rtol=1e-14)
    x = (1.0 - want_load) / TIME_SOFTNESS
    want_time = np.minimum(TIME_SOFTNESS * np.logaddexp(0.0, x), 1.0)  # softplus
    np.testing.assert_allclose(time, want_time, rtol=1e-12)
    assert np.all(time > 0.0) and np.all(time <= 1.0)
    np.testing.assert_allclose(prep, 1.0 - np.exp(-want_time / p.diligence_time), rtol=1e-12,
                               atol=1e-15)
    np.testing.assert_allclose(target, 1.0 / (1.0 + np.exp(-(want_load - p.stress_threshold)
                                                            / STRESS_WIDTH)), rtol=1e-12)


def test_m13_free_time_is_one_minus_load_with_room_and_a_sliver_when_full():
    p = params(compliance_burden=0.0, digital_relief=0.0, workload=1.0)
    pop = county([5], seed=2)
    pop.post_load[:] = [0.2, 0.5, 1.0, 1.5, 3.0]
    _, time, _, _ = workload.time_budget(pop, np.ones(2), rec(p))
    np.testing.assert_allclose(time[:2], [0.8, 0.5], rtol=1e-5)  # softplus ~ identity far off
    assert time[2] == pytest.approx(TIME_SOFTNESS * np.log(2.0), rel=1e-12)  # full post
    assert 0.0 < time[4] < time[3] < time[2]


@pytest.mark.parametrize("rate", [0.05, 0.2, 0.5])
def test_m13_stress_moves_towards_its_target_and_jumps_with_a_sanction(rate):
    pop = county([40], seed=3)
    target = np.random.default_rng(0).uniform(0, 1, 40)
    sanctioned = np.arange(40) % 3 == 0
    before = pop.stress.copy()
    workload.update_stress(pop, target, sanctioned, params(stress_rate=rate))
    want = np.clip(before + rate * (target - before) + SANCTION_STRESS * sanctioned, 0.0, 1.0)
    np.testing.assert_allclose(pop.stress, want, rtol=1e-14)
    assert np.any(want[sanctioned] == 1.0)  # capped at full stress


@pytest.mark.parametrize("intensity", [0.0, 0.6, 1.0])
def test_m13_routine_performance_follows_competence_skill_inspection_and_distraction(intensity):
    """target = clip(ROUTINE_BASE + competence + ROUTINE_SKILL * skill
    + ROUTINE_INSPECTION * accountability_intensity - distraction, 0, 1), distraction by
    ROUTINE_DISTRACTION for incremental / bold attempts; performance moves ROUTINE_ADJUST of
    the way."""
    rng = np.random.default_rng(4)
    n = 80
    action = np.array([ROUTINE, INCREMENTAL, BOLD, SYMBOLIC] * 20, dtype=np.int8)
    skill, competence = rng.uniform(0, 1, n), rng.normal(0, 0.3, n)
    performance = rng.uniform(0, 1, n)
    before = performance.copy()
    update_routine_performance(performance, action, skill, competence, intensity)
    distraction = np.select([action == INCREMENTAL, action == BOLD], ROUTINE_DISTRACTION, 0.0)
    target = np.clip(ROUTINE_BASE + competence + ROUTINE_SKILL * skill
                     + ROUTINE_INSPECTION * intensity - distraction, 0, 1)
    np.testing.assert_allclose(performance, before + ROUTINE_ADJUST * (target - before),
                               rtol=1e-14)
    # Innovating costs routine work; the bold attempt more than the incremental one.
    assert 0 < ROUTINE_DISTRACTION[0] < ROUTINE_DISTRACTION[1]
