"""Running a sweep: many seeded model runs over a table of parameter rows, crash-safe, on any
engine.

:func:`run_sweep` splits the design's rows into chunks (``chunks.py``; work units of a few
seconds), runs the chunks on an engine (``serial``, ``local`` processes, ``dask``; see
``engines.py``) and writes every finished chunk to its own file at once (see ``ledger.py`` for
the directory layout). Each run's seed comes from the root seed and its (row, replicate) only, so
results do not depend on engine, worker count, chunking, order, sharding or interruptions. Running
the same sweep into the same directory again (or :func:`resume_sweep`) runs only the chunks that
are missing or had a failed run.
"""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path

import pandas as pd

from ..errors import UserError
from ..pool import check_memory, default_workers
from ..store import lock_file, provenance, sha256_file, write_parquet_atomic
from . import ledger as lg
from .chunks import (
    check_shard,
    chunk_range,
    chunk_runs,
    chunk_task,
    describe_chunks,
    parse_shard,
    run_chunk,
    shard_chunks,
)
from .design import SweepDesign, load_design, save_design
from .engines import check_engine_options, execute
from .merge import concat_chunks, inspect_chunks, merge_chunks


class SweepIncomplete(UserError):
    """Some chunks could not be run (their task failed); finished chunks are kept."""


class SweepInterrupted(KeyboardInterrupt):
    """Ctrl-C (or SIGTERM) during a sweep; the message says what is kept and how to resume."""


def _clean_chunks(out_dir: Path, ids: set[int]) -> set[int]:
    """Chunks among ``ids`` (sound files) that hold no failed run."""
    return {c for c in ids
            if (lg.read_chunk(out_dir, c, ["status"])["status"] == "ok").all()}


def prepare_sweep(design: SweepDesign, out_dir: str | Path, chunk_size: int | None = None,
                  log=None) -> dict:
    """Create the sweep directory (design and chunk plan) without running anything, or check
    that it holds this design; return the plan ``{"chunk_rows", "n_chunks"}``. Useful before
    launching job-array tasks that each run ``cadresim resume DIR --shard I/N``."""
    design.validate()
    out_dir = Path(out_dir)
    try:
        (out_dir / lg.CHUNK_DIR).mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserError(f"cannot use '{out_dir}' as a sweep directory: {exc.strerror}; "
                        "choose another directory") from None
    return save_design(design, out_dir, chunk_size, log=log)


def run_sweep(design: SweepDesign, out_dir: str | Path, engine: str = "local",
              workers: int | None = None, scheduler: str | None = None,
              cluster: str | None = None, cluster_config: str | None = None,
              shard: tuple[int, int] | None = None, chunk_size: int | None = None,
              progress: bool = True) -> pd.DataFrame:
    """Run (or resume) a sweep into ``out_dir`` and return its results.

    Args:
        design: what to run.
        out_dir: the sweep directory; a directory holding the same design is resumed, one holding
            another design is refused.
        engine: ``"local"`` (process pool), ``"serial"`` (in this process) or ``"dask"``.
        workers: worker processes (default: the CPUs available); with ``--cluster``, workers to
            start.
        scheduler: address of a running Dask scheduler to join (engine ``dask``).
        cluster: ``"slurm"`` or ``"pbs"``: start Dask workers through dask-jobqueue.
        cluster_config: YAML/TOML file with the jobqueue resources (see docs/CLUSTER.md).
        shard: ``(I, N)``, counting from 0: run only chunks ``c`` with ``c % N == I`` (then
            ``merge_shards``).
        chunk_size: sample rows per chunk (default: about CHUNK_SECONDS of work); fixed when
            the directory is created.
        progress: show a progress bar (runs done, runs/s, ETA) on stderr.

    Returns:
        One row per (row, replicate), sorted: ``row, replicate, seed, status, error`` and one
        float column per output. With ``shard``, only that shard's runs.

    Raises:
        SweepIncomplete: some chunk tasks failed as a whole (finished chunks are kept).
        SweepInterrupted: Ctrl-C or SIGTERM (finished chunks are kept; the message says how to
            resume).
    """
    design.validate()
    shard = parse_shard(shard)
    check_engine_options(engine, workers, scheduler, cluster, cluster_config)
    if engine != "dask":  # Dask workers run elsewhere, with their own memory
        check_memory(design.n_cadres, 1 if engine == "serial" else workers or default_workers())
    out_dir = Path(out_dir)
    plan = prepare_sweep(design, out_dir, chunk_size, log=_say)
    check_shard(plan, shard)
    with _sweep_locks(out_dir, shard):
        return _run_locked(design, out_dir, plan, shard, progress, engine=engine,
                           workers=workers, scheduler=scheduler, cluster=cluster,
                           cluster_config=cluster_config)


def _say(msg: str) -> None:
    from tqdm.auto import tqdm

    tqdm.write(msg, file=sys.stderr)


@contextlib.contextmanager
def _sweep_locks(out_dir: Path, shard: tuple[int, int] | None):
    """One process per writer: the whole sweep alone, or each shard once (shards together)."""
    if shard is None:
        busy = (f"another cadresim process is running the sweep in {out_dir} (or shards of it); "
                "wait for it to finish, or stop it, before running it again")
    else:
        busy = (f"another cadresim process is running the whole sweep in {out_dir}; wait for "
                "it to finish, or stop it, before running a shard")
    with lock_file(out_dir / ".sweep.lock", busy, shared=shard is not None):
        if shard is None:
            yield
            return
        busy = (f"shard {shard[0]}/{shard[1]} of the sweep in {out_dir} is already running in "
                "another process; wait for it to finish, or stop it, before running it again")
        with lock_file(out_dir / f".{lg.ledger_name(shard)}.lock", busy):
            yield


