"""M1 and M15 -- each quarter a cadre chooses routine work, a genuine innovation (incremental or
bold) or a symbolic one, by a logit (quantal response) over expected utilities; and what holds
back every cadre who does not innovate genuinely, in the essays' four words.

Utility of a genuine innovation of size s (routine work is the zero of the scale)::

    U(s) = w(s) + c + n(s) - A(s)

    w(s)  willingness  = p(s)*s*(reward + career + motivation) - effort(ambition)*s
                         + leader_influence*stance
    effort(a)          = effort_cost * (1 + ENGAGEMENT * (0.5 - a))
    c     custom       = conformity_strength*min(peer_share - threshold, 0)
                         + reinforcement_strength*propensity
    n(s)  ability cost = -busy_cost*s*(1 - time) - stress_penalty*stress
    A(s)  fear         = (1 - p(s)) * P_inv(s) * (1 - P_excuse(s))
                         * loss_aversion * (0.5 + risk_aversion) * sanction_cost

with p(s) the chance of success (falls with size, rises with skill and preparation;
``success_chances``); the effort
an ambitious cadre feels is lighter, a disappointed one's heavier (essay 002: cadres with no
prospect of promotion turn to "a cup of tea, a cigarette", "pessimistic and disappointed about
the future"; ambition fades when passed over and faster past the age limit, promotion.py); and the
chances of investigation and excusal as the cadre *believes* them (accountability.py's formulas
with its learned beliefs about inspection intensity and credibility; coverage is public).
A symbolic innovation (M14) pays appraisal credit if not exposed (believed chance d)::

    U_sym = (1 - d)*SYMBOLIC_CLAIM*career - d*loss_aversion*(0.5 + risk_aversion)*sanction_cost
            - integrity - symbolic_cost - busy_cost*SYMBOLIC_TIME*(1 - time)

Barriers. Removing a barrier adds to both genuine utilities: *afraid* +A(s); *unwilling* the
effort cost, a discouraging leader's pull and the missing pay-off, ``p(s)*s*max(0,
career_value - (reward + career + motivation))`` (innovating pays as well as the career system
can); *unaccustomed* ``-c`` when c < 0 (conformity cost and bad memories); *unable* full skill
and preparation, ``(p_full(s) - p(s))*s*payoff - n(s)``. The gap between a cadre's chance of a
genuine attempt with all four removed and its actual chance is split exactly among the four by
their Shapley values over the 16 combinations of removals (each barrier gets its average marginal
effect over every order of removal), so the shares add up to the gap whatever the interactions
of the logit. The *binding* barrier -- the single removal that helps most -- is kept as a second,
labelled output.
"""

from __future__ import annotations

from collections import namedtuple

import numpy as np

from .accountability import excuse_chance, investigation_exponent
from .conformity import conformity_pressure
from .incentives import reward_of
from .jit import kernel
from .population import (
    BARRIER_NAMES,
    BOLD,
    INCREMENTAL,
    NO_BARRIER,
    ROUTINE,
    SIZES,
    SYMBOLIC,
    SYMBOLIC_CLAIM,
    SYMBOLIC_TIME,
    effective_skill,
)
from .vecmath import exp_in_place, log_in_place

#: Chance of success of an attempt with no preparation, relative to a fully prepared one.
UNPREPARED = 0.5
#: How much ambition lightens the effort of innovating: a cadre of ambition a feels
#: ``1 + ENGAGEMENT * (NEUTRAL_AMBITION - a)`` times the declared effort cost.
ENGAGEMENT = 1.0
NEUTRAL_AMBITION = 0.5  # the ambition that feels the effort cost as declared
#: A cadre of risk aversion r weighs a sanction ``loss_aversion * (RISK_WEIGHT_BASE + r)``:
#: from half to one and a half times loss aversion across the risk-aversion scale.
RISK_WEIGHT_BASE = 0.5
#: Shapley weights of a coalition of k other barriers (k = 0..3) among four: k!(3-k)!/4!.
SHAPLEY_WEIGHT = (0.25, 1.0 / 12.0, 1.0 / 12.0, 0.25)
_POPCOUNT = (0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4)
N_BARRIERS = len(BARRIER_NAMES)
#: Slots of the decision's batch of exponentials (exp of beta times ...).
(X_INC, X_BOLD, X_SYM, X_AFRAID_INC, X_AFRAID_BOLD, X_UNWILLING_INC, X_UNWILLING_BOLD,
 X_UNACCUSTOMED, X_UNABLE_INC, X_UNABLE_BOLD) = range(10)
