"""How a sweep is cut into chunks, and the work function every engine runs on one chunk.

A chunk is a run of consecutive sample rows with all their replicates: the unit of work an engine
schedules, the unit a crash can lose and the unit written to one file. :func:`run_chunk` is a pure
function of its task (a plain dict), so a task rerun after a lost worker returns exactly what the
lost one would have; it is top-level so that worker processes receive it by reference.
"""

from __future__ import annotations

import json
import os
import socket
import sys
import time

import numpy as np
import pandas as pd

from ..errors import UserError
from .design import SweepDesign, row_params, run_function, run_seed


def parse_shard(text: str | tuple | None) -> tuple[int, int] | None:
    """``"I/N"`` -> ``(I, N)`` with ``0 <= I < N`` (shards are numbered from 0, like Slurm's
    ``--array=0-{N-1}``); UserError naming the fix otherwise."""
    if text is None:
        return None
    if isinstance(text, tuple):
        parts = list(text)
    else:
        parts = str(text).strip().split("/")
    try:
        if len(parts) != 2:
            raise ValueError
        i, n = int(parts[0]), int(parts[1])
    except (TypeError, ValueError):
        raise UserError(f"--shard must look like I/N (for example 0/8), got '{text}'") from None
    if n < 1:
        raise UserError(f"--shard {i}/{n}: N is the number of shards and must be at least 1")
    if i == n:
        raise UserError(f"--shard {i}/{n}: shards are numbered from 0, so the last of {n} is "
                        f"{n - 1}/{n} (a Slurm array for it: --array=0-{n - 1})")
    if not 0 <= i < n:
        raise UserError(f"--shard {i}/{n}: need 0 <= I < N (shards are numbered 0 to {n - 1})")
    return i, n


def check_shard(plan: dict, shard: tuple[int, int] | None) -> None:
    """Refuse a shard count that leaves shards without work: with more shards than chunks, some
    array tasks would silently run nothing."""
    if shard is not None and shard[1] > plan["n_chunks"]:
        n = plan["n_chunks"]
        raise UserError(f"--shard {shard[0]}/{shard[1]}: this sweep has only {n} chunk(s), so "
                        f"shards {n} to {shard[1] - 1} would run nothing; use at most {n} shards "
                        f"(--shard 0/{n} to {n - 1}/{n}), or a smaller --chunk-size")


def describe_chunks(ids: list[int]) -> str:
    """``[0, 1, 2, 5, 8, 11]`` -> ``"0-2, 5, 8, 11"`` (for messages)."""
    parts: list[str] = []
    for c in sorted(ids):
        if parts and parts[-1][1] == c - 1:
            parts[-1][1] = c
        else:
            parts.append([c, c])
    text = [f"{a}" if a == b else f"{a}-{b}" for a, b in parts]
    return ", ".join(text[:12]) + (f", ... ({len(ids)} in all)" if len(text) > 12 else "")


def shard_chunks(plan: dict, shard: tuple[int, int] | None) -> list[int]:
    """Chunk ids of one shard: round robin, so every shard gets early and late rows alike."""
    ids = range(plan["n_chunks"])
    return list(ids) if shard is None else [c for c in ids if c % shard[1] == shard[0]]


def chunk_task(design: SweepDesign, plan: dict, chunk: int, key: str) -> dict:
    """The task of chunk ``chunk``: everything :func:`run_chunk` needs, as plain data (``key``
    is the design's fingerprint; with the chunk id it names the task on Dask)."""
    rows = plan["chunk_rows"]
    start, stop = chunk * rows, min((chunk + 1) * rows, design.n_rows)
    extra = {}
    if design.seed_rows is not None:
        extra["seed_rows"] = np.asarray(design.seed_rows, dtype=np.int64)[start:stop]
    if design.policy_schedule:
        extra["policy_schedule"] = design.policy_schedule
    return {**extra, "chunk": chunk, "key": f"{key[:12]}-{chunk}", "row0": start,
            "samples": np.asarray(design.samples, dtype=np.float64)[start:stop],
            "param_names": list(design.param_names), "base_params": dict(design.base_params),
            "replicates": int(design.replicates), "root_seed": int(design.root_seed),
            "n_steps": int(design.n_steps), "n_cadres": int(design.n_cadres),
            "outputs": design.output_names(), "run": design.run}


def chunk_range(design: SweepDesign, plan: dict, chunk: int) -> range:
    """The sample rows of chunk ``chunk``."""
    rows = plan["chunk_rows"]
    return range(chunk * rows, min((chunk + 1) * rows, design.n_rows))


def chunk_runs(design: SweepDesign, plan: dict, chunk: int) -> int:
    """Number of runs in chunk ``chunk`` (the last chunk may hold fewer rows)."""
    rows = plan["chunk_rows"]
    return (min((chunk + 1) * rows, design.n_rows) - chunk * rows) * design.replicates


def run_chunk(task: dict) -> dict:
    """Run every (row, replicate) of one chunk; the pure work function every engine calls.

    Returns ``{"df": results, "seconds": wall time, "host": name, "worker": "host:pid"}`` (and
    ``"dask_worker"``, the worker's address, on Dask). A run that raises is
    recorded as failed with its error and parameters; the other runs go on. Only summaries are
    kept, so a worker holds no agent-level data between runs.
    """
    started = time.perf_counter()
    outputs = task["outputs"]
    run_model = run_function(task.get("run", ""))
    seed_rows = task.get("seed_rows")
    # Passed only when set: a design's own run function need not take a schedule.
    schedule = ({"policy_schedule": task["policy_schedule"]}
                if task.get("policy_schedule") else {})
    records = []
    for offset, values in enumerate(task["samples"]):
        row = task["row0"] + offset
        seed_row = row if seed_rows is None else int(seed_rows[offset])
        params = row_params(task["base_params"], task["param_names"], values)
        for rep in range(task["replicates"]):
            seed = run_seed(task["root_seed"], seed_row, rep)
            rec = {"row": row, "replicate": rep, "seed": seed, "status": "ok", "error": "",
                   "params": ""}
            try:
                summary = run_model(params, seed, task["n_steps"], n_cadres=task["n_cadres"],
                                    outputs=outputs, **schedule)["summary"]
                rec.update({k: float(summary[k]) for k in outputs})
            except Exception as exc:  # recorded, so one bad run does not kill the sweep
                rec.update(status="failed", error=f"{type(exc).__name__}: {exc}",
                           params=json.dumps(params, sort_keys=True))
                rec.update({k: np.nan for k in outputs})
            records.append(rec)
    host = socket.gethostname()
    out = {"df": _frame(records, outputs), "seconds": time.perf_counter() - started,
           "host": host, "worker": f"{host}:{os.getpid()}"}
    if "distributed" in sys.modules:  # on a Dask worker: which one (the ledger records it)
        try:
            from distributed import get_worker

            out["dask_worker"] = get_worker().address
        except (ImportError, ValueError):
            pass
    return out


def _frame(records: list[dict], outputs: list[str]) -> pd.DataFrame:
    # Records come in (row, replicate) order; build typed columns directly (cheaper than
    # from_records + astype, which matters for small chunks).
    cols = {k: np.array([r[k] for r in records], dtype=np.int64)
            for k in ("row", "replicate", "seed")}
    cols.update({k: np.array([r[k] for r in records], dtype=object)
                 for k in ("status", "error")})
    cols.update({k: np.array([r[k] for r in records], dtype=np.float64) for k in outputs})
    cols["params"] = np.array([r["params"] for r in records], dtype=object)
    return pd.DataFrame(cols)
