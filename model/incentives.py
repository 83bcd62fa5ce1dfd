"""M12 (and the pay-offs of M5/M8) -- material and spiritual incentives, the career value of an
innovation in the promotion tournament, and the cost of a sanction.

* A successful genuine innovation earns ``material_reward`` (a bonus) and ``honor_reward`` (a
  commendation), both per unit of innovation size: ``reward = material_reward + honor_reward *
  honour_value * ambition``. Honours work through the desire for promotion (essay 002: praise
  "makes cadres have the desire for promotion"), so they move the ambitious and leave the
  disappointed cold; and they motivate only while credible: their credibility ``honour_value``
  (one county-wide state in [0, 1], starting at 1) moves at ``honour_decay`` per quarter towards
  ``min(1, material_reward / honour_backing)``, so honours without material backing lose their
  value over time (essay 002).
* Career pay-off per unit of size (Lazear-Rosen tournament): appraisal credit matters only to the
  ambitious and eligible, in proportion to its weight in the appraisal and to how much it can
  change the outcome of the contest for a post::

      career = career_value * ambition * eligible * promotion_innovation_weight * margin(odds)
      margin(odds) = 4 q (1 - q),   q = 1 - (1 - odds) ** CAREER_HORIZON

  where ``odds`` is the yearly chance that an eligible cadre of the rank wins a post (promotion.py
  keeps it from the vacancies and rivals of past years) and ``q`` the chance over the horizon. A
  contest nobody or everybody wins gives credit no value; an even one gives the most (essay 000:
  "innovation may not guarantee the promotion").
* Sanction cost: ``sanction_severity * (1 + demerit_years / CAREER_HORIZON)``, the same for every
  cadre: a sanction weighs its severity, and longer while its demerit stays on the record; it
  costs standing, bonus and the appraisal grade whether or not its holder can still be promoted,
  so a cadre past the age limit loses the career pay-off of innovating but not the fear of
  failing (essay 002).
"""

from __future__ import annotations

import numpy as np

from .jit import kernel
from .population import clip

#: Years over which a cadre weighs its chances of promotion and the cost of a demerit.
CAREER_HORIZON = 5.0


def honour_target(p) -> float:
    """The credibility honours settle at, given the material reward that backs them."""
    return min(1.0, p.material_reward / p.honour_backing)


def update_honour_value(honour_value: float, p) -> float:
    """One quarter's move of honour credibility towards its target."""
    return honour_value + p.honour_decay * (honour_target(p) - honour_value)


def honour_per_size(honour_value: float, p) -> float:
    """Honour reward of a successful innovation per unit of size, to a fully ambitious cadre."""
    return p.honor_reward * honour_value


@kernel
def reward_of(material, honour, ambition):
    """Material plus honour reward of a successful innovation per unit of size (one cadre)."""
    return material + honour * ambition


@kernel
def tournament_margin(odds):
    """How much appraisal credit can change the outcome of a promotion contest with yearly
    ``odds`` of winning (0 for a contest nobody or everybody wins, 1 for an even one)."""
    q = 1.0 - (1.0 - clip(odds, 0.0, 1.0)) ** CAREER_HORIZON
    return 4.0 * q * (1.0 - q)


@kernel
def career_value_of_credit(career_value, ambition, eligible, weight, margin):
    """Career pay-off of appraisal credit per unit of innovation size (one cadre), given the
    ``tournament_margin`` of its rank's contest."""
    if not eligible:
        return 0.0
    return career_value * ambition * weight * margin


@kernel
def sanction_cost_of(severity, demerit_years):
    """The cost of one sanction to any cadre."""
    return severity * (1.0 + demerit_years / CAREER_HORIZON)


def career_payoff(pop, eligible: np.ndarray, odds: np.ndarray, p) -> np.ndarray:
    """Career pay-off of credit per unit of size for every cadre; ``odds[r]`` is the yearly
    chance that an eligible cadre of rank r wins a post."""
    out = np.empty(pop.n)
    _career_kernel(pop.ambition, pop.rank, eligible, odds, p.career_value,
                   p.promotion_innovation_weight, out)
    return out


@kernel
def _career_kernel(ambition, rank, eligible, odds, career_value, weight, out):
    margin = np.empty(odds.size)  # one contest per rank: its margin once, not once per cadre
    for r in range(odds.size):
        margin[r] = tournament_margin(odds[r])
    for i in range(ambition.size):
        out[i] = career_value_of_credit(career_value, ambition[i], eligible[i], weight,
                                        margin[rank[i]])
