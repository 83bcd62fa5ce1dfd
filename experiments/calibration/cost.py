"""The cost of a calibration before it runs (``cadresim calibrate --dry-run``).

Screening and the predictive check have a known number of runs. ABC-SMC adapts: each generation
runs until ``population`` candidates are accepted, so its runs are estimated from the measured
headline calibration (about ``RUNS_PER_SET`` candidates per posterior set over all generations,
see benchmarks/bench_calibration.py) and bounded by ``max_generations / min_acceptance``.
"""

from __future__ import annotations

import time

import numpy as np

from ..sensitivity.report import duration
from ..sweeps.engines import default_workers
from .plan import CalibrationPlan
from .screen import REPLICATES, screening_design
from .simulate import simulate

#: Candidates run per posterior set over all generations, measured on the headline calibration.
RUNS_PER_SET = 25


def estimate_cost(plan: CalibrationPlan, workers: int | None = None,
                  timing_runs: int = 3) -> dict:
    """Runs and estimated wall time of ``plan`` on this machine; nothing is written."""
    workers = workers or default_workers()
    screening = 0
    if not plan.calibrate:
        design, _ = screening_design(plan)
        screening = design.n_rows * REPLICATES
    abc = RUNS_PER_SET * plan.population
    worst = int(plan.population * (1 + (plan.max_generations - 1) / plan.min_acceptance))
    check = plan.population * plan.ppc_seeds
    params = plan.base_params([])
    simulate(params, 0, 1, n_cadres=plan.n_cadres)  # warm-up: compiled code, first-call costs
    times = []
    for i in range(timing_runs):
        t0 = time.perf_counter()
        simulate(params, i, plan.n_steps, n_cadres=plan.n_cadres)
        times.append(time.perf_counter() - t0)
    per_run = float(np.median(times))
    total = screening + abc + check
    return {"screening": screening, "abc": abc, "abc_worst": worst, "check": check,
            "total": total, "seconds_per_run": per_run, "workers": workers,
            "seconds": total * per_run / workers}


def format_cost(plan: CalibrationPlan, cost: dict) -> str:
    """The ``--dry-run`` report."""
    chosen = (f"{len(plan.calibrate)} named uncertainties" if plan.calibrate else
              "uncertainties chosen by a Morris screening")
    return "\n".join([
        f"ABC-SMC of {chosen} against {len(plan.targets.targets)} targets; population "
        f"{plan.population}, at most {plan.max_generations} generations; {plan.n_cadres} cadres "
        f"x {plan.n_years} years per run",
        f"model runs: screening {cost['screening']:,}, ABC about {cost['abc']:,} (adaptive; at "
        f"most {cost['abc_worst']:,}), predictive check {cost['check']:,}: about "
        f"{cost['total']:,}",
        f"time: ~{duration(cost['seconds'])} on {cost['workers']} worker(s) "
        f"({cost['seconds_per_run'] * 1000:.0f} ms per run now, median of a short timing)",
        "dry run: nothing was written",
    ])
