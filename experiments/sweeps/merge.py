"""Reading a sweep directory: its results, failed runs and progress, and merging the chunks of
all shards into ``results.parquet``. Every chunk file is checked before it is used
(:func:`inspect_chunks`): a damaged or foreign one is reported, never read as results."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import UserError
from ..store import write_parquet_atomic
from . import ledger as lg
from .chunks import chunk_range, chunk_runs
from .design import SweepDesign, load_design, load_plan

#: Columns of a result frame before the outputs.
ID_COLUMNS = ["row", "replicate", "seed", "status", "error"]


def concat_chunks(out_dir: Path, ids: list[int], outputs: list[str]) -> pd.DataFrame:
    """The runs of chunks ``ids`` in one frame sorted by (row, replicate), without parameters."""
    frames = [lg.read_chunk(out_dir, c) for c in sorted(ids)]
    if not frames:
        return pd.DataFrame(columns=ID_COLUMNS + outputs)
    df = pd.concat(frames, ignore_index=True).drop(columns=["params"])
    return df.sort_values(["row", "replicate"], kind="stable").reset_index(drop=True)


def inspect_chunks(out_dir: Path, design: SweepDesign, plan: dict, ids=None,
                   entries: dict | None = None) -> tuple[set[int], dict[int, str]]:
    """Among chunks ``ids`` (default: all), those whose file is sound, and ``{chunk: why}`` for
    those whose file exists but cannot be trusted (see ``ledger.check_chunk``)."""
    out_dir = Path(out_dir)
    fingerprint = design.fingerprint()
    entries = lg.read_ledgers(out_dir, fingerprint) if entries is None else entries
    have = lg.done_chunks(out_dir)
    good, damaged = set(), {}
    for c in range(plan["n_chunks"]) if ids is None else ids:
        if c not in have:
            continue
        entry = entries.get(c, {})
        sha = entry.get("sha256") if entry.get("state") == "done" else None
        why = lg.check_chunk(out_dir, c, fingerprint, chunk_range(design, plan, c),
                             design.replicates, sha)
        if why is None:
            good.add(c)
        else:
            damaged[c] = why
    return good, damaged


def merge_chunks(out_dir: Path, plan: dict) -> pd.DataFrame:
    """Concatenate every chunk of the plan and write ``results.parquet``."""
    outputs = json.loads((out_dir / lg.DESIGN_FILE).read_text())["outputs"]
    df = concat_chunks(out_dir, list(range(plan["n_chunks"])), outputs)
    write_parquet_atomic(df, out_dir / lg.RESULTS_FILE)
    return df


def load_results(out_dir: str | Path) -> pd.DataFrame:
    """Results of the finished chunks of a sweep (all of them when it is complete), sorted by
    (row, replicate)."""
    out_dir = Path(out_dir)
    design = load_design(out_dir)
    good, _ = inspect_chunks(out_dir, design, load_plan(out_dir))
    return concat_chunks(out_dir, sorted(good), design.output_names())


def load_failures(out_dir: str | Path) -> pd.DataFrame:
    """The failed runs of a sweep: row, replicate, seed, error and the run's parameters (JSON)."""
    out_dir = Path(out_dir)
    design = load_design(out_dir)
    good, _ = inspect_chunks(out_dir, design, load_plan(out_dir))
    cols = ["row", "replicate", "seed", "status", "error", "params"]
    frames = [lg.read_chunk(out_dir, c, cols) for c in sorted(good)]
    df = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=cols)
    return df[df["status"] != "ok"].drop(columns=["status"]).reset_index(drop=True)


def merge_shards(out_dir: str | Path) -> pd.DataFrame:
    """Merge the chunks written by all shards into ``results.parquet`` (exactly what one machine
    would have written); refuses while chunks are missing, naming the shards to rerun."""
    out_dir = Path(out_dir)
    design = load_design(out_dir)
    plan = load_plan(out_dir)
    good, damaged = inspect_chunks(out_dir, design, plan)
    if damaged:
        c, why = next(iter(sorted(damaged.items())))
        raise UserError(f"{len(damaged)} chunk file(s) cannot be trusted (chunk {c}: {why}); "
                        f"run `cadresim resume {out_dir}` to run them again, then merge")
    missing = sorted(set(range(plan["n_chunks"])) - good)
    if missing:
        shards = _shard_names(out_dir, missing)
        raise UserError(f"{len(missing)} of {plan['n_chunks']} chunks are missing "
                        f"(first: {missing[:5]}){shards}; rerun those shards (or `cadresim resume "
                        f"{out_dir}`) and merge again")
    df = merge_chunks(out_dir, plan)
    assert len(df) == design.n_runs  # every chunk file holds all its runs
    return df


def _shard_names(out_dir: Path, chunks: list[int]) -> str:
    ns = {p.stem.split("-of-")[1] for p in out_dir.glob("ledger-shard-*-of-*.json")}
    ns = {int(n) for n in ns if n.isdigit()}
    if len(ns) != 1:
        return ""
    n = ns.pop()
    return f" from shard(s) {', '.join(f'{i}/{n}' for i in sorted({c % n for c in chunks}))}"


def sweep_status(out_dir: str | Path) -> dict:
    """Progress of a sweep: chunks and runs done / failed / pending, damaged chunk files and
    ledgers, and the failed runs."""
    out_dir = Path(out_dir)
    design = load_design(out_dir)
    plan = load_plan(out_dir)
    entries = lg.read_ledgers(out_dir, design.fingerprint())
    good, damaged = inspect_chunks(out_dir, design, plan, entries=entries)
    chunks = {"done": 0, "failed": 0, "pending": 0, "damaged": len(damaged)}
    runs = {"ok": 0, "failed": 0, "pending": 0, "total": design.n_runs}
    failed_chunks = {}
    failed_runs = []
    for c in range(plan["n_chunks"]):
        n = chunk_runs(design, plan, c)
        if c in good:
            df = lg.read_chunk(out_dir, c, ["row", "replicate", "seed", "status", "error",
                                            "params"])
            bad = df[df["status"] != "ok"]
            runs["ok"] += len(df) - len(bad)
            runs["failed"] += len(bad)
            chunks["failed" if len(bad) else "done"] += 1
            failed_runs += bad.drop(columns=["status"]).to_dict("records")
        else:
            runs["pending"] += n
            entry = entries.get(c, {})
            if c in damaged:
                pass
            elif entry.get("state") == "failed":
                chunks["failed"] += 1
                failed_chunks[c] = entry.get("error", "")
            else:
                chunks["pending"] += 1
    seconds = [e["seconds"] for e in entries.values()
               if isinstance(e.get("seconds"), int | float)]
    return {
        "dir": str(out_dir), "fingerprint": design.fingerprint(), "n_rows": design.n_rows,
        "replicates": design.replicates, "n_chunks": plan["n_chunks"],
        "chunk_rows": plan["chunk_rows"], "chunks": chunks, "runs": runs,
        "failed_chunks": failed_chunks, "damaged_chunks": damaged,
        "damaged_ledgers": lg.damaged_ledgers(out_dir),
        "failed_runs": failed_runs,
        "complete": chunks["pending"] == 0 and not failed_chunks and not damaged,
        "merged": (out_dir / lg.RESULTS_FILE).exists(),
        "mean_chunk_seconds": float(np.mean(seconds)) if seconds else None,
    }
