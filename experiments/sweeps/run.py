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

import sys
from pathlib import Path

import pandas as pd

from ..errors import UserError
from ..store import provenance, write_parquet_atomic
from . import ledger as lg
from .chunks import chunk_runs, chunk_task, parse_shard, run_chunk, shard_chunks
from .design import SweepDesign, load_design, save_design
from .engines import check_engine_options, execute
from .merge import concat_chunks, merge_chunks


class SweepIncomplete(UserError):
    """Some chunks could not be run (their task failed); finished chunks are kept."""


def _clean_chunks(out_dir: Path, ids: list[int]) -> set[int]:
    """Chunks among ``ids`` whose file exists and holds no failed run."""
    have = lg.done_chunks(out_dir)
    clean = set()
    for c in ids:
        if c in have and (lg.read_chunk(out_dir, c, ["status"])["status"] == "ok").all():
            clean.add(c)
    return clean


def prepare_sweep(design: SweepDesign, out_dir: str | Path,
                  chunk_size: int | None = None) -> dict:
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
    return save_design(design, out_dir, chunk_size)


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
        shard: ``(I, N)``: run only chunks ``c`` with ``c % N == I`` (then ``merge_shards``).
        chunk_size: sample rows per chunk (default: about CHUNK_SECONDS of work); fixed when
            the directory is created.
        progress: show a progress bar (runs done, runs/s, ETA) on stderr.

    Returns:
        One row per (row, replicate), sorted: ``row, replicate, seed, status, error`` and one
        float column per output. With ``shard``, only that shard's runs.

    Raises:
        SweepIncomplete: some chunk tasks failed as a whole (finished chunks are kept).
    """
    design.validate()
    shard = parse_shard(shard)
    check_engine_options(engine, workers, scheduler, cluster, cluster_config)
    out_dir = Path(out_dir)
    plan = prepare_sweep(design, out_dir, chunk_size)
    fingerprint = design.fingerprint()
    mine = shard_chunks(plan, shard)
    lg.remove_stale_temp_files(out_dir, set(mine), shard)
    clean = _clean_chunks(out_dir, mine)
    todo = [c for c in mine if c not in clean]
    ledger = lg.Ledger(out_dir, shard, fingerprint)
    ledger.start_session({"engine": engine, "workers": workers, "scheduler": scheduler,
                          "cluster": cluster, "chunks_to_run": len(todo),
                          "provenance": provenance()})
    total = sum(chunk_runs(design, plan, c) for c in mine)
    todo_runs = sum(chunk_runs(design, plan, c) for c in todo)
    tasks = [chunk_task(design, plan, c, fingerprint) for c in todo]
    failed: dict[int, str] = {}
    bar = _progress_bar(total, total - todo_runs, progress)
    results = execute(tasks, run_chunk, engine, workers, scheduler, cluster, cluster_config,
                      log=lambda msg: bar.write(msg, file=sys.stderr))
    state = "interrupted"
    try:
        for chunk, result in results:
            if isinstance(result, BaseException):
                failed[chunk] = f"{type(result).__name__}: {result}"
                ledger.record(chunk, "failed", error=failed[chunk])
            else:
                df = result["df"]
                write_parquet_atomic(df, lg.chunk_path(out_dir, chunk))
                ledger.record(chunk, "done", runs=len(df),
                              failed_runs=int((df["status"] != "ok").sum()),
                              seconds=round(result["seconds"], 3), worker_host=result["host"])
            bar.update(chunk_runs(design, plan, chunk))
        state = "incomplete" if failed else "complete"
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
    return concat_chunks(out_dir, mine, design.output_names())


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