N_EXP = 10
#: A bold attempt's own terms, kept aside in the decision's first pass: expected gain and
#: sanction, willingness, ability cost, chances of investigation and excusal.
N_BOLD_TERMS = 6
#: Cadres per block of the decision's passes (its scratch arrays are a few hundred kB).
BLOCK = 4096

FIELDS = (
    "success_chance", "success_chance_bold", "expected_gain", "expected_sanction",
    "career_payoff", "reward", "willingness", "conformity_pressure", "ability_cost",
    "leader_stance", "preparation", "time_available", "investigation_chance", "excuse_chance",
    "u_incremental", "u_bold", "u_symbolic", "p_innovate", "p_symbolic", "p_without_barriers",
    *(f"gain_{b}" for b in BARRIER_NAMES), *(f"shapley_{b}" for b in BARRIER_NAMES),
)
#: Row of each term in the terms array, by name (``terms[i, ROW.success_chance]``).
ROW = namedtuple("Row", FIELDS)(*range(len(FIELDS)))


@kernel
def success_chances(skill, preparation, slope, difficulty, bold_factor):
    """M15: chance that a genuine innovation succeeds, for an incremental attempt of
    ``difficulty`` and a bold one whose logistic term is ``bold_factor`` =
    ``exp(slope * boldness_difficulty)`` times harder (one exponential for both); unprepared
    attempts fail more."""
    return chances_from(np.exp(success_exponent(skill, slope, difficulty)), preparation,
                        bold_factor)


@kernel
def success_exponent(skill, slope, difficulty):
    """The exponent of ``success_chances``' logistic term (the decision takes the exponentials
    of a batch of cadres at once, vecmath.py)."""
    return -(slope * (skill - difficulty))


@kernel
def chances_from(x, preparation, bold_factor):
    """``success_chances`` given its logistic term ``x = exp(success_exponent(...))``."""
    prepared = UNPREPARED + (1.0 - UNPREPARED) * preparation
    return prepared / (1.0 + x), prepared / (1.0 + x * bold_factor)


@kernel
def effort_felt(effort_cost, ambition):
    """Effort cost of a full-size innovation as a cadre of this ambition feels it."""
    return effort_cost * (1.0 + ENGAGEMENT * (NEUTRAL_AMBITION - ambition))


@kernel
def sanction_weight(loss_aversion, risk_aversion):
    """How heavily a cadre weighs a possible sanction: loss aversion times its risk aversion."""
    return loss_aversion * (RISK_WEIGHT_BASE + risk_aversion)


def _shapley_matrix() -> np.ndarray:
    """M with ``phi = M @ v``: player b gains ``w(|S|) * (v[S | b] - v[S])`` over every coalition
    S without b."""
    m = np.zeros((N_BARRIERS, 16))
    for b in range(N_BARRIERS):
        bit = 1 << b
        for mask in range(16):
            if not mask & bit:
                w = SHAPLEY_WEIGHT[_POPCOUNT[mask]]
                m[b, mask | bit] += w
                m[b, mask] -= w
    return m


SHAPLEY_MATRIX = _shapley_matrix()


@kernel
def _gain(g_inc, g_bold, e_other, pr_gen):
    """How much a coalition's removals raise the chance of a genuine attempt, from the genuine
    choices' logit weights with them removed."""
    g = g_inc + g_bold
    return g / (g + e_other) - pr_gen


