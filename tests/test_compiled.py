"""The compiled per-cadre loops against the model's equations written independently as NumPy array
expressions (the form of the docstrings and of docs/ODD.md), on real population states."""

from __future__ import annotations

import numpy as np
import pytest

from model import CadreModel, conformity, decision, promotion, social_learning
from model.decision import SIZES, SYMBOLIC_CLAIM, investigation_chance, sanction_weight
from model.population import BOLD, INCREMENTAL, NO_BARRIER, ROUTINE, SYMBOLIC


def decide_oracle(pop, p, ctx, u):
    """M1/M15 as in decision.py's docstring, both sizes as rows of (2, n) arrays."""
    size = np.array(SIZES)[:, None]
    beta = p.choice_sensitivity
    prep, time = ctx.preparation, ctx.time
    reward = ctx.reward_unit + ctx.career
    worth = size * (reward + pop.motivation)
    fear_w = sanction_weight(pop.risk_aversion, p) * ctx.sanction_cost
    custom = ctx.conformity + p.reinforcement_strength * pop.propensity
    lead = p.leader_influence * ctx.stance
    skill = pop.skill_effective()
    p_s = np.stack([decision.success_chance(skill, prep, k, p) for k in (0, 1)])
    inv = np.array([[investigation_chance(s, p)] for s in SIZES])
    fear = (1 - p_s) * inv * (1 - pop.perceived_tolerance * prep) * fear_w
    able = -(p.busy_cost * size) * (1 - time) - p.stress_penalty * pop.stress
    u_gen = p_s * worth - p.effort_cost * size + lead + able - fear + custom
    v = p.verification_accuracy
    u_sym = (1 - v) * SYMBOLIC_CLAIM * reward - v * fear_w - (p.integrity + p.symbolic_cost)

    def p_genuine(u_rows):
        e = np.exp(beta * u_rows)
        return (e[0] + e[1]) / (e[0] + e[1] + 1 + np.exp(beta * u_sym))

    e = np.exp(beta * u_gen)
    total = e[0] + e[1] + 1 + np.exp(beta * u_sym)
    p_inc, p_gen, p_sym = e[0] / total, (e[0] + e[1]) / total, np.exp(beta * u_sym) / total
    full = np.stack([decision.success_chance(1.0, 1.0, k, p) for k in (0, 1)])[:, None]
    gains = np.stack([
        p_genuine(u_gen + fear),                                           # afraid
        p_genuine(u_gen + p.effort_cost * size - np.minimum(lead, 0)),     # unwilling
        p_genuine(u_gen - np.minimum(custom, 0)),                          # unaccustomed
        p_genuine(u_gen + (full - p_s) * worth - able),                    # unable
    ]) - p_gen
    band = (u >= p_inc).astype(int) + (u >= p_gen) + (u >= p_gen + p_sym)
    action = np.array([INCREMENTAL, BOLD, SYMBOLIC, ROUTINE])[band]
    barrier = np.where(band < 2, NO_BARRIER, np.argmax(gains, axis=0))
    action[~pop.active], barrier[~pop.active] = ROUTINE, NO_BARRIER
    return action, barrier, {"success_chance": p_s[0], "success_chance_bold": p_s[1],
                             "u_incremental": u_gen[0], "u_bold": u_gen[1], "u_symbolic": u_sym,
                             "p_innovate": p_gen, "p_symbolic": p_sym, "gain_afraid": gains[0],
                             "gain_unwilling": gains[1], "gain_unaccustomed": gains[2],
                             "gain_unable": gains[3]}


@pytest.fixture(scope="module", params=[{}, {"verification_accuracy": 0.1, "workload": 0.4,
                                             "leader_influence": 1.0}])
def running_model(request):
    """A model six years in (units, beliefs, skills and leaders have moved), with vacant rows."""
    m = CadreModel(seed=3, n_cadres=400, demotion_rate=0.05, **request.param)
    for _ in range(23):
        m.step()
    m.population.active[::37] = False
    return m


def test_decision_matches_its_equations(running_model):
    m = running_model
    pop, ctx = m.population, m._context(6.0)
    u = np.random.default_rng(0).random(pop.n)
    action, d, barrier = decision.decide(pop, m.p, ctx, u)
    want_action, want_barrier, terms = decide_oracle(pop, m.p, ctx, u)
    for name, expected in terms.items():
        np.testing.assert_allclose(getattr(d, name), expected, rtol=1e-9, atol=1e-12,
                                   err_msg=name)
    np.testing.assert_array_equal(action, want_action)
    np.testing.assert_array_equal(barrier, want_barrier)
    assert (barrier >= 0).any() and (action != ROUTINE).any()


def test_peer_share_and_observed_cases_match_their_definitions(running_model):
    m = running_model
    pop, n_units = m.population, m.n_units
    event = np.random.default_rng(1).random(pop.n) < 0.2
    active = pop.active
    size = np.bincount(pop.unit, weights=active, minlength=n_units + 1)
    doing = np.bincount(pop.unit, weights=event & active, minlength=n_units + 1)
    expected = (doing[pop.unit] - event) / np.maximum(size[pop.unit] - 1, 1)
    np.testing.assert_allclose(conformity.peer_share(pop, event, n_units), expected)

    by_unit = np.bincount(pop.unit, weights=event, minlength=n_units + 1)
    seen = by_unit[pop.unit] + event[pop.ties].sum(axis=1) + 0.1 * event.sum()
    np.testing.assert_allclose(social_learning.observed(pop, event, n_units, 0.1), seen)


def test_appraisal_scores_are_z_scores_within_rank(running_model):
    m = running_model
    pop, p = m.population, m.p
    noise = np.random.default_rng(2).standard_normal(pop.n)

    def z(x):
        out = np.zeros(pop.n)
        for r in range(4):
            mask = pop.active & (pop.rank == r)
            mean, sd = x[mask].mean(), x[mask].std()
            out[pop.rank == r] = (x[pop.rank == r] - mean) / (sd if sd > 0 else 1.0)
        return out

    w_i, w_s = p.promotion_innovation_weight, p.promotion_seniority_weight
    expected = (w_i * z(pop.innovation_record)
                + (1 - w_i) * ((1 - w_s) * z(pop.routine_performance) + w_s * z(pop.service))
                + p.evaluation_noise * noise - p.sanction_severity * (pop.demerit_until > 6.0))
    np.testing.assert_allclose(promotion.appraise(pop, p, noise, 6.0), expected, atol=1e-9)
