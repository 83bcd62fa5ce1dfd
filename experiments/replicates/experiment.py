"""Scenario experiments: :func:`run_experiment`, the one routine behind ``cadresim run`` and
``cadresim compare``, and its short forms :func:`run_scenarios`, :func:`compare_scenarios` and
:func:`reproduce`.

An experiment validates everything, runs what is missing (finished runs of an interrupted attempt
are kept in the staging folder and reused; see ``runs.py``), builds the tables (``tables.py``,
``effects.py``), draws the figures (``figures.py``), writes the manifest, then moves the folder
into place.
"""

from __future__ import annotations

import os
import shutil
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from model.outputs import OUTPUTS

from ..errors import UserError
from ..presentation import Window
from ..runner import prepare
from ..scenario import Scenario
from ..store import (
    provenance,
    staged_output_dir,
    utc_now,
    write_csv_atomic,
    write_manifest,
    write_parquet_atomic,
)
from .effects import KEY_OUTPUTS, effects_table, rounded
from .figures import write_experiment_figures
from .readme import write_readme
from .runs import SEED_RULE, Task, execute, replicate_seed
from .settings import check_posterior, check_settings, prepare_scenarios, replicate_params
from .tables import rounded_stats, scenario_stats, summary_table, timeseries_table


@dataclass
class ExperimentResult:
    """Everything an experiment produced (the same tables the results folder holds)."""

    summary: pd.DataFrame
    timeseries: pd.DataFrame
    stats: pd.DataFrame
    effects: pd.DataFrame | None = None
    manifest: dict = field(default_factory=dict)
    out: Path | None = None


