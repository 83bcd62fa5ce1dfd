"""Running scenarios x replicates on local processes, with resumable finished pieces.

Seeds give the comparisons their power: replicate ``r`` of *every* scenario runs on the same seed,
``SeedSequence(root_seed, spawn_key=(r,))``, so two scenarios differ only by their policy (common
random numbers; the model gives each stochastic process its own stream, so a changed lever does
not reshuffle unrelated draws). The seed depends on nothing but the root seed and ``r``: results
are identical on any number of workers and in any completion order.

A :class:`Task` is one model run; :func:`execute` runs a list of them on a local process pool
and, given a folder, saves each finished run there at once (``<scenario>__r<replicate>.npz``) so
that an interrupted experiment reruns only what is missing.
"""

from __future__ import annotations

import io
import json
import sys
import time
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import UserError
from ..pool import check_memory, default_workers, run_tasks
from ..runner import run_model
from ..store import atomic_write_bytes, utc_now

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


def piece_path(folder: Path, task: Task) -> Path:
    """Where a finished run is kept: a file directly inside ``folder``, whatever the scenario's
    name says (a name from a manifest is untrusted input)."""
    name = task.filename
    if Path(name).name != name or name.startswith(".") or "\\" in name:
        raise UserError(f"scenario name {task.scenario!r} cannot name a file; use letters, "
                        "digits, '_', '-' or '.'")
    return folder / name


def _save_record(folder: Path, rec: RunRecord) -> None:
    buf = io.BytesIO()
    np.savez(buf, **{f"series__{k}": v for k, v in rec.series.items()},
             meta=np.array(json.dumps(rec.meta())))
    # Not flushed to the disk: a piece damaged by a power cut fails _load_record's checks and
    # runs again, and a flush per run would cost more than many runs.
    atomic_write_bytes(piece_path(folder, rec.task), buf.getvalue(), durable=False)


def _load_record(folder: Path, task: Task) -> RunRecord | None:
    """A finished run kept in ``folder``, or None when it is missing, damaged (a truncated or
    emptied file after a crash) or not this task's run: then it runs again."""
    path = piece_path(folder, task)
    if not path.is_file():
        return None
    try:
        with np.load(path, allow_pickle=False) as npz:
            meta = json.loads(str(npz["meta"]))
            series = {k[len("series__"):]: npz[k] for k in npz.files if k.startswith("series__")}
        record = RunRecord(task, series, float(meta["wall_time_s"]), str(meta["started"]),
                           str(meta["finished"]))
    except (OSError, ValueError, KeyError, TypeError, EOFError, zipfile.BadZipFile):
        return None
    lengths = {len(v) for v in series.values()}
    if ((meta.get("scenario"), meta.get("replicate"), meta.get("seed"))
            != (task.scenario, task.replicate, task.seed) or len(lengths) != 1):
        return None
    return record


def execute(tasks: Sequence[Task], workers: int | None = None, progress: bool = True,
            pieces: Path | None = None) -> dict[tuple[str, int], RunRecord]:
    """Run ``tasks`` on local processes (``experiments.pool``), with a progress bar.

    ``workers=1`` runs in this process. With ``pieces`` (a folder), each finished run is saved
    there at once and runs already saved are loaded instead of rerun (resume). A worker process
    that dies has its runs run again in a new pool; a run that raises stops the experiment.
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
    if todo:  # before any run: models that cannot fit in memory are refused, not half-run
        check_memory(max(t.n_cadres for t in todo), workers)
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
            for _task, result in run_tasks(todo, run_task, workers,
                                           log=lambda msg: bar.write(msg, file=sys.stderr)):
                if isinstance(result, BaseException):
                    raise result
                finish(result)
    finally:
        bar.close()
    return records
