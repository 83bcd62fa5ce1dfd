"""Files of a sweep directory and the ledger of its chunks.

A sweep directory holds::

    design.json, samples.npy     what to run (enough to resume with nothing else; seed_rows.npy
                                 too when the design shares seeds between rows)
    chunks/chunk-000012.parquet  one file per finished chunk, written atomically when it finishes
    ledger.json                  per chunk: done / failed, timings, host (one file per shard:
                                 ledger-shard-3-of-8.json, so array tasks never share a file)
    results.parquet              the merged results, written once every chunk is done

The chunk files are the truth: a chunk is done exactly when its file exists, because the file
appears in one ``os.replace``. The ledgers add what the files cannot say (chunks whose task itself
failed, timings, which process ran what) and may lag behind the files after a crash.
"""

from __future__ import annotations

import json
import os
import socket
import time
from pathlib import Path

import pandas as pd

# The store's atomic writer (temp file in the same folder + os.replace): a reader, or a crash,
# never sees half a file.
from ..store import atomic_write_text

__all__ = ["Ledger", "chunk_path", "done_chunks", "read_chunk", "remove_stale_temp_files",
           "read_ledgers", "ledger_name"]

DESIGN_FILE = "design.json"
SAMPLES_FILE = "samples.npy"
SEED_ROWS_FILE = "seed_rows.npy"  # only for designs that set seed_rows
CHUNK_DIR = "chunks"
RESULTS_FILE = "results.parquet"


def chunk_path(out_dir: Path, chunk: int) -> Path:
    """Where chunk ``chunk``'s results live."""
    return Path(out_dir) / CHUNK_DIR / f"chunk-{chunk:06d}.parquet"


def done_chunks(out_dir: Path) -> set[int]:
    """Ids of the chunks whose result file exists."""
    folder = Path(out_dir) / CHUNK_DIR
    if not folder.is_dir():
        return set()
    return {int(p.stem.split("-")[1]) for p in folder.glob("chunk-*.parquet")}


def remove_stale_temp_files(out_dir: Path, chunks: set[int],
                            shard: tuple[int, int] | None) -> None:
    """Delete temp files that a killed writer left behind for ``chunks`` and its own ledger
    (only those: another shard may be writing its own files right now)."""
    out_dir = Path(out_dir)
    own = [f".{ledger_name(shard)}.*.tmp"] + ([f".{RESULTS_FILE}.*.tmp"] if shard is None else [])
    for pattern in own:
        for tmp in out_dir.glob(pattern):
            tmp.unlink(missing_ok=True)
    folder = out_dir / CHUNK_DIR
    for tmp in folder.glob(".chunk-*.parquet.*.tmp"):
        try:
            chunk = int(tmp.name.split(".")[1].split("-")[1])
        except (IndexError, ValueError):
            continue
        if chunk in chunks:
            tmp.unlink(missing_ok=True)


def read_chunk(out_dir: Path, chunk: int, columns: list[str] | None = None) -> pd.DataFrame:
    """One chunk's results."""
    return pd.read_parquet(chunk_path(out_dir, chunk), columns=columns)


def ledger_name(shard: tuple[int, int] | None) -> str:
    """The ledger file of one writer: the whole sweep, or one shard."""
    return "ledger.json" if shard is None else f"ledger-shard-{shard[0]}-of-{shard[1]}.json"


class Ledger:
    """The ledger of one writing process, saved atomically after every change."""

    SAVE_EVERY = 2.0  # seconds

    def __init__(self, out_dir: Path, shard: tuple[int, int] | None, fingerprint: str):
        self._saved = 0.0
        self.path = Path(out_dir) / ledger_name(shard)
        self.data = {"fingerprint": fingerprint, "shard": list(shard) if shard else None,
                     "chunks": {}, "sessions": []}
        if self.path.exists():
            old = json.loads(self.path.read_text())
            if old.get("fingerprint") == fingerprint:
                self.data = old

    def start_session(self, info: dict) -> None:
        """Record that a process started (or resumed) work, with its engine and provenance."""
        self.data["sessions"].append({"started": _now(), "host": socket.gethostname(),
                                      "pid": os.getpid(), **info})
        self.save()

    def end_session(self, state: str) -> None:
        """Record how the current session ended ("complete", "incomplete", ...)."""
        if self.data["sessions"]:
            self.data["sessions"][-1].update(ended=_now(), state=state)
        self.save()

    def record(self, chunk: int, state: str, **info) -> None:
        """Record a chunk's outcome: "done" (file written) or "failed" (its task raised)."""
        self.data["chunks"][str(chunk)] = {"state": state, "finished": _now(),
                                           "host": socket.gethostname(), **info}
        # Saved at most every SAVE_EVERY seconds: the chunk files are the truth, and a ledger
        # rewritten after every small chunk would cost more than the chunk.
        if state != "done" or time.monotonic() - self._saved >= self.SAVE_EVERY:
            self.save()

    def save(self) -> None:
        # Not durable (no fsync): after a power cut a stale ledger only loses timings, never
        # results.
        atomic_write_text(self.path, json.dumps(self.data, indent=1, sort_keys=True),
                          durable=False)
        self._saved = time.monotonic()


def read_ledgers(out_dir: Path) -> dict[int, dict]:
    """Chunk entries of every ledger in ``out_dir`` (the latest entry wins)."""
    entries: dict[int, dict] = {}
    for path in sorted(Path(out_dir).glob("ledger*.json")):
        try:
            data = json.loads(path.read_text())
        except (OSError, json.JSONDecodeError):
            continue  # a ledger is a convenience; the chunk files are the truth
        for key, entry in data.get("chunks", {}).items():
            old = entries.get(int(key))
            if old is None or entry.get("finished", "") >= old.get("finished", ""):
                entries[int(key)] = entry
    return entries


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
