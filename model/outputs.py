"""Model reporters: the outputs computed after every step (names as in the model specification).

Shares are of serving cadres unless said otherwise; counts are per step (promotions and demotions
happen at the yearly appraisal, in the fourth quarter).

The four ``barrier_*`` shares decompose what holds back the cadres who did not innovate
genuinely: for each of them, the gap between its chance of a genuine attempt with all four
barriers removed and its actual chance is split among the barriers by Shapley values
(decision.py); the shares are each barrier's part of the summed gap, so they add up to one. The
``binding_*`` shares are the older, winner-take-all view: the share of cadres for whom each
barrier is the single removal that would help most.
"""

from __future__ import annotations

from collections import namedtuple

import mesa
import numpy as np

from .decision import ROW as TERM
from .jit import kernel
from .leaders import stance
from .population import BARRIER_NAMES, HEAD, INCREMENTAL, SYMBOLIC

#: Stress above which a cadre counts as burned out (half of full stress).
BURNOUT_STRESS = 0.5

OUTPUTS: dict[str, str] = {
    "innovation_rate": "share of cadres attempting a genuine innovation",
    "success_rate": "share of genuine attempts that succeeded (0 when none)",
    "symbolic_rate": "share of cadres staging a symbolic innovation",
    "sanction_rate": "share of cadres sanctioned",
    "excused_rate": "share of investigated genuine failures excused (0 when none)",
    "exposure_rate": "share of cadres whose symbolic project was exposed (when claimed or later)",
    "barrier_afraid": "share of the missing chance of genuine innovation due to fear of sanction",
    "barrier_unwilling": "share of the missing chance due to a pay-off too small for the effort",
    "barrier_unaccustomed": "share of the missing chance due to conformity and habit",
    "barrier_unable": "share of the missing chance due to lack of skill, time or energy",
    "barrier_gap": "mean chance of a genuine attempt that non-innovators lack (all barriers)",
    "binding_afraid": "share of cadres for whom removing fear would help most",
    "binding_unwilling": "share of cadres for whom a full pay-off would help most",
    "binding_unaccustomed": "share of cadres for whom removing conformity would help most",
    "binding_unable": "share of cadres for whom full skill, time and energy would help most",
    "mean_skill": "mean effective innovation skill",
    "mean_risk_aversion": "mean risk aversion",
    "mean_ambition": "mean career ambition",
    "mean_stress": "mean stress",
    "burnout_share": "share of cadres with stress above one half (burned out)",
    "perceived_tolerance": "mean belief that a failure the rules cover is excused",
    "perceived_risk": "mean belief about the base chance that a failure is investigated",
    "perceived_detection": "mean belief that a symbolic project is exposed, now or later",
    "promotions": "promotions this step",
    "demotions": "demotions and dismissals this step",
    "innovator_share_promoted": "share of innovators among those promoted at the last appraisal",
    "innovator_share_candidates": "share of innovators among the eligible candidates at the last "
                                  "appraisal",
    "innovator_share": "share of cadres who attempted genuine innovation in the appraisal year",
    "value_delivered": "value of successful genuine innovation this step (size units)",
    "cumulative_value": "value of successful genuine innovation since the start",
    "bold_share": "share of genuine attempts that were bold",
    "routine_performance": "mean appraised routine performance (compliance)",
    "honour_value": "credibility of honours (0-1)",
    "leader_support": "mean stance of the leaders cadres answer to (-1..1)",
    "stimulating_leaders": "share of unit heads whose stance stimulates innovation (stance > 0)",
    "ceilinged_leaders": "share of unit heads and county leaders at or past the age limit",
    "policy_cost": "budget cost of the policy in force, yuan per cadre per year",
    "n_active": "serving cadres",
}

#: Means over serving cadres, in the order of their sums in the kernel's stats.
_MEANS = ("mean_skill", "mean_risk_aversion", "mean_ambition", "mean_stress",
          "perceived_tolerance", "perceived_risk", "perceived_detection", "routine_performance",
          "leader_support")
_COUNTS = ("n", "attempts", "successes", "investigated", "excused", "sanctioned", "symbolic",
           "incremental", "value", "exposed", "non_innovators", "gap", "burned_out", "heads",
           "stimulating", "leaders", "ceilinged",
           *(f"binding_{b}" for b in BARRIER_NAMES), *(f"shapley_{b}" for b in BARRIER_NAMES))
