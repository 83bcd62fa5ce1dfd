"""Running a sensitivity analysis: :func:`run_sensitivity` runs the plan's design through the
sweep machinery (``experiments.sweeps.run_sweep``), analyses it and writes every result into one
folder atomically."""

from __future__ import annotations

import os
import time
from pathlib import Path

import numpy as np
import pandas as pd

from model.parameters import MECHANISMS

from .. import store
from ..errors import UserError
from ..sweeps import run_sweep
from .analysis import NUM_RESAMPLES, Analysis, analyse
from .figures import write_figures
from .plan import Plan
from .report import write_summary, write_tables


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


def reading_note(plan: Plan) -> str:
    """What the ranges were, and why a share of variance is not the size of an effect."""
    ranges = ("each lever over its **reform range** (what a county could plausibly reach within a "
              "few years; `cadresim params` and model/parameters.py give each range and its "
              "reason)" if plan.ranges == "reform" else
              "each parameter over its **full declared range**, corners no county will see "
              "included")
    post = ("; the behavioural uncertainties were drawn from the calibrated posterior as **one "
            f"input** (`posterior_draw`, group `posterior`: {plan.posterior.describe()['sets']} "
            "parameter sets), so its share is how much of the variation is what we do not know "
            "about behaviour rather than policy" if plan.posterior is not None else
            "; every other parameter, behavioural uncertainties included, stayed at its default")
    return ("\n## How to read these shares\n\n"
            f"The sample varied {ranges}{post}. **A share of variance depends on the ranges "
            "sampled and is not the size of an effect**: widen a lever's range and its share "
            "grows; a lever with a small share can still change innovation a lot when moved. "
            "For the size of each lever's plausible reform, with intervals over the posterior, "
            "see the lever effect sizes (`lever_effects.md`) beside this analysis.\n")


class _ShardDone(Exception):
    """Raised inside the staging folder to stop after one shard without finishing the folder."""


def _run(plan, out, engine, workers, progress, argv, engine_options) -> Analysis:
    started, t0 = store.utc_now(), time.perf_counter()
    design = plan.design()
    sweep = plan.sweep_design(design)
    sweep.validate()
    prov = store.provenance(argv)
    with store.staged_output_dir(out, plan={"sensitivity": plan.to_dict(),
                                            "fingerprint": sweep.fingerprint()},
                                 shared=engine_options.get("shard") is not None) as stage:
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
        store.atomic_write_text(Path(stage) / "summary.md", (Path(stage) / "summary.md")
                                .read_text() + reading_note(plan))
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
