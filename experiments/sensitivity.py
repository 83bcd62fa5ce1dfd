"""Global sensitivity analysis of the cadre model: which levers and mechanisms drive innovation.

The pieces, one file each:

* ``sensitivity_design.py``   -- the SALib problem and the seeded Sobol / Morris designs;
* ``sensitivity_analysis.py`` -- indices, intervals, direction, seed noise, convergence (pure);
* ``sensitivity_report.py``   -- the tables and the plain-language ``summary.md``;
* ``sensitivity_figures.py``  -- index bars, Morris mu*-sigma, the mechanism chart;
* this module                 -- the problem from the model's parameter declaration, the plan,
  the cost estimate of ``--dry-run`` and :func:`run_sensitivity`, which runs the design through
  ``experiments.sweeps.run_sweep`` and writes every result into one folder atomically.
"""

from __future__ import annotations

import os
import resource
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from model.outputs import OUTPUTS
from model.parameters import MECHANISMS, PARAMETERS, PARAMETERS_BY_NAME, names, validate

from .errors import UserError
from .sensitivity_analysis import NUM_RESAMPLES, Analysis, analyse
from .sensitivity_design import Design, Problem, check_samples, make_design
from .sensitivity_report import duration

#: Outputs analysed when the user names none: genuine and symbolic innovation, success, stress,
#: value delivered and the four barriers.
DEFAULT_OUTPUTS = ("innovation_rate", "symbolic_rate", "success_rate", "mean_stress",
                   "cumulative_value", "barrier_afraid", "barrier_unwilling",
                   "barrier_unaccustomed", "barrier_unable")
PARAM_SETS = ("levers", "uncertainties", "all")


