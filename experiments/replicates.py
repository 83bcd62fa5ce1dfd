"""Running scenarios x replicates on local processes, and writing them to a results folder.

Seeds give the comparisons their power: replicate ``r`` of *every* scenario runs on the same seed,
``SeedSequence(root_seed, spawn_key=(r,))``, so two scenarios differ only by their policy (common
random numbers; the model gives each stochastic process its own stream, so a changed lever does
not reshuffle unrelated draws). The seed depends on nothing but the root seed and ``r``: results
are identical on any number of workers and in any completion order.

:func:`run_experiment` is the one routine behind ``cadresim run`` and ``cadresim compare``:
validate everything, run what is missing (finished runs of an interrupted attempt are kept in the
staging folder and reused), build the tables, draw the figures, write the manifest, then move the
folder into place.
"""

from __future__ import annotations

import contextlib
import io
import json
import multiprocessing
import os
import shutil
import signal
import time
from collections.abc import Iterable, Sequence
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from model.outputs import OUTPUTS

from .errors import UserError
from .runner import run_model, summarise
from .scenario import Scenario, load_scenario
from .store import (
    atomic_write_bytes,
    provenance,
    staged_output_dir,
    utc_now,
    write_csv_atomic,
    write_manifest,
    write_parquet_atomic,
)

STEPS_PER_YEAR = 4
SEED_RULE = "int(numpy.random.SeedSequence(root_seed, spawn_key=(replicate,)).generate_state(1)[0])"


def replicate_seed(root_seed: int, replicate: int) -> int:
    """The model seed of replicate ``replicate``: the same for every scenario (paired runs)."""
    ss = np.random.SeedSequence(int(root_seed), spawn_key=(int(replicate),))
    return int(ss.generate_state(1)[0])


@dataclass(frozen=True)
class Task:
    """One model run: a scenario's full parameters on one replicate's seed."""

    scenario: str
    replicate: int
    seed: int
    params: dict
    policy_schedule: list
    n_steps: int
    n_cadres: int

    @property
    def key(self) -> tuple[str, int]:
        return (self.scenario, self.replicate)

    @property
    def filename(self) -> str:
        return f"{self.scenario}__r{self.replicate:05d}.npz"


@dataclass
class RunRecord:
    """The result of one run: every output's series, plus its timing."""

    task: Task
    series: dict
    wall_time_s: float
    started: str
    finished: str

    def meta(self) -> dict:
        return {"scenario": self.task.scenario, "replicate": self.task.replicate,
                "seed": self.task.seed, "wall_time_s": round(self.wall_time_s, 6),
                "started": self.started, "finished": self.finished}


def run_task(task: Task) -> RunRecord:
    """Run one task (top-level so that worker processes can receive it)."""
    started = utc_now()
    t0 = time.perf_counter()
    result = run_model(task.params, task.seed, task.n_steps, n_cadres=task.n_cadres,
                       policy_schedule=task.policy_schedule or None)
    wall = time.perf_counter() - t0
    return RunRecord(task, result["series"], wall, started, utc_now())


# ------------------------------------------------------------------------------ finished pieces
def _save_record(folder: Path, rec: RunRecord) -> None:
    buf = io.BytesIO()
    np.savez(buf, **{f"series__{k}": v for k, v in rec.series.items()},
             meta=np.array(json.dumps(rec.meta())))
    atomic_write_bytes(folder / rec.task.filename, buf.getvalue())


def _load_record(folder: Path, task: Task) -> RunRecord | None:
    path = folder / task.filename
    if not path.is_file():
        return None
    try:
        with np.load(path) as npz:
            meta = json.loads(str(npz["meta"]))
            series = {k[len("series__"):]: npz[k] for k in npz.files if k.startswith("series__")}
    except (OSError, ValueError, KeyError):
        return None  # unreadable piece: run it again
    if meta.get("seed") != task.seed:
        return None
    return RunRecord(task, series, meta["wall_time_s"], meta["started"], meta["finished"])


def default_workers(n_tasks: int) -> int:
    """Local processes to use: one per CPU, never more than there are tasks."""
    return max(1, min(os.cpu_count() or 1, n_tasks))


