"""CadreModel -- a county of grassroots cadres deciding, each quarter, whether to innovate.

Step order (one step is a quarter; the fourth quarter of each year ends with the appraisal):

1. Scheduled policy changes take effect (schedule.py).
2. Context: workload, free time and preparation (M13), honour credibility (M12), leaders' stance
   (M9), peers' innovation last quarter (M10), eligibility, odds of promotion and career pay-off
   (M5, M8), the cost of a sanction.
3. Decision: every cadre chooses routine, incremental, bold or symbolic innovation by logit; what
   holds back each non-innovator is decomposed into the four barriers (M1, M15).
4. Outcomes: success or failure, investigation, excusal or sanction, verification of symbolic
   claims now and exposure of earlier ones, routine irregularities (M2, M3, M14).
5. Learning: beliefs about inspection, tolerance and detection from observed cases (M4); own
   reinforcement (M17).
6. Skills: training courses, learning by doing and from peers, fading and consolidation (M11).
7. Routine performance and stress (M13); everybody ages a quarter (M16).
8. Year end only: appraisal, dismissal and demotion, promotion into vacancies, odds of promotion,
   ambition (M5-M8); retirement, exit and recruitment, rotation, promoted innovators observed
   (M16, M4).
9. Outputs are collected (those of the quarter's decisions are computed before the year-end
   turnover of step 8, the appraisal's counts after it).
"""

from __future__ import annotations

import gc
from contextlib import contextmanager
from types import SimpleNamespace

import mesa
import numpy as np

from . import (
    accountability,
    conformity,
    costs,
    decision,
    demography,
    incentives,
    leaders,
    mesa_adapter,
    outputs,
    promotion,
    social_learning,
    training,
    workload,
)
from .agents import CadreAgent
from .calendar import QUARTER, QUARTERS_PER_YEAR, is_year_end
from .jit import kernel
from .organisation import build_organisation
from .parameters import ParameterError, record, validate
from .population import BOLD, COLUMNS, HEAD_TIE, INCREMENTAL, N_TIES, clip, populate
from .rng import YearlyStream, fresh_seed, make_streams
from .schedule import PolicySchedule, parse_schedule

MIN_CADRES, MAX_CADRES = 50, 10_000_000
ROUTINE_ADJUST = 0.25  # speed at which appraised routine performance follows current work
#: Routine performance a cadre settles at: base + its own competence + skill and inspection
#: terms, less the time an attempt takes from routine work (essay 003: strict management raises
#: compliance). Innovation skill helps routine work a little; routine competence is its own trait.
ROUTINE_BASE, ROUTINE_SKILL, ROUTINE_INSPECTION = 0.425, 0.15, 0.3
ROUTINE_DISTRACTION = (0.05, 0.1)  # incremental, bold
#: Per-cadre columns the DataCollector's agent reporters read (a model with agents).
AGENT_REPORTERS = ("skill", "risk_aversion", "ambition", "stress", "last_action", "barrier")
#: Those of them that change only at year ends (traits of recruits, ambition at the appraisal);
#: the collector shares their unchanged snapshots between steps.
STEADY_REPORTERS = ("risk_aversion", "ambition")


@contextmanager
def gc_paused():
    """Pause the cyclic garbage collector while many agents are created or removed at once:
    each Mesa agent is registered in weak-key dictionaries, and collections triggered by those
    allocations would otherwise traverse every live agent again and again. (A model makes no
    cyclic garbage while it runs: leavers are freed by reference counting.)"""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _root_seed(seed, rng) -> int:
    """The run's root seed from ``seed`` or Mesa 3's ``rng`` (an int, or a Generator to draw
    one from)."""
    if seed is not None and rng is not None:
        raise ParameterError("give either seed or rng, not both")
    if rng is not None:
        if isinstance(rng, np.random.Generator):
            return int(rng.integers(2**63))
        seed = rng
    if seed is None:
        return fresh_seed()
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise ParameterError(f"seed must be a whole number >= 0, got {seed!r}")
    return int(seed)


