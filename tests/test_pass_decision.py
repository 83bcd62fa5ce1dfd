"""M1 and M15 -- the decision pass (``decision.decide``) against decision.py's equations.

Every expected value is computed here from the module docstring (docs/ODD.md 7.1, 7.15): the
utility terms w(s), c, n(s), A(s) and U_sym, the logit probabilities, the draw bands, the four
barrier counterfactuals, the Shapley split of the gap (by averaging marginal effects over the 24
orders of removal, not by the model's coalition weights) and the binding barrier.
"""

from __future__ import annotations

from itertools import combinations, permutations
from types import SimpleNamespace

import numpy as np
import pytest
from handmade import county, params, rec

from model import CadreModel, decision
from model.decision import ENGAGEMENT, UNPREPARED, shapley4
from model.population import (
    BARRIER_NAMES,
    BOLD,
    INCREMENTAL,
    NO_BARRIER,
    ROUTINE,
    SIZES,
    SYMBOLIC,
    SYMBOLIC_CLAIM,
    SYMBOLIC_TIME,
)

N = 96
SIZE = np.array(SIZES)[:, None]  # rows: incremental, bold


def context(n: int, seed: int = 1) -> SimpleNamespace:
    """A quarter's context, set by hand: time, preparation, leader stance of both signs, peers,
    career pay-off (zero for some: ineligible), honour per size and the cost of a sanction."""
    rng = np.random.default_rng(seed)
    career = rng.uniform(0.0, 1.2, n)
    career[::5] = 0.0
    return SimpleNamespace(time=rng.uniform(0.01, 0.6, n), preparation=rng.uniform(0.0, 1.0, n),
                           stance=rng.uniform(-1.0, 1.0, n), peer_share=rng.uniform(0.0, 0.7, n),
                           career=career, honour=0.27, sanction_cost=0.84)


def expected(pop, p, ctx):
    """The docstring's equations for every cadre; rows of 2-row arrays are (incremental, bold)."""
    skill = np.minimum(pop.skill + pop.training_boost, 1.0)
    prepared = UNPREPARED + (1.0 - UNPREPARED) * ctx.preparation
    difficulty = np.array([[p.base_difficulty], [p.base_difficulty + p.boldness_difficulty]])
    chance = prepared / (1.0 + np.exp(-p.success_slope * (skill - difficulty)))
    full = 1.0 / (1.0 + np.exp(-p.success_slope * (1.0 - difficulty)))
    reward = p.material_reward + ctx.honour * pop.ambition
    payoff = reward + ctx.career + pop.motivation
    effort = p.effort_cost * (1.0 + ENGAGEMENT * (0.5 - pop.ambition))
    lead = p.leader_influence * ctx.stance
    willingness = chance * SIZE * payoff - effort * SIZE + lead
    custom = (p.conformity_strength * np.minimum(ctx.peer_share - pop.conformity_threshold, 0.0)
              + p.reinforcement_strength * pop.propensity)
    ability = -p.busy_cost * SIZE * (1.0 - ctx.time) - p.stress_penalty * pop.stress
    scrutiny = (1.0 + p.social_risk * SIZE) * (1.0 + p.lone_exposure * (1.0 - ctx.peer_share))
    investigated = 1.0 - (1.0 - pop.perceived_risk) ** scrutiny
    excused = np.minimum(1.0, p.fault_tolerance / SIZE) * ctx.preparation * pop.perceived_tolerance
    weight = p.loss_aversion * (0.5 + pop.risk_aversion) * ctx.sanction_cost
    fear = (1.0 - chance) * investigated * (1.0 - excused) * weight
    utility = willingness + custom + ability - fear
    d = pop.perceived_detection
    u_sym = ((1.0 - d) * SYMBOLIC_CLAIM * ctx.career - d * weight - p.integrity - p.symbolic_cost
             - p.busy_cost * SYMBOLIC_TIME * (1.0 - ctx.time))
    # What removing each barrier adds to both genuine utilities (afraid, unwilling, unaccustomed,
    # unable), as in the docstring.
    delta = np.stack([
        fear,
        effort * SIZE + np.maximum(-lead, 0.0)
        + chance * SIZE * np.maximum(p.career_value - payoff, 0.0),
        np.broadcast_to(np.where(custom < 0.0, -custom, 0.0), fear.shape),
        (full - chance) * SIZE * payoff - ability,
    ])
    beta = p.choice_sensitivity
    other = 1.0 + np.exp(beta * u_sym)

    def p_genuine(removed) -> np.ndarray:
        u = utility + sum((delta[b] for b in removed), np.zeros_like(utility))
        e = np.exp(beta * u)
        return (e[0] + e[1]) / (e[0] + e[1] + other)

    e = np.exp(beta * utility)
    total = e[0] + e[1] + other
    p_gen = p_genuine(())
    coalition = {frozenset(s): p_genuine(s) - p_gen
                 for k in range(5) for s in combinations(range(4), k)}
    orders = list(permutations(range(4)))
    shapley = np.zeros((4, pop.n))
    for order in orders:
        before: frozenset = frozenset()
        for b in order:
            shapley[b] += coalition[before | {b}] - coalition[before]
            before = before | {b}
    shapley /= len(orders)
    return SimpleNamespace(
        chance=chance, reward=reward, payoff=payoff, willingness=willingness, custom=custom,
        ability=ability, investigated=investigated, excused=excused, fear=fear, utility=utility,
        u_sym=u_sym, p_inc=e[0] / total, p_gen=p_gen, p_sym=np.exp(beta * u_sym) / total,
        gains=np.stack([coalition[frozenset({b})] for b in range(4)]),
        p_all=p_gen + coalition[frozenset(range(4))], shapley=shapley, coalition=coalition)