@kernel
def coalition_values(e_inc, e_bold, e_other, pr_gen, x, v):
    """Fill ``v[mask]`` with how much removing the barriers in ``mask`` (bit b: barrier b)
    raises the chance of a genuine attempt (barriers in the order of ``BARRIER_NAMES``: afraid,
    unwilling, unaccustomed, unable): ``e_inc``, ``e_bold`` and ``e_other`` are the logit
    weights of the choices, ``pr_gen`` the chance, and ``x`` holds the factors by which removing
    each barrier multiplies the genuine weights (slots ``X_*``).

    Written out coalition by coalition so that the weights stay in registers (a loop over the
    masks through small arrays took a tenth of the decision). A coalition's weight is that of
    the coalition without its lowest barrier times that barrier's factor.
    """
    af_i, af_b = x[X_AFRAID_INC], x[X_AFRAID_BOLD]
    un_i, un_b = x[X_UNWILLING_INC], x[X_UNWILLING_BOLD]
    cu = x[X_UNACCUSTOMED]  # the same for both sizes
    ab_i, ab_b = x[X_UNABLE_INC], x[X_UNABLE_BOLD]
    i1, b1 = e_inc * af_i, e_bold * af_b  # afraid
    i2, b2 = e_inc * un_i, e_bold * un_b  # unwilling
    i3, b3 = i2 * af_i, b2 * af_b
    i4, b4 = e_inc * cu, e_bold * cu  # unaccustomed
    i5, b5 = i4 * af_i, b4 * af_b
    i6, b6 = i4 * un_i, b4 * un_b
    i7, b7 = i6 * af_i, b6 * af_b
    i8, b8 = e_inc * ab_i, e_bold * ab_b  # unable
    i9, b9 = i8 * af_i, b8 * af_b
    i10, b10 = i8 * un_i, b8 * un_b
    i11, b11 = i10 * af_i, b10 * af_b
    i12, b12 = i8 * cu, b8 * cu
    i13, b13 = i12 * af_i, b12 * af_b
    i14, b14 = i12 * un_i, b12 * un_b
    i15, b15 = i14 * af_i, b14 * af_b
    v[0], v[1], v[2], v[3] = (0.0, _gain(i1, b1, e_other, pr_gen), _gain(i2, b2, e_other, pr_gen),
                              _gain(i3, b3, e_other, pr_gen))
    v[4], v[5] = _gain(i4, b4, e_other, pr_gen), _gain(i5, b5, e_other, pr_gen)
    v[6], v[7] = _gain(i6, b6, e_other, pr_gen), _gain(i7, b7, e_other, pr_gen)
    v[8], v[9] = _gain(i8, b8, e_other, pr_gen), _gain(i9, b9, e_other, pr_gen)
    v[10], v[11] = _gain(i10, b10, e_other, pr_gen), _gain(i11, b11, e_other, pr_gen)
    v[12], v[13] = _gain(i12, b12, e_other, pr_gen), _gain(i13, b13, e_other, pr_gen)
    v[14], v[15] = _gain(i14, b14, e_other, pr_gen), _gain(i15, b15, e_other, pr_gen)


@kernel
def shapley4(v, phi):
    """Shapley values of four players from ``v[mask]``, the value of every coalition (bit b of
    mask set when player b is in it, ``v[0] == 0``); written into ``phi``. (The four sums run
    side by side, a third faster than one after the other.)"""
    t0 = t1 = t2 = t3 = 0.0
    for mask in range(1, 16):
        t0 += SHAPLEY_MATRIX[0, mask] * v[mask]
        t1 += SHAPLEY_MATRIX[1, mask] * v[mask]
        t2 += SHAPLEY_MATRIX[2, mask] * v[mask]
        t3 += SHAPLEY_MATRIX[3, mask] * v[mask]
    # every marginal effect is >= 0; only rounding goes below
    phi[0], phi[1], phi[2], phi[3] = max(t0, 0.0), max(t1, 0.0), max(t2, 0.0), max(t3, 0.0)


class Decision:
    """The terms of every cadre's last decision: ``terms[i, ROW.<field>]``, and each field as an
    array over cadres (``decision.success_chance``)."""

    fields = FIELDS

    def __init__(self, terms: np.ndarray | None = None, **arrays):
        """From an (n, len(fields)) array whose columns follow ``fields``, or from named
        arrays. (One row per cadre: the decision writes each cadre's terms in one place.)"""
        if terms is None:
            terms = np.stack([np.asarray(arrays[k], dtype=np.float64) for k in self.fields],
                             axis=1)
        self.terms = terms

    def __getattr__(self, name: str) -> np.ndarray:
        # Only names that are not fields get here (the fields are properties, set below).
        raise AttributeError(f"Decision has no term {name!r}")


def _column(j: int) -> property:
    return property(lambda self: self.terms[:, j], doc=f"column {j} of the terms")


# A field is a column of the terms array, sliced when asked for (most never are); a property
# is found by the normal lookup, a sixth of the cost of a __getattr__ fallback.
for _name, _j in ROW._asdict().items():
    setattr(Decision, _name, _column(_j))


def decide(pop, pr, ctx, u_choice: np.ndarray):
    """Choose every cadre's action; return (action, Decision, barrier).

    ``pr`` is the parameter record; ``ctx`` carries this quarter's context: ``time``,
    ``preparation``, ``stance``, ``peer_share``, ``honour`` (honour reward per unit size to a
    fully ambitious cadre), ``career`` (per cadre) and ``sanction_cost``. ``u_choice`` holds one
    uniform draw per cadre. Vacant rows (no serving cadre) do routine work and have no barrier.
    """
    n = pop.n
    terms = np.empty((n, len(FIELDS)))
    action = np.empty(n, dtype=np.int8)
    barrier = np.empty(n, dtype=np.int8)
    _decide_kernel(
        pop.active, pop.skill, pop.training_boost, pop.motivation, pop.ambition, pop.risk_aversion,
        pop.propensity, pop.perceived_tolerance, pop.perceived_risk, pop.perceived_detection,
        pop.stress, pop.conformity_threshold, ctx.preparation, ctx.time, ctx.stance,
        ctx.peer_share, ctx.career, u_choice, float(ctx.honour), float(ctx.sanction_cost),
        pr, terms, action, barrier)
    return action, Decision(terms), barrier


