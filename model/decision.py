"""M1 and M15 -- each quarter a cadre chooses routine work, a genuine innovation (incremental or
bold) or a symbolic one, by a logit (quantal response) over expected utilities; and the binding
barrier of every cadre who does not innovate genuinely.

Utility of a genuine innovation of size s (routine work is the zero of the scale)::

    U(s) = w(s) + c + n(s) - A(s)

    w(s)  willingness  = p(s)*s*(reward + motivation) - effort*s + leader_influence*stance
    c     custom       = conformity_strength*min(peer_share - threshold, 0)
                         + reinforcement_strength*propensity
    n(s)  ability cost = -busy_cost*s*(1 - time) - stress_penalty*stress
    A(s)  fear         = (1 - p(s)) * P_investigated(s) * (1 - tolerance_belief*preparation)
                         * loss_aversion * (0.5 + risk_aversion) * sanction_cost

with p(s) the chance of success, which falls with size and rises with skill and preparation time.
The binding barrier is found by counterfactual: the one of four changes that most raises the chance
of innovating genuinely -- afraid: no expected sanction (A = 0); unwilling: no effort cost and no
discouraging leader; unaccustomed: no conformity cost or bad memories (c >= 0); unable: full skill,
full time and no stress (fear kept as believed).
"""

from __future__ import annotations

import numpy as np
from scipy.special import expit

from .population import BOLD, INCREMENTAL, NO_BARRIER, ROUTINE, SYMBOLIC

#: Size of an incremental and of a bold innovation (M15); value and reward scale with size.
SIZES = (0.4, 1.0)
#: Share of its value a symbolic innovation claims (image projects are announced as big).
SYMBOLIC_CLAIM = 1.0


_SIZE_COLUMN = np.array(SIZES)[:, None]
_ACTION_OF_BAND = np.array([INCREMENTAL, BOLD, SYMBOLIC, ROUTINE], dtype=np.int8)


def success_chance(skill, preparation, size_index: int, p) -> np.ndarray:
    """M15: chance that a genuine innovation succeeds; bold and unprepared attempts fail more."""
    difficulty = p.base_difficulty + (p.boldness_difficulty if size_index == 1 else 0.0)
    return expit(p.success_slope * (skill - difficulty)) * (0.5 + 0.5 * preparation)


def _success_rows(skill, preparation, p) -> np.ndarray:
    """``success_chance`` for both sizes at once, as a (2, n) array."""
    difficulty = np.array([[p.base_difficulty], [p.base_difficulty + p.boldness_difficulty]])
    return expit(p.success_slope * (skill - difficulty)) * (0.5 + 0.5 * preparation)


def investigation_chance(size: float, p) -> float:
    """M2/M15: chance a failed attempt is investigated; bolder ones stir more opposition."""
    return min(1.0, p.accountability_intensity * (1.0 + p.social_risk * size))


def sanction_weight(risk_aversion, p) -> np.ndarray:
    """How heavily a cadre weighs a possible sanction: loss aversion times its risk aversion."""
    return p.loss_aversion * (0.5 + risk_aversion)


class Decision:
    """The terms of every cadre's last decision (arrays, one entry per row)."""

    fields = (
        "success_chance", "success_chance_bold", "expected_gain", "expected_sanction",
        "career_payoff", "reward", "willingness", "conformity_pressure", "ability_cost",
        "leader_stance", "preparation", "time_available", "u_incremental", "u_bold",
        "u_symbolic", "p_innovate", "p_symbolic", "gain_afraid", "gain_unwilling",
        "gain_unaccustomed", "gain_unable",
    )

    def __init__(self, **arrays):
        for k in self.fields:
            setattr(self, k, arrays[k])