def _run_locked(design, out_dir, plan, shard, progress, **engine) -> pd.DataFrame:
    fingerprint = design.fingerprint()
    mine = shard_chunks(plan, shard)
    lg.remove_stale_temp_files(out_dir, set(mine), shard)
    ledger = lg.Ledger(out_dir, shard, fingerprint)
    good, damaged = inspect_chunks(out_dir, design, plan, mine,
                                   entries=lg.read_ledgers(out_dir, fingerprint))
    for c, why in sorted(damaged.items()):
        _say(f"chunk {c} of {out_dir}: {why}; it runs again")
        lg.chunk_path(out_dir, c).unlink(missing_ok=True)
        ledger.forget(c)
    if ledger.damage:
        for c in sorted(good):
            path = lg.chunk_path(out_dir, c)
            ledger.data["chunks"][str(c)] = {"state": "done", "sha256": sha256_file(path),
                                             "runs": chunk_runs(design, plan, c),
                                             "rebuilt": True}
        _say(f"note: {ledger.path.name} in {out_dir} was damaged ({ledger.damage}); rebuilt "
             f"from its {len(good)} sound chunk file(s)")
    clean = _clean_chunks(out_dir, good)
    todo = [c for c in mine if c not in clean]
    if shard is not None:
        _say(f"shard {shard[0]}/{shard[1]} (shards are numbered 0 to {shard[1] - 1}): chunks "
             f"{describe_chunks(mine)} of the sweep's {plan['n_chunks']} (0-"
             f"{plan['n_chunks'] - 1}); {len(mine) - len(todo)} done before, {len(todo)} to run")
    ledger.start_session({**engine, "chunks_to_run": len(todo), "shard": shard,
                          "provenance": provenance()})
    total = sum(chunk_runs(design, plan, c) for c in mine)
    todo_runs = sum(chunk_runs(design, plan, c) for c in todo)
    tasks = [chunk_task(design, plan, c, fingerprint) for c in todo]
    failed: dict[int, str] = {}
    bar = _progress_bar(total, total - todo_runs, progress)
    results = execute(tasks, run_chunk, log=lambda msg: bar.write(msg, file=sys.stderr),
                      on_event=ledger.note, **engine)
    state = "interrupted"
    try:
        for chunk, result in results:
            if isinstance(result, BaseException):
                failed[chunk] = f"{type(result).__name__}: {result}"
                ledger.record(chunk, "failed", error=failed[chunk])
            else:
                _write_chunk(out_dir, design, plan, chunk, result, fingerprint, ledger)
            bar.update(chunk_runs(design, plan, chunk))
        state = "incomplete" if failed else "complete"
    except KeyboardInterrupt:
        done = len(set(mine) & lg.done_chunks(out_dir))
        flag = f" --shard {shard[0]}/{shard[1]}" if shard else ""
        if not done:
            raise SweepInterrupted("interrupted before any chunk finished; run the same command "
                                   "again to start over") from None
        raise SweepInterrupted(
            f"interrupted: {done} of {len(mine)} chunks are done and kept in {out_dir}; resume "
            f"with `cadresim resume {out_dir}{flag}` or by running the same command again"
        ) from None
    finally:
        results.close()  # on Ctrl-C or an error: stop the workers and close the cluster now
        bar.close()
        ledger.end_session(state)
    if failed:
        first = next(iter(failed.items()))
        raise SweepIncomplete(f"{len(failed)} chunk(s) failed (chunk {first[0]}: {first[1]}); "
                              f"finished chunks are kept, rerun `cadresim resume {out_dir}`")
    if shard is None:
        return merge_chunks(out_dir, plan)
    _say(f"shard {shard[0]}/{shard[1]} done: chunks {describe_chunks(mine)} are in {out_dir} "
         f"({len(todo)} run now)")
    return concat_chunks(out_dir, mine, design.output_names())


def _write_chunk(out_dir, design, plan, chunk, result, fingerprint, ledger) -> None:
    """Write a finished chunk (naming its sweep and rows) and record it with its checksum."""
    df = result["df"]
    path = lg.chunk_path(out_dir, chunk)
    identity = lg.chunk_identity(fingerprint, chunk, chunk_range(design, plan, chunk),
                                 design.replicates)
    write_parquet_atomic(df, path, metadata=identity)
    extra = {k: result[k] for k in ("worker", "dask_worker") if k in result}
    ledger.record(chunk, "done", runs=len(df), failed_runs=int((df["status"] != "ok").sum()),
                  seconds=round(result["seconds"], 3), worker_host=result["host"],
                  sha256=sha256_file(path), **extra)


def resume_sweep(out_dir: str | Path, engine: str = "local", workers: int | None = None,
                 scheduler: str | None = None, cluster: str | None = None,
                 cluster_config: str | None = None, shard: tuple[int, int] | None = None,
                 chunk_size: int | None = None, progress: bool = True) -> pd.DataFrame:
    """Finish the sweep saved in ``out_dir`` (missing or failed chunks only) from its design."""
    design = load_design(out_dir)
    return run_sweep(design, out_dir, engine=engine, workers=workers, scheduler=scheduler,
                     cluster=cluster, cluster_config=cluster_config, shard=shard,
                     chunk_size=chunk_size, progress=progress)


def _progress_bar(total: int, initial: int, enabled: bool):
    from tqdm.auto import tqdm

    return tqdm(total=total, initial=initial, unit="run", desc="sweep", disable=not enabled,
                file=sys.stderr, smoothing=0.1, dynamic_ncols=True)