STATS = _COUNTS + _MEANS
#: Position of each statistic in the kernel's ``stats`` array, by name.
STAT = namedtuple("Stat", STATS)(*range(len(STATS)))
_NO_EVENTS = np.zeros(0, dtype=np.bool_)
_NO_VALUE = np.zeros(0)


def compute(pop, action, events, decision, barrier, state, skill=None) -> dict[str, float]:
    """All outputs for the current step as plain floats (``skill``: the cadres' effective
    skill, when the caller has it already; ``events`` None before anybody has acted)."""
    if skill is None:
        skill = pop.skill_effective()
    stats = np.zeros(len(STATS))
    acted = events is not None
    ev = ((events.attempted, events.success, events.investigated, events.excused,
           events.sanctioned, events.symbolic_detected | events.exposed_late, events.value)
          if acted else (_NO_EVENTS,) * 6 + (_NO_VALUE,))
    _count_kernel(pop.active, pop.rank, pop.age, barrier, decision.terms, skill,
                  pop.risk_aversion, pop.ambition, pop.stress, pop.perceived_tolerance,
                  pop.perceived_risk, pop.perceived_detection, pop.routine_performance,
                  state["stance"], pop.recent_innovation, pop.demerit_until, pop.score,
                  state["year"], state["age_limit"], action, *ev, acted, stats)
    return _finish(stats.tolist(), state)




def _finish(s: list, state: dict) -> dict[str, float]:
    """The outputs, in the order of OUTPUTS, from the kernel's sums ``s`` (indexed by STAT) and
    the step's ``state``. (One dict display: this runs every step of every run.)"""
    n, attempts, gap = max(s[STAT.n], 1.0), s[STAT.attempts], s[STAT.gap]
    investigated, non_innovators = s[STAT.investigated], s[STAT.non_innovators]
    heads, leaders = s[STAT.heads], s[STAT.leaders]
    return {
        "innovation_rate": attempts / n,
        "success_rate": s[STAT.successes] / attempts if attempts else 0.0,
        "symbolic_rate": s[STAT.symbolic] / n,
        "sanction_rate": s[STAT.sanctioned] / n,
        "excused_rate": s[STAT.excused] / investigated if investigated else 0.0,
        "exposure_rate": s[STAT.exposed] / n,
        "barrier_afraid": s[STAT.shapley_afraid] / gap if gap > 0 else 0.0,
        "barrier_unwilling": s[STAT.shapley_unwilling] / gap if gap > 0 else 0.0,
        "barrier_unaccustomed": s[STAT.shapley_unaccustomed] / gap if gap > 0 else 0.0,
        "barrier_unable": s[STAT.shapley_unable] / gap if gap > 0 else 0.0,
        "barrier_gap": gap / non_innovators if non_innovators else 0.0,
        "binding_afraid": s[STAT.binding_afraid] / n,
        "binding_unwilling": s[STAT.binding_unwilling] / n,
        "binding_unaccustomed": s[STAT.binding_unaccustomed] / n,
        "binding_unable": s[STAT.binding_unable] / n,
        "mean_skill": s[STAT.mean_skill] / n,
        "mean_risk_aversion": s[STAT.mean_risk_aversion] / n,
        "mean_ambition": s[STAT.mean_ambition] / n,
        "mean_stress": s[STAT.mean_stress] / n,
        "burnout_share": s[STAT.burned_out] / n,
        "perceived_tolerance": s[STAT.perceived_tolerance] / n,
        "perceived_risk": s[STAT.perceived_risk] / n,
        "perceived_detection": s[STAT.perceived_detection] / n,
        "promotions": float(state["promotions"]),
        "demotions": float(state["demotions"]),
        "innovator_share_promoted": float(state["innovator_share_promoted"]),
        "innovator_share_candidates": float(state["innovator_share_candidates"]),
        "innovator_share": float(state["innovator_share"]),
        "value_delivered": s[STAT.value],
        "cumulative_value": float(state["cumulative_value"]),
        "bold_share": 1.0 - s[STAT.incremental] / attempts if attempts else 0.0,
        "routine_performance": s[STAT.routine_performance] / n,
        "honour_value": float(state["honour_value"]),
        "leader_support": s[STAT.leader_support] / n,
        "stimulating_leaders": s[STAT.stimulating] / heads if heads else 0.0,
        "ceilinged_leaders": s[STAT.ceilinged] / leaders if leaders else 0.0,
        "policy_cost": float(state["policy_cost"]),
        "n_active": n,
    }


