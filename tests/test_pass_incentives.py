"""M12 and the pay-offs of M5/M8 (incentives.py; docs/ODD.md 7.5, 7.12): the tournament margin
``4 q (1 - q)`` with ``q = 1 - (1 - odds) ** CAREER_HORIZON``, the career pay-off of credit, the
cost of a sanction ``severity * (1 + demerit_years / CAREER_HORIZON)``, and the credibility path
of honours. (The reward ``material + honour * ambition`` is checked with the decision's terms.)"""

from __future__ import annotations

import numpy as np
import pytest
from handmade import county, params

from model import incentives
from model.incentives import CAREER_HORIZON


def test_m5_career_payoff_of_credit_from_the_odds_of_each_rank():
    p = params(career_value=2.0, promotion_innovation_weight=0.4)
    pop = county([40], seed=1, ranks=np.arange(40) % 4)
    eligible = np.arange(40) % 5 != 0
    # Rank 0: a contest nobody wins; 1: an even one over the horizon; 2: a likely one;
    # 3: odds above one are treated as certainty.
    odds = np.array([0.0, 1.0 - 0.5 ** (1 / CAREER_HORIZON), 0.3, 1.5])
    career = incentives.career_payoff(pop, eligible, odds, p)
    q = 1.0 - (1.0 - np.clip(odds, 0.0, 1.0)) ** CAREER_HORIZON
    margin = 4.0 * q * (1.0 - q)
    assert margin[1] == pytest.approx(1.0) and margin[0] == 0.0 and margin[3] == 0.0
    want = np.where(eligible, 2.0 * pop.ambition * 0.4 * margin[pop.rank], 0.0)
    np.testing.assert_allclose(career, want, rtol=1e-12, atol=1e-300)
    assert np.all(career[(pop.rank == 1) & eligible] > 0)


@pytest.mark.parametrize("severity, years", [(0.6, 2.0), (1.0, 0.0), (0.0, 5.0), (0.3, 3.5)])
def test_m2_sanction_cost_weighs_severity_and_the_demerit_horizon(severity, years):
    assert incentives.sanction_cost_of(severity, years) == pytest.approx(
        severity * (1 + years / CAREER_HORIZON), rel=1e-15)


@pytest.mark.parametrize("material, backing, decay", [(0.0, 0.5, 0.1), (0.2, 0.5, 0.3),
                                                      (1.0, 0.5, 0.1), (0.3, 2.0, 0.5)])
def test_m12_honour_credibility_moves_towards_material_backing(material, backing, decay):
    """h' = h + honour_decay * (min(1, material_reward / honour_backing) - h): after k quarters
    h = target + (1 - target) * (1 - decay) ** k from h = 1."""
    p = params(material_reward=material, honour_backing=backing, honour_decay=decay)
    target = min(1.0, material / backing)
    h = 1.0
    for k in range(1, 13):
        h = incentives.update_honour_value(h, p)
        assert h == pytest.approx(target + (1 - target) * (1 - decay) ** k, rel=1e-12)
    assert incentives.honour_per_size(h, p) == pytest.approx(p.honor_reward * h, rel=1e-15)
