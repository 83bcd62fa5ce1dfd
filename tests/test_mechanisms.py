"""Mechanisms in a running model: every mechanism can be switched off by its parameters (and then
leaves no trace in the outputs), beliefs are learned rather than read from the levers, and policy
schedules change the levers of a running model. (Each pass's equations are checked on hand-built
counties in tests/test_pass_*.py.)"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from model import CadreModel
from model.parameters import PARAMETERS_BY_NAME, defaults
from model.population import (
    BOLD,
    INCREMENTAL,
    ROUTINE,
    SANCTIONED,
    SUCCESS,
    SYM_DETECTED,
    SYMBOLIC,
)
from model.schedule import PolicySchedule, parse_schedule


def params(**over):
    p = defaults()
    p.update(over)
    return SimpleNamespace(**p)


def run(steps=8, **kw):
    m = CadreModel(seed=kw.pop("seed", 2), n_cadres=kw.pop("n_cadres", 240), **kw)
    for _ in range(steps):
        m.step()
    return m, m.datacollector.get_model_vars_dataframe().iloc[1:]


@pytest.mark.parametrize("switch, output", [
    ({"accountability_intensity": 0.0, "verification_accuracy": 0.0}, "sanction_rate"),
    ({"fault_tolerance": 0.0}, "excused_rate"),
    ({"tolerance_credibility": 0.0}, "excused_rate"),
    ({"verification_accuracy": 0.0}, "exposure_rate"),
    ({"demotion_rate": 0.0}, "demotions"),
])
def test_a_mechanism_switched_off_leaves_no_trace(switch, output):
    base = {"demotion_rate": 0.1}  # so that demotions happen when on
    _, on = run(steps=8, **{**base, **{k: min(0.5, PARAMETERS_BY_NAME[k].high) for k in switch}})
    _, off = run(steps=8, **{**base, **switch})
    assert on[output].max() > 0, "the mechanism does something when on"
    assert off[output].max() == 0.0


def test_m11_no_training_no_boost_and_no_classmates():
    m, _ = run(steps=8, training_coverage=0.0)
    assert np.all(m.population.training_boost == 0.0)
    m, _ = run(steps=8, training_coverage=0.8)
    assert np.count_nonzero(m.population.training_boost) > 0.5 * m.population.n


def test_m16_without_rotation_nobody_changes_unit_but_by_promotion():
    for rate in (0.0, 0.3):
        m = CadreModel(seed=3, n_cadres=240, rotation_rate=rate, demotion_rate=0.0)
        unit = {a.unique_id: a.unit for a in m.agents}
        for _ in range(4):
            m.step()
        stayed = [a for a in m.agents if a.unique_id in unit and a.n_promotions == 0]
        moved = sum(a.unit != unit[a.unique_id] for a in stayed)
        assert len(stayed) > 200
        assert (moved == 0) if rate == 0.0 else (moved > 20), (rate, moved)


def test_m4_beliefs_start_at_their_priors_not_at_the_levers():
    m = CadreModel(seed=3, n_cadres=400, fault_tolerance=1.0, tolerance_credibility=1.0,
                   accountability_intensity=0.1, verification_accuracy=0.9,
                   prior_tolerance_belief=0.2, prior_risk_belief=0.7, prior_detection_belief=0.3)
    out = m.outputs
    assert out["perceived_tolerance"] == pytest.approx(0.2, abs=0.02)
    assert out["perceived_risk"] == pytest.approx(0.7, abs=0.02)
    assert out["perceived_detection"] == pytest.approx(0.3, abs=0.02)
    for _ in range(12):
        m.step()
    # Learned from excused cases and light inspection over three years.
    assert m.outputs["perceived_tolerance"] > 0.35
    assert m.outputs["perceived_risk"] < 0.55


def test_schedule_phases_a_reform_in_and_lands_on_its_target():
    changes = parse_schedule([{"year": 5, "set": {"fault_tolerance": 0.8}, "phase_in_years": 2}])
    p = params(fault_tolerance=0.2)
    sched = PolicySchedule(changes)
    assert not sched.apply(p, 4.75) and p.fault_tolerance == 0.2
    assert sched.apply(p, 6.0) and p.fault_tolerance == pytest.approx(0.5)
    sched.apply(p, 8.0)
    assert p.fault_tolerance == 0.8  # exactly the target, not a rounding error away
    p = params(training_coverage=0.6)
    PolicySchedule(parse_schedule([{"year": 1, "set": {"training_coverage": 0.1}}])).apply(p, 1)
    assert p.training_coverage == 0.1


def test_schedule_changes_the_running_model():
    m = CadreModel(seed=1, n_cadres=100,
                   policy_schedule=[{"year": 1, "set": {"accountability_intensity": 0.0}}])
    for _ in range(4):
        m.step()
    assert m.p.accountability_intensity == 0.6
    m.step()
    assert m.p.accountability_intensity == 0.0
    assert m.parameters["accountability_intensity"] == 0.6  # the declared run parameters stay


def test_m17_only_the_outcome_of_ones_own_innovation_reinforces():
    """In a running model: a success pushes propensity up, a sanctioned innovation down; a
    sanction for routine irregularities or an exposed image project does not count as an
    innovation's outcome (propensity only fades)."""
    m = CadreModel(seed=6, n_cadres=300, routine_error_rate=0.1, accountability_intensity=0.9,
                   verification_accuracy=0.8, integrity=0.0)
    keep = m.p.reinforcement_memory
    seen = {SUCCESS: 0, SANCTIONED: 0, "routine": 0, SYM_DETECTED: 0}
    for _ in range(6):
        before = m.population.propensity.copy()
        m.step()
        pop = m.population
        act, out = pop.last_action, pop.last_outcome
        innovated = np.isin(act, (INCREMENTAL, BOLD))
        faded = before * keep
        for mask, want, key in (
                (innovated & (out == SUCCESS), faded + (1 - keep), SUCCESS),
                (innovated & (out == SANCTIONED), faded - (1 - keep), SANCTIONED),
                ((act == ROUTINE) & (out == SANCTIONED), faded, "routine"),
                ((act == SYMBOLIC) & (out == SYM_DETECTED), faded, SYM_DETECTED)):
            mask = mask & pop.active
            np.testing.assert_allclose(pop.propensity[mask], want[mask], rtol=1e-12, atol=1e-15)
            seen[key] += int(mask.sum())
    assert min(seen.values()) > 0, seen


