"""The outputs (outputs.py; docs/ODD.md 4.11): each output computed by hand from a hand-built
quarter -- rates over serving cadres, the barrier gap and its Shapley shares (summing to one),
the binding barriers, means of states, leaders' shares, and the year's personnel figures passed
through.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
from handmade import county

from model import OUTPUTS, outputs
from model.decision import Decision
from model.leaders import NEUTRAL_RISK, RECENT_FULL, STANCE_GUARD, STANCE_OWN, STANCE_RISK
from model.outputs import BURNOUT_STRESS
from model.population import BARRIER_NAMES, BOLD, INCREMENTAL, NO_BARRIER, ROUTINE, SYMBOLIC

N = 100
YEAR = 5.0


def quarter():
    rng = np.random.default_rng(7)
    ranks = np.array([2] + [1] * 3 + [0] * 16)
    pop = county([20] * 5, seed=7, ranks=np.tile(ranks, 5))
    pop.rank[95:] = 3
    pop.active[[17, 38, 96]] = False
    pop.age[:] = rng.uniform(25, 59, N)
    pop.demerit_until[:] = rng.uniform(0, 8, N)
    action = rng.choice([ROUTINE, INCREMENTAL, BOLD, SYMBOLIC], N, p=[0.6, 0.15, 0.1, 0.15])
    action[~pop.active] = ROUTINE
    attempted = (action == INCREMENTAL) | (action == BOLD)
    success = attempted & (rng.random(N) < 0.5)
    investigated = attempted & ~success & (rng.random(N) < 0.6)
    excused = investigated & (rng.random(N) < 0.3)
    detected = (action == SYMBOLIC) & (rng.random(N) < 0.3)
    late = ~detected & (rng.random(N) < 0.05) & pop.active
    ev = SimpleNamespace(attempted=attempted, success=success, investigated=investigated,
                         excused=excused, sanctioned=(investigated & ~excused) | detected | late,
                         symbolic_detected=detected, exposed_late=late,
                         value=np.where(success, np.where(action == BOLD, 1.0, 0.4), 0.0))
    arrays = {f: rng.uniform(0, 0.05, N) for f in Decision.fields}
    arrays["p_innovate"] = rng.uniform(0.02, 0.4, N)
    arrays["p_without_barriers"] = arrays["p_innovate"] + rng.uniform(0.0, 0.5, N)
    parts = rng.dirichlet(np.ones(4), N) * (arrays["p_without_barriers"]
                                            - arrays["p_innovate"])[:, None]
    for b, name in enumerate(BARRIER_NAMES):
        arrays[f"shapley_{name}"] = parts[:, b]
    barrier = np.where(attempted, NO_BARRIER, rng.integers(0, 4, N)).astype(np.int8)
    barrier[~pop.active] = NO_BARRIER
    state = {"stance": rng.uniform(-1, 1, N), "year": YEAR, "age_limit": 45.0,
             "cumulative_value": 12.5, "honour_value": 0.8, "policy_cost": 1234.5,
             "promotions": 7, "demotions": 2, "innovator_share_promoted": 0.4,
             "innovator_share_candidates": 0.3, "innovator_share": 0.25}
    skill = rng.uniform(0, 1, N)
    return pop, action, ev, Decision(**arrays), barrier, state, skill


def test_every_output_from_its_definition():
    pop, action, ev, d, barrier, state, skill = quarter()
    out = outputs.compute(pop, action, ev, d, barrier, state, skill)
    assert list(out) == list(OUTPUTS)
    a = pop.active
    n = a.sum()
    attempts = ev.attempted.sum()
    non = a & (barrier >= 0)
    gap = (d.p_without_barriers - d.p_innovate)[non]
    heads = a & (pop.rank == 2)
    insecure = (pop.demerit_until > YEAR) | (pop.score < 0)
    own = np.clip(STANCE_OWN * np.minimum(pop.recent_innovation / RECENT_FULL, 1)
                  + STANCE_RISK * (NEUTRAL_RISK - pop.risk_aversion) - STANCE_GUARD * insecure,
                  -1, 1)
    leaders = a & (pop.rank >= 2)
    want = {
        "innovation_rate": attempts / n,
        "success_rate": ev.success.sum() / attempts,
        "symbolic_rate": (action == SYMBOLIC).sum() / n,
        "sanction_rate": ev.sanctioned.sum() / n,
        "excused_rate": ev.excused.sum() / ev.investigated.sum(),
        "exposure_rate": (ev.symbolic_detected | ev.exposed_late).sum() / n,
        "barrier_gap": gap.mean(),
        "burnout_share": (a & (pop.stress > BURNOUT_STRESS)).sum() / n,
        "value_delivered": ev.value.sum(),
        "bold_share": (action == BOLD).sum() / attempts,
        "stimulating_leaders": (own[heads] > 0).sum() / heads.sum(),
        "ceilinged_leaders": (pop.age[leaders] >= 45.0).sum() / leaders.sum(),
        "mean_skill": skill[a].mean(),
        "mean_risk_aversion": pop.risk_aversion[a].mean(),
        "mean_ambition": pop.ambition[a].mean(),
        "mean_stress": pop.stress[a].mean(),
        "perceived_tolerance": pop.perceived_tolerance[a].mean(),
        "perceived_risk": pop.perceived_risk[a].mean(),
        "perceived_detection": pop.perceived_detection[a].mean(),
        "routine_performance": pop.routine_performance[a].mean(),
        "leader_support": state["stance"][a].mean(),
        "n_active": float(n),
    }
    for b, name in enumerate(BARRIER_NAMES):
        want[f"barrier_{name}"] = getattr(d, f"shapley_{name}")[non].sum() / gap.sum()
        want[f"binding_{name}"] = (a & (barrier == b)).sum() / n
    for name in ("cumulative_value", "honour_value", "policy_cost", "promotions", "demotions",
                 "innovator_share_promoted", "innovator_share_candidates", "innovator_share"):
        want[name] = state[name]
    assert set(want) == set(OUTPUTS)
    for name, value in want.items():
        assert out[name] == pytest.approx(value, rel=1e-12, abs=1e-15), name
    shares = sum(out[f"barrier_{b}"] for b in BARRIER_NAMES)
    assert shares == pytest.approx(1.0, abs=1e-12)
    assert 0 < out["stimulating_leaders"] < 1  # the hand-built heads have both signs


def test_no_attempt_no_investigation_no_gap_give_zeros_not_nans():
    pop, action, ev, d, barrier, state, skill = quarter()
    action[:] = ROUTINE
    for name in ("attempted", "success", "investigated", "excused", "sanctioned",
                 "symbolic_detected", "exposed_late"):
        getattr(ev, name)[:] = False
    ev.value[:] = 0.0
    d.terms[:, :] = 0.0
    out = outputs.compute(pop, action, ev, d, np.full(N, NO_BARRIER, np.int8), state, skill)
    for name in ("innovation_rate", "success_rate", "excused_rate", "bold_share", "barrier_gap",
                 *(f"barrier_{b}" for b in BARRIER_NAMES)):
        assert out[name] == 0.0, name


def test_before_anybody_acts_outputs_are_states_only():
    pop, action, ev, d, barrier, state, skill = quarter()
    out = outputs.compute(pop, pop.last_action, None, d, barrier, state)
    assert out["innovation_rate"] == 0.0 and out["value_delivered"] == 0.0
    assert out["mean_skill"] == pytest.approx(
        np.minimum(pop.skill + pop.training_boost, 1)[pop.active].mean(), rel=1e-12)
