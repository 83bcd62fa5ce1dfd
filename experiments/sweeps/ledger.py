"""Files of a sweep directory, the checks of its chunk files, and the ledger of its chunks.

A sweep directory holds::

    design.json, samples.npy     what to run (enough to resume with nothing else; seed_rows.npy
                                 too when the design shares seeds between rows)
    chunks/chunk-000012.parquet  one file per finished chunk, written atomically and durably when
                                 it finishes; it names its sweep and chunk in its metadata
    ledger.json                  per chunk: done / failed, SHA-256, runs, timings, which worker
                                 (one file per shard: ledger-shard-3-of-8.json, so array tasks
                                 never share a file), and per session the workers lost
    results.parquet              the merged results, written once every chunk is done

The chunk files are the truth: a chunk is done exactly when its file exists *and* passes
:func:`check_chunk` (readable, of this sweep, holding exactly its own runs, with the checksum the
ledger recorded). A file that fails is reported and run again -- what a power cut, a full disk or
a file copied over another leaves. The ledgers add what the files cannot say (chunks whose task
itself failed, timings, which process ran what) and may lag behind the files after a crash; a
damaged ledger is rebuilt from the chunk files.
"""

from __future__ import annotations

import json
import os
import socket
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd

from ..store import atomic_write_text, read_parquet_metadata, sha256_file

__all__ = ["Ledger", "chunk_identity", "chunk_path", "check_chunk", "damaged_ledgers",
           "done_chunks", "ledger_name", "read_chunk", "read_ledger", "read_ledgers",
           "remove_stale_temp_files"]

DESIGN_FILE = "design.json"
SAMPLES_FILE = "samples.npy"
SEED_ROWS_FILE = "seed_rows.npy"  # only for designs that set seed_rows
CHUNK_DIR = "chunks"
RESULTS_FILE = "results.parquet"


def chunk_path(out_dir: Path, chunk: int) -> Path:
    """Where chunk ``chunk``'s results live."""
    return Path(out_dir) / CHUNK_DIR / f"chunk-{chunk:06d}.parquet"


def done_chunks(out_dir: Path) -> set[int]:
    """Ids of the chunks whose result file exists (see :func:`check_chunk` for whether it is
    sound)."""
    folder = Path(out_dir) / CHUNK_DIR
    if not folder.is_dir():
        return set()
    ids = set()
    for p in folder.glob("chunk-*.parquet"):
        number = p.stem.partition("-")[2]
        if number.isdigit():
            ids.add(int(number))
    return ids


def chunk_identity(fingerprint: str, chunk: int, rows: range, replicates: int) -> dict:
    """What a chunk file says about itself (stored in its Parquet metadata)."""
    return {"sweep": fingerprint, "chunk": int(chunk), "rows": [rows.start, rows.stop],
            "replicates": int(replicates)}