def test_m10_conformity_reads_last_quarters_genuine_attempts_of_unit_colleagues():
    """In a running model, the decision's custom term c = conformity_strength *
    min(peer_share - threshold, 0) + reinforcement_strength * propensity uses the share of unit
    colleagues (itself excluded) who attempted a genuine innovation last quarter."""
    m = CadreModel(seed=8, n_cadres=300, conformity_strength=2.0, with_agents=False)
    for _ in range(5):
        m.step()
    pop = m.population
    tried = np.isin(pop.last_action, (INCREMENTAL, BOLD)) & pop.active
    unit_size = np.bincount(pop.unit, weights=pop.active, minlength=m.n_units + 1)
    unit_tried = np.bincount(pop.unit, weights=tried, minlength=m.n_units + 1)
    share = (unit_tried[pop.unit] - tried) / np.maximum(unit_size[pop.unit] - 1, 1)
    custom = (2.0 * np.minimum(share - pop.conformity_threshold, 0.0)
              + m.p.reinforcement_strength * pop.propensity)
    m.step()  # the sixth quarter: no year end in between
    serving = pop.active
    np.testing.assert_allclose(m.decision.conformity_pressure[serving], custom[serving],
                               rtol=1e-12, atol=1e-15)
    assert tried.sum() > 10 and np.any(share > pop.conformity_threshold)
