"""M12 -- material and spiritual incentives.

A successful innovation earns ``material_reward`` (a bonus) and ``honor_reward`` (a commendation),
both per unit of innovation size. Honours motivate only while they are credible: their credibility
``honour_value`` (one county-wide state in [0, 1], starting at 1) moves at ``honour_decay`` per
quarter towards ``min(1, material_reward / honour_backing)``, so honours without material backing
lose their value over time (essay 002).
"""

from __future__ import annotations

import numpy as np

from .jit import kernel


def honour_target(p) -> float:
    """The credibility honours settle at, given the material reward that backs them."""
    return min(1.0, p.material_reward / p.honour_backing)


def update_honour_value(honour_value: float, p) -> float:
    """One quarter's move of honour credibility towards its target."""
    return honour_value + p.honour_decay * (honour_target(p) - honour_value)


def reward_per_size(honour_value: float, p) -> float:
    """Material plus honour reward of a successful innovation, per unit of size."""
    return p.material_reward + p.honor_reward * honour_value


def career_payoff(pop, eligible: np.ndarray, p) -> np.ndarray:
    """M5/M8: appraisal credit's worth to each cadre, per unit of innovation size.

    Only the ambitious and the still eligible care; the weight of innovation in appraisal sets how
    much a recorded innovation counts.
    """
    out = np.empty(pop.n)
    _career_kernel(pop.ambition, eligible, p.career_value, p.promotion_innovation_weight, 0.0,
                   out)
    return out


def sanction_cost(pop, eligible: np.ndarray, p) -> np.ndarray:
    """The cost of one sanction: its severity plus the career lost while promotion is barred."""
    out = np.empty(pop.n)
    _career_kernel(pop.ambition, eligible, p.career_value, p.demerit_years / 5.0,
                   p.sanction_severity, out)
    return out


@kernel
def _career_kernel(ambition, eligible, career_value, factor, base, out):
    """``base + career_value * ambition * eligible * factor``, cadre by cadre."""
    for i in range(ambition.size):
        career = career_value * ambition[i] if eligible[i] else 0.0
        out[i] = base + career * factor
