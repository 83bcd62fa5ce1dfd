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

from .jit import kernel
from .population import BOLD, INCREMENTAL, NO_BARRIER, ROUTINE, SYMBOLIC

#: Size of an incremental and of a bold innovation (M15); value and reward scale with size.
SIZES = (0.4, 1.0)
#: Share of its value a symbolic innovation claims (image projects are announced as big).
SYMBOLIC_CLAIM = 1.0


def success_chance(skill, preparation, size_index: int, p) -> np.ndarray:
    """M15: chance that a genuine innovation succeeds; bold and unprepared attempts fail more."""
    difficulty = p.base_difficulty + (p.boldness_difficulty if size_index == 1 else 0.0)
    return _chance(skill, preparation, p.success_slope, difficulty)


@kernel
def _chance(skill, preparation, slope, difficulty):
    """``success_chance`` for scalars (inside the decision loop) or arrays."""
    return 1.0 / (1.0 + np.exp(-(slope * (skill - difficulty)))) * (0.5 + 0.5 * preparation)


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

    def __init__(self, terms: np.ndarray | None = None, **arrays):
        """From a (len(fields), n) array whose rows follow ``fields``, or from named arrays."""
        if terms is None:
            terms = np.stack([np.asarray(arrays[k], dtype=np.float64) for k in self.fields])
        self._terms = terms

    def __getattr__(self, name: str) -> np.ndarray:
        # A field is a row of the terms array, looked up when asked for (most never are).
        try:
            return self._terms[_FIELD_ROW[name]]
        except KeyError:
            raise AttributeError(f"Decision has no term {name!r}") from None


_FIELD_ROW = {name: j for j, name in enumerate(Decision.fields)}


def decide(pop, p, ctx, u_choice: np.ndarray):
    """Choose every cadre's action; return (action, Decision, barrier).

    ``ctx`` carries this quarter's context arrays: ``time``, ``preparation``, ``stance``,
    ``conformity``, ``reward_unit`` (reward per unit size without career), ``career`` and
    ``sanction_cost``. ``u_choice`` holds one uniform draw per cadre. Vacant rows (no serving
    cadre) do routine work and have no barrier.
    """
    n = pop.n
    terms = np.empty((len(Decision.fields), n))
    action = np.empty(n, dtype=np.int8)
    barrier = np.empty(n, dtype=np.int8)
    inv = (investigation_chance(SIZES[0], p), investigation_chance(SIZES[1], p))
    _decide_kernel(
        pop.active, pop.skill, pop.training_boost, pop.motivation, pop.risk_aversion,
        pop.propensity, pop.perceived_tolerance, pop.stress, ctx.preparation, ctx.time, ctx.stance,
        ctx.conformity, ctx.career, ctx.sanction_cost, u_choice,
        float(ctx.reward_unit), p.choice_sensitivity, p.base_difficulty, p.boldness_difficulty,
        p.success_slope, inv[0], inv[1], p.loss_aversion, p.reinforcement_strength,
        p.leader_influence, p.effort_cost, p.busy_cost, p.stress_penalty,
        p.verification_accuracy, p.integrity + p.symbolic_cost,
        terms, action, barrier)
    return action, Decision(terms), barrier


