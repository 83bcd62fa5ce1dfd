"""Results folders: checked up front, built aside, locked while in use, published whole.

* :func:`check_output_dir` resolves ``--out`` as the file system will (symlinks, ``..``) and
  refuses, before anything runs, a folder that is not empty, a file, the current folder or one
  above it, or a place that cannot be written.
* :func:`staged_output_dir` builds the results in a hidden staging folder ``.<name>.partial``
  beside the target and renames it into place only when complete. Finished pieces stay in the
  staging folder after an interruption, so the same command resumes (with a different plan, it
  is refused); a staging folder holding no finished piece is removed.
* One writer at a time: the staging folder is locked (``flock``) while a command uses it, so a
  second identical command is refused in one line instead of doing the work twice and racing the
  first to the rename. Shards of a job array share it (a shared lock); the final, unsharded run
  needs it alone.
* Before publishing, temporary files a killed writer left behind are removed, the folder's
  entries are flushed, and after the rename the parent's entry too.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import secrets
import shutil
from collections.abc import Iterator
from pathlib import Path

from ..errors import UserError
from .files import atomic_write_text, disk_full, fsync_dir, is_disk_full, json_default
from .manifest import is_temp_file

try:
    import fcntl
except ImportError:  # not POSIX: folders are not locked
    fcntl = None

#: errno values meaning "this file system cannot lock": go on without a lock.
_NO_LOCKS = (errno.ENOLCK, errno.EOPNOTSUPP, errno.ENOSYS)


def staging_path(target: Path) -> Path:
    """The hidden folder beside ``target`` where its results are built."""
    return target.parent / f".{target.name}.partial"


def check_output_dir(target: str | os.PathLike, allow_existing: bool = False) -> Path:
    """Check that results can go to ``target``: absent or empty (or, with ``allow_existing``,
    a folder to be replaced), and its parent writable.

    Returns the folder to write, resolved as the file system will (a symlink's destination,
    ``sub/..`` folded; relative to the current folder when inside it). Raises UserError with a
    one-line message otherwise; creates nothing.
    """
    given = str(target)
    if not given.strip():
        raise UserError("--out is empty; give a folder, for example results/my-run")
    resolved = Path(os.path.realpath(Path(given).expanduser()))
    cwd = Path(os.path.realpath(os.getcwd()))
    if resolved == cwd or resolved in cwd.parents:
        raise UserError(f"--out '{given}' is the current folder or one above it; give a new "
                        "folder, for example results/my-run")
    target = Path(os.path.relpath(resolved)) if cwd in resolved.parents else resolved
    if resolved.exists() and not resolved.is_dir():
        raise UserError(f"output path '{given}' is a file; choose a folder with --out")
    if resolved.is_dir() and not allow_existing and any(resolved.iterdir()):
        raise UserError(
            f"output folder '{given}' already exists and is not empty; choose another --out or "
            "delete it (results are never overwritten)"
        )
    probe = resolved.parent
    while not probe.exists():  # the nearest existing ancestor must allow creating folders
        probe = probe.parent
    if not probe.is_dir() or not os.access(probe, os.W_OK | os.X_OK):
        raise UserError(
            f"cannot write output folder '{given}': '{probe}' is not a writable folder; choose "
            "another --out"
        )
    return target


# ------------------------------------------------------------------------------ locks
def lock_fd(fd: int, shared: bool = False) -> bool:
    """Lock an open file or folder without waiting; False when another process holds it."""
    if fcntl is None:
        return True
    try:
        fcntl.flock(fd, (fcntl.LOCK_SH if shared else fcntl.LOCK_EX) | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    except OSError as exc:
        if exc.errno in _NO_LOCKS:
            return True  # a file system without locks: go on as before locks existed
        raise
    return True


@contextlib.contextmanager
def lock_file(path: Path, busy: str, shared: bool = False) -> Iterator[None]:
    """Hold a lock on the file ``path`` (created if missing) for the block; UserError ``busy``
    when another process holds it. The file stays: removing a lock file races its next user."""
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
    except OSError as exc:
        if is_disk_full(exc):
            raise disk_full(path) from None
        raise UserError(f"cannot open '{path}': {exc.strerror}") from None
    try:
        if not lock_fd(fd, shared):
            raise UserError(busy)
        yield
    finally:
        os.close(fd)


@contextlib.contextmanager
def lock_folder(path: Path, busy: str) -> Iterator[None]:
    """Hold an exclusive lock on the folder ``path`` for the block (UserError ``busy`` when
    another process holds it). The lock follows the folder if it is renamed meanwhile."""
    fd = _open_dir(path)
    if fd is None:
        raise UserError(f"'{path}' disappeared; run the command again")
    try:
        if not lock_fd(fd):
            raise UserError(busy)
        yield
    finally:
        os.close(fd)


def _open_dir(path: Path) -> int | None:
    try:
        return os.open(path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except FileNotFoundError:
        return None


def holds_finished_work(staging: Path) -> bool:
    """Whether a staging folder keeps finished pieces worth resuming from (sweep chunks or
    finished runs, also of the several sweeps a search or a calibration keeps under ``runs/``),
    as opposed to only a plan and empty folders."""
    runs = staging / "runs"
    return runs.is_dir() and any(
        any(runs.rglob(pattern)) for pattern in ("chunk-*.parquet", "*.npz", "results.parquet"))


def remove_temp_files(folder: Path, skip: tuple[str, ...] = ()) -> int:
    """Delete the temporary files that killed writers left under ``folder`` (not under the
    subfolders named in ``skip``); returns how many."""
    n = 0
    for p in folder.rglob(".*.tmp"):
        rel = p.relative_to(folder).parts
        if p.is_file() and is_temp_file(p) and not (rel and rel[0] in skip):
            with contextlib.suppress(FileNotFoundError):
                p.unlink()
                n += 1
    return n


def _create_staging(staging: Path, target: Path, plan_json: str | None) -> None:
    """Create ``staging`` with its plan in one rename, so that shards of a job array starting
    at the same moment see either no staging folder or a complete one (never one without plan)."""
    tmp = staging.with_name(f"{staging.name}.{os.getpid()}-{secrets.token_hex(4)}.tmp")
    try:
        tmp.mkdir(parents=True)
        if plan_json is not None:
            atomic_write_text(tmp / "plan.json", plan_json + "\n")
    except (OSError, UserError) as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        if isinstance(exc, UserError):
            raise
        if is_disk_full(exc):
            raise disk_full(tmp) from None
        raise UserError(
            f"cannot create output folder '{target}': {exc.strerror}; choose another --out"
        ) from None
    try:
        tmp.rename(staging)
    except OSError:
        shutil.rmtree(tmp, ignore_errors=True)
        if not staging.is_dir():  # not a lost race: something else is wrong
            raise UserError(f"cannot create output folder '{target}'; choose another --out"
                            ) from None


def _enter_staging(target: Path, staging: Path, plan_json: str | None,
                   shared: bool) -> tuple[int, bool]:
    """Create (or join) the staging folder and lock it; returns the lock's descriptor and
    whether the folder was new."""
    created = False
    for _ in range(5):
        if not staging.exists():
            _create_staging(staging, target, plan_json)
            created = True
        fd = _open_dir(staging)
        if fd is None:
            continue  # published or removed by another process a moment ago
        if not lock_fd(fd, shared):
            os.close(fd)
            raise UserError(
                f"another cadresim command is writing '{target}' right now (in '{staging}'); "
                "wait for it to finish, or choose another --out")
        with contextlib.suppress(FileNotFoundError):
            if os.path.samestat(os.fstat(fd), os.stat(staging)):
                return fd, created
        # The folder we locked was published (or replaced) meanwhile: look again.
        os.close(fd)
        check_output_dir(target)
    raise UserError(f"cannot create output folder '{target}' (it keeps changing); try again")


@contextlib.contextmanager
def staged_output_dir(target: str | os.PathLike, plan: dict | None = None,
                      shared: bool = False) -> Iterator[Path]:
    """Build results in a hidden staging folder and move it onto ``target`` when done.

    ``plan`` (JSON-able) describes what will be computed. If a staging folder from an interrupted
    attempt exists with the same plan, it is reused so finished pieces need not be recomputed; a
    different plan is refused. ``shared=True`` (one shard of a job array) lets other shards use
    the folder at the same time but never publishes it. On an exception (including Ctrl-C) the
    staging folder is kept only when it holds finished pieces; ``target`` is never half-written.
    """
    target = check_output_dir(target)
    staging = staging_path(target)
    plan_json = (json.dumps(plan, sort_keys=True, default=json_default)
                 if plan is not None else None)
    fd, created = _enter_staging(target, staging, plan_json, shared)
    try:
        old = staging / "plan.json"
        old_plan = old.read_text() if old.exists() else None
        if (plan_json is None and not created) or (
                plan_json is not None and (old_plan is None or old_plan.strip() != plan_json)):
            raise UserError(
                f"'{staging}' holds an unfinished run with different settings; rerun the command "
                "that started it to finish it, or delete it, or choose another --out")
        if not shared:
            remove_temp_files(staging)  # left by a writer killed in an earlier attempt
        try:
            yield staging
        except BaseException:
            # Keep finished pieces (resumable; perhaps shared with shards still at work); drop a
            # staging folder that holds nothing worth resuming, if no one else is using it.
            if (not shared or lock_fd(fd)) and not holds_finished_work(staging):
                shutil.rmtree(staging, ignore_errors=True)
            raise
        if not shared:  # a shard leaves the folder to the final, unsharded run
            publish_folder(staging, target)
    finally:
        os.close(fd)


def publish_folder(staging: Path, target: Path, replace: bool = False) -> None:
    """Move the finished ``staging`` folder onto ``target`` with renames only: temporary files
    left by killed writers removed, entries flushed first. ``replace`` swaps out a non-empty
    ``target`` (it is deleted only once the new folder is in place)."""
    remove_temp_files(staging)
    with contextlib.suppress(FileNotFoundError):
        (staging / "plan.json").unlink()
    fsync_dir(staging)
    old = target.parent / f".{target.name}.previous"
    if target.is_dir() and any(target.iterdir()):
        if not replace:
            raise UserError(f"'{target}' was filled by another program while this command ran; "
                            f"the finished results are kept in '{staging}': move them elsewhere")
        if old.exists():
            shutil.rmtree(old)
        target.rename(old)
    elif target.is_dir():
        target.rmdir()  # empty: rename cannot replace a non-empty folder
    os.replace(staging, target)
    fsync_dir(target.parent)
    if old.exists():
        shutil.rmtree(old, ignore_errors=True)