def execute(tasks: Sequence[Task], workers: int | None = None, progress: bool = True,
            pieces: Path | None = None) -> dict[tuple[str, int], RunRecord]:
    """Run ``tasks`` on local processes, with a progress bar.

    ``workers=1`` runs in this process. With ``pieces`` (a folder), each finished run is saved
    there at once and runs already saved are loaded instead of rerun (resume).
    Returns records by ``(scenario, replicate)``.
    """
    from tqdm.auto import tqdm

    records: dict[tuple[str, int], RunRecord] = {}
    todo = []
    for task in tasks:
        rec = _load_record(pieces, task) if pieces is not None else None
        if rec is not None:
            records[task.key] = rec
        else:
            todo.append(task)
    workers = default_workers(len(todo)) if workers is None else max(1, min(workers, len(todo)))
    bar = tqdm(total=len(tasks), initial=len(records), unit="run", disable=not progress,
               desc="runs", dynamic_ncols=True)

    def finish(rec: RunRecord) -> None:
        if pieces is not None:
            _save_record(pieces, rec)
        records[rec.task.key] = rec
        bar.update(1)

    try:
        if workers <= 1 or len(todo) <= 1:
            for task in todo:
                finish(run_task(task))
        else:
            _run_pool(todo, workers, finish)
    finally:
        bar.close()
    return records


def _run_pool(todo: list[Task], workers: int, finish) -> None:
    # "spawn" (what Mesa selects anyway) keeps workers identical on every platform.
    ctx = multiprocessing.get_context("spawn")
    # Workers ignore Ctrl-C: the parent alone stops the experiment, cancels what has not started
    # and keeps what has finished (no traceback from every worker). The initializer is a builtin,
    # so it is in place before a worker imports anything.
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=signal.signal,
                               initargs=(signal.SIGINT, signal.SIG_IGN))
    try:
        pending = set()
        queue = iter(todo)
        # Keep a bounded number of tasks in flight so a huge experiment does not queue everything.
        for task in queue:
            pending.add(pool.submit(run_task, task))
            if len(pending) >= 4 * workers:
                break
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for fut in done:
                finish(fut.result())
                nxt = next(queue, None)
                if nxt is not None:
                    pending.add(pool.submit(run_task, nxt))
    except BaseException:
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown(wait=True)


# ------------------------------------------------------------------------------ tables
def timeseries_table(records: dict, scenarios: Sequence[str]) -> pd.DataFrame:
    """One row per scenario x replicate x step; one column per output."""
    frames = []
    for (name, rep), rec in sorted(records.items(), key=lambda kv: (scenarios.index(kv[0][0]),
                                                                     kv[0][1])):
        n = len(next(iter(rec.series.values())))
        frame = {"scenario": name, "replicate": rep, "seed": rec.task.seed,
                 "step": np.arange(n), "year": np.arange(n) / STEPS_PER_YEAR}
        frame.update({k: rec.series[k] for k in OUTPUTS if k in rec.series})
        frames.append(pd.DataFrame(frame))
    df = pd.concat(frames, ignore_index=True)
    df["scenario"] = pd.Categorical(df["scenario"], categories=list(scenarios))
    return df


def summary_table(records: dict, scenarios: Sequence[str]) -> pd.DataFrame:
    """One row per scenario x replicate: seed, wall time and each output's summary value
    (see ``experiments.runner.summarise``)."""
    rows = []
    for (name, rep), rec in records.items():
        rows.append({"scenario": name, "replicate": rep, "seed": rec.task.seed,
                     "wall_time_s": rec.wall_time_s, **summarise(rec.series)})
    df = pd.DataFrame(rows)
    df["order"] = df["scenario"].map({s: i for i, s in enumerate(scenarios)})
    return (df.sort_values(["order", "replicate"]).drop(columns="order")
            .reset_index(drop=True))


def scenario_stats(summary: pd.DataFrame, outputs: Iterable[str]) -> pd.DataFrame:
    """Mean, standard deviation and 95% t-interval of each output per scenario (long table)."""
    from .compare import t_halfwidth

    rows = []
    for name, grp in summary.groupby("scenario", sort=False):
        for out in outputs:
            x = grp[out].to_numpy(dtype=float)
            mean, half = float(x.mean()), t_halfwidth(x)
            rows.append({"scenario": name, "output": out, "n": len(x), "mean": mean,
                         "sd": float(x.std(ddof=1)) if len(x) > 1 else float("nan"),
                         "ci_low": mean - half, "ci_high": mean + half})
    return pd.DataFrame(rows)