PARAMETER_SETS = {
    "defaults": {},
    # Rewards above the career value, strong leaders and conformity, a bold coverage rule.
    "strong": {"material_reward": 1.5, "leader_influence": 0.9, "conformity_strength": 2.5,
               "fault_tolerance": 0.7, "lone_exposure": 1.5, "choice_sensitivity": 4.0,
               "career_value": 2.5, "effort_cost": 0.9, "boldness_difficulty": 0.5},
}


@pytest.fixture(params=list(PARAMETER_SETS))
def case(request):
    p = params(**PARAMETER_SETS[request.param])
    pop = county([24, 24, 24, 24], seed=3)
    ctx = context(pop.n)
    return pop, p, ctx, expected(pop, p, ctx)


def decide(pop, p, ctx, u):
    return decision.decide(pop, rec(p), ctx, u)


def test_m15_success_chance_rises_with_skill_and_preparation_and_falls_with_size(case):
    pop, p, ctx, want = case
    _, d, _ = decide(pop, p, ctx, np.ones(pop.n))
    np.testing.assert_allclose(d.success_chance, want.chance[0], rtol=1e-12)
    np.testing.assert_allclose(d.success_chance_bold, want.chance[1], rtol=1e-12)
    assert np.all(d.success_chance_bold < d.success_chance)