@kernel
def _decide_kernel(active, skill, boost, motivation, ambition, risk_aversion, propensity,
                   tolerance, risk_belief, detection, stress, threshold, preparation, time, stance,
                   peer_share, career, u_choice, honour, sanction_cost, pr, terms, action,
                   barrier):
    """The utilities of the module docstring, the logit draw and the barrier decomposition,
    cadre by cadre; ``terms`` rows are named by ``ROW``.

    In three passes, so that the logarithm and the thirteen exponentials of a cadre are taken in
    vectorised batches (vecmath.py) before and between them.
    """
    q = pr[0]
    beta = q.choice_sensitivity
    s_inc, s_bold = SIZES
    d_inc = q.base_difficulty
    bold_factor = np.exp(q.success_slope * q.boldness_difficulty)
    # Chance of success with full skill and full preparation (the "unable" counterfactual).
    full_inc, full_bold = success_chances(1.0, 1.0, q.success_slope, d_inc, bold_factor)
    n = skill.size
    # Block by block, so that the scratch arrays stay small (and in cache) however large the
    # county is.
    size = min(n, BLOCK)
    bits = np.empty(size * N_EXP, dtype=np.int64)  # scratch space of the batches
    log_miss = np.empty(size)
    xp = np.empty((size, 3))  # exponents of the chances of success and of investigation
    xs = np.empty((size, N_EXP))  # the exponents of pass 2, then their exponentials
    bold_terms = np.empty((size, N_BOLD_TERMS))  # a bold attempt's terms, kept aside
    v = np.empty(16)
    phi = np.empty(N_BARRIERS)
    for start in range(0, n, BLOCK):
        m = min(BLOCK, n - start)
        # Pass 1: the exponentials of the chances of success and of investigation (believed).
        for j in range(m):
            log_miss[j] = 1.0 - risk_belief[start + j]
        log_in_place(log_miss[:m], bits)
        for j in range(m):
            i = start + j
            xp[j, 0] = success_exponent(effective_skill(skill[i], boost[i]), q.success_slope,
                                        d_inc)
            xp[j, 1] = investigation_exponent(log_miss[j], q.social_risk, q.lone_exposure, s_inc,
                                              peer_share[i])
            xp[j, 2] = investigation_exponent(log_miss[j], q.social_risk, q.lone_exposure,
                                              s_bold, peer_share[i])
        exp_in_place(xp.reshape(size * 3)[:m * 3], bits)
        # Pass 2: the utilities, and the exponents of the choice and of the barriers' removal.
        for j in range(m):
            i = start + j
            prep = preparation[i]
            p_inc, p_bold = chances_from(xp[j, 0], prep, bold_factor)
            reward = reward_of(q.material_reward, honour, ambition[i])
            payoff = reward + career[i] + motivation[i]
            fear_w = sanction_weight(q.loss_aversion, risk_aversion[i]) * sanction_cost
            custom = (conformity_pressure(q.conformity_strength, peer_share[i], threshold[i])
                      + q.reinforcement_strength * propensity[i])
            lead = q.leader_influence * stance[i]
            effort = effort_felt(q.effort_cost, ambition[i])
            gain_inc, gain_bold = p_inc * s_inc * payoff, p_bold * s_bold * payoff
            will_inc = gain_inc + (lead - effort * s_inc)
            will_bold = gain_bold + (lead - effort * s_bold)
            inv_inc, inv_bold = 1.0 - xp[j, 1], 1.0 - xp[j, 2]
            exc_inc = excuse_chance(q.fault_tolerance, tolerance[i], s_inc, prep)
            exc_bold = excuse_chance(q.fault_tolerance, tolerance[i], s_bold, prep)
            fear_inc = (1.0 - p_inc) * inv_inc * (1.0 - exc_inc) * fear_w
            fear_bold = (1.0 - p_bold) * inv_bold * (1.0 - exc_bold) * fear_w
            idle = 1.0 - time[i]
            able_inc = -(q.busy_cost * s_inc) * idle - q.stress_penalty * stress[i]
            able_bold = -(q.busy_cost * s_bold) * idle - q.stress_penalty * stress[i]
            u_inc = will_inc + able_inc - fear_inc + custom
            u_bold = will_bold + able_bold - fear_bold + custom
            d = detection[i]
            u_sym = ((1.0 - d) * SYMBOLIC_CLAIM * career[i] - d * fear_w
                     - q.integrity - q.symbolic_cost - q.busy_cost * SYMBOLIC_TIME * idle)
            # The exponents: the three choices, then what removing each barrier adds to the
            # utilities (as factors exp(beta * delta)).
            discouraged = -lead if lead < 0.0 else 0.0
            short = max(q.career_value - payoff, 0.0)  # pay-off missing to a full career reward
            x = xs[j]
            x[X_INC], x[X_BOLD], x[X_SYM] = beta * u_inc, beta * u_bold, beta * u_sym
            x[X_AFRAID_INC], x[X_AFRAID_BOLD] = beta * fear_inc, beta * fear_bold
            x[X_UNWILLING_INC] = beta * (effort * s_inc + discouraged + p_inc * s_inc * short)
            x[X_UNWILLING_BOLD] = beta * (effort * s_bold + discouraged + p_bold * s_bold * short)
            x[X_UNACCUSTOMED] = -beta * custom if custom < 0.0 else 0.0
            x[X_UNABLE_INC] = beta * ((full_inc - p_inc) * s_inc * payoff - able_inc)
            x[X_UNABLE_BOLD] = beta * ((full_bold - p_bold) * s_bold * payoff - able_bold)
            # The terms, as for an incremental attempt; a bold one's are kept aside.
            t = terms[i]
            t[ROW.success_chance], t[ROW.success_chance_bold] = p_inc, p_bold
            t[ROW.expected_gain], t[ROW.expected_sanction] = gain_inc, fear_inc
            t[ROW.career_payoff], t[ROW.reward] = career[i], reward
            t[ROW.willingness], t[ROW.conformity_pressure] = will_inc, custom
            t[ROW.ability_cost], t[ROW.leader_stance] = able_inc, stance[i]
            t[ROW.preparation], t[ROW.time_available] = prep, time[i]
            t[ROW.investigation_chance], t[ROW.excuse_chance] = inv_inc, exc_inc
            t[ROW.u_incremental], t[ROW.u_bold], t[ROW.u_symbolic] = u_inc, u_bold, u_sym
            b_t = bold_terms[j]
            b_t[0], b_t[1], b_t[2], b_t[3] = gain_bold, fear_bold, will_bold, able_bold
            b_t[4], b_t[5] = inv_bold, exc_bold

        exp_in_place(xs.reshape(size * N_EXP)[:m * N_EXP], bits)
        # Pass 3: the choice, the barriers' shares and the rest of the terms.
        for j in range(m):
            i = start + j
            x = xs[j]
            e_inc, e_bold = x[X_INC], x[X_BOLD]
            e_other = 1.0 + x[X_SYM]  # routine (utility 0) and symbolic
            e_gen = e_inc + e_bold
            total = e_gen + e_other
            pr_inc, pr_gen = e_inc / total, e_gen / total
            pr_sym = 1.0 - pr_gen - 1.0 / total
            # The chance of a genuine attempt under every combination of removals.
            coalition_values(e_inc, e_bold, e_other, pr_gen, x, v)
            shapley4(v, phi)

            # Draw: [0, p_inc) incremental, [p_inc, p_gen) bold, then symbolic, then routine.
            u = u_choice[i]
            band = int(u >= pr_inc) + int(u >= pr_gen) + int(u >= pr_gen + pr_sym)
            action[i] = (INCREMENTAL, BOLD, SYMBOLIC, ROUTINE)[band]
            if not active[i]:
                action[i], barrier[i] = ROUTINE, NO_BARRIER
            elif band < 2:
                barrier[i] = NO_BARRIER
            else:  # the binding barrier: the first of the largest single-removal gains
                best, k = v[1], 0
                for b in range(1, N_BARRIERS):
                    if v[1 << b] > best:
                        best, k = v[1 << b], b
                barrier[i] = k

            t = terms[i]
            if band == 1:  # bold
                b_t = bold_terms[j]
                t[ROW.expected_gain], t[ROW.expected_sanction] = b_t[0], b_t[1]
                t[ROW.willingness], t[ROW.ability_cost] = b_t[2], b_t[3]
                t[ROW.investigation_chance], t[ROW.excuse_chance] = b_t[4], b_t[5]
            t[ROW.p_innovate], t[ROW.p_symbolic] = pr_gen, pr_sym
            t[ROW.p_without_barriers] = pr_gen + v[15]
            for b in range(N_BARRIERS):
                t[ROW.gain_afraid + b] = v[1 << b]
                t[ROW.shapley_afraid + b] = phi[b]
