"""How a sweep is cut into chunks, and the work function every engine runs on one chunk.

A chunk is a run of consecutive sample rows with all their replicates: the unit of work an engine
schedules, the unit a crash can lose and the unit written to one file. :func:`run_chunk` is a pure
function of its task (a plain dict), so a task rerun after a lost worker returns exactly what the
lost one would have; it is top-level so that worker processes receive it by reference.
"""

from __future__ import annotations

import json
import socket
import time

import numpy as np
import pandas as pd

from ..errors import UserError
from ..runner import run_model
from .design import SweepDesign, row_params, run_seed


def parse_shard(text: str | tuple | None) -> tuple[int, int] | None:
    """``"I/N"`` -> ``(I, N)`` with ``0 <= I < N``; UserError naming the fix otherwise."""
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
    if n < 1 or not 0 <= i < n:
        raise UserError(f"--shard {i}/{n}: need 0 <= I < N (shards are numbered 0 to N-1)")
    return i, n


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
            "outputs": design.output_names()}


def chunk_runs(design: SweepDesign, plan: dict, chunk: int) -> int:
    """Number of runs in chunk ``chunk`` (the last chunk may hold fewer rows)."""
    rows = plan["chunk_rows"]
    return (min((chunk + 1) * rows, design.n_rows) - chunk * rows) * design.replicates


def run_chunk(task: dict) -> dict:
    """Run every (row, replicate) of one chunk; the pure work function every engine calls.

    Returns ``{"df": results, "seconds": wall time, "host": name}``. A run that raises is
    recorded as failed with its error and parameters; the other runs go on. Only summaries are
    kept, so a worker holds no agent-level data between runs.
    """
    started = time.perf_counter()
    outputs = task["outputs"]
    seed_rows = task.get("seed_rows")
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
                                    policy_schedule=task.get("policy_schedule"),
                                    outputs=outputs)["summary"]
                rec.update({k: float(summary[k]) for k in outputs})
            except Exception as exc:  # recorded, so one bad run does not kill the sweep
                rec.update(status="failed", error=f"{type(exc).__name__}: {exc}",
                           params=json.dumps(params, sort_keys=True))
                rec.update({k: np.nan for k in outputs})
            records.append(rec)
    return {"df": _frame(records, outputs), "seconds": time.perf_counter() - started,
            "host": socket.gethostname()}


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
