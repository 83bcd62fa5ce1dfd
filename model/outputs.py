"""Model reporters: the outputs computed after every step (names as in the model specification).

Shares are of serving cadres unless said otherwise; counts are per step (promotions and demotions
happen at the yearly appraisal, in the fourth quarter).
"""

from __future__ import annotations

import mesa
import numpy as np

from .jit import kernel
from .population import INCREMENTAL, SYMBOLIC

OUTPUTS: dict[str, str] = {
    "innovation_rate": "share of cadres attempting a genuine innovation",
    "success_rate": "share of genuine attempts that succeeded (0 when none)",
    "symbolic_rate": "share of cadres staging a symbolic innovation",
    "sanction_rate": "share of cadres sanctioned",
    "excused_rate": "share of investigated genuine failures excused (0 when none)",
    "barrier_afraid": "share of cadres held back by fear of sanction",
    "barrier_unwilling": "share held back because innovating does not pay",
    "barrier_unaccustomed": "share held back by conformity and habit",
    "barrier_unable": "share held back by lack of skill, time or energy",
    "mean_skill": "mean effective innovation skill",
    "mean_risk_aversion": "mean risk aversion",
    "mean_ambition": "mean career ambition",
    "mean_stress": "mean stress",
    "perceived_tolerance": "mean belief that an honest failure is excused",
    "promotions": "promotions this step",
    "demotions": "demotions and dismissals this step",
    "innovator_share_promoted": "share of innovators among those promoted at the last appraisal",
    "innovator_share": "share of cadres who attempted genuine innovation in the appraisal year",
    "value_delivered": "value of successful genuine innovation this step (size units)",
    "cumulative_value": "value of successful genuine innovation since the start",
    "bold_share": "share of genuine attempts that were bold",
    "routine_performance": "mean appraised routine performance (compliance)",
    "honour_value": "credibility of honours (0-1)",
    "leader_support": "mean stance of the leaders cadres answer to (-1..1)",
    "n_active": "serving cadres",
}


def compute(pop, action, events, barrier, state, skill=None) -> dict[str, float]:
    """All outputs for the current step as plain floats (``skill``: the cadres' effective
    skill, when the caller has it already)."""
    if skill is None:
        skill = pop.skill_effective()
    stats = np.zeros(_N_STATS)
    acted = events is not None  # at construction nobody has acted yet
    ev = ((events.attempted, events.success, events.investigated, events.excused,
           events.sanctioned, events.value) if acted else (_NO_EVENTS,) * 5 + (_NO_VALUE,))
    _count_kernel(pop.active, barrier, skill, pop.risk_aversion, pop.ambition, pop.stress,
                  pop.perceived_tolerance, pop.routine_performance, state["stance"], action,
                  *ev, acted, stats)
    (n, attempts, successes, investigated, excused, sanctioned, symbolic, incremental, value,
     afraid, unwilling, unaccustomed, unable, *sums) = stats.tolist()
    n = max(n, 1.0)
    out = {
        "innovation_rate": attempts / n,
        "success_rate": successes / attempts if attempts else 0.0,
        "symbolic_rate": symbolic / n,
        "sanction_rate": sanctioned / n,
        "excused_rate": excused / investigated if investigated else 0.0,
        "barrier_afraid": afraid / n,
        "barrier_unwilling": unwilling / n,
        "barrier_unaccustomed": unaccustomed / n,
        "barrier_unable": unable / n,
        "value_delivered": value,
        "bold_share": 1.0 - incremental / attempts if attempts else 0.0,
        "promotions": float(state["promotions"]),
        "demotions": float(state["demotions"]),
        "innovator_share_promoted": state["innovator_share_promoted"],
        "innovator_share": state["innovator_share"],
        "cumulative_value": state["cumulative_value"],
        "honour_value": state["honour_value"],
        "n_active": n,
    }
    for name, total in zip(_MEANS, sums, strict=True):
        out[name] = total / n
    return {k: out[k] for k in OUTPUTS}


#: Means over serving cadres, in the order of the kernel's sums.
_MEANS = ("mean_skill", "mean_risk_aversion", "mean_ambition", "mean_stress",
          "perceived_tolerance", "routine_performance", "leader_support")
_N_STATS = 13 + len(_MEANS)
_NO_EVENTS = np.zeros(0, dtype=np.bool_)
_NO_VALUE = np.zeros(0)


@kernel
def _count_kernel(active, barrier, skill, risk_aversion, ambition, stress, tolerance, routine,
                  stance, action, attempted, success, investigated, excused, sanctioned, value,
                  acted, stats):
    """One pass over the cadres: counts of events (all rows), of barriers and sums of states
    (serving cadres); the layout of ``stats`` is unpacked in ``compute``."""
    for i in range(active.size):
        if acted:
            stats[1] += attempted[i]
            stats[2] += success[i]
            stats[3] += investigated[i]
            stats[4] += excused[i]
            stats[5] += sanctioned[i]
            stats[6] += action[i] == SYMBOLIC
            stats[7] += action[i] == INCREMENTAL
            stats[8] += value[i]
        if active[i]:
            stats[0] += 1.0
            if barrier[i] >= 0:
                stats[9 + barrier[i]] += 1.0
            stats[13] += skill[i]
            stats[14] += risk_aversion[i]
            stats[15] += ambition[i]
            stats[16] += stress[i]
            stats[17] += tolerance[i]
            stats[18] += routine[i]
            stats[19] += stance[i]


class OutputCollector(mesa.DataCollector):
    """Mesa's DataCollector with one model reporter per output.

    The outputs are computed once per step as plain floats in ``model.outputs``; collecting them
    appends those floats directly (they are immutable, so Mesa's per-value deepcopy is not needed).
    Everything else -- ``model_vars``, ``get_model_vars_dataframe()``, ``batch_run`` -- is Mesa's.
    """

    def __init__(self):
        super().__init__(model_reporters={k: (lambda m, k=k: m.outputs[k]) for k in OUTPUTS})
        self._columns = [(self.model_vars[k], k) for k in OUTPUTS]

    def collect(self, model) -> None:
        values = model.outputs
        for column, name in self._columns:
            column.append(values[name])