@kernel
def _count_kernel(active, rank, age, barrier, terms, skill, risk_aversion, ambition, stress,
                  tolerance, risk_belief, detection, routine, seen_stance, recent_innovation,
                  demerit_until, score, year, age_limit, action, attempted, success,
                  investigated, excused, sanctioned, exposed, value, acted, stats):
    """One pass over the cadres: counts of events (all rows), of barriers and sums of states
    (serving cadres); ``stats`` positions are named by STAT. (The sums are kept in local
    variables, which the compiler holds in registers, and stored once at the end.)"""
    n = attempts = successes = n_investigated = n_excused = n_sanctioned = 0.0
    n_symbolic = n_incremental = total_value = n_exposed = 0.0
    non_innovators = gap = burned_out = heads = stimulating = leaders = ceilinged = 0.0
    bind0 = bind1 = bind2 = bind3 = sh0 = sh1 = sh2 = sh3 = 0.0
    sum_skill = sum_risk = sum_ambition = sum_stress = sum_tolerance = 0.0
    sum_risk_belief = sum_detection = sum_routine = sum_stance = 0.0
    for i in range(active.size):
        if acted:
            attempts += attempted[i]
            successes += success[i]
            n_investigated += investigated[i]
            n_excused += excused[i]
            n_sanctioned += sanctioned[i]
            n_symbolic += action[i] == SYMBOLIC
            n_incremental += action[i] == INCREMENTAL
            total_value += value[i]
            n_exposed += exposed[i]
        if not active[i]:
            continue
        n += 1.0
        b = barrier[i]
        if b >= 0:  # did not innovate genuinely: its gap and its parts
            non_innovators += 1.0
            if b == 0:
                bind0 += 1.0
            elif b == 1:
                bind1 += 1.0
            elif b == 2:
                bind2 += 1.0
            else:
                bind3 += 1.0
            gap += terms[i, TERM.p_without_barriers] - terms[i, TERM.p_innovate]
            sh0 += terms[i, TERM.shapley_afraid]
            sh1 += terms[i, TERM.shapley_afraid + 1]
            sh2 += terms[i, TERM.shapley_afraid + 2]
            sh3 += terms[i, TERM.shapley_afraid + 3]
        burned_out += stress[i] > BURNOUT_STRESS
        if rank[i] >= HEAD:
            leaders += 1.0
            ceilinged += age[i] >= age_limit
            if rank[i] == HEAD:
                heads += 1.0
                own = stance(recent_innovation[i], risk_aversion[i], demerit_until[i], score[i],
                             year)
                stimulating += own > 0.0
        sum_skill += skill[i]
        sum_risk += risk_aversion[i]
        sum_ambition += ambition[i]
        sum_stress += stress[i]
        sum_tolerance += tolerance[i]
        sum_risk_belief += risk_belief[i]
        sum_detection += detection[i]
        sum_routine += routine[i]
        sum_stance += seen_stance[i]
    stats[STAT.n], stats[STAT.attempts], stats[STAT.successes] = n, attempts, successes
    stats[STAT.investigated], stats[STAT.excused] = n_investigated, n_excused
    stats[STAT.sanctioned], stats[STAT.symbolic] = n_sanctioned, n_symbolic
    stats[STAT.incremental], stats[STAT.value] = n_incremental, total_value
    stats[STAT.exposed], stats[STAT.non_innovators] = n_exposed, non_innovators
    stats[STAT.gap] = gap
    stats[STAT.burned_out], stats[STAT.heads] = burned_out, heads
    stats[STAT.stimulating], stats[STAT.leaders] = stimulating, leaders
    stats[STAT.ceilinged] = ceilinged
    stats[STAT.binding_afraid], stats[STAT.binding_afraid + 1] = bind0, bind1
    stats[STAT.binding_afraid + 2], stats[STAT.binding_afraid + 3] = bind2, bind3
    stats[STAT.shapley_afraid], stats[STAT.shapley_afraid + 1] = sh0, sh1
    stats[STAT.shapley_afraid + 2], stats[STAT.shapley_afraid + 3] = sh2, sh3
    stats[STAT.mean_skill], stats[STAT.mean_risk_aversion] = sum_skill, sum_risk
    stats[STAT.mean_ambition], stats[STAT.mean_stress] = sum_ambition, sum_stress
    stats[STAT.perceived_tolerance], stats[STAT.perceived_risk] = sum_tolerance, sum_risk_belief
    stats[STAT.perceived_detection], stats[STAT.routine_performance] = sum_detection, sum_routine
    stats[STAT.leader_support] = sum_stance


