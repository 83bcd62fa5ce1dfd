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

from .population import BOLD, INCREMENTAL, NO_BARRIER, ROUTINE, SYMBOLIC

#: Size of an incremental and of a bold innovation (M15); value and reward scale with size.
SIZES = (0.4, 1.0)
#: Share of its value a symbolic innovation claims (image projects are announced as big).
SYMBOLIC_CLAIM = 1.0


def sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def success_chance(skill, preparation, size_index: int, p) -> np.ndarray:
    """M15: chance that a genuine innovation succeeds; bold and unprepared attempts fail more."""
    difficulty = p.base_difficulty + (p.boldness_difficulty if size_index == 1 else 0.0)
    return sigmoid(p.success_slope * (skill - difficulty)) * (0.5 + 0.5 * preparation)


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
    ``sanction_cost``.
    """
    skill = pop.skill_effective()
    prep, time = ctx.preparation, ctx.time
    reward = ctx.reward_unit + ctx.career  # per unit of innovation size, paid on success
    worth = reward + pop.motivation
    fear_w = sanction_weight(pop.risk_aversion, p) * ctx.sanction_cost
    believed_exposure = 1.0 - pop.perceived_tolerance * prep

    custom = ctx.conformity + p.reinforcement_strength * pop.propensity
    lead = p.leader_influence * ctx.stance
    stress_cost = p.stress_penalty * pop.stress

    u, will, fear, able, ps = [], [], [], [], []
    for k, size in enumerate(SIZES):
        p_s = success_chance(skill, prep, k, p)
        w = p_s * size * worth - p.effort_cost * size + lead
        a = (1.0 - p_s) * investigation_chance(size, p) * believed_exposure * fear_w
        n = -p.busy_cost * size * (1.0 - time) - stress_cost
        u.append(w + custom + n - a)
        will.append(w)
        fear.append(a)
        able.append(n)
        ps.append(p_s)

    # Symbolic innovation (M14): credit if undetected, sanction if detected, a moral cost.
    v = p.verification_accuracy
    u_sym = (1.0 - v) * SYMBOLIC_CLAIM * reward - v * fear_w - p.integrity - p.symbolic_cost
    beta = p.choice_sensitivity
    e_other = 1.0 + np.exp(beta * u_sym)  # routine (utility 0) and symbolic
    e_inc, e_bold = np.exp(beta * u[0]), np.exp(beta * u[1])
    total = e_inc + e_bold + e_other
    p_inc, p_bold = e_inc / total, e_bold / total
    p_sym = (e_other - 1.0) / total
    p_gen = p_inc + p_bold

    # Counterfactuals: remove one barrier at a time. exp(beta*(u + d)) = exp(beta*u)*exp(beta*d)
    # saves recomputing the unchanged terms.
    def share(a_inc, a_bold):
        return (a_inc + a_bold) / (a_inc + a_bold + e_other)

    cf_afraid = share(e_inc * np.exp(beta * fear[0]), e_bold * np.exp(beta * fear[1]))
    lift = np.exp(-beta * np.minimum(lead, 0.0))  # a discouraging leader, removed
    cf_unwilling = share(e_inc * (lift * np.exp(beta * p.effort_cost * SIZES[0])),
                         e_bold * (lift * np.exp(beta * p.effort_cost * SIZES[1])))
    relief = np.exp(-beta * np.minimum(custom, 0.0))
    cf_custom = share(e_inc * relief, e_bold * relief)
    able_gain = [
        np.exp(beta * ((success_chance(1.0, 1.0, k, p) - ps[k]) * size * worth - able[k]))
        for k, size in enumerate(SIZES)
    ]
    cf_unable = share(e_inc * able_gain[0], e_bold * able_gain[1])
    gains = np.stack([cf_afraid, cf_unwilling, cf_custom, cf_unable])
    gains -= p_gen

    # Draw the action from the logit probabilities with this quarter's uniform.
    action = np.full(pop.n, ROUTINE, dtype=np.int8)
    action[u_choice < p_inc] = INCREMENTAL
    action[(u_choice >= p_inc) & (u_choice < p_gen)] = BOLD
    action[(u_choice >= p_gen) & (u_choice < p_gen + p_sym)] = SYMBOLIC

    barrier = np.argmax(gains, axis=0).astype(np.int8)
    barrier[(action == INCREMENTAL) | (action == BOLD)] = NO_BARRIER

    bold = action == BOLD
    p_chosen = np.where(bold, ps[1], ps[0])
    size_chosen = np.where(bold, SIZES[1], SIZES[0])
    decision = Decision(
        success_chance=ps[0], success_chance_bold=ps[1],
        expected_gain=p_chosen * size_chosen * worth,
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