def run_experiment(kind: str, scenarios: Sequence[Scenario | str], replicates: int, years: float,
                   seed: int, n_cadres: int = 1000, workers: int | None = None,
                   out: str | os.PathLike | None = None, progress: bool = True,
                   overrides: dict | None = None, outputs: Sequence[str] | None = None,
                   argv: list[str] | None = None, posterior=None,
                   seeds_per_draw: int = 2,
                   window: Window | str | float | None = None) -> ExperimentResult:
    """Run scenarios x replicates (``kind`` "run") or a paired comparison against the first
    scenario (``kind`` "compare"), and write the results folder when ``out`` is given.

    ``posterior`` (a calibration folder, a ``Posterior``, ``"default"`` for the committed headline
    posterior, or None for every uncertainty at its default): replicate r runs the parameter set
    of posterior draw ``r // seeds_per_draw`` on seed r, in every scenario alike, so effects carry
    parameter uncertainty and it can be told from seed noise (see ``effects.effects_table``).

    ``window`` is the years each run is read over (``--window``: None for the last five, a number
    N for the last N years, "A-B" for years A to B, or a ``presentation.Window``).
    Everything is validated before the first run: a bad input raises UserError and writes nothing.
    """
    from ..calibration.posterior import resolve_posterior

    posterior = resolve_posterior(posterior)
    check_posterior(posterior, seeds_per_draw)
    if kind not in ("run", "compare"):
        raise ValueError(f"kind must be 'run' or 'compare', got {kind!r}")
    n_steps = check_settings(replicates, years, seed, n_cadres, workers,
                             min_replicates=2 if kind == "compare" else 1)
    win = window if isinstance(window, Window) else Window.parse(window, years)
    if win.last > n_steps:
        raise UserError(f"the window ({win.span()}) ends after the run ({years:g} years); "
                        "choose a shorter --window")
    scen = prepare_scenarios(scenarios, years, overrides)
    if not scen or (kind == "compare" and len(scen) < 2):
        raise UserError("compare needs a baseline and at least one scenario, e.g. "
                        "`cadresim compare baseline credible_fault_tolerance`")
    names = [s.name for s in scen]
    outputs = list(KEY_OUTPUTS if outputs is None else outputs)
    unknown = [o for o in outputs if o not in OUTPUTS]
    if unknown:
        raise UserError(f"unknown output '{unknown[0]}'; outputs: {', '.join(OUTPUTS)}")
    full = {s.name: s.full_params() for s in scen}
    seeds = [replicate_seed(seed, r) for r in range(replicates)]
    drawn = {(s.name, r): replicate_params(posterior, r, seed, seeds_per_draw, set(s.params))
             for s in scen for r in range(replicates)}
    tasks = [Task(s.name, r, seeds[r], {**full[s.name], **drawn[s.name, r][0]},
                  s.policy_schedule, n_steps, n_cadres)
             for s in scen for r in range(replicates)]
    draw_of = {r: drawn[scen[0].name, r][1] for r in range(replicates)}
    settings = {"kind": kind, "replicates": replicates, "years": years, "n_steps": n_steps,
                "seed": seed, "n_cadres": n_cadres, "outputs": outputs,
                "baseline": names[0] if kind == "compare" else None,
                "set_overrides": dict(overrides or {}), "window": win.to_dict(),
                "posterior": posterior.describe() if posterior is not None else None,
                "seeds_per_draw": seeds_per_draw if posterior is not None else None}
    scen_records = [{**s.to_dict(), "full_params": full[s.name]} for s in scen]
    plan = {"settings": settings, "scenarios": scen_records, "seeds": seeds}

    prov = provenance(argv)
    started, t0 = utc_now(), time.perf_counter()
    manifest = {
        "kind": kind,
        "command_line": prov["command_line"],
        "provenance": prov,
        "settings": settings,
        "scenarios": scen_records,
        "seeds": {"root_seed": seed, "rule": SEED_RULE, "replicates": seeds,
                  "posterior_draws": ("Posterior.draw_for(replicate // seeds_per_draw, root_seed)"
                                      if posterior is not None else None)},
    }

    def compute(pieces: Path | None) -> ExperimentResult:
        # Compile the model (once per machine) before the progress bar, and say so if it takes.
        prepare(notify=(lambda line: print(line, file=sys.stderr, flush=True)) if progress
                else None)
        records = execute(tasks, workers=workers, progress=progress, pieces=pieces)
        summary = summary_table(records, names, win)
        summary.insert(2, "draw", summary["replicate"].map(draw_of).astype(int))
        res = ExperimentResult(summary=summary, timeseries=timeseries_table(records, names),
                               stats=scenario_stats(summary, outputs, win))
        if kind == "compare":
            res.effects = effects_table(summary, names[0], outputs, window=win)
        manifest["runs"] = [records[t.key].meta() for t in tasks]
        res.manifest = manifest
        return res

    if out is None:
        res = compute(None)
        _finish_manifest(manifest, started, t0)
        return res

    out = Path(out)
    with staged_output_dir(out, plan) as stage:
        pieces = stage / "runs"
        pieces.mkdir(exist_ok=True)
        n_done = sum(1 for t in tasks if (pieces / t.filename).is_file())
        res = compute(pieces)
        manifest["resumed_runs"] = n_done
        write_results(stage, res, kind, prov)
        shutil.rmtree(pieces)  # now in timeseries.parquet; the pieces were only for resuming
        _finish_manifest(manifest, started, t0)
        write_manifest(stage, manifest)
    res.out = out
    return res


def _finish_manifest(manifest: dict, started: str, t0: float) -> None:
    manifest["started"] = started
    manifest["finished"] = utc_now()
    manifest["wall_time_s"] = round(time.perf_counter() - t0, 3)


def write_results(folder: Path, res: ExperimentResult, kind: str, prov: dict) -> None:
    """Write the tables, figures and README of an experiment into ``folder`` (each file
    atomically). ``summary.csv`` and ``timeseries.parquet`` keep every digit (reproduce checks
    them); the tables a reader opens are rounded to the precision their intervals justify."""
    write_parquet_atomic(res.timeseries, folder / "timeseries.parquet")
    write_csv_atomic(res.summary, folder / "summary.csv")
    write_csv_atomic(rounded_stats(res.stats), folder / "summary_by_scenario.csv")
    if res.effects is not None:
        write_csv_atomic(rounded(res.effects), folder / "effects.csv")
    figures = write_experiment_figures(folder, res, kind, prov)
    write_readme(folder, res, kind, figures)


