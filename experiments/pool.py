"""Local worker processes: the one process pool every pipeline uses (sweeps' ``local`` engine,
scenario replicates, the briefings' group effects), with one crash behaviour.

* **Workers die with their parent.** A parent killed with SIGKILL cannot stop its workers, so
  each worker asks the kernel for SIGKILL when its parent dies (``prctl(PR_SET_PDEATHSIG)`` on
  Linux) and, as a fallback elsewhere, a watchdog thread exits when its parent's pid changes.
* **A worker that dies is survived.** Killed, out of memory or crashed in native code: the pool
  is unusable (``BrokenProcessPool``), so it is rebuilt and the tasks that were in flight run
  again (tasks are pure functions of their arguments, so the rerun returns the same result);
  after :data:`POOL_REBUILDS` rebuilds the remaining tasks fail with a message.
* **Ctrl-C belongs to the parent.** Workers ignore SIGINT, so the parent alone decides what is
  kept; on an interrupt or error the workers are stopped at once (their work in flight is not
  kept by anyone).
* **How many workers**: :func:`default_workers` (the CPUs this process may use), and
  :func:`check_memory` refuses up front a run whose workers would not fit in memory.

Workers start with "spawn" (``import mesa`` selects it anyway; fork would copy the parent's
state), so this module imports only the standard library: it is the first thing a worker runs.
"""

from __future__ import annotations

import contextlib
import ctypes
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool

from .errors import UserError

#: Times a pool is rebuilt after a worker process died, before the remaining tasks fail.
POOL_REBUILDS = 3
#: Tasks in flight per worker: enough to keep every worker busy, few enough that a huge job does
#: not queue everything in the parent's memory.
IN_FLIGHT_PER_WORKER = 4
#: How often a worker's watchdog checks that its parent is alive (seconds).
WATCHDOG_SECONDS = 1.0
_PR_SET_PDEATHSIG = 1  # <linux/prctl.h>

#: Memory of one worker process before it runs anything (Python, NumPy, the compiled model).
WORKER_BASE_BYTES = 400 * 1024 ** 2
#: Memory per cadre of a running model (measured: ~0.9 kB in ``run_model``, ~1.5 kB with Mesa
#: agents; the larger, so that an estimate errs on the safe side).
BYTES_PER_CADRE = 1536
#: Models smaller than this (about 170,000 cadres) are not checked against the free memory.
SMALL_MODEL_BYTES = 256 * 1024 ** 2


def default_workers(n_tasks: int | None = None) -> int:
    """Worker processes when the user gives none: the CPUs this process may use (its affinity
    mask, which batch schedulers set), never more than there are tasks."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cpus = os.cpu_count() or 1
    return max(1, cpus if n_tasks is None else min(cpus, n_tasks))


# ------------------------------------------------------------------------------ in the worker
def init_worker(parent_pid: int) -> None:
    """Initializer of every worker: ignore Ctrl-C and die with the parent."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    # The parent may have died before the request above took effect (or on a system without it).
    if os.getppid() != parent_pid:
        os._exit(1)
    threading.Thread(target=_watch_parent, args=(parent_pid,), name="parent-watchdog",
                     daemon=True).start()


def _watch_parent(parent_pid: int) -> None:
    # An orphan is re-parented (to init or a subreaper), so a changed ppid means the parent died.
    while os.getppid() == parent_pid:
        time.sleep(WATCHDOG_SECONDS)
    os._exit(1)


# ------------------------------------------------------------------------------ in the parent
def new_pool(workers: int) -> ProcessPoolExecutor:
    """A pool of ``workers`` spawned processes set up by :func:`init_worker`."""
    return ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
                               initializer=init_worker, initargs=(os.getpid(),))


def stop_pool(pool: ProcessPoolExecutor) -> None:
    """Cancel what has not started and stop the workers now (their work in flight is dropped)."""
    # Python 3.11 has no public way to end running workers (3.14 adds terminate_workers); without
    # this, the interpreter's exit would wait for every task in flight to finish.
    processes = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for proc in processes:
        with contextlib.suppress(Exception):
            proc.terminate()
    for proc in processes:
        with contextlib.suppress(Exception):
            proc.join(5)