# ------------------------------------------------------------------------------ experiments
@dataclass
class ExperimentResult:
    """Everything an experiment produced (the same tables the results folder holds)."""

    summary: pd.DataFrame
    timeseries: pd.DataFrame
    stats: pd.DataFrame
    effects: pd.DataFrame | None = None
    manifest: dict = field(default_factory=dict)
    out: Path | None = None


def prepare_scenarios(scenarios: Iterable[Scenario | str], years: float,
                      overrides: dict | None = None) -> list[Scenario]:
    """Load scenario names or paths, apply ``--set`` overrides, check horizons and names."""
    loaded = [s if isinstance(s, Scenario) else load_scenario(s) for s in scenarios]
    loaded = [s.with_overrides(overrides) for s in loaded]
    seen = set()
    for s in loaded:
        if s.name in seen:
            raise UserError(f"scenario '{s.name}' is given twice; give each scenario once")
        seen.add(s.name)
        s.check_horizon(years)
    return loaded


def check_settings(replicates, years, seed, n_cadres, workers, min_replicates: int = 1) -> int:
    """Validate the numeric settings of an experiment; returns the number of steps."""
    from model.model import MAX_CADRES, MIN_CADRES

    def whole(v) -> bool:
        return isinstance(v, int | np.integer) and not isinstance(v, bool)

    if not whole(replicates) or replicates < min_replicates:
        need = "at least 2 (a paired interval needs two)" if min_replicates > 1 else ">= 1"
        raise UserError(f"--replicates must be a whole number {need}, got {replicates!r}")
    if isinstance(years, bool) or not isinstance(years, int | float) or not years > 0:
        raise UserError(f"--years must be a number > 0, got {years!r}")
    n_steps = int(round(years * STEPS_PER_YEAR))
    if n_steps < 1:
        raise UserError(f"--years {years!r} is shorter than one quarter; use --years 0.25 or more")
    if not whole(seed) or seed < 0:
        raise UserError(f"--seed must be a whole number >= 0, got {seed!r}")
    if not whole(n_cadres) or not MIN_CADRES <= n_cadres <= MAX_CADRES:
        raise UserError(f"--n-cadres must be a whole number in [{MIN_CADRES}, {MAX_CADRES}], "
                        f"got {n_cadres!r}")
    if workers is not None and (not whole(workers) or workers < 1):
        raise UserError(f"--workers must be a whole number >= 1, got {workers!r}")
    return n_steps


def default_out_name(kind: str, names: Sequence[str]) -> str:
    """Folder name under ``results/`` for an experiment on ``names`` (baseline first)."""
    if kind == "compare":
        rest = names[1:]
        tail = "-".join(rest) if len(rest) <= 2 else f"{rest[0]}-and-{len(rest) - 1}-more"
        return f"compare-{names[0]}-vs-{tail}"
    return "-".join(names) if len(names) <= 3 else f"{names[0]}-and-{len(names) - 1}-more"


