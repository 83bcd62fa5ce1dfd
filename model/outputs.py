"""Model reporters: the outputs computed after every step (names as in the model specification).

Shares are of serving cadres unless said otherwise; counts are per step (promotions and demotions
happen at the yearly appraisal, in the fourth quarter).
"""

from __future__ import annotations

import mesa
import numpy as np

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
    active = pop.active
    n = max(int(np.count_nonzero(active)), 1)
    out = {}
    attempts = int(np.count_nonzero(events.attempted)) if events is not None else 0
    out["innovation_rate"] = attempts / n
    if events is not None:
        investigated = int(np.count_nonzero(events.investigated))
        out["success_rate"] = int(np.count_nonzero(events.success)) / attempts if attempts else 0.0
        out["symbolic_rate"] = int(np.count_nonzero(action == SYMBOLIC)) / n
        out["sanction_rate"] = int(np.count_nonzero(events.sanctioned)) / n
        out["excused_rate"] = (int(np.count_nonzero(events.excused)) / investigated
                               if investigated else 0.0)
        out["value_delivered"] = float(events.value.sum())
        out["bold_share"] = (1.0 - int(np.count_nonzero(action == INCREMENTAL)) / attempts
                             if attempts else 0.0)
    else:
        for k in ("success_rate", "symbolic_rate", "sanction_rate", "excused_rate",
                  "value_delivered", "bold_share"):
            out[k] = 0.0
    counts = np.bincount(barrier[active] + 1, minlength=5)
    for k, name in enumerate(("afraid", "unwilling", "unaccustomed", "unable")):
        out[f"barrier_{name}"] = counts[k + 1] / n

    def mean(x):
        # A masked sum, not a dot product: BLAS threads fight over the cores in parallel sweeps.
        return float(np.add.reduce(x, where=active)) / n

    out["mean_skill"] = mean(pop.skill_effective() if skill is None else skill)
    out["mean_risk_aversion"] = mean(pop.risk_aversion)
    out["mean_ambition"] = mean(pop.ambition)
    out["mean_stress"] = mean(pop.stress)
    out["perceived_tolerance"] = mean(pop.perceived_tolerance)
    out["routine_performance"] = mean(pop.routine_performance)
    out["leader_support"] = mean(state["stance"])
    out["promotions"] = float(state["promotions"])
    out["demotions"] = float(state["demotions"])
    out["innovator_share_promoted"] = state["innovator_share_promoted"]
    out["innovator_share"] = state["innovator_share"]
    out["cumulative_value"] = state["cumulative_value"]
    out["honour_value"] = state["honour_value"]
    out["n_active"] = float(n)
    return {k: out[k] for k in OUTPUTS}


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