class CadreModel(mesa.Model):
    """Agent-based model of grassroots cadres' innovation under policy levers.

    Args:
        seed: root seed; every stochastic process draws from its own stream spawned from it.
        n_cadres: number of posts (and cadres) in the county.
        policy_schedule: parameter changes during the run, e.g.
            ``[{"year": 5, "set": {"fault_tolerance": 0.8}, "phase_in_years": 2}]``.
        with_agents: give every cadre a Mesa agent (default). An agent's id is taken when its
            cadre joins; the agent objects are made when first asked for (``model.agents``,
            ``agents_by_type``, ...), so a run that never reads them does not pay for them,
            and the ids and registries are the same whenever that is. Runs that only read the
            model's outputs -- every sweep and replicate goes through
            ``experiments.run_model`` -- skip agents altogether: the agents are views on the
            population's columns, so the cadres, the mechanisms and every output are exactly
            the same, only ``model.agents``, ``explain()``, agent reporters and
            ``agent_table()`` are unavailable.
        rng: Mesa 3's name for the seed (an int, or a numpy Generator to draw the seed from).
        **parameters: any declared parameter (see ``model.PARAMETERS``) by name.
    """

    def __init__(self, seed: int | None = None, n_cadres: int = 1000,
                 policy_schedule: list | None = None, with_agents: bool = True, rng=None,
                 **parameters):
        # Validate everything before building anything.
        seed = _root_seed(seed, rng)
        if isinstance(n_cadres, bool) or not isinstance(n_cadres, int | np.integer) or not (
                MIN_CADRES <= n_cadres <= MAX_CADRES):
            raise ParameterError(
                f"n_cadres must be a whole number in [{MIN_CADRES}, {MAX_CADRES}], got {n_cadres!r}"
            )
        params = validate(parameters)
        schedule = parse_schedule(policy_schedule)
        super().__init__(seed=seed)
        self.parameters, self.schedule_changes = params, schedule
        self.seed, self.n_cadres = int(seed), int(n_cadres)
        self.p = SimpleNamespace(**self.parameters)  # live values (the schedule may change them)
        self.pr = record(self.p)  # the same values as the record compiled passes read
        self.policy = PolicySchedule(self.schedule_changes)

        self.rngs = make_streams(self.seed)
        self.recruit_stream = YearlyStream(self.seed, "recruits")
        self.organisation = org = build_organisation(n_cadres, self.p, self.rngs["organisation"])
        self.population = pop = populate(org, self.p, self.rngs["population"])
        self.n_units = org.n_units
        self.leaders = leaders.leader_rows(pop, org.n_units)
        self.odds = promotion.initial_odds(org.capacity)
        self.honour_value = 1.0
        self.cumulative_value = 0.0
        self.year_stats = {"promotions": 0, "demotions": 0, "innovator_share_promoted": 0.0,
                           "innovator_share_candidates": 0.0, "innovator_share": 0.0}
        self._attempted = np.zeros(pop.n, dtype=bool)
        self._time_budget = None  # see _time_budget_now
        self._level_cost = None  # see _state
        self._initial_stress()

        # The agent id of each row (-1: none), kept beside the agents so that the agent
        # reporters read ids with one NumPy take instead of a Python loop each quarter.
        self._id_of_row = np.full(pop.n, -1, dtype=np.int64)
        # The agent objects are made when the agents are first asked for (_make_agents); until
        # then a cadre who joins only takes its id, one who leaves only gives it up. A run that
        # never reads them -- a script that only collects outputs and agent reporters -- skips
        # the bookkeeping (two microseconds a cadre joining or leaving).
        self._agent_of_row: list | None = [None] * pop.n if with_agents else None
        self._agents_pending = with_agents
        if with_agents:
            self._id_of_row[:] = mesa_adapter.reserve_ids(self, pop.n)
        # The decision terms at the start (no action taken yet) give explain() and the barriers.
        ctx = self._context(0.0)
        _, self.decision, pop.barrier[:] = decision.decide(pop, self.pr, ctx, np.ones(pop.n))
        self.outputs = outputs.compute(pop, pop.last_action, None, self.decision, pop.barrier,
                                       self._state(ctx, 0.0, 0.0))
        self.datacollector = outputs.OutputCollector(
            AGENT_REPORTERS if with_agents else (), self._agent_rows, STEADY_REPORTERS)
        self.datacollector.collect(self)

    # ------------------------------------------------------------------ helpers
    @property
    def year(self) -> float:
        """Model time in years at the end of the last step."""
        return self.steps * QUARTER

    def _initial_stress(self) -> None:
        self.population.stress[:] = self._time_budget_now()[3]

    def _time_budget_now(self) -> tuple:
        """(load, free time, preparation, stress target) per cadre; recomputed only after a
        policy change or a reshuffle of units and posts, since nothing else moves them."""
        if self._time_budget is None:
            self._time_budget = workload.time_budget(self.population,
                                                     self.organisation.unit_load, self.pr)
        return self._time_budget

    def _context(self, year: float) -> SimpleNamespace:
        pop, p, org = self.population, self.p, self.organisation
        load, time, preparation, stress_target = self._time_budget_now()
        eligible = promotion.eligible(pop, p, year)
        return SimpleNamespace(
            load=load, time=time, preparation=preparation, stress_target=stress_target,
            stance=leaders.subordinate_stance(pop, self.leaders, org.county_unit, year),
            peer_share=conformity.peer_share(pop, self._attempted, org.n_units),
            honour=incentives.honour_per_size(self.honour_value, p),
            career=incentives.career_payoff(pop, eligible, self.odds, p),
            sanction_cost=incentives.sanction_cost_of(p.sanction_severity, p.demerit_years),
        )

    def _state(self, ctx, year: float, value: float) -> dict:
        n_active = max(int(np.count_nonzero(self.population.active)), 1)
        size_per_cadre_year = value * QUARTERS_PER_YEAR / n_active
        if self._level_cost is None:  # levels change only with the schedule
            self._level_cost = costs.level_cost(self.p)
        cost = costs.policy_cost(self.p, size_per_cadre_year, self._level_cost)
        return {"stance": ctx.stance, "year": year, "age_limit": self.p.promotion_age_limit,
                "cumulative_value": self.cumulative_value, "honour_value": self.honour_value,
                "policy_cost": cost, **self.year_stats}

    # ------------------------------------------------------------------ agents, made on first use
    def _make_agents(self) -> None:
        """Make the agent objects of every serving cadre, with the ids they took when they
        joined, in the order of those ids: the registries are then exactly what they would be
        had every agent been made as its cadre joined."""
        if not self._agents_pending:
            return
        self._agents_pending = False
        rows = np.flatnonzero(self._id_of_row >= 0)
        rows = rows[np.argsort(self._id_of_row[rows], kind="stable")].tolist()
        with gc_paused():
            made = CadreAgent.enrol(self, rows, ids=self._id_of_row[rows].tolist())
        for row, agent in zip(rows, made, strict=True):
            self._agent_of_row[row] = agent

    # Every way to reach the agents makes them first: Mesa's three properties, and the two
    # methods that add to or empty its registries.
    @property
    def agents(self) -> mesa.agent.AgentSet:
        """Mesa's set of all agents in the model."""
        self._make_agents()
        return self._all_agents

    @agents.setter
    def agents(self, value) -> None:
        mesa.Model.agents.fset(self, value)  # Mesa refuses, with its own message

    @property
    def agents_by_type(self) -> dict:
        """Mesa's agent set of each agent class."""
        self._make_agents()
        return self._agents_by_type

    @property
    def agent_types(self) -> list[type]:
        """Mesa's agent classes registered with the model."""
        self._make_agents()
        return list(self._agents_by_type)

    def register_agent(self, agent):
        """Mesa's, after making the cadres' agents (so that they come first, as they joined
        first)."""
        self._make_agents()
        super().register_agent(agent)

    def remove_all_agents(self):
        """Mesa's, after making the cadres' agents (each cadre leaves as its agent is removed)."""
        self._make_agents()
        super().remove_all_agents()

    def _agent_rows(self) -> tuple[np.ndarray, np.ndarray]:
        """(which rows serve, the agent id of every row), for the agent reporters."""
        return self.population.active, self._id_of_row

    # ------------------------------------------------------------------ the step
    def step(self) -> None:
        """Advance one quarter (see the module docstring for the order)."""
        pop, p, rng = self.population, self.p, self.rngs
        n = pop.n
        year = (self.steps - 1) * QUARTER
        if self.policy and self.policy.apply(p, year):
            self.pr = record(p)
            self._time_budget = self._level_cost = None
        self.honour_value = incentives.update_honour_value(self.honour_value, p)
        ctx = self._context(year)

        action, self.decision, pop.barrier[:] = decision.decide(pop, self.pr, ctx,
                                                                rng["choice"].random(n))
        pop.last_action[:] = action

        # A cadre who attempts nothing draws no success, one who attempts has no routine
        # irregularity: one uniform serves as either (the kernel reads each for its own cadres).
        u_acc = np.empty((accountability.N_DRAWS, n))
        rng["accountability"].random(out=u_acc[:accountability.DRAW.routine])
        u_outcome = rng["outcome"].random(out=u_acc[accountability.DRAW.routine])
        ev = accountability.resolve(pop, self.pr, action, self.decision, ctx.peer_share,
                                    u_outcome, u_acc, rng["verification"].random(n), year)
        value = float(ev.value.sum())
        self.cumulative_value += value
        self._attempted = ev.attempted

        social_learning.update_beliefs(pop, social_learning.evidence(ev, p.sanction_salience),
                                       self.n_units, p)
        social_learning.reinforce(pop, ev.success, ev.sanctioned_innovator, p)

        u_train = rng["training"].random((2, n))
        # Classmates take turns in the tie slots other than the former head's.
        training.train(pop, p, u_train[0], u_train[1],
                       tie_slot=HEAD_TIE + 1 + self.steps % (N_TIES - 1))
        training.practise(pop, p, ev.attempted, ev.success,
                          training.transfer_support(p, ctx.stance), self.n_units)

        skill = pop.skill_effective()  # final for the quarter: used twice below
        update_routine_performance(pop.routine_performance, action, skill, pop.competence,
                                   p.accountability_intensity)
        workload.update_stress(pop, ctx.stress_target, ev.sanctioned, p)
        demography.age(pop)
        # The quarter's outputs describe the cadres who acted in it, so they are computed before
        # the yearly turnover; personnel counts of the appraisal are added after it.
        self.year_stats["promotions"] = self.year_stats["demotions"] = 0
        self.outputs = outputs.compute(pop, action, ev, self.decision, pop.barrier,
                                       self._state(ctx, year, value), skill)
        if is_year_end(self.steps):
            self._year_end(year + QUARTER)
            self.outputs.update({k: float(v) for k, v in self.year_stats.items()})
            self.outputs["n_active"] = float(np.count_nonzero(pop.active))
        self.datacollector.collect(self)

    def _year_end(self, year: float) -> None:
        pop, p, org, rng = self.population, self.p, self.organisation, self.rngs
        n = pop.n
        was_active = pop.active.copy()
        innovator_share = float(np.count_nonzero((pop.attempts_year > 0) & pop.active)) / max(
            int(pop.active.sum()), 1)
        demography.departures(pop, p, rng["demography"].random(n))
        stats = promotion.annual_personnel(pop, org, p, year, rng["evaluation"].standard_normal(n))
        promotion.update_odds(self.odds, stats.pop("promoted_from"), stats.pop("candidates"))
        self._turnover(was_active, year)
        self.leaders = leaders.leader_rows(pop, org.n_units)
        u_rot = rng["rotation"].random((2, n))
        demography.rotate(pop, org, p, u_rot[0], u_rot[1], self.leaders)
        self.leaders = leaders.leader_rows(pop, org.n_units)
        # Promoted innovators are seen as evidence that innovating is tolerated (M4).
        social_learning.update_beliefs(
            pop, social_learning.promoted_evidence(stats.pop("promoted_innovators")),
            self.n_units, p)
        self.year_stats = {**stats, "innovator_share": innovator_share}
        self._time_budget = None  # cadres changed units and posts

    def _turnover(self, was_active: np.ndarray, year: float) -> np.ndarray:
        """Leavers' agents leave; recruits fill vacant staff posts as new agents."""
        pop = self.population
        with gc_paused():
            if self._agent_of_row is not None:
                self._retire_agents(np.flatnonzero(was_active & ~pop.active))
            recruits = demography.recruit(
                pop, self.organisation, self.p,
                self.recruit_stream.year(round(year)), year)
            if self._agent_of_row is None:
                return recruits
            ids = mesa_adapter.reserve_ids(self, recruits.size)
            self._id_of_row[recruits] = ids
            if not self._agents_pending:
                rows = recruits.tolist()
                for row, agent in zip(rows, CadreAgent.enrol(self, rows, ids.tolist()),
                                      strict=True):
                    self._agent_of_row[row] = agent
        return recruits

    def _retire_agents(self, rows: np.ndarray) -> None:
        """Agents of cadres who left keep their last state and leave the Mesa model."""
        rows = rows[self._id_of_row[rows] >= 0]  # rows whose agent was removed have none
        if self._agents_pending or not rows.size:  # an agent never made cannot be held
            self._id_of_row[rows] = -1
            return
        pop = self.population
        leaving = []
        for row in rows.tolist():
            leaving.append(self._agent_of_row[row])
            self._agent_of_row[row] = None
        self._id_of_row[rows] = -1
        CadreAgent.retire(self, leaving,
                          lambda held: {name: getattr(pop, name)[rows[held]] for name in COLUMNS})

    def cadre_left(self, agent: CadreAgent) -> None:
        """A cadre whose agent was removed (``agent.remove()``) leaves the county at once: its
        post falls vacant, its agent keeps its last state."""
        row = agent.row
        pop = self.population
        agent._final, agent.row = ({name: getattr(pop, name)[[row]] for name in COLUMNS}, 0), None
        pop.active[row] = False
        self._agent_of_row[row] = None
        self._id_of_row[row] = -1
        self._time_budget = None
        # A head who leaves leaves its post vacant: its subordinates see no stance (M9).
        self.leaders = leaders.leader_rows(pop, self.organisation.n_units)

    def dispose(self) -> None:
        """Drop every agent of a finished model, so that they are freed at once by reference
        counting (agents and model refer to each other). The model cannot be used afterwards."""
        self._agent_of_row, self._agents_pending = None, False
        mesa_adapter.drop_agents(self)
        self.running = False

    # ------------------------------------------------------------------ tables
    def agent_table(self):
        """A pandas DataFrame of every serving cadre's state (one row per cadre)."""
        import pandas as pd

        if self._agent_of_row is None:
            raise RuntimeError("this model has no agents (with_agents=False or disposed); "
                               "build it with agents to list its cadres")
        pop = self.population
        rows = np.flatnonzero(pop.active)
        data = {"cadre": self._id_of_row[rows]}
        data.update({name: getattr(pop, name)[rows] for name in COLUMNS if name != "active"})
        return pd.DataFrame(data)


def update_routine_performance(performance, action, skill, competence,
                               accountability_intensity) -> None:
    """Appraised routine work moves towards its target: competence, skill and inspection pressure
    raise it; innovating takes time from it (so strict management can raise compliance while
    lowering innovation)."""
    _routine_kernel(performance, action, skill, competence, accountability_intensity)


@kernel
def routine_target(skill, competence, accountability_intensity, action):
    """The routine performance a cadre's current work leads to."""
    distracted = (ROUTINE_DISTRACTION[0] if action == INCREMENTAL
                  else (ROUTINE_DISTRACTION[1] if action == BOLD else 0.0))
    return clip(ROUTINE_BASE + competence + ROUTINE_SKILL * skill
                + ROUTINE_INSPECTION * accountability_intensity - distracted, 0.0, 1.0)


@kernel
def _routine_kernel(performance, action, skill, competence, accountability):
    for i in range(performance.size):
        target = routine_target(skill[i], competence[i], accountability, action[i])
        performance[i] += ROUTINE_ADJUST * (target - performance[i])