def run_scenarios(scenarios, replicates: int, years: float, seed: int, n_cadres: int = 1000,
                  workers: int | None = None, out=None, progress: bool = True,
                  overrides: dict | None = None, argv: list[str] | None = None,
                  posterior=None, seeds_per_draw: int = 2, window=None) -> pd.DataFrame:
    """Run each scenario (names, paths or :class:`Scenario`) on ``replicates`` paired seeds.

    Returns the summary table (one row per scenario x replicate: seed, wall time, each output's
    summary value); writes the full results folder when ``out`` is given. For the time series and
    manifest as well, use :func:`run_experiment`.
    """
    return run_experiment("run", list(scenarios), replicates, years, seed, n_cadres=n_cadres,
                          workers=workers, out=out, progress=progress, overrides=overrides,
                          argv=argv, posterior=posterior, seeds_per_draw=seeds_per_draw,
                          window=window).summary


def compare_scenarios(baseline, scenarios, replicates: int, years: float, seed: int,
                      n_cadres: int = 1000, workers: int | None = None, out=None,
                      progress: bool = True, overrides: dict | None = None,
                      outputs: Sequence[str] | None = None,
                      argv: list[str] | None = None, posterior=None,
                      seeds_per_draw: int = 2, window=None) -> pd.DataFrame:
    """Paired comparison of ``scenarios`` against ``baseline`` (names, paths or Scenarios).

    Every replicate of every scenario runs on the same seed. Returns the effects table (see
    :func:`effects.effects_table`), read over ``window`` (default: the last five years); writes
    the full results folder when ``out`` is given. For the time series and manifest as well, use
    :func:`run_experiment` with ``"compare"``.
    """
    if isinstance(scenarios, str):
        scenarios = [scenarios]
    res = run_experiment("compare", [baseline, *scenarios], replicates, years, seed,
                         n_cadres=n_cadres, workers=workers, out=out, progress=progress,
                         overrides=overrides, outputs=outputs, argv=argv, posterior=posterior,
                         seeds_per_draw=seeds_per_draw, window=window)
    return res.effects


def reproduce(manifest: dict, out=None, workers: int | None = None,
              progress: bool = True) -> ExperimentResult:
    """Run an experiment again from its manifest: the same full parameters, schedules and seeds.

    The scenarios are rebuilt from the parameters stored in the manifest (not from the scenario
    files, which may have changed since).
    """
    kind = manifest.get("kind")
    if kind not in ("run", "compare"):
        again = manifest.get("command_line") or (manifest.get("provenance") or {}).get(
            "command_line")
        how = {"sensitivity": f"; rerun it with its own command: {again}" if again else "",
               "headline": "; rerun it with `cadresim headline --replace`, or reproduce its "
                           "comparison: `cadresim reproduce FOLDER/policy_comparison`"}
        raise UserError(f"this manifest is of a {kind or 'unknown'} folder, and `cadresim "
                        f"reproduce` reruns the folders of `run` and `compare`"
                        f"{how.get(kind, '')}")
    try:
        settings = manifest["settings"]
        kind = settings["kind"]
        posterior = _recorded_posterior(settings.get("posterior"))
        drawn = set(posterior.names) if posterior is not None else set()
        # Values the posterior supplied are drawn again, not frozen as explicit settings.
        scen = [Scenario.from_dict({**s, "params": {
            k: v for k, v in s["full_params"].items() if k in s.get("params", {})
            or k not in drawn}}) for s in manifest["scenarios"]]
    except (KeyError, TypeError) as exc:
        raise UserError(f"manifest lacks {exc}; it cannot be rerun") from None
    window = Window.from_dict(settings.get("window"), settings["years"])
    return run_experiment(kind, scen, settings["replicates"], settings["years"], settings["seed"],
                          n_cadres=settings["n_cadres"], workers=workers, out=out,
                          progress=progress, outputs=settings.get("outputs"), posterior=posterior,
                          seeds_per_draw=settings.get("seeds_per_draw") or 2, window=window)


def _recorded_posterior(record: dict | None):
    """The posterior an experiment recorded, checked to be the same file (by its hash)."""
    if not record:
        return None
    from ..calibration.posterior import load_posterior

    posterior = load_posterior(record["path"])
    if posterior.sha256 != record.get("sha256"):
        raise UserError(f"the posterior at {record['path']} has changed since the experiment "
                        "ran (its hash differs); restore it to reproduce")
    return posterior
