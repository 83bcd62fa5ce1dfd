"""The cost of a sensitivity analysis before it runs (``cadresim sensitivity --dry-run``):
model runs, wall time from a short timing of real runs, and memory."""

from __future__ import annotations

import resource

import numpy as np

from ..sweeps.chunks import run_chunk
from ..sweeps.engines import default_workers
from .plan import Plan
from .report import duration


def estimate_cost(plan: Plan, workers: int | None = None, timing_runs: int = 4) -> dict:
    """Runs, estimated wall time and memory of ``plan`` on this machine (nothing is written).

    The time comes from timing ``timing_runs`` real runs of the first design rows at the planned
    size through the sweep's own work function, divided over the workers (assumes near-linear
    speed-up, which the local engine gets on runs of this length). Memory: the peak resident size
    of this process after those runs (plus slack) for each worker and the parent, and the results
    table.
    """
    design = plan.design()
    sweep = plan.sweep_design(design)
    workers = workers or default_workers()

    def one_row(row: int, n_steps: int) -> float:
        # The very function a sweep worker runs, on one row and one replicate.
        task = {"chunk": 0, "key": "dry-run", "row0": row, "samples": sweep.samples[row:row + 1],
                "param_names": list(sweep.param_names), "base_params": sweep.base_params,
                "replicates": 1, "root_seed": plan.seed, "n_steps": n_steps,
                "n_cadres": plan.n_cadres, "outputs": list(plan.outputs)}
        return run_chunk(task)["seconds"]

    one_row(0, 1)  # warm-up: first-call costs are not part of a run
    times, peaks = [], []
    for row in range(min(timing_runs, design.n_rows)):
        times.append(one_row(row, plan.n_steps))
        peaks.append(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024)  # Linux: KiB
    per_run = float(np.median(times))
    n_runs = design.n_rows * plan.replicates
    # A worker holds one model at a time (the sweep releases finished models), so its peak is
    # about that of this process after a few runs; a quarter more for allocator slack.
    worker = 1.25 * max(peaks)
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
        f"({cost['seconds_per_run'] * 1000:.0f} ms per run, median of a short timing)",
        f"memory: ~{cost['memory_bytes'] / mb:,.0f} MB ({cost['worker_bytes'] / mb:,.0f} MB per "
        f"worker, {cost['results_bytes'] / mb:,.1f} MB of results)",
        "dry run: nothing was written",
    ]
    return "\n".join(lines)