@kernel
def _decide_kernel(active, skill, boost, motivation, risk_aversion, propensity, tolerance, stress,
                   preparation, time, stance, conformity, career, sanction_cost, u_choice,
                   reward_unit, beta, base_difficulty, boldness_difficulty, slope, inv_inc,
                   inv_bold, loss_aversion, reinforcement_strength, leader_influence, effort_cost,
                   busy_cost, stress_penalty, verification, moral_cost, terms, action, barrier):
    """The utilities of the module docstring, the logit draw and the counterfactual barriers,
    cadre by cadre; ``terms`` rows are ``Decision.fields`` in order."""
    s_inc, s_bold = SIZES
    d_inc, d_bold = base_difficulty, base_difficulty + boldness_difficulty
    # Chance of success with full skill and full preparation (the "unable" counterfactual).
    full_inc, full_bold = _chance(1.0, 1.0, slope, d_inc), _chance(1.0, 1.0, slope, d_bold)
    no_effort_inc, no_effort_bold = np.exp(beta * effort_cost * s_inc), np.exp(
        beta * effort_cost * s_bold)
    for i in range(skill.size):
        prep = preparation[i]
        skill_i = min(skill[i] + boost[i], 1.0)
        p_inc = _chance(skill_i, prep, slope, d_inc)
        p_bold = _chance(skill_i, prep, slope, d_bold)
        reward = reward_unit + career[i]
        worth_inc = s_inc * (reward + motivation[i])
        worth_bold = s_bold * (reward + motivation[i])
        fear_w = loss_aversion * (0.5 + risk_aversion[i]) * sanction_cost[i]
        custom = conformity[i] + reinforcement_strength * propensity[i]
        lead = leader_influence * stance[i]
        gain_inc, gain_bold = p_inc * worth_inc, p_bold * worth_bold
        will_inc = gain_inc + (lead - effort_cost * s_inc)
        will_bold = gain_bold + (lead - effort_cost * s_bold)
        exposure = (1.0 - tolerance[i] * prep) * fear_w
        fear_inc = (1.0 - p_inc) * (inv_inc * exposure)
        fear_bold = (1.0 - p_bold) * (inv_bold * exposure)
        idle = 1.0 - time[i]
        able_inc = -(busy_cost * s_inc) * idle - stress_penalty * stress[i]
        able_bold = -(busy_cost * s_bold) * idle - stress_penalty * stress[i]
        u_inc = will_inc + able_inc - fear_inc + custom
        u_bold = will_bold + able_bold - fear_bold + custom
        # Symbolic innovation (M14): credit if undetected, sanction if detected, a moral cost.
        u_sym = ((1.0 - verification) * SYMBOLIC_CLAIM * reward - verification * fear_w
                 - moral_cost)
        e_inc, e_bold = np.exp(beta * u_inc), np.exp(beta * u_bold)
        e_gen = e_inc + e_bold
        e_other = 1.0 + np.exp(beta * u_sym)  # routine (utility 0) and symbolic
        total = e_gen + e_other
        pr_inc, pr_gen = e_inc / total, e_gen / total
        pr_sym = 1.0 - pr_gen - 1.0 / total

        # Counterfactuals, one barrier removed at a time: exp(beta*(u + d)) = e * exp(beta*d).
        g = e_inc * np.exp(beta * fear_inc) + e_bold * np.exp(beta * fear_bold)
        gain_afraid = g / (g + e_other) - pr_gen
        lift = np.exp(-beta * lead) if lead < 0.0 else 1.0  # a discouraging leader, removed
        g = e_inc * (no_effort_inc * lift) + e_bold * (no_effort_bold * lift)
        gain_unwilling = g / (g + e_other) - pr_gen
        g = e_gen * np.exp(-beta * custom) if custom < 0.0 else e_gen
        gain_unaccustomed = g / (g + e_other) - pr_gen
        g = (e_inc * np.exp(beta * ((full_inc - p_inc) * worth_inc - able_inc))
             + e_bold * np.exp(beta * ((full_bold - p_bold) * worth_bold - able_bold)))
        gain_unable = g / (g + e_other) - pr_gen

        # Draw: [0, p_inc) incremental, [p_inc, p_gen) bold, then symbolic, then routine.
        u = u_choice[i]
        band = (u >= pr_inc) + (u >= pr_gen) + (u >= pr_gen + pr_sym)
        bold = band == 1
        action[i] = (INCREMENTAL, BOLD, SYMBOLIC, ROUTINE)[band]
        if not active[i]:
            action[i], barrier[i] = ROUTINE, NO_BARRIER
        elif band < 2:
            barrier[i] = NO_BARRIER
        else:  # the first of the largest gains, as argmax
            best, b = gain_afraid, 0
            if gain_unwilling > best:
                best, b = gain_unwilling, 1
            if gain_unaccustomed > best:
                best, b = gain_unaccustomed, 2
            if gain_unable > best:
                b = 3
            barrier[i] = b

        terms[0, i], terms[1, i] = p_inc, p_bold
        terms[2, i] = gain_bold if bold else gain_inc
        terms[3, i] = fear_bold if bold else fear_inc
        terms[4, i], terms[5, i] = career[i], reward
        terms[6, i] = will_bold if bold else will_inc
        terms[7, i] = custom
        terms[8, i] = able_bold if bold else able_inc
        terms[9, i], terms[10, i], terms[11, i] = stance[i], prep, time[i]
        terms[12, i], terms[13, i], terms[14, i] = u_inc, u_bold, u_sym
        terms[15, i], terms[16, i] = pr_gen, pr_sym
        terms[17, i], terms[18, i] = gain_afraid, gain_unwilling
        terms[19, i], terms[20, i] = gain_unaccustomed, gain_unable