def run_experiment(kind: str, scenarios: Sequence[Scenario | str], replicates: int, years: float,
                   seed: int, n_cadres: int = 1000, workers: int | None = None,
                   out: str | os.PathLike | None = None, progress: bool = True,
                   overrides: dict | None = None, outputs: Sequence[str] | None = None,
                   argv: list[str] | None = None) -> ExperimentResult:
    """Run scenarios x replicates (``kind`` "run") or a paired comparison against the first
    scenario (``kind`` "compare"), and write the results folder when ``out`` is given.

    Everything is validated before the first run: a bad input raises UserError and writes nothing.
    """
    from . import compare as cmp

    if kind not in ("run", "compare"):
        raise ValueError(f"kind must be 'run' or 'compare', got {kind!r}")
    n_steps = check_settings(replicates, years, seed, n_cadres, workers,
                             min_replicates=2 if kind == "compare" else 1)
    scen = prepare_scenarios(scenarios, years, overrides)
    if not scen or (kind == "compare" and len(scen) < 2):
        raise UserError("compare needs a baseline and at least one scenario, e.g. "
                        "`cadresim compare baseline credible_fault_tolerance`")
    names = [s.name for s in scen]
    outputs = list(cmp.KEY_OUTPUTS if outputs is None else outputs)
    unknown = [o for o in outputs if o not in OUTPUTS]
    if unknown:
        raise UserError(f"unknown output '{unknown[0]}'; outputs: {', '.join(OUTPUTS)}")
    full = {s.name: s.full_params() for s in scen}
    seeds = [replicate_seed(seed, r) for r in range(replicates)]
    tasks = [Task(s.name, r, seeds[r], full[s.name], s.policy_schedule, n_steps, n_cadres)
             for s in scen for r in range(replicates)]
    settings = {"kind": kind, "replicates": replicates, "years": years, "n_steps": n_steps,
                "seed": seed, "n_cadres": n_cadres, "outputs": outputs,
                "baseline": names[0] if kind == "compare" else None,
                "set_overrides": dict(overrides or {})}
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
        "seeds": {"root_seed": seed, "rule": SEED_RULE, "replicates": seeds},
    }

    def compute(pieces: Path | None) -> ExperimentResult:
        records = execute(tasks, workers=workers, progress=progress, pieces=pieces)
        summary = summary_table(records, names)
        res = ExperimentResult(summary=summary, timeseries=timeseries_table(records, names),
                               stats=scenario_stats(summary, outputs))
        if kind == "compare":
            res.effects = cmp.effects_table(summary, names[0], outputs)
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
    """Write the tables and figures of an experiment into ``folder`` (each file atomically)."""
    from . import figures

    write_parquet_atomic(res.timeseries, folder / "timeseries.parquet")
    write_csv_atomic(res.summary, folder / "summary.csv")
    write_csv_atomic(res.stats, folder / "summary_by_scenario.csv")
    if res.effects is not None:
        write_csv_atomic(res.effects, folder / "effects.csv")
    figures.write_experiment_figures(folder, res, kind, prov)


def run_scenarios(scenarios, replicates: int, years: float, seed: int, n_cadres: int = 1000,
                  workers: int | None = None, out=None, progress: bool = True,
                  overrides: dict | None = None, argv: list[str] | None = None) -> pd.DataFrame:
    """Run each scenario (names, paths or :class:`Scenario`) on ``replicates`` paired seeds.

    Returns the summary table (one row per scenario x replicate: seed, wall time, each output's
    summary value); writes the full results folder when ``out`` is given. For the time series and
    manifest as well, use :func:`run_experiment`.
    """
    return run_experiment("run", list(scenarios), replicates, years, seed, n_cadres=n_cadres,
                          workers=workers, out=out, progress=progress, overrides=overrides,
                          argv=argv).summary


def reproduce(manifest: dict, out=None, workers: int | None = None,
              progress: bool = True) -> ExperimentResult:
    """Run an experiment again from its manifest: the same full parameters, schedules and seeds.

    The scenarios are rebuilt from the parameters stored in the manifest (not from the scenario
    files, which may have changed since).
    """
    try:
        settings = manifest["settings"]
        scen = [Scenario.from_dict({**s, "params": s["full_params"]})
                for s in manifest["scenarios"]]
        kind = settings["kind"]
    except (KeyError, TypeError) as exc:
        raise UserError(f"manifest lacks {exc}; it cannot be rerun") from None
    return run_experiment(kind, scen, settings["replicates"], settings["years"], settings["seed"],
                          n_cadres=settings["n_cadres"], workers=workers, out=out,
                          progress=progress, outputs=settings.get("outputs"))


def compare_summaries(a: pd.DataFrame, b: pd.DataFrame) -> float:
    """Largest absolute difference between two summary tables of the same experiment
    (timings excluded); raises UserError when they do not describe the same runs."""
    keys = ["scenario", "replicate", "seed"]
    cols = [c for c in a.columns if c not in keys and c != "wall_time_s"]
    a = a.assign(scenario=a["scenario"].astype(str)).sort_values(keys).reset_index(drop=True)
    b = b.assign(scenario=b["scenario"].astype(str)).sort_values(keys).reset_index(drop=True)
    if len(a) != len(b) or not (a[keys].values == b[keys].values).all() or set(cols) - set(b):
        raise UserError("the rerun does not describe the same runs as the stored summary")
    with contextlib.suppress(TypeError):
        return float(np.nanmax(np.abs(a[cols].to_numpy(float) - b[cols].to_numpy(float))))
    return float("inf")
