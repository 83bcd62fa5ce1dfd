"""``cadresim calibrate``: screening, ABC-SMC and the posterior-predictive check, written into one
results folder with the store's atomic writes, a manifest and provenance.

The folder is built in a hidden staging folder (``store.staged_output_dir``) whose ``runs/`` holds
every sweep: the screening, each batch of each generation, the predictive check. An interrupted
calibration resumes when the same command is run again (finished chunks are kept; every decision
is recomputed from them, identically). When complete, the sweeps are dropped (they are
reproducible from the manifest's plan and seeds) and the folder moves into place.
"""

from __future__ import annotations

import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .. import store
from ..errors import UserError
from .check import check_table, run_check
from .figures import check_figure, marginals_figure
from .generations import SMCResult, run_generations
from .plan import CalibrationPlan
from .posterior import POSTERIOR_FILE, WEIGHT, load_posterior
from .report import parameter_table, readme_text, summary_text
from .screen import run_screening


@dataclass
class CalibrationResult:
    """What a calibration produced (the folder holds the same)."""

    out: Path | None
    plan: CalibrationPlan
    smc: SMCResult
    check: pd.DataFrame
    parameters: pd.DataFrame
    screening: pd.DataFrame | None

    @property
    def met(self) -> bool:
        return bool(self.check["met"].all()) and self.smc.converged


def calibrate(plan: CalibrationPlan, out: str | os.PathLike, progress: bool = True,
              argv: list[str] | None = None, log=print, **engine) -> CalibrationResult | None:
    """Calibrate ``plan`` into the new folder ``out``; returns None after one shard's part
    (``shard=(I, N)``: run the same command without ``--shard`` to write the folder)."""
    prov = store.provenance(argv)
    started, t0 = store.utc_now(), time.perf_counter()
    with store.staged_output_dir(out, plan={"calibration": plan.to_dict()}) as stage:
        runs = Path(stage) / "runs"
        runs.mkdir(exist_ok=True)
        screening = None
        if not plan.calibrate:
            log("screening: which uncertainties can the targets inform?")
            screening = run_screening(plan, runs / "screening", progress=progress, **engine)
            chosen = screening[screening["calibrated"]]["parameter"].tolist()
            if not chosen:
                raise UserError("no uncertainty moves any target by "
                                f"{plan.screen_threshold:g} tolerance; nothing to calibrate "
                                "(check the targets' statistics and tolerances)")
            plan = plan.with_calibrated(chosen)
            log(f"calibrating {len(chosen)} uncertainties: {', '.join(chosen)}")
        smc = run_generations(plan, runs, progress=progress, log=log, **engine)
        names = list(plan.calibrate) + plan.nuisance_names()
        ppc = run_check(plan, smc.final, names, runs / "check", progress=progress, **engine)
        if engine.get("shard") is not None:
            return None  # every shard waited for the others; one unsharded run writes the folder
        prior = smc.populations[smc.populations["generation"] == 0]
        table = check_table(plan, ppc, prior)
        params = parameter_table(smc.final, list(plan.calibrate), plan.nuisance_names())
        minutes = (time.perf_counter() - t0) / 60
        n_runs = _count_runs(runs)
        _write(Path(stage), plan, smc, names, table, params, screening, ppc, prior, prov,
               {"runs": n_runs, "minutes": minutes})
        store.write_manifest(stage, {
            "kind": "calibration", "command_line": prov["command_line"], "provenance": prov,
            "calibration_packages": store.package_versions(("pyabc", "scikit-learn")),
            "plan": plan.to_dict(), "calibrated": list(plan.calibrate),
            "prior_only": plan.nuisance_names(),
            "method": "ABC-SMC, uniform kernel on the targets' bands (distance = largest "
                      "|statistic - value| / tolerance), adaptive tolerance (weighted median), "
                      "pyabc MultivariateNormalTransition (Silverman bandwidth)",
            "seeds": {"root_seed": plan.seed,
                      "candidates": "SeedSequence(seed, spawn_key=(generation, batch, 0))",
                      "batch_root": "SeedSequence(seed, spawn_key=(generation, batch, 1))",
                      "run": "SeedSequence(batch_root, spawn_key=(row, replicate))",
                      "screening": "spawn_key=(10000,)", "check": "spawn_key=(20000,)"},
            "generations": smc.history, "all_targets_met": bool(table["met"].all()),
            "converged": smc.converged, "unmet_targets": table.loc[~table["met"], "target"]
            .tolist(), "runs": {"total": n_runs, "engine": engine.get("engine", "local"),
                                "workers": engine.get("workers")},
            "times": {"start": started, "end": store.utc_now(),
                      "wall_seconds": round(time.perf_counter() - t0, 1),
                      "runs_per_second": round(n_runs / max(time.perf_counter() - t0, 1e-9), 2)},
        })
        shutil.rmtree(runs)  # reproducible from the plan and seeds above
    load_posterior(out)  # the written folder honours the contract
    return CalibrationResult(Path(out), plan, smc, table, params, screening)


def _count_runs(runs: Path) -> int:
    from ..sweeps import load_design

    return sum(load_design(d.parent).n_runs for d in runs.rglob("design.json"))


def _write(stage: Path, plan, smc, names, table, params, screening, ppc, prior, prov,
           info) -> None:
    final = smc.final
    posterior = final[names].astype(float).assign(**{WEIGHT: final["weight"].to_numpy()})
    store.write_parquet_atomic(posterior, stage / POSTERIOR_FILE)
    store.write_parquet_atomic(smc.populations, stage / "populations.parquet")
    store.write_parquet_atomic(ppc, stage / "check_runs.parquet")
    store.write_csv_atomic(pd.DataFrame(smc.history), stage / "generations.csv")
    store.write_csv_atomic(table, stage / "check.csv", float_format="%.6g")
    store.write_csv_atomic(params, stage / "parameters.csv", float_format="%.6g")
    if screening is not None:
        store.write_csv_atomic(screening, stage / "screening.csv", float_format="%.4g")
    if plan.targets.path is not None:
        store.atomic_write_bytes(stage / "targets.toml", Path(plan.targets.path).read_bytes())
    store.save_figure(marginals_figure(final, list(plan.calibrate)), stage / "marginals", prov,
                      title="Posterior marginals against the prior")
    store.save_figure(check_figure(plan.targets, ppc, prior, table), stage / "check", prov,
                      title="Posterior-predictive check")
    store.atomic_write_text(stage / "summary.md",
                            summary_text(plan, smc, table, params, screening, info))
    store.atomic_write_text(stage / "README.md", readme_text(plan, smc, table))
