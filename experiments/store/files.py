"""Atomic, durable files.

Every file is written to a temporary file in the same folder, flushed to the disk (``fsync``),
moved into place with ``os.replace`` and the folder's entry flushed too -- the order SQLite's
journal and every careful database follow -- so that a reader never sees half a file and a power
cut leaves either the old file or the new one, never an empty or truncated one.

``CADRESIM_FSYNC=0`` in the environment skips the flushes (like SQLite's ``synchronous=OFF``):
for scratch disks and for measuring what durability costs (``benchmarks/bench_sweep.py``). The
writes stay atomic for readers; only a power cut can then lose recent files.

A full disk is reported as one line naming the file (:class:`DiskFull`), and the temporary file
is removed, so nothing half-written stays behind.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import io
import json
import math
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..errors import UserError

#: errno values that mean "no room left": a full disk, or the user's quota.
_NO_SPACE = (errno.ENOSPC, errno.EDQUOT)


class DiskFull(UserError):
    """The disk (or quota) filled up while writing a result; nothing half-written is kept."""


def durable() -> bool:
    """Whether writes are flushed to the disk (``CADRESIM_FSYNC`` unset or not "0")."""
    return os.environ.get("CADRESIM_FSYNC", "1").strip() not in ("0", "false", "no", "off")


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


# mkstemp creates files readable by the owner only; results should get the usual permissions.
FILE_MODE = 0o666 & ~_umask()


def is_disk_full(exc: BaseException) -> bool:
    """Whether ``exc`` says the disk or quota is full (pyarrow and others keep the errno)."""
    return isinstance(exc, OSError) and (exc.errno in _NO_SPACE or "[errno 28]" in str(exc))


def disk_full(path: str | os.PathLike) -> DiskFull:
    """The one-line error for a full disk while writing ``path``."""
    return DiskFull(f"disk full while writing '{path}'; free space and run the same command "
                    "again (finished work is kept)")


def fsync_dir(folder: str | os.PathLike) -> None:
    """Flush a folder's entries (a new or renamed file is durable only once its folder is)."""
    if not durable():
        return
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return  # not a folder one can open (some network file systems): nothing more to do
    try:
        with contextlib.suppress(OSError):  # EINVAL: the file system cannot sync folders
            os.fsync(fd)
    finally:
        os.close(fd)


def fsync_file(path: str | os.PathLike) -> None:
    """Flush a written file's bytes to the disk."""
    if not durable():
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextlib.contextmanager
def atomic_target(path: str | os.PathLike, durable: bool = True) -> Iterator[Path]:
    """Yield a temporary path beside ``path`` for a writer to fill; on success flush it and move
    it onto ``path``; on failure remove it (a full disk raises :class:`DiskFull`).

    ``durable=False`` skips the flushes, for files whose damage after a power cut is detected
    and costs only a recomputation (a finished run kept for resuming: flushing each would cost
    more than the run)."""
    path = Path(path)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        if is_disk_full(exc):
            raise disk_full(path) from None
        raise
    os.close(fd)
    try:
        os.chmod(tmp, FILE_MODE)
        yield Path(tmp)
        if durable:
            fsync_file(tmp)
        os.replace(tmp, path)
        if durable:
            fsync_dir(path.parent)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if is_disk_full(exc):
            raise disk_full(path) from None
        raise


def atomic_write_bytes(path: str | os.PathLike, data: bytes, durable: bool = True) -> Path:
    """Write ``data`` to ``path`` atomically (and durably unless ``durable=False``)."""
    with atomic_target(path, durable) as tmp, open(tmp, "wb") as fh:
        fh.write(data)
    return Path(path)


def atomic_write_text(path: str | os.PathLike, text: str, encoding: str = "utf-8") -> Path:
    """Write ``text`` to ``path`` atomically and durably."""
    return atomic_write_bytes(path, text.encode(encoding))


def json_default(obj: Any) -> Any:
    """JSON form of NumPy scalars and arrays and of paths (``json.dumps(default=...)``)."""
    if hasattr(obj, "item") and callable(obj.item) and not hasattr(obj, "__len__"):
        return obj.item()  # NumPy scalar
    if hasattr(obj, "tolist"):
        return obj.tolist()
    if isinstance(obj, os.PathLike):
        return os.fspath(obj)
    raise TypeError(f"cannot store {type(obj).__name__} in JSON")


def json_safe(obj: Any) -> Any:
    """``obj`` with NumPy values made plain and NaN/infinity made ``None``: JSON has no NaN, and a
    bare ``NaN`` in a file makes it unreadable to every strict reader."""
    if isinstance(obj, dict):
        return {str(k) if not isinstance(k, str) else k: json_safe(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [json_safe(v) for v in obj]
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, str | int | bool | type(None)):
        return obj
    return json_safe(json_default(obj))


def to_json(obj: Any, indent: int | None = 2, sort_keys: bool = False) -> str:
    """Strict JSON text of ``obj`` (see :func:`json_safe`)."""
    return json.dumps(json_safe(obj), indent=indent, sort_keys=sort_keys, allow_nan=False)


def write_json_atomic(path: str | os.PathLike, obj: Any) -> Path:
    """Write ``obj`` as indented, strict JSON, atomically (NaN and infinity become null)."""
    return atomic_write_text(path, to_json(obj) + "\n")


def write_parquet_atomic(df, path: str | os.PathLike, metadata: dict | None = None) -> Path:
    """Write a pandas DataFrame to Parquet atomically (index dropped); ``metadata`` (JSON-able)
    is stored in the file's schema under the key ``cadresim``."""
    if metadata is None:
        with atomic_target(path) as tmp:
            df.to_parquet(tmp, index=False)
        return Path(path)
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(df, preserve_index=False)
    meta = dict(table.schema.metadata or {})
    meta[b"cadresim"] = to_json(metadata, indent=None, sort_keys=True).encode()
    with atomic_target(path) as tmp:
        pq.write_table(table.replace_schema_metadata(meta), tmp)
    return Path(path)


def read_parquet_metadata(path: str | os.PathLike) -> dict | None:
    """The ``cadresim`` metadata of a Parquet file written by :func:`write_parquet_atomic`
    (None when it has none); raises when the file is not readable Parquet."""
    import pyarrow.parquet as pq

    meta = pq.read_schema(path).metadata or {}
    raw = meta.get(b"cadresim")
    return json.loads(raw) if raw else None


def write_csv_atomic(df, path: str | os.PathLike, float_format: str | None = None) -> Path:
    """Write a pandas DataFrame to CSV atomically (index dropped)."""
    buf = io.StringIO()
    df.to_csv(buf, index=False, float_format=float_format)
    return atomic_write_text(path, buf.getvalue())


def sha256_file(path: str | os.PathLike) -> str:
    """Hex SHA-256 of a file's bytes (recorded in manifests and ledgers so a reader can check)."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()
