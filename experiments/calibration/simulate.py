"""The one function every calibration run goes through: :func:`simulate`, ``run_model`` plus the
micro statistics that the evidence needs and the model's outputs do not give.

It has ``runner.run_model``'s signature and result, so a sweep runs it in place of ``run_model``
(``SweepDesign.run = "experiments.calibration.simulate:simulate"``) on every engine, with the same
seeds, chunks, ledger and resume. Its extra statistics, each a mean over the last five years
(``runner.SUMMARY_YEARS``) like every summary:

* ``skill_sd`` -- the standard deviation of effective skill across serving cadres;
* ``training_d`` -- the standardised effect of one course at its end, as meta-analyses of
  training report it (Cohen's d: gain of the trained over the cross-sectional sd of the
  outcome). A course closes ``training.course_gain(p)`` of each trainee's gap to full skill, and
  trainees are drawn at random from the serving cadres, so the expected gain of a trainee is
  ``course_gain * (1 - mean skill)``; ``training_d = course_gain * (1 - mean_skill) / skill_sd``,
  computed each quarter (exact in expectation, without the noise of a few dozen trainees);
* ``sanctions_per_year`` -- sanctions per cadre per year, ``4 * sanction_rate``.
"""

from __future__ import annotations

import numpy as np

from model import CadreModel
from model.model import gc_paused
from model.outputs import OUTPUTS as MODEL_OUTPUTS
from model.training import course_gain

from ..runner import SUMMARY_YEARS, release, summarise

QUARTERS = 4
#: Statistics this function returns: the model's outputs and the micro statistics above.
OUTPUTS: dict[str, str] = {
    **MODEL_OUTPUTS,
    "skill_sd": "standard deviation of effective skill across serving cadres",
    "training_d": "standardised effect (Cohen's d) of one course at its end, expected value",
    "sanctions_per_year": "sanctions per cadre per year (4 x the quarterly sanction rate)",
}
EXTRA = tuple(k for k in OUTPUTS if k not in MODEL_OUTPUTS)


def simulate(params: dict, seed: int, n_steps: int, n_cadres: int = 1000,
             policy_schedule: list | None = None, outputs=None, with_agents: bool = False
             ) -> dict:
    """Run one model; return ``{"series": {...}, "summary": {...}}`` as ``run_model`` does, the
    summary holding :data:`OUTPUTS` (or the names in ``outputs``)."""
    window = QUARTERS * SUMMARY_YEARS
    sds, ds = [], []
    with gc_paused():
        m = CadreModel(seed=seed, n_cadres=n_cadres, policy_schedule=policy_schedule,
                       with_agents=with_agents, **params)
        try:
            for step in range(n_steps):
                m.step()
                if step >= n_steps - window:
                    sd, d = _skill_statistics(m)
                    sds.append(sd)
                    ds.append(d)
            series = {k: np.asarray(m.datacollector.model_vars[k], dtype=np.float64)
                      for k in MODEL_OUTPUTS}
        finally:
            release(m)
    summary = summarise(series)
    summary["skill_sd"] = float(np.mean(sds)) if sds else float("nan")
    summary["training_d"] = float(np.mean(ds)) if ds else float("nan")
    summary["sanctions_per_year"] = QUARTERS * summary["sanction_rate"]
    names = list(OUTPUTS) if outputs is None else list(outputs)
    return {"series": {k: series[k] for k in names if k in series},
            "summary": {k: summary[k] for k in names}}


def _skill_statistics(m) -> tuple[float, float]:
    """(sd of effective skill, expected d of a course) over the serving cadres now."""
    pop = m.population
    skill = pop.skill_effective()[pop.active]
    sd = float(skill.std(ddof=1)) if skill.size > 1 else float("nan")
    gain = min(course_gain(m.p), 1.0) * (1.0 - float(skill.mean()))
    return sd, (gain / sd if sd > 0 else float("nan"))
