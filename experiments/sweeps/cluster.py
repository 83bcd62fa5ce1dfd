"""The Dask engine: a running scheduler (``--scheduler``), a local Dask cluster, or Dask workers
started as Slurm/PBS batch jobs through dask-jobqueue (``--cluster slurm|pbs``).

What a user of a real cluster needs beyond running the tasks:

* **Ctrl-C works.** dask-jobqueue 0.9.0 replaces the SIGINT handler when it is imported (with one
  that calls ``sys.exit()``: dask/dask-jobqueue#696, fixed after 0.9.0), which turned Ctrl-C into
  a silent exit 0 that left worker jobs queued; :func:`import_jobqueue` puts the handler back.
* **Silence is explained.** A watcher thread polls the scheduler: when no worker has connected for
  a few minutes (``CADRESIM_WORKER_WAIT`` seconds, default 180) it says so with the worker jobs'
  state from ``squeue``/``qstat`` -- a job asking for more cores than a node has pends forever.
* **Lost workers are visible.** A worker that leaves (walltime, ``scancel``, a node failure) is
  noted on the console and in the ledger with the chunks it was running, which the scheduler runs
  again elsewhere; every chunk's ledger entry names the worker that ran it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import tomllib
from pathlib import Path

from ..errors import UserError
from ..pool import default_workers
from .chunks import describe_chunks

#: Seconds without any connected worker before the console says so (then again as often).
WORKER_WAIT_SECONDS = 180.0
#: How long to try reaching a scheduler given with --scheduler before giving up.
SCHEDULER_TIMEOUT = "30s"
#: How often the watcher asks the scheduler about its workers (seconds).
WATCH_SECONDS = 1.0
_KEY_PREFIX = "cadresim-chunk-"


def import_jobqueue():
    """``dask_jobqueue``, imported without letting it replace the handler of Ctrl-C."""
    previous = signal.getsignal(signal.SIGINT)
    if getattr(previous, "__module__", "").startswith("dask_jobqueue"):
        previous = signal.default_int_handler  # imported earlier by someone else
    import dask_jobqueue

    if threading.current_thread() is threading.main_thread() and previous is not None:
        signal.signal(signal.SIGINT, previous)
    return dask_jobqueue


def worker_wait_seconds() -> float:
    """Seconds without workers before a warning (``CADRESIM_WORKER_WAIT`` overrides)."""
    try:
        return max(1.0, float(os.environ.get("CADRESIM_WORKER_WAIT", WORKER_WAIT_SECONDS)))
    except ValueError:
        return WORKER_WAIT_SECONDS


def run_dask(tasks, fn, workers, scheduler, cluster, cluster_config, log, on_event):
    """Run ``fn(task)`` for every task on Dask; yield ``(task["chunk"], result)`` as they end."""
    from distributed import Client, as_completed

    owned = None  # a cluster we started and must close
    if scheduler:
        if workers:
            log("note: --workers is ignored when joining a running scheduler")
        try:
            client = Client(scheduler, timeout=SCHEDULER_TIMEOUT)
        except (OSError, TimeoutError) as exc:
            raise UserError(f"cannot reach the Dask scheduler at {scheduler} ({exc}); check the "
                            "address and that the scheduler is running") from None
    else:
        owned = start_cluster(cluster, cluster_config, workers)
        try:
            client = Client(owned)
        except BaseException:
            owned.close()
            raise
        if owned.dashboard_link:
            log(f"dask dashboard: {owned.dashboard_link}")
    watcher = Watcher(client, owned if cluster else None, cluster, log, on_event,
                      where=scheduler or cluster_config)
    watcher.start()
    try:
        # Tasks are pure functions of their arguments, keyed by sweep fingerprint and chunk:
        # when a worker dies the scheduler runs the lost task again elsewhere (up to its
        # allowed failures), and the rerun returns exactly what the lost one would have.
        futures = {client.submit(fn, task, key=f"{_KEY_PREFIX}{task['key']}"): task["chunk"]
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
        watcher.stop()
        client.close()
        if owned is not None:
            owned.close()  # dask-jobqueue cancels the worker jobs, pending ones included


def start_cluster(cluster, cluster_config, workers):
    """A local Dask cluster, or a dask-jobqueue cluster with its worker jobs submitted."""
    if cluster is None:
        from distributed import LocalCluster

        # One thread per worker process: the model is NumPy-heavy Python and holds the GIL.
        return LocalCluster(n_workers=workers or default_workers(), threads_per_worker=1,
                            processes=True, dashboard_address=":0")
    config = read_cluster_config(cluster_config)
    dask_jobqueue = import_jobqueue()
    cls = {"slurm": dask_jobqueue.SLURMCluster, "pbs": dask_jobqueue.PBSCluster}[cluster]
    try:
        jq = cls(**config.get("cluster", {}))
    except Exception as exc:  # jobqueue wraps most setting errors in RuntimeError
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise UserError(f"{cluster_config}: cannot start {cls.__name__} with its 'cluster' "
                        f"settings: {first}") from exc
    try:
        scale = config.get("scale", {})
        if workers:
            jq.scale(n=workers)
        elif "adapt" in scale:
            jq.adapt(**scale["adapt"])
        else:
            jq.scale(**{k: v for k, v in scale.items() if k in ("jobs", "n", "cores", "memory")}
                     or {"jobs": 1})
        print(f"submitted {cls.__name__} jobs:\n{jq.job_script()}", file=sys.stderr)
    except BaseException:
        jq.close()  # interrupted while submitting: cancel what was submitted
        raise
    return jq


def chunk_of(key) -> int | None:
    """The chunk id in a task key (None for tasks that are not chunks)."""
    key = str(key)
    if not key.startswith(_KEY_PREFIX):
        return None
    tail = key.rpartition("-")[2]
    return int(tail) if tail.isdigit() else None


class Watcher(threading.Thread):
    """Polls the scheduler: notes lost workers (and the chunks they held) and long waits for
    workers that do not come."""

    def __init__(self, client, jobs_cluster, kind, log, on_event, where):
        super().__init__(name="cadresim-dask-watcher", daemon=True)
        self.client, self.jobs_cluster, self.kind = client, jobs_cluster, kind
        self.log, self.on_event, self.where = log, on_event, where
        self._halt = threading.Event()
        self._known: dict[str, list] = {}  # worker address -> keys it was processing
        self._idle_since: float | None = time.monotonic()
        self._warned: float | None = None

    def stop(self) -> None:
        self._halt.set()
        if self.is_alive() and self is not threading.current_thread():
            self.join(5)
        self._poll()  # a last look: a worker lost in the final second is reported too

    def run(self) -> None:
        while not self._halt.wait(WATCH_SECONDS):
            self._poll()

    def _poll(self) -> None:
        try:
            workers = self.client.scheduler_info(n_workers=-1).get("workers", {})
            processing = self.client.processing()
        except Exception:  # the scheduler is busy, closing or briefly unreachable
            return
        for addr in sorted(set(self._known) - set(workers)):
            self._lost(addr, self._known[addr])
        self._known = {a: list(processing.get(a, ())) for a in workers}
        now = time.monotonic()
        if workers:
            self._idle_since, self._warned = None, None
            return
        self._idle_since = self._idle_since or now
        wait = worker_wait_seconds()
        if now - self._idle_since >= wait and (self._warned is None
                                               or now - self._warned >= wait):
            self._warned = now
            self._no_workers(now - self._idle_since)

    def _lost(self, addr: str, keys: list) -> None:
        chunks = sorted(c for c in map(chunk_of, keys) if c is not None)
        more = (f"; its chunk(s) {describe_chunks(chunks)} run again on the other workers"
                if chunks else "")
        self.log(f"note: Dask worker {addr} was lost (walltime, scancel, node failure?){more}")
        self.on_event({"event": "worker_lost", "worker": addr, "requeued_chunks": chunks})

    def _no_workers(self, seconds: float) -> None:
        minutes = f"{seconds / 60:.0f} min" if seconds >= 90 else f"{seconds:.0f} s"
        if self.jobs_cluster is None:
            self.log(f"warning: no Dask worker has connected for {minutes}; start workers for "
                     f"the scheduler (for example `dask worker {self.where}`), or stop with "
                     "Ctrl-C (finished chunks are kept)")
            self.on_event({"event": "no_workers", "seconds": round(seconds)})
            return
        states = job_states(self.jobs_cluster, self.kind)
        queue = "squeue -u $USER" if self.kind == "slurm" else "qstat -u $USER"
        self.log(f"warning: no Dask worker has started for {minutes}; worker jobs: "
                 f"{states or 'none in the queue'}. Check them with `{queue}`: a job asking for "
                 f"more cores or memory than a node has never starts (see the 'cluster' section "
                 f"of {self.where}). Ctrl-C stops and cancels the jobs; finished chunks are kept")
        self.on_event({"event": "no_workers", "seconds": round(seconds), "jobs": states})


def job_states(jobs_cluster, kind: str) -> str:
    """``"123 PENDING (Resources), 124 RUNNING"``: the state of a jobqueue cluster's jobs."""
    ids = [str(getattr(job, "job_id", "") or "") for job in
           list(getattr(jobs_cluster, "workers", {}).values())]
    ids = [i for i in ids if i]
    if not ids:
        return ""
    cmd = (["squeue", "-h", "-j", ",".join(ids), "-o", "%i %T %R"] if kind == "slurm"
           else ["qstat", *ids])
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=15, check=False)
    except (OSError, subprocess.SubprocessError):
        return ", ".join(ids)
    lines = [" ".join(line.split()) for line in out.stdout.splitlines() if line.strip()]
    return ", ".join(lines) if lines else ", ".join(ids)


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