def run_tasks(tasks: Iterable, fn: Callable, workers: int,
              log: Callable[[str], None] | None = None) -> Iterator[tuple[object, object]]:
    """Run ``fn(task)`` for every task on ``workers`` local processes.

    Yields ``(task, result)`` as tasks finish, in any order; ``result`` is the exception when
    ``fn`` raised (the caller decides whether that is fatal). A worker death rebuilds the pool and
    reruns the tasks in flight; after :data:`POOL_REBUILDS` rebuilds, every remaining task yields
    a RuntimeError. Closing the generator early (Ctrl-C, an error in the caller) stops the
    workers at once.
    """
    todo = list(reversed(list(tasks)))  # pop() from the end keeps submission in the given order
    order = {id(t): i for i, t in enumerate(reversed(todo))}
    window = IN_FLIGHT_PER_WORKER * workers
    rebuilds = 0
    while todo:
        running: dict = {}
        broken = False
        pool = new_pool(workers)
        try:
            while todo or running:
                while todo and len(running) < window and not broken:
                    task = todo.pop()
                    try:
                        running[pool.submit(fn, task)] = task
                    except BrokenProcessPool:  # a worker died since the last harvest
                        todo.append(task)
                        broken = True
                finished = () if broken else wait(running, return_when=FIRST_COMPLETED)[0]
                for fut in finished:
                    task = running.pop(fut)
                    try:
                        result = fut.result()
                    except BrokenProcessPool:
                        broken = True
                        todo.append(task)
                        continue
                    except Exception as exc:  # the task raised: the caller decides
                        result = exc
                    yield task, result
                if broken:
                    # The tasks in flight were not finished: rerun them, in their first order.
                    todo.extend(running.values())
                    todo.sort(key=lambda t: -order[id(t)])
                    running.clear()
                    break
        except BaseException:
            stop_pool(pool)
            raise
        if broken:
            stop_pool(pool)
            rebuilds += 1
            if rebuilds > POOL_REBUILDS:
                err = RuntimeError("worker processes keep dying (out of memory?); try fewer "
                                   "--workers")
                for task in reversed(todo):
                    yield task, err
                return
            if log is not None:
                log(f"a worker process died (killed or out of memory); {len(todo)} task(s) left, "
                    f"those in flight run again in a new pool ({rebuilds} of {POOL_REBUILDS})")
        else:
            pool.shutdown(wait=True)


def map_tasks(fn: Callable, tasks: Sequence, workers: int) -> list:
    """``[fn(t) for t in tasks]`` on local processes (in this process for one worker), in task
    order whatever the completion order; the first exception a task raised is raised."""
    if workers <= 1 or len(tasks) <= 1:
        return [fn(t) for t in tasks]
    index = {id(t): i for i, t in enumerate(tasks)}
    results: list = [None] * len(tasks)
    for task, result in run_tasks(tasks, fn, min(workers, len(tasks))):
        if isinstance(result, BaseException):
            raise result
        results[index[id(task)]] = result
    return results


# ------------------------------------------------------------------------------ memory
def available_memory() -> int | None:
    """Bytes this process can still use: the smaller of the machine's available memory and what
    its cgroup (a container or a batch job's limit) allows; None when unknown."""
    limits = []
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    limits.append(int(line.split()[1]) * 1024)
    except (OSError, ValueError, IndexError):
        pass
    with contextlib.suppress(OSError, ValueError):
        with open("/sys/fs/cgroup/memory.max") as fh:
            raw = fh.read().strip()
        if raw != "max":
            with open("/sys/fs/cgroup/memory.current") as fh:
                limits.append(int(raw) - int(fh.read().strip()))
    return max(0, min(limits)) if limits else None


def run_memory(n_cadres: int) -> int:
    """Estimated peak memory of one worker running one model of ``n_cadres`` cadres."""
    return WORKER_BASE_BYTES + BYTES_PER_CADRE * int(n_cadres)


def check_memory(n_cadres: int, workers: int, available: int | None = None) -> None:
    """Refuse (UserError) runs whose ``workers`` models at once would not fit in memory.

    Only large counties are checked: below SMALL_MODEL_BYTES a model is smaller than the Python
    process around it, and a busy machine's momentary free memory is no reason to refuse."""
    if BYTES_PER_CADRE * int(n_cadres) < SMALL_MODEL_BYTES:
        return
    available = available_memory() if available is None else available
    if available is None:
        return
    need = run_memory(n_cadres) * max(1, workers)
    if need <= available:
        return
    gb = 1024 ** 3
    fit = available // run_memory(n_cadres)
    fix = (f"use --workers {fit}" if fit >= 1 else
           f"use at most {max(0, (available - WORKER_BASE_BYTES) // BYTES_PER_CADRE):,} cadres")
    raise UserError(f"{n_cadres:,} cadres on {workers} worker(s) need about {need / gb:.1f} GB "
                    f"of memory but {available / gb:.1f} GB is available; {fix} (or run on a "
                    "machine with more memory)")
