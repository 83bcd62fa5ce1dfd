"""Engines that run a sweep's chunks: in-process, a local process pool (``experiments.pool``),
or Dask distributed (``cluster.py``: a running scheduler, a local Dask cluster, or workers
started as Slurm/PBS jobs).

Every engine takes the same list of chunk tasks and the same pure function, and yields
``(chunk_id, result)`` as chunks finish, in whatever order they finish; ``result`` is the chunk's
DataFrame or the exception its task raised. The caller writes each result as it arrives, so the
engine never decides what is saved, and results cannot depend on the engine.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from ..errors import UserError
from ..pool import default_workers, run_tasks
from .cluster import read_cluster_config, run_dask

ENGINES = ("local", "serial", "dask")
CLUSTERS = ("slurm", "pbs")


def execute(tasks: list[dict], fn: Callable[[dict], object], engine: str = "local",
            workers: int | None = None, scheduler: str | None = None,
            cluster: str | None = None, cluster_config: str | None = None,
            log: Callable[[str], None] = print,
            on_event: Callable[[dict], None] | None = None) -> Iterator[tuple[int, object]]:
    """Run ``fn(task)`` for every task on ``engine``; yield ``(task["chunk"], result)``.

    ``log`` receives console notes (a worker lost, chunks run again, workers that do not
    start); ``on_event`` the same as records for the ledger."""
    check_engine_options(engine, workers, scheduler, cluster, cluster_config)
    if not tasks:
        return
    if engine == "serial":
        yield from _serial(tasks, fn)
    elif engine == "local":
        yield from _local(tasks, fn, workers or default_workers(), log)
    else:
        yield from run_dask(tasks, fn, workers, scheduler, cluster, cluster_config, log,
                            on_event or (lambda event: None))


def check_engine_options(engine: str, workers: int | None, scheduler: str | None,
                         cluster: str | None, cluster_config: str | None) -> None:
    """Refuse engine options that contradict each other, naming the fix."""
    if engine not in ENGINES:
        raise UserError(f"unknown engine '{engine}'; use one of {', '.join(ENGINES)}")
    if workers is not None and workers < 1:
        raise UserError(f"--workers must be at least 1, got {workers}")
    if engine != "dask" and (scheduler or cluster or cluster_config):
        raise UserError("--scheduler, --cluster and --cluster-config need --engine dask")
    if scheduler and cluster:
        raise UserError("give either --scheduler (join a running cluster) or --cluster "
                        "(start one), not both")
    if cluster is not None and cluster not in CLUSTERS:
        raise UserError(f"unknown cluster '{cluster}'; use one of {', '.join(CLUSTERS)}")
    if cluster and not cluster_config:
        raise UserError(f"--cluster {cluster} needs --cluster-config FILE with the job's "
                        "resources (see docs/CLUSTER.md)")
    if cluster_config and not cluster:
        raise UserError("--cluster-config is read only with --cluster slurm|pbs")
    if cluster_config:
        read_cluster_config(cluster_config)  # refuse a bad file before anything is written


def _serial(tasks, fn):
    for task in tasks:
        try:
            result = fn(task)
        except Exception as exc:  # a chunk-level failure is recorded, not fatal
            result = exc
        yield task["chunk"], result


def _local(tasks, fn, workers, log):
    # The one local pool (experiments/pool.py): a dead worker's chunks run again in a new pool.
    for task, result in run_tasks(tasks, fn, workers, log=log):
        yield task["chunk"], result