class OutputCollector(mesa.DataCollector):
    """Mesa's DataCollector with one model reporter per output and, for a model with agents, one
    agent reporter per column in ``agent_columns``.

    The outputs are computed once per step as plain floats in ``model.outputs``; collecting them
    appends those floats directly (they are immutable, so Mesa's per-value deepcopy is not needed).
    Agent reporters are kept as one snapshot of the columns per step and turned into Mesa's
    per-agent records only when read, so collecting costs microseconds. A snapshot copies whole
    columns (several times cheaper than picking the serving rows, which are picked when read);
    the columns in ``steady_columns`` -- and which rows serve, and their agent ids -- change only
    at year ends, so a step whose values equal the last snapshot's shares that array instead of
    copying it (a 1,000,000-cadre run with agents peaks at 3.7 GB instead of 4.9).
    Everything else -- ``model_vars``, ``get_model_vars_dataframe()``,
    ``get_agent_vars_dataframe()``, ``batch_run`` -- is Mesa's.
    """

    def __init__(self, agent_columns=(), agent_rows=None, steady_columns=()):
        super().__init__(model_reporters={k: (lambda m, k=k: m.outputs[k]) for k in OUTPUTS},
                         agent_reporters={c: c for c in agent_columns} or None)
        self._columns = [(self.model_vars[k], k) for k in OUTPUTS]
        self._agent_columns = tuple(agent_columns)
        self._steady = frozenset(steady_columns) | {"_serving", "_ids"}
        self._agent_rows = agent_rows
        self._agent_records = _AgentRecords(self._agent_columns)
        self._last: dict[str, np.ndarray] = {}

    def _snapshot(self, name: str, values: np.ndarray) -> np.ndarray:
        """A copy of ``values``, or the last snapshot's array of a steady column if equal."""
        if name in self._steady:
            last = self._last.get(name)
            if last is not None and _same(last, values):
                return last
            self._last[name] = last = values.copy()
            return last
        return values.copy()

    def collect(self, model) -> None:
        values = model.outputs
        for column, name in self._columns:
            column.append(values[name])
        if self._agent_columns:
            serving, ids = self._agent_rows()
            pop = model.population
            self._agent_records.add(
                model.steps, self._snapshot("_serving", serving), self._snapshot("_ids", ids),
                [self._snapshot(c, getattr(pop, c)) for c in self._agent_columns])


@kernel
def _same(a, b):
    """``np.array_equal`` for two 1-D arrays, without its temporary array (a fifth of the cost at
    1,000 cadres; the collector asks four times a step)."""
    if a.size != b.size:
        return False
    differ = False
    for i in range(a.size):  # no early exit: the loop is vectorised, four times faster
        differ |= a[i] != b[i]
    return not differ


class _AgentRecords(dict):
    """Mesa's ``_agent_records`` (step -> list of ``(step, agent id, *values)``), built from the
    column snapshots on first access of a step."""

    def __init__(self, columns):
        super().__init__()
        self._columns = columns
        self._snapshots = {}

    def add(self, step, serving, ids, values) -> None:
        """Keep step ``step``'s snapshot: which rows serve, the agent id of each row and the
        reporters' columns (whole, all rows)."""
        self._snapshots[step] = (serving, ids, values)
        super().__setitem__(step, None)

    def __getitem__(self, step):
        records = super().__getitem__(step)
        if records is None:
            serving, ids, values = self._snapshots.pop(step)
            rows = np.flatnonzero(serving)
            steps = [step] * rows.size
            records = list(zip(steps, ids[rows].tolist(), *(v[rows].tolist() for v in values),
                               strict=True))
            super().__setitem__(step, records)
        return records

    def get(self, step, default=None):
        return self[step] if step in self else default

    def values(self):
        return [self[step] for step in self]

    def items(self):
        return [(step, self[step]) for step in self]