def test_m1_utility_terms_of_the_docstring(case):
    """U(s) = w(s) + c + n(s) - A(s) for both sizes, and U_sym."""
    pop, p, ctx, want = case
    _, d, _ = decide(pop, p, ctx, np.ones(pop.n))
    np.testing.assert_allclose(d.u_incremental, want.utility[0], rtol=1e-11, atol=1e-13)
    np.testing.assert_allclose(d.u_bold, want.utility[1], rtol=1e-11, atol=1e-13)
    np.testing.assert_allclose(d.u_symbolic, want.u_sym, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(d.reward, want.reward, rtol=1e-14)
    np.testing.assert_allclose(d.career_payoff, ctx.career, rtol=0)
    np.testing.assert_allclose(d.conformity_pressure, want.custom, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(d.leader_stance, ctx.stance, rtol=0)
    np.testing.assert_allclose(d.preparation, ctx.preparation, rtol=0)
    np.testing.assert_allclose(d.time_available, ctx.time, rtol=0)


def test_m1_terms_reported_are_those_of_the_chosen_size(case):
    """The bold terms for a bold attempt, the incremental ones for every other action."""
    pop, p, ctx, want = case
    bold = np.arange(pop.n) % 2 == 0
    u = np.where(bold, 0.5 * (want.p_inc + want.p_gen), 0.9999999)  # bold or routine
    action, d, _ = decide(pop, p, ctx, u)
    k = (action == BOLD).astype(int)
    cols = np.arange(pop.n)
    assert (k == 1).any() and (k == 0).any()
    for name, rows in (("expected_gain", want.chance * SIZE * want.payoff),
                       ("willingness", want.willingness), ("ability_cost", want.ability),
                       ("investigation_chance", want.investigated),
                       ("excuse_chance", want.excused), ("expected_sanction", want.fear)):
        np.testing.assert_allclose(getattr(d, name), rows[k, cols], rtol=1e-11, atol=1e-14,
                                   err_msg=name)


def test_m2_believed_investigation_chance_is_one_minus_miss_to_the_scrutiny(case):
    """1 - (1 - perceived_risk) ** ((1 + social_risk s)(1 + lone_exposure (1 - peer_share)))."""
    pop, p, ctx, want = case
    _, d, _ = decide(pop, p, ctx, np.full(pop.n, 0.9999999))  # routine: incremental terms
    np.testing.assert_allclose(d.investigation_chance, want.investigated[0], rtol=1e-12)
    # A lone innovator (no innovating peer) is more exposed than one among many.
    lone = SimpleNamespace(**{**vars(ctx), "peer_share": np.zeros(pop.n)})
    crowd = SimpleNamespace(**{**vars(ctx), "peer_share": np.ones(pop.n)})
    _, d_lone, _ = decide(pop, p, lone, np.ones(pop.n))
    _, d_crowd, _ = decide(pop, p, crowd, np.ones(pop.n))
    risky = (pop.perceived_risk > 0) & (pop.perceived_risk < 1)
    if p.lone_exposure > 0:
        assert np.all(d_lone.investigation_chance[risky] > d_crowd.investigation_chance[risky])
    np.testing.assert_allclose(d_crowd.investigation_chance,
                               1 - (1 - pop.perceived_risk) ** (1 + p.social_risk * SIZES[0]),
                               rtol=1e-12)


def test_m1_logit_probabilities(case):
    pop, p, ctx, want = case
    _, d, _ = decide(pop, p, ctx, np.ones(pop.n))
    np.testing.assert_allclose(d.p_innovate, want.p_gen, rtol=1e-11)
    np.testing.assert_allclose(d.p_symbolic, want.p_sym, rtol=1e-9, atol=1e-15)
    assert np.all((d.p_innovate > 0) & (d.p_innovate + d.p_symbolic < 1))


def test_m1_draw_bands_incremental_bold_symbolic_routine(case):
    """[0, p_inc) incremental, [p_inc, p_gen) bold, [p_gen, p_gen + p_sym) symbolic, else
    routine: a draw in the middle of each band picks that band's action."""
    pop, p, ctx, want = case
    bands = np.stack([np.zeros(pop.n), want.p_inc, want.p_gen, want.p_gen + want.p_sym,
                      np.ones(pop.n)])
    for k, act in enumerate((INCREMENTAL, BOLD, SYMBOLIC, ROUTINE)):
        u = 0.5 * (bands[k] + bands[k + 1])
        action, _, barrier = decide(pop, p, ctx, u)
        assert np.all(action == act), act
        assert np.all((barrier == NO_BARRIER) == (act in (INCREMENTAL, BOLD)))
    # The edges: a draw just below a band's upper end is still in it.
    action, _, _ = decide(pop, p, ctx, want.p_inc * (1 - 1e-9))
    assert np.all(action == INCREMENTAL)
    action, _, _ = decide(pop, p, ctx, want.p_inc * (1 + 1e-9) + 1e-15)
    assert np.all(action == BOLD)


def test_vacant_rows_do_routine_work_and_have_no_barrier(case):
    pop, p, ctx, _ = case
    pop.active[::7] = False
    action, _, barrier = decide(pop, p, ctx, np.zeros(pop.n))  # every serving cadre innovates
    assert np.all(action[~pop.active] == ROUTINE) and np.all(barrier[~pop.active] == NO_BARRIER)
    assert np.all(action[pop.active] == INCREMENTAL)
    action, _, barrier = decide(pop, p, ctx, np.full(pop.n, 0.9999999))
    assert np.all(barrier[~pop.active] == NO_BARRIER) and np.all(barrier[pop.active] >= 0)


def test_barriers_single_removal_gains_and_the_binding_barrier(case):
    """gain_b = P(genuine | b removed) - P(genuine); the binding barrier is the first largest."""
    pop, p, ctx, want = case
    _, d, barrier = decide(pop, p, ctx, np.full(pop.n, 0.9999999))
    for b, name in enumerate(BARRIER_NAMES):
        np.testing.assert_allclose(getattr(d, f"gain_{name}"), want.gains[b], rtol=1e-8,
                                   atol=1e-13, err_msg=name)
    np.testing.assert_array_equal(barrier, np.argmax(want.gains, axis=0))
    assert len(set(barrier.tolist())) >= 2  # the hand-built county has more than one kind
    np.testing.assert_allclose(d.p_without_barriers, want.p_all, rtol=1e-11)


def test_barrier_shapley_parts_match_the_average_over_removal_orders(case):
    """Shapley values: each barrier's marginal effect averaged over the 24 orders of removal;
    they add up to the gap (with all four removed minus actual) and are never negative."""
    pop, p, ctx, want = case
    _, d, _ = decide(pop, p, ctx, np.ones(pop.n))
    parts = np.stack([getattr(d, f"shapley_{b}") for b in BARRIER_NAMES])
    np.testing.assert_allclose(parts, want.shapley, rtol=1e-8, atol=1e-13)
    np.testing.assert_allclose(parts.sum(axis=0), d.p_without_barriers - d.p_innovate,
                               rtol=1e-9, atol=1e-14)
    assert parts.min() >= 0.0


def test_barrier_shapley_of_one_cadre_from_its_16_coalitions():
    """For one cadre, every coalition's value written out: the chance of a genuine attempt with
    the barriers of the coalition removed; phi_b = sum over S without b of
    |S|! (3 - |S|)! / 4! * (v(S + b) - v(S))."""
    p = params(material_reward=0.4, conformity_strength=2.0)
    pop = county([60], seed=11)
    ctx = context(pop.n, seed=4)
    i = 17
    pop.conformity_threshold[i], ctx.peer_share[i] = 0.6, 0.1  # a conformity cost
    ctx.stance[i] = -0.7  # a discouraging leader
    _, d, _ = decide(pop, p, ctx, np.ones(pop.n))
    want = expected(pop, p, ctx)
    v = {s: float(val[i]) for s, val in want.coalition.items()}
    assert len(v) == 16 and v[frozenset()] == 0.0
    weight = {0: 6 / 24, 1: 2 / 24, 2: 2 / 24, 3: 6 / 24}
    for b, name in enumerate(BARRIER_NAMES):
        phi = sum(weight[len(s)] * (v[s | {b}] - v[s]) for s in v if b not in s)
        assert getattr(d, f"shapley_{name}")[i] == pytest.approx(phi, rel=1e-9, abs=1e-14)
        assert phi > 1e-4, name  # every barrier holds this cadre back
    assert d.p_without_barriers[i] - d.p_innovate[i] == pytest.approx(v[frozenset(range(4))])


def test_a_barrier_whose_removal_adds_nothing_gets_nothing(case):
    """No conformity cost (peers above the threshold, good memories): unaccustomed gets 0;
    a cadre certain it will not be investigated: afraid gets 0."""
    pop, p, ctx, _ = case
    pop.propensity[:] = np.abs(pop.propensity)
    ctx.peer_share[:] = np.maximum(ctx.peer_share, pop.conformity_threshold)
    pop.perceived_risk[::2] = 0.0
    _, d, _ = decide(pop, p, ctx, np.ones(pop.n))
    # (exactly 0 but for the rounding of summing the other players' marginal effects)
    assert np.all(d.gain_unaccustomed == 0.0) and np.abs(d.shapley_unaccustomed).max() < 1e-15
    assert np.all(d.gain_afraid[::2] == 0.0) and np.abs(d.shapley_afraid[::2]).max() < 1e-15
    assert np.all(d.shapley_afraid[1::2] > 0.0)


def test_shapley4_axioms_on_games_written_by_hand():
    """The helper the decision calls: efficiency, symmetry, the null player, additivity."""
    phi = np.empty(4)
    # Additive game: each player's value is its own contribution.
    own = np.array([0.1, 0.0, 0.3, 0.05])
    v = np.array([sum(own[b] for b in range(4) if m >> b & 1) for m in range(16)])
    shapley4(v, phi)
    np.testing.assert_allclose(phi, own, atol=1e-15)
    # A game where players 0 and 2 are symmetric, 1 is null, and value is superadditive.
    v = np.zeros(16)
    for m in range(16):
        a, c, d = m & 1, m >> 2 & 1, m >> 3 & 1
        v[m] = 0.2 * (a + c) + 0.1 * d + 0.3 * a * c + 0.05 * a * c * d
    shapley4(v, phi)
    assert phi[0] == pytest.approx(phi[2], abs=1e-15) and phi[1] == 0.0
    assert phi.sum() == pytest.approx(v[15], abs=1e-14)
    assert phi[0] == pytest.approx(0.2 + 0.15 + 0.05 / 3, abs=1e-14)
    assert phi[3] == pytest.approx(0.1 + 0.05 / 3, abs=1e-14)


def test_decision_on_a_running_county_matches_the_equations():
    """The same equations on the state a six-year run leaves (beliefs, skills, boosts and
    memories the model produced; vacant rows), with a context set by hand."""
    m = CadreModel(seed=3, n_cadres=400, demotion_rate=0.05, leader_influence=1.0,
                   with_agents=False)
    for _ in range(23):
        m.step()
    pop, p = m.population, params(**m.parameters)
    pop.active[::37] = False
    ctx = context(pop.n, seed=9)
    want = expected(pop, p, ctx)
    u = np.random.default_rng(0).random(pop.n)
    action, d, barrier = decide(pop, p, ctx, u)
    np.testing.assert_allclose(d.u_incremental, want.utility[0], rtol=1e-11, atol=1e-13)
    np.testing.assert_allclose(d.u_bold, want.utility[1], rtol=1e-11, atol=1e-13)
    np.testing.assert_allclose(d.p_innovate, want.p_gen, rtol=1e-11)
    parts = np.stack([getattr(d, f"shapley_{b}") for b in BARRIER_NAMES])
    np.testing.assert_allclose(parts, want.shapley, rtol=1e-8, atol=1e-13)
    band = ((u >= want.p_inc).astype(int) + (u >= want.p_gen)
            + (u >= want.p_gen + want.p_sym))
    expected_action = np.array([INCREMENTAL, BOLD, SYMBOLIC, ROUTINE])[band]
    expected_action[~pop.active] = ROUTINE
    np.testing.assert_array_equal(action, expected_action)
    serving_routine = pop.active & (band >= 2)
    np.testing.assert_array_equal(barrier[serving_routine],
                                  np.argmax(want.gains, axis=0)[serving_routine])
    assert (action == SYMBOLIC).any() and (action == INCREMENTAL).any()


def test_a_cadres_decision_does_not_depend_on_the_block_it_is_decided_in():
    """The decision runs in blocks of decision.BLOCK cadres with vectorised batches: a county of
    two and a half blocks gives every cadre the bits it gets when decided alone with a few
    neighbours (other lanes, other block, other remainder)."""
    n = 2 * decision.BLOCK + decision.BLOCK // 2 + 3
    pop, p = county([n // 4, n // 4, n // 4, n - 3 * (n // 4)], seed=5), params()
    ctx, u = context(pop.n, seed=6), np.random.default_rng(7).random(pop.n)
    action, whole, barrier = decide(pop, p, ctx, u)
    for start in (0, 5, decision.BLOCK - 2, 2 * decision.BLOCK + 1, n - 7):
        rows = np.arange(start, start + 7)
        part = county([7], seed=5)
        for name in ("active", "skill", "training_boost", "motivation", "ambition",
                     "risk_aversion", "propensity", "perceived_tolerance", "perceived_risk",
                     "perceived_detection", "stress", "conformity_threshold"):
            getattr(part, name)[:] = getattr(pop, name)[rows]
        sub = SimpleNamespace(**{k: (v[rows] if isinstance(v, np.ndarray) else v)
                                 for k, v in vars(ctx).items()})
        a, d, b = decide(part, p, sub, u[rows])
        np.testing.assert_array_equal(d.terms, whole.terms[rows])
        np.testing.assert_array_equal(a, action[rows])
        np.testing.assert_array_equal(b, barrier[rows])
