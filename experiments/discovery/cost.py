"""What a discovery or a robust search will cost before it runs (``--dry-run``): model runs and
wall time, from timing a few real runs of the planned size through the sweeps' own work function
(so the time includes what a sweep worker does), divided over the workers."""

from __future__ import annotations

import numpy as np

from ..sweeps import SweepDesign, run_chunk
from ..sweeps.engines import default_workers


def seconds_per_run(design: SweepDesign, timing_runs: int = 3) -> float:
    """Median wall time of one run of ``design``'s first rows (after a short warm-up)."""

    def one(row: int, n_steps: int) -> float:
        task = {"chunk": 0, "key": "dry-run", "row0": row,
                "samples": np.asarray(design.samples)[row:row + 1],
                "param_names": list(design.param_names), "base_params": design.base_params,
                "replicates": 1, "root_seed": design.root_seed, "n_steps": n_steps,
                "n_cadres": design.n_cadres, "outputs": design.output_names(),
                "policy_schedule": design.policy_schedule}
        return run_chunk(task)["seconds"]

    one(0, 1)  # first-call costs (compiled code loading) are not part of a run
    rows = range(min(timing_runs, design.n_rows))
    return float(np.median([one(r, design.n_steps) for r in rows]))


def duration(seconds: float) -> str:
    """``"12 s"``, ``"4.2 min"``, ``"1.5 h"``."""
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.1f} min"
    return f"{seconds / 3600:.1f} h"


def estimate(design: SweepDesign, n_runs: int, workers: int | None = None,
             overhead_s: float = 0.0) -> dict:
    """Runs and estimated wall time of ``n_runs`` runs like ``design``'s on ``workers``."""
    workers = workers or default_workers()
    per_run = seconds_per_run(design)
    return {"n_runs": int(n_runs), "seconds_per_run": per_run, "workers": workers,
            "estimated_seconds": n_runs * per_run / workers + overhead_s}


def format_estimate(what: str, cost: dict) -> str:
    """The ``--dry-run`` lines."""
    return "\n".join([
        what,
        f"model runs: {cost['n_runs']:,}",
        f"time: ~{duration(cost['estimated_seconds'])} on {cost['workers']} worker(s) "
        f"({cost['seconds_per_run'] * 1000:.0f} ms per run, median of a short timing on this "
        "machine now; a busy machine is slower)",
        "dry run: nothing was written",
    ])