# ------------------------------------------------------------------------------ inputs
def build_problem(spec: str | list[str]) -> Problem:
    """The SALib problem for ``levers``, ``uncertainties``, ``all`` or comma-separated names.

    Bounds come from the parameter declaration; groups are the mechanisms (M1-M17). Structure
    parameters (the size and shape of the county) are never swept.
    """
    if isinstance(spec, str):
        spec = spec.strip()
        if spec == "levers":
            chosen = names("lever")
        elif spec == "uncertainties":
            chosen = names("uncertainty")
        elif spec == "all":
            chosen = names("lever") + names("uncertainty")
        else:
            chosen = [s.strip() for s in spec.split(",") if s.strip()]
    else:
        chosen = list(spec)
    for name in chosen:
        if name not in PARAMETERS_BY_NAME:
            import difflib

            close = difflib.get_close_matches(name, PARAMETERS_BY_NAME, n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            raise UserError(f"unknown parameter '{name}'{hint} in --params; use levers, "
                            "uncertainties, all, or names listed by `cadresim params`")
        if PARAMETERS_BY_NAME[name].kind == "structure":
            raise UserError(f"'{name}' is a structure parameter (the shape of the county), which "
                            "sensitivity sweeps keep fixed; choose levers or uncertainties")
    if len(set(chosen)) != len(chosen):
        raise UserError(f"--params names a parameter twice: {', '.join(chosen)}")
    if len(chosen) < 2:
        raise UserError(f"--params gives {len(chosen)} parameter(s); a sensitivity analysis "
                        "needs at least two")
    order = {p.name: i for i, p in enumerate(PARAMETERS)}  # declaration order, stable output
    ps = [PARAMETERS_BY_NAME[n] for n in sorted(chosen, key=order.__getitem__)]
    return Problem(tuple(p.name for p in ps), tuple((p.low, p.high) for p in ps),
                   tuple(p.integer for p in ps), tuple(p.mechanism for p in ps))


def parse_outputs(spec: str | list[str] | None) -> list[str]:
    """Output names from a comma-separated list (default :data:`DEFAULT_OUTPUTS`)."""
    if spec is None or spec == "":
        return list(DEFAULT_OUTPUTS)
    chosen = [s.strip() for s in spec.split(",") if s.strip()] if isinstance(spec, str) \
        else list(spec)
    unknown = [o for o in chosen if o not in OUTPUTS]
    if unknown or not chosen:
        raise UserError(f"unknown output '{unknown[0] if unknown else ''}' in --outputs; valid "
                        f"outputs: {', '.join(OUTPUTS)}")
    return list(dict.fromkeys(chosen))


@dataclass
class Plan:
    """Everything that decides a sensitivity analysis' numbers."""

    method: str
    samples: int
    replicates: int
    problem: Problem
    outputs: list[str]
    years: int
    seed: int
    second_order: bool = False
    n_cadres: int = 1000

    def __post_init__(self):
        check_samples(self.method, self.samples)
        if self.second_order and self.method != "sobol":
            raise UserError("--second-order needs --method sobol")
        if self.replicates < 1:
            raise UserError(f"--replicates {self.replicates}: need at least 1 seeded run per "
                            "sample row (2 or more to measure seed noise)")
        if self.years < 1:
            raise UserError(f"--years {self.years}: need at least 1 year")
        if self.n_cadres < 10:
            raise UserError(f"--cadres {self.n_cadres}: need at least 10 cadres")
        if self.seed < 0:
            raise UserError(f"--seed {self.seed}: need a whole number >= 0")

    @property
    def n_steps(self) -> int:
        return 4 * self.years

    def design(self) -> Design:
        return make_design(self.problem, self.method, self.samples, self.seed, self.second_order)

    def sweep_design(self, design: Design):
        """The sweep that runs ``design`` (every other parameter at its default)."""
        from .sweeps import SweepDesign

        swept = set(self.problem.names)
        base = {k: v for k, v in validate().items() if k not in swept}
        return SweepDesign(param_names=list(self.problem.names), samples=design.X,
                           base_params=base, replicates=self.replicates, n_steps=self.n_steps,
                           n_cadres=self.n_cadres, root_seed=self.seed, outputs=self.outputs,
                           meta={"kind": "sensitivity", **self.to_dict()})

    def to_dict(self) -> dict:
        return {"method": self.method, "samples": self.samples, "replicates": self.replicates,
                "problem": self.problem.to_dict(), "outputs": list(self.outputs),
                "years": self.years, "n_steps": self.n_steps, "seed": self.seed,
                "second_order": self.second_order, "n_cadres": self.n_cadres}


# ------------------------------------------------------------------------------ cost
def estimate_cost(plan: Plan, workers: int | None = None, timing_runs: int = 4) -> dict:
    """Runs, estimated wall time and memory of ``plan`` on this machine (nothing is written).

    The time comes from timing ``timing_runs`` real runs of the first design rows at the planned
    size through the sweep's own work function, divided over the workers (assumes near-linear
    speed-up, which the local engine gets on runs of this length). Memory: the peak resident size
    of this process after those runs (plus slack) for each worker and the parent, and the results
    table.
    """
    from .sweeps.chunks import run_chunk
    from .sweeps.engines import default_workers

    design = plan.design()
    sweep = plan.sweep_design(design)
    workers = workers or default_workers()

    def one_row(row: int, n_steps: int) -> float:
        # The very function a sweep worker runs, on one row and one replicate.
        task = {"chunk": 0, "key": "dry-run", "row0": row, "samples": design.X[row:row + 1],
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


# ------------------------------------------------------------------------------ running
def outputs_matrix(results: pd.DataFrame, n_rows: int, replicates: int,
                   outputs: list[str]) -> dict[str, np.ndarray]:
    """Each output as a (rows, replicates) matrix; failed or missing runs are NaN."""
    row = results["row"].to_numpy()
    rep = results["replicate"].to_numpy()
    ok = (results["status"] == "ok").to_numpy()
    out = {}
    for name in outputs:
        Y = np.full((n_rows, replicates), np.nan)
        Y[row[ok], rep[ok]] = results[name].to_numpy(dtype=np.float64)[ok]
        out[name] = Y
    return out


def run_sensitivity(plan: Plan, out: str | os.PathLike, engine: str = "local",
                    workers: int | None = None, progress: bool = True,
                    argv: list[str] | None = None, **engine_options) -> Analysis | None:
    """Run ``plan`` and write its results into the new folder ``out``.

    Files: ``indices.csv``, ``diagnostics.csv``, ``second_order.csv`` (with second order),
    figures (PNG + SVG), ``summary.md`` and ``manifest.json``; ``runs/`` keeps the sweep (its
    design, sample rows, chunks and ``results.parquet`` of every run). The folder is built in a
    hidden staging folder and moved into place only when complete; rerunning the same command
    after an interruption resumes the sweep from its finished chunks. With ``shard=(I, N)`` only
    that slice of the sweep runs and None is returned; the same call without ``shard`` then
    analyses.
    """
    try:
        return _run(plan, out, engine, workers, progress, argv, engine_options)
    except _ShardDone:
        return None


class _ShardDone(Exception):
    """Raised inside the staging folder to stop after one shard without finishing the folder."""


def _run(plan, out, engine, workers, progress, argv, engine_options) -> Analysis:
    from . import store
    from .sensitivity_figures import write_figures
    from .sensitivity_report import write_summary, write_tables
    from .sweeps import run_sweep

    started, t0 = store.utc_now(), time.perf_counter()
    design = plan.design()
    sweep = plan.sweep_design(design)
    sweep.validate()
    prov = store.provenance(argv)
    with store.staged_output_dir(out, plan={"sensitivity": plan.to_dict(),
                                            "fingerprint": sweep.fingerprint()}) as stage:
        results = run_sweep(sweep, Path(stage) / "runs", engine=engine, workers=workers,
                            progress=progress, **engine_options)
        if engine_options.get("shard") is not None:
            # One slice of a job array: leave the staging folder (its chunks) unfinished; the
            # same command without --shard then finds every chunk done, merges and analyses.
            raise _ShardDone
        sweep_seconds = time.perf_counter() - t0
        failed = int((results["status"] != "ok").sum())
        Y = outputs_matrix(results, design.n_rows, plan.replicates, plan.outputs)
        try:
            analysis = analyse(design, Y, seed=plan.seed)
        except ValueError as exc:  # a row without any successful run
            raise UserError(f"{exc}; see the failed runs with `cadresim status "
                            f"{Path(stage) / 'runs'}`") from None
        info = {"failed_runs": failed, "n_runs": int(len(results)),
                "sweep_seconds": sweep_seconds}
        write_tables(stage, plan, design, analysis)
        write_figures(stage, plan, analysis, prov)
        write_summary(stage, plan, design, analysis, info)
        store.write_manifest(stage, {
            "kind": "sensitivity", "provenance": prov, "command_line": prov["command_line"],
            "plan": plan.to_dict(), "mechanisms": {g: MECHANISMS.get(g, g)
                                                   for g in plan.problem.group_names},
            "design": {"rows": design.n_rows, "notes": design.notes,
                       "sample_seed": design.seed, "bootstrap_resamples": NUM_RESAMPLES},
            "seeds": {"root_seed": plan.seed, "run_seed": "SeedSequence(root_seed, spawn_key="
                      "(row, replicate)).generate_state(1)[0]", "sample_seed": design.seed},
            "runs": {"total": int(len(results)), "failed": failed,
                     "engine": engine, "workers": workers},
            "base_params": sweep.base_params,
            "diagnostics": {o: {"noise": a.noise, "convergence": a.convergence,
                                "src_r2": a.src_r2, "constant": a.constant}
                            for o, a in analysis.outputs.items()},
            "times": {"start": started, "end": store.utc_now(),
                      "wall_seconds": round(time.perf_counter() - t0, 2),
                      "sweep_seconds": round(sweep_seconds, 2),
                      "seconds_per_run": round(sweep_seconds / max(len(results), 1), 5)},
        })
    return analysis