def check_chunk(out_dir: Path, chunk: int, fingerprint: str, rows: range, replicates: int,
                sha256: str | None = None) -> str | None:
    """Why chunk ``chunk``'s file cannot be trusted, or None when it is sound.

    Sound means: readable Parquet; its metadata (when present) names this sweep and this chunk;
    it holds exactly the runs (row, replicate) of ``rows`` x ``replicates``, in order; and its
    bytes have the SHA-256 the ledger recorded, when the ledger recorded one.
    """
    path = chunk_path(out_dir, chunk)
    try:
        meta = read_parquet_metadata(path)
        ids = pd.read_parquet(path, columns=["row", "replicate"])
    except FileNotFoundError:
        return "missing"
    except Exception:  # pyarrow raises several types for truncated, empty or foreign files
        return "unreadable (truncated or damaged)"
    if meta is not None:
        if meta.get("sweep") != fingerprint:
            return "written by another sweep (a copied file?)"
        if meta.get("chunk") != chunk:
            return f"holds chunk {meta.get('chunk')}'s runs (a copied file?)"
    expect_rows = np.repeat(np.arange(rows.start, rows.stop), replicates)
    expect_reps = np.tile(np.arange(replicates), len(rows))
    if not (np.array_equal(ids["row"].to_numpy(), expect_rows)
            and np.array_equal(ids["replicate"].to_numpy(), expect_reps)):
        return "holds other runs than its own (a copied or edited file?)"
    if sha256 is not None and sha256_file(path) != sha256:
        return "changed since it was written (its checksum differs from the ledger's)"
    return None


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
    """The ledger of one writing process, saved atomically (at most every SAVE_EVERY seconds
    while chunks finish). Thread-safe: an engine's watcher thread may add events."""

    SAVE_EVERY = 2.0  # seconds

    def __init__(self, out_dir: Path, shard: tuple[int, int] | None, fingerprint: str):
        self._saved = 0.0
        self._lock = threading.RLock()
        self.path = Path(out_dir) / ledger_name(shard)
        self.data = {"fingerprint": fingerprint, "shard": list(shard) if shard else None,
                     "chunks": {}, "sessions": []}
        #: Why the file on disk could not be used (None when it was absent or sound).
        self.damage: str | None = None
        if self.path.exists():
            old, self.damage = read_ledger(self.path)
            if old is not None and old.get("fingerprint") == fingerprint:
                self.data = old

    def entry(self, chunk: int) -> dict:
        """The recorded outcome of ``chunk`` (empty when none)."""
        return self.data["chunks"].get(str(chunk), {})

    def start_session(self, info: dict) -> None:
        """Record that a process started (or resumed) work, with its engine and provenance."""
        with self._lock:
            self.data["sessions"].append({"started": _now(), "host": socket.gethostname(),
                                          "pid": os.getpid(), **info})
            self.save()

    def end_session(self, state: str) -> None:
        """Record how the current session ended ("complete", "incomplete", ...)."""
        with self._lock:
            if self.data["sessions"]:
                self.data["sessions"][-1].update(ended=_now(), state=state)
            self.save()

    def note(self, event: dict) -> None:
        """Record an event of the current session (a lost worker, chunks run again)."""
        with self._lock:
            if self.data["sessions"]:
                self.data["sessions"][-1].setdefault("events", []).append(
                    {"time": _now(), **event})
            self.save()

    def record(self, chunk: int, state: str, **info) -> None:
        """Record a chunk's outcome: "done" (file written) or "failed" (its task raised)."""
        with self._lock:
            self.data["chunks"][str(chunk)] = {"state": state, "finished": _now(),
                                               "host": socket.gethostname(), **info}
            # Saved at most every SAVE_EVERY seconds: the chunk files are the truth, and a
            # ledger rewritten after every small chunk would cost more than the chunk.
            if state != "done" or time.monotonic() - self._saved >= self.SAVE_EVERY:
                self.save()

    def forget(self, chunk: int) -> None:
        """Drop a chunk's entry (its file was damaged and is run again)."""
        with self._lock:
            self.data["chunks"].pop(str(chunk), None)

    def save(self) -> None:
        with self._lock:
            atomic_write_text(self.path, json.dumps(self.data, indent=1, sort_keys=True))
            self._saved = time.monotonic()


def read_ledger(path: Path) -> tuple[dict | None, str | None]:
    """A ledger file's contents, or None and why it cannot be used (empty, truncated, edited)."""
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        return None, None
    except (OSError, ValueError) as exc:  # JSONDecodeError and UnicodeDecodeError included
        return None, f"unreadable ({type(exc).__name__})"
    if not (isinstance(data, dict) and isinstance(data.get("chunks"), dict)
            and isinstance(data.get("sessions"), list)):
        return None, "not a ledger (edited?)"
    return data, None


def read_ledgers(out_dir: Path, fingerprint: str | None = None) -> dict[int, dict]:
    """Chunk entries of every ledger in ``out_dir`` (of the sweep ``fingerprint`` when given;
    the latest entry wins; a damaged ledger is skipped: the chunk files are the truth)."""
    entries: dict[int, dict] = {}
    for path in sorted(Path(out_dir).glob("ledger*.json")):
        data, _ = read_ledger(path)
        if data is None or (fingerprint is not None and data.get("fingerprint") != fingerprint):
            continue
        for key, entry in data.get("chunks", {}).items():
            if not (isinstance(entry, dict) and str(key).isdigit()):
                continue
            old = entries.get(int(key))
            if old is None or str(entry.get("finished", "")) >= str(old.get("finished", "")):
                entries[int(key)] = entry
    return entries


def damaged_ledgers(out_dir: Path) -> dict[str, str]:
    """``{file name: why}`` for every ledger of ``out_dir`` that cannot be read."""
    out = {}
    for path in sorted(Path(out_dir).glob("ledger*.json")):
        _, why = read_ledger(path)
        if why:
            out[path.name] = why
    return out


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
