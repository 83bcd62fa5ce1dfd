"""The cost of a sensitivity analysis before it runs (``cadresim sensitivity --dry-run``):
model runs, wall time from a short timing of real runs, and memory."""

from __future__ import annotations

import numpy as np

from ..pool import check_memory, default_workers, run_memory
from ..sweeps.chunks import run_chunk
from .plan import Plan
from .report import duration

#: The timing runs are cut to at most this many quarters and cadres and scaled up (the model's
#: cost grows linearly in both), so a dry run of a huge plan takes a second, not minutes.
TIMING_STEPS = 8
TIMING_CADRES = 20_000


def estimate_cost(plan: Plan, workers: int | None = None, timing_runs: int = 4) -> dict:
    """Runs, estimated wall time and memory of ``plan`` on this machine (nothing is written).

    Checks what the real run checks first (the sweep's design, the memory of its workers). The
    time comes from timing ``timing_runs`` real runs of the first design rows through the sweep's
    own work function -- cut to at most TIMING_STEPS quarters and TIMING_CADRES cadres and scaled
    up linearly -- divided over the workers (assumes near-linear speed-up, which the local engine
    gets on runs of this length). Memory: the model's estimate per worker (``experiments.pool``)
    and the results table.
    """
    design = plan.design()
    sweep = plan.sweep_design(design)
    sweep.validate()
    workers = workers or default_workers()
    check_memory(plan.n_cadres, workers)
    steps = min(plan.n_steps, TIMING_STEPS)
    cadres = min(plan.n_cadres, TIMING_CADRES)
    scale = (plan.n_steps / steps) * (plan.n_cadres / cadres)

    def one_row(row: int, n_steps: int) -> float:
        # The very function a sweep worker runs, on one row and one replicate.
        task = {"chunk": 0, "key": "dry-run", "row0": row, "samples": sweep.samples[row:row + 1],
                "param_names": list(sweep.param_names), "base_params": sweep.base_params,
                "replicates": 1, "root_seed": plan.seed, "n_steps": n_steps,
                "n_cadres": cadres, "outputs": list(plan.outputs)}
        return run_chunk(task)["seconds"]

    one_row(0, 1)  # warm-up: first-call costs are not part of a run
    times = [one_row(row, steps) for row in range(min(timing_runs, design.n_rows))]
    per_run = float(np.median(times)) * scale
    n_runs = design.n_rows * plan.replicates
    worker = run_memory(plan.n_cadres)
    table = n_runs * (len(plan.outputs) + 6) * 8
    return {"n_rows": design.n_rows, "n_runs": n_runs, "seconds_per_run": per_run,
            "workers": workers, "estimated_seconds": n_runs * per_run / workers,
            "worker_bytes": worker, "results_bytes": table,
            "memory_bytes": worker * (workers + 1) + 3 * table, "design_notes": design.notes}


def format_cost(plan: Plan, cost: dict) -> str:
    """The ``--dry-run`` report."""
    mb = 1024 ** 2
    lines = [
        f"{plan.method} on {len(plan.problem.names)} parameters in "
        f"{len(plan.problem.group_names)} mechanisms, N={plan.samples}, "
        f"{plan.replicates} replicate(s), {plan.years} years, {plan.n_cadres} cadres",
        *cost["design_notes"],
        f"model runs: {cost['n_runs']:,} ({cost['n_rows']:,} sample rows x {plan.replicates})",
        f"time: ~{duration(cost['estimated_seconds'])} on {cost['workers']} worker(s) "
        f"({cost['seconds_per_run'] * 1000:.0f} ms per run, from a short timing scaled up)",
        f"memory: ~{cost['memory_bytes'] / mb:,.0f} MB ({cost['worker_bytes'] / mb:,.0f} MB per "
        f"worker, {cost['results_bytes'] / mb:,.1f} MB of results)",
        "dry run: nothing was written",
    ]
    return "\n".join(lines)
