"""Engines that run a sweep's chunks: in-process, a local process pool, or Dask distributed.

Every engine takes the same list of chunk tasks and the same pure function, and yields
``(chunk_id, result)`` as chunks finish, in whatever order they finish; ``result`` is the chunk's
DataFrame or the exception its task raised. The caller writes each result as it arrives, so the
engine never decides what is saved, and results cannot depend on the engine.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import tomllib
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from ..errors import UserError

ENGINES = ("local", "serial", "dask")
CLUSTERS = ("slurm", "pbs")
#: Times a local pool is rebuilt after a worker process died, before the sweep gives up.
POOL_REBUILDS = 3


def default_workers() -> int:
    """Worker processes when the user gives none: the CPUs this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def execute(tasks: list[dict], fn: Callable[[dict], object], engine: str = "local",
            workers: int | None = None, scheduler: str | None = None,
            cluster: str | None = None, cluster_config: str | None = None,
            log: Callable[[str], None] = print) -> Iterator[tuple[int, object]]:
    """Run ``fn(task)`` for every task on ``engine``; yield ``(task["chunk"], result)``."""
    check_engine_options(engine, workers, scheduler, cluster, cluster_config)
    if not tasks:
        return
    if engine == "serial":
        yield from _serial(tasks, fn)
    elif engine == "local":
        yield from _local(tasks, fn, workers or default_workers())
    else:
        yield from _dask(tasks, fn, workers, scheduler, cluster, cluster_config, log)


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


def _local(tasks, fn, workers):
    # Explicit "spawn": `import mesa` sets it anyway, and fork would copy the parent's state.
    ctx = multiprocessing.get_context("spawn")
    todo = list(reversed(tasks))  # pop() from the end keeps submission in chunk order
    window = 4 * workers  # a bounded number in flight keeps the parent's memory flat
    rebuilds = 0
    while todo:
        running: dict = {}
        broken = False
        pool = ProcessPoolExecutor(max_workers=workers, mp_context=ctx)
        try:
            while todo or running:
                while todo and len(running) < window and not broken:
                    task = todo.pop()
                    try:
                        running[pool.submit(fn, task)] = task
                    except BrokenProcessPool:  # a worker died since the last harvest
                        todo.append(task)
                        broken = True
                finished, _ = (set(), None) if broken else wait(running,
                                                                 return_when=FIRST_COMPLETED)
                for fut in finished:
                    task = running.pop(fut)
                    try:
                        result = fut.result()
                    except BrokenProcessPool:
                        broken = True
                        todo.append(task)
                        continue
                    except Exception as exc:
                        result = exc
                    yield task["chunk"], result
                if broken:
                    # A worker process died (killed, out of memory): the pool is unusable.
                    # Its chunks were not written, so they run again in a fresh pool.
                    todo.extend(running.values())
                    todo.sort(key=lambda t: -t["chunk"])
                    running.clear()
                    break
        finally:
            # Do not wait for chunks in flight when the caller stops (Ctrl-C, error): they are
            # not written, so a resume runs them again.
            pool.shutdown(wait=not (todo or running), cancel_futures=True)
        if broken:
            rebuilds += 1
            if rebuilds > POOL_REBUILDS:
                err = RuntimeError("worker processes keep dying (out of memory?); "
                                   "try fewer --workers")
                for task in reversed(todo):
                    yield task["chunk"], err
                return


def _dask(tasks, fn, workers, scheduler, cluster, cluster_config, log):
    from distributed import Client, as_completed

    owned = None  # a cluster we started and must close
    if scheduler:
        if workers:
            log("note: --workers is ignored when joining a running scheduler")
        try:
            client = Client(scheduler, timeout="30s")
        except (OSError, TimeoutError) as exc:
            raise UserError(f"cannot reach the Dask scheduler at {scheduler} ({exc}); check the "
                            "address and that the scheduler is running") from None
    else:
        owned = _start_cluster(cluster, cluster_config, workers)
        try:
            client = Client(owned)
        except BaseException:
            owned.close()
            raise
        if owned.dashboard_link:
            log(f"dask dashboard: {owned.dashboard_link}")
    try:
        # Tasks are pure functions of their arguments, keyed by sweep fingerprint and chunk:
        # when a worker dies the scheduler runs the lost task again elsewhere (up to its
        # allowed failures), and the rerun returns exactly what the lost one would have.
        futures = {client.submit(fn, task, key=f"cadresim-chunk-{task['key']}"): task["chunk"]
                   for task in tasks}
        # On this client's loop: as_completed would otherwise use the process's default client,
        # which need not be ours (a notebook's own Client), and its futures then fail to wait.
        done = as_completed(futures, loop=client.loop)
        for fut in done:
            if fut.status in ("pending", "lost"):
                # Finished, but its result was held by a worker that died before we fetched it:
                # the scheduler runs it again; wait for that run instead.
                done.add(fut)
                continue
            chunk = futures.pop(fut)
            try:
                result = fut.result()
            except Exception as exc:  # the task raised, was cancelled or lost too often
                result = exc
            fut.release()  # drop the result from worker memory at once
            yield chunk, result
    finally:
        client.close()
        if owned is not None:
            owned.close()


def _start_cluster(cluster, cluster_config, workers):
    if cluster is None:
        from distributed import LocalCluster

        # One thread per worker process: the model is NumPy-heavy Python and holds the GIL.
        return LocalCluster(n_workers=workers or default_workers(), threads_per_worker=1,
                            processes=True, dashboard_address=":0")
    config = read_cluster_config(cluster_config)
    import dask_jobqueue

    cls = {"slurm": dask_jobqueue.SLURMCluster, "pbs": dask_jobqueue.PBSCluster}[cluster]
    try:
        jq = cls(**config.get("cluster", {}))
    except Exception as exc:  # jobqueue wraps most setting errors in RuntimeError
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise UserError(f"{cluster_config}: cannot start {cls.__name__} with its 'cluster' "
                        f"settings: {first}") from exc
    scale = config.get("scale", {})
    if workers:
        jq.scale(n=workers)
    elif "adapt" in scale:
        jq.adapt(**scale["adapt"])
    else:
        jq.scale(**{k: v for k, v in scale.items() if k in ("jobs", "n", "cores", "memory")}
                 or {"jobs": 1})
    print(f"submitted {cls.__name__} jobs:\n{jq.job_script()}", file=sys.stderr)
    return jq


def read_cluster_config(path: str) -> dict:
    """Read a dask-jobqueue config file (YAML or TOML) with sections ``cluster`` and ``scale``."""
    p = Path(path)
    if not p.is_file():
        raise UserError(f"cluster config file '{path}' not found; see docs/CLUSTER.md for one")
    text = p.read_text()
    try:
        if p.suffix == ".toml":
            config = tomllib.loads(text)
        else:
            import yaml

            config = yaml.safe_load(text) or {}
    except Exception as exc:
        raise UserError(f"cannot parse cluster config '{path}': {exc}".splitlines()[0]) from exc
    if not isinstance(config, dict):
        raise UserError(f"cluster config '{path}' must be a mapping with 'cluster' and 'scale'")
    unknown = set(config) - {"cluster", "scale"}
    if unknown:
        raise UserError(f"cluster config '{path}': unknown section(s) {sorted(unknown)}; "
                        "use 'cluster' (arguments of the jobqueue cluster) and 'scale'")
    scale = config.get("scale", {}) or {}
    bad = set(scale) - {"jobs", "n", "cores", "memory", "adapt"}
    if bad:
        raise UserError(f"cluster config '{path}': unknown scale key(s) {sorted(bad)}; "
                        "use jobs, n, cores, memory or adapt")
    return config
