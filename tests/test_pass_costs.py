"""Policy costs (costs.py, parameters.py; docs/ODD.md 7.19): each lever's cost formula in yuan per
cadre per year, from the rates the parameters declare, and the ``policy_cost`` the model reports
every step (levels plus rewards paid for this quarter's successes, per cadre and year).
"""

from __future__ import annotations

import numpy as np
import pytest
from handmade import params

from model import CadreModel, costs
from model.parameters import PARAMETERS, PARAMETERS_BY_NAME

RATE = {p.name: p.cost_rate for p in PARAMETERS}
REFORM = {"accountability_intensity": 0.8, "fault_tolerance": 0.6, "tolerance_credibility": 0.7,
          "verification_accuracy": 0.5, "rotation_rate": 0.1, "transfer_support": 0.5,
          "workload": 0.65, "digital_relief": 0.15, "training_coverage": 0.6,
          "training_quality": 0.8, "training_days": 10, "training_class_size": 25,
          "material_reward": 0.5, "honor_reward": 0.6}


def expected_levels(p) -> dict[str, float]:
    """Each level cost by the rule costs.py's table states, from the declared rates."""
    per_trainee_day = RATE["training_coverage"] * (
        4 / 7 + 3 / 7 * (0.5 + p.training_quality) * 30 / p.training_class_size)
    return {
        "accountability_intensity": RATE["accountability_intensity"] * p.accountability_intensity,
        "fault_tolerance": RATE["fault_tolerance"] * p.fault_tolerance,
        "tolerance_credibility": RATE["tolerance_credibility"] * p.tolerance_credibility,
        "verification_accuracy": RATE["verification_accuracy"] * p.verification_accuracy ** 2,
        "rotation_rate": RATE["rotation_rate"] * p.rotation_rate,
        "transfer_support": RATE["transfer_support"] * p.transfer_support,
        "workload": RATE["workload"] * max(0.0, 0.75 - p.workload),
        "digital_relief": RATE["digital_relief"] * p.digital_relief,
        "training_coverage": p.training_coverage * p.training_days * per_trainee_day,
    }


@pytest.mark.parametrize("over", [{}, REFORM, {"workload": 1.0, "training_coverage": 0.0}])
def test_each_lever_costs_its_declared_rate_by_its_rule(over):
    p = params(**over)
    want = expected_levels(p)
    got = costs.level_costs(p)
    assert set(got) == set(want)
    for name, value in want.items():
        assert got[name] == pytest.approx(value, rel=1e-12, abs=1e-12), name
    assert costs.level_cost(p) == pytest.approx(sum(want.values()), rel=1e-12)
    size = 0.37  # size of successful innovation per cadre and year
    rewards = (RATE["material_reward"] * p.material_reward
               + RATE["honor_reward"] * p.honor_reward) * size
    assert costs.policy_cost(p, size) == pytest.approx(sum(want.values()) + rewards, rel=1e-12)


def test_rules_that_need_no_budget_cost_nothing():
    free = [p.name for p in PARAMETERS if p.kind == "lever" and p.cost_rate == 0.0]
    assert {"sanction_severity", "promotion_innovation_weight", "promotion_age_limit",
            "demotion_rate"} <= set(free)
    base = costs.policy_cost(params(), 0.2)
    for name in free:
        q = PARAMETERS_BY_NAME[name]
        if name.startswith("training_"):
            continue  # days, class size and quality price training_coverage's trainee-days
        assert costs.policy_cost(params(**{name: q.high}), 0.2) == base, name
    # Relief only costs below today's load; a heavier load saves nothing.
    assert costs.level_costs(params(workload=1.2))["workload"] == 0.0


def test_the_model_reports_policy_cost_every_quarter():
    """policy_cost = the levels' cost + the rewards of this quarter's successes, counted per
    serving cadre and year (4 quarters)."""
    p = dict(REFORM, material_reward=1.0, honor_reward=0.8)
    m = CadreModel(seed=4, n_cadres=300, with_agents=False,
                   policy_schedule=[{"year": 1, "set": {"training_coverage": 0.1,
                                                        "material_reward": 0.2}}], **p)
    for step in range(1, 9):
        m.step()
        if step % 4 == 0:  # n_active is recounted after the year's turnover
            continue
        out = m.outputs
        size = out["value_delivered"] * 4 / out["n_active"]
        live = params(**{k: getattr(m.p, k) for k in vars(params())})
        want = sum(expected_levels(live).values()) + size * (
            RATE["material_reward"] * live.material_reward
            + RATE["honor_reward"] * live.honor_reward)
        assert out["policy_cost"] == pytest.approx(want, rel=1e-12), step
        assert out["value_delivered"] > 0
    assert m.p.training_coverage == 0.1  # the schedule changed the levers, and their cost
    first = CadreModel(seed=4, n_cadres=300, with_agents=False, **p)
    assert m.outputs["policy_cost"] < first.outputs["policy_cost"] - 1000
    assert np.isfinite(m.outputs["policy_cost"])