def decide(pop, p, ctx, u_choice: np.ndarray):
    """Choose every cadre's action; return (action, Decision, barrier).

    ``ctx`` carries this quarter's context arrays: ``time``, ``preparation``, ``stance``,
    ``conformity``, ``reward_unit`` (reward per unit size without career), ``career`` and
    ``sanction_cost``. Both sizes of innovation are evaluated at once as rows of (2, n) arrays.
    """
    size = _SIZE_COLUMN
    beta = p.choice_sensitivity
    prep, time = ctx.preparation, ctx.time
    reward = ctx.reward_unit + ctx.career  # per unit of innovation size, paid on success
    worth = size * (reward + pop.motivation)
    fear_w = sanction_weight(pop.risk_aversion, p) * ctx.sanction_cost
    custom = ctx.conformity + p.reinforcement_strength * pop.propensity
    lead = p.leader_influence * ctx.stance

    p_s = _success_rows(pop.skill_effective(), prep, p)
    gain = p_s * worth
    will = gain + (lead - p.effort_cost * size)
    exposure = (1.0 - pop.perceived_tolerance * prep) * fear_w
    inv = np.array([[investigation_chance(SIZES[0], p)], [investigation_chance(SIZES[1], p)]])
    fear = (1.0 - p_s) * (inv * exposure)
    able = -(p.busy_cost * size) * (1.0 - time) - p.stress_penalty * pop.stress
    u = will + able - fear + custom

    # Symbolic innovation (M14): credit if undetected, sanction if detected, a moral cost.
    v = p.verification_accuracy
    u_sym = (1.0 - v) * SYMBOLIC_CLAIM * reward - v * fear_w - (p.integrity + p.symbolic_cost)
    e = np.exp(beta * u)
    e_gen = e[0] + e[1]
    e_other = 1.0 + np.exp(beta * u_sym)  # routine (utility 0) and symbolic
    total = e_gen + e_other
    p_inc, p_gen = e[0] / total, e_gen / total
    p_sym = 1.0 - p_gen - 1.0 / total

    # Counterfactuals: remove one barrier at a time; exp(beta*(u + d)) = exp(beta*u)*exp(beta*d).
    def share(e_rows):
        g = e_rows[0] + e_rows[1]
        return g / (g + e_other)

    cf_afraid = share(e * np.exp(beta * fear))
    lift = np.exp(-beta * np.minimum(lead, 0.0))  # a discouraging leader, removed
    cf_unwilling = share(e * (np.exp(beta * p.effort_cost * size) * lift))
    relief = e_gen * np.exp(-beta * np.minimum(custom, 0.0))
    cf_custom = relief / (relief + e_other)
    p_full = _success_rows(1.0, 1.0, p)
    cf_unable = share(e * np.exp(beta * ((p_full - p_s) * worth - able)))
    gains = np.stack([cf_afraid, cf_unwilling, cf_custom, cf_unable])
    gains -= p_gen

    # Draw the action: [0, p_inc) incremental, [p_inc, p_gen) bold, then symbolic, then routine.
    band = ((u_choice >= p_inc).view(np.int8) + (u_choice >= p_gen).view(np.int8)
            + (u_choice >= p_gen + p_sym).view(np.int8))
    action = _ACTION_OF_BAND[band]
    barrier = np.argmax(gains, axis=0).astype(np.int8)
    barrier[band < 2] = NO_BARRIER

    bold = band == 1
    decision = Decision(
        success_chance=p_s[0], success_chance_bold=p_s[1],
        expected_gain=np.where(bold, gain[1], gain[0]),
        expected_sanction=np.where(bold, fear[1], fear[0]),
        career_payoff=ctx.career, reward=reward,
        willingness=np.where(bold, will[1], will[0]), conformity_pressure=custom,
        ability_cost=np.where(bold, able[1], able[0]), leader_stance=ctx.stance,
        preparation=prep, time_available=time, u_incremental=u[0], u_bold=u[1],
        u_symbolic=u_sym, p_innovate=p_gen, p_symbolic=p_sym,
        gain_afraid=gains[0], gain_unwilling=gains[1], gain_unaccustomed=gains[2],
        gain_unable=gains[3],
    )
    return action, decision, barrier
