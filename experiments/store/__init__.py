"""The results store: atomic writes, provenance, output folders and manifests.

Every experiment writes into its own folder. Three rules keep a folder trustworthy:

* **Atomic files.** Each file is written to a temporary file in the same folder and moved into
  place with ``os.replace``, so a reader never sees half a file.
* **Atomic folders.** :func:`staged_output_dir` builds the results in a hidden staging folder
  beside the target and renames it into place only when everything is written; an error or
  Ctrl-C leaves the target untouched. Finished pieces stay in the staging folder, so a caller
  can resume what is missing.
* **Provenance everywhere.** :func:`provenance` records what produced a result (git commit and
  whether the tree was dirty, package versions, Python, platform, command line, time); the
  manifest and every figure carry it.

These helpers are shared by every ``cadresim`` command that writes results.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import platform
import secrets
import shlex
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from .errors import UserError

#: Distributions whose versions every result records.
TRACKED_PACKAGES = (
    "cadresim", "mesa", "numpy", "pandas", "pyarrow", "scipy", "matplotlib", "SALib", "click",
    "tqdm", "dask", "distributed",
)
MANIFEST_NAME = "manifest.json"
MANIFEST_SCHEMA = 1
_REPO_ROOT = Path(__file__).resolve().parent.parent


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


# mkstemp creates files readable by the owner only; results should get the usual permissions.
_FILE_MODE = 0o666 & ~_umask()


# ------------------------------------------------------------------------------ atomic files
def atomic_write_bytes(path: str | os.PathLike, data: bytes, durable: bool = True) -> Path:
    """Write ``data`` to ``path`` atomically (temporary file in the same folder, then replace).

    ``durable=False`` skips the fsync, for files rewritten often whose loss after a power cut
    costs nothing (the sweep ledger)."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.chmod(tmp, _FILE_MODE)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            if durable:
                fh.flush()
                os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return path


def atomic_write_text(path: str | os.PathLike, text: str, encoding: str = "utf-8",
                      durable: bool = True) -> Path:
    """Write ``text`` to ``path`` atomically."""
    return atomic_write_bytes(path, text.encode(encoding), durable=durable)


def write_json_atomic(path: str | os.PathLike, obj: Any) -> Path:
    """Write ``obj`` as indented JSON, atomically; NumPy scalars and paths are converted."""
    return atomic_write_text(path, json.dumps(obj, indent=2, default=_json_default) + "\n")


@contextlib.contextmanager
def _atomic_target(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success move it onto ``path``."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        os.chmod(tmp, _FILE_MODE)
        yield Path(tmp)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def write_parquet_atomic(df, path: str | os.PathLike) -> Path:
    """Write a pandas DataFrame to Parquet atomically (index dropped)."""
    with _atomic_target(path) as tmp:
        df.to_parquet(tmp, index=False)
    return Path(path)


def write_csv_atomic(df, path: str | os.PathLike, float_format: str | None = None) -> Path:
    """Write a pandas DataFrame to CSV atomically (index dropped)."""
    buf = io.StringIO()
    df.to_csv(buf, index=False, float_format=float_format)
    return atomic_write_text(path, buf.getvalue())


def sha256_file(path: str | os.PathLike) -> str:
    """Hex SHA-256 of a file's bytes (recorded in manifests so a reader can check files)."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _json_default(obj: Any) -> Any:
    if hasattr(obj, "item") and callable(obj.item):  # NumPy scalar
        return obj.item()
    if hasattr(obj, "tolist"):
        return obj.tolist()
    if isinstance(obj, os.PathLike):
        return os.fspath(obj)
    raise TypeError(f"cannot store {type(obj).__name__} in JSON")


# ------------------------------------------------------------------------------ provenance
def utc_now() -> str:
    """Current time as an ISO 8601 UTC string (seconds)."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def _git(*args: str) -> str | None:
    try:
        res = subprocess.run(["git", *args], cwd=_REPO_ROOT, capture_output=True, text=True,
                             timeout=10, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return res.stdout.strip() if res.returncode == 0 else None


def git_state() -> dict[str, Any]:
    """The commit of the code that ran and whether tracked files differed from it.

    ``dirty`` ignores untracked files (results folders, scratch files) but counts every change to a
    tracked file; ``None`` when the package does not run from a git checkout.
    """
    commit = _git("rev-parse", "HEAD")
    if commit is None:
        return {"commit": None, "dirty": None, "branch": None}
    status = _git("status", "--porcelain", "--untracked-files=no")
    return {
        "commit": commit,
        "dirty": bool(status) if status is not None else None,
        "branch": _git("rev-parse", "--abbrev-ref", "HEAD"),
    }


def package_versions(names: tuple[str, ...] = TRACKED_PACKAGES) -> dict[str, str | None]:
    """Installed versions of ``names`` (None when a package is not installed)."""
    out = {}
    for name in names:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out


def command_line(argv: list[str] | None = None) -> str:
    """The command line as a shell would retype it (program name shortened to its base name)."""
    argv = list(sys.argv if argv is None else argv)
    if argv:
        argv[0] = os.path.basename(argv[0])
    return shlex.join(argv)


def provenance(argv: list[str] | None = None) -> dict[str, Any]:
    """What produced a result: git commit and dirty flag, package versions, Python, platform,
    command line and time. Store it beside every result (manifest, figure metadata)."""
    return {
        "git": git_state(),
        "packages": package_versions(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "machine": platform.machine(),
        "cpu_count": os.cpu_count(),
        "argv": list(sys.argv if argv is None else argv),
        "command_line": command_line(argv),
        "cwd": os.getcwd(),
        "time": utc_now(),
    }


# ------------------------------------------------------------------------------ figures
def save_figure(fig, path_without_suffix: str | os.PathLike, provenance: dict | None = None,
                title: str | None = None, dpi: int = 120) -> list[Path]:
    """Save a Matplotlib figure as PNG and SVG, atomically, with provenance in the metadata.

    PNG gets a ``Provenance`` text chunk holding the JSON; SVG (which only accepts Dublin Core
    keys) carries the same JSON in its ``Description``. A figure with a layout engine keeps the
    layout of the first save (its engine is set to "none"). Returns the two paths.
    """
    base = Path(path_without_suffix)
    prov_json = json.dumps(provenance or {}, sort_keys=True, default=_json_default)
    commit = ((provenance or {}).get("git") or {}).get("commit")
    software = f"cadresim {package_versions(('cadresim',))['cadresim']}"
    if commit:
        software += f" (git {commit[:12]})"
    meta = {
        "png": {"Title": title or base.name, "Software": software, "Provenance": prov_json},
        "svg": {"Title": title or base.name, "Creator": software, "Description": prov_json,
                "Date": None},  # no date: identical inputs give identical SVG bytes
    }
    # A figure with a layout engine (constrained/tight) is already laid out; others get trimmed.
    bbox = None if fig.get_layout_engine() is not None else "tight"
    paths = []
    for fmt in ("png", "svg"):
        target = base.with_suffix(f".{fmt}")
        with _atomic_target(target) as tmp:
            fig.savefig(tmp, format=fmt, dpi=dpi, metadata=meta[fmt], bbox_inches=bbox)
        paths.append(target)
        if bbox is None:
            # Laid out by the first save; freezing it halves the cost of the second.
            fig.set_layout_engine("none")
    return paths


def read_png_provenance(path: str | os.PathLike) -> dict:
    """The provenance JSON stored by :func:`save_figure` in a PNG file."""
    from PIL import Image

    with Image.open(path) as im:
        return json.loads(im.text.get("Provenance", "{}"))


# ------------------------------------------------------------------------------ folders
def _staging_path(target: Path) -> Path:
    return target.parent / f".{target.name}.partial"


def check_output_dir(target: str | os.PathLike) -> Path:
    """Check that results can go to ``target``: absent or empty, and its parent writable.

    Raises UserError with a one-line message otherwise; creates nothing.
    """
    target = Path(target).expanduser()
    if target.exists() and not target.is_dir():
        raise UserError(f"output path '{target}' is a file; choose a folder with --out")
    if target.is_dir() and any(target.iterdir()):
        raise UserError(
            f"output folder '{target}' already exists and is not empty; choose another --out or "
            "delete it (results are never overwritten)"
        )
    parent = target.parent
    probe = parent
    while not probe.exists():  # the nearest existing ancestor must allow creating folders
        probe = probe.parent
    if not probe.is_dir() or not os.access(probe, os.W_OK | os.X_OK):
        raise UserError(
            f"cannot write output folder '{target}': '{probe}' is not a writable folder; choose "
            "another --out"
        )
    return target


def _create_staging(staging: Path, target: Path, plan_json: str | None) -> None:
    """Create ``staging`` with its plan in one rename, so that shards of a job array starting
    at the same moment see either no staging folder or a complete one (never one without plan)."""
    tmp = staging.with_name(f"{staging.name}.{os.getpid()}-{secrets.token_hex(4)}.tmp")
    try:
        tmp.mkdir(parents=True)
        if plan_json is not None:
            atomic_write_text(tmp / "plan.json", plan_json + "\n")
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
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


@contextlib.contextmanager
def staged_output_dir(target: str | os.PathLike, plan: dict | None = None) -> Iterator[Path]:
    """Build results in a hidden staging folder and move it onto ``target`` when done.

    ``plan`` (JSON-able) describes what will be computed. If a staging folder from an interrupted
    attempt exists with the same plan, it is reused so finished pieces need not be recomputed; a
    different plan is refused. On an exception (including Ctrl-C) the staging folder is kept only
    when it holds finished pieces to resume from; ``target`` is never half-written.
    """
    target = check_output_dir(target)
    staging = _staging_path(target)
    plan_json = (json.dumps(plan, sort_keys=True, default=_json_default)
                 if plan is not None else None)
    existed = staging.exists()
    if not existed:
        _create_staging(staging, target, plan_json)
    old = staging / "plan.json"
    old_plan = old.read_text() if old.exists() else None
    if (existed and plan_json is None) or (
            plan_json is not None and (old_plan is None or old_plan.strip() != plan_json)):
        raise UserError(
            f"'{staging}' holds an unfinished run with different settings; delete it or "
            "choose another --out"
        )
    try:
        yield staging
    except BaseException:
        # Keep a started sweep (resumable, and perhaps shared with other shards of a job array
        # still at work); drop a staging folder where no sweep started.
        if not (staging / "runs").exists():
            shutil.rmtree(staging, ignore_errors=True)
        raise
    with contextlib.suppress(FileNotFoundError):
        (staging / "plan.json").unlink()
    if target.is_dir():
        target.rmdir()  # empty (checked above); rename cannot replace a non-empty folder
    os.replace(staging, target)


def file_index(folder: str | os.PathLike,
               exclude: tuple[str, ...] = (MANIFEST_NAME, "plan.json")) -> dict:
    """``{relative path: {"bytes": n, "sha256": hex}}`` for every file under ``folder``."""
    folder = Path(folder)
    out = {}
    for p in sorted(folder.rglob("*")):
        rel = p.relative_to(folder).as_posix()
        if p.is_file() and rel not in exclude and not rel.startswith("runs/"):
            out[rel] = {"bytes": p.stat().st_size, "sha256": sha256_file(p)}
    return out


def write_manifest(folder: str | os.PathLike, manifest: dict) -> Path:
    """Write ``manifest.json`` (schema version and file index added) atomically into ``folder``."""
    manifest = {"schema": MANIFEST_SCHEMA, **manifest, "files": file_index(folder)}
    return write_json_atomic(Path(folder) / MANIFEST_NAME, manifest)


def load_manifest(path: str | os.PathLike) -> dict:
    """Read a manifest (a ``manifest.json`` file or the folder holding one)."""
    path = Path(path)
    if path.is_dir():
        path = path / MANIFEST_NAME
    try:
        manifest = json.loads(path.read_text())
    except FileNotFoundError:
        raise UserError(f"no manifest at '{path}'; give a results folder or its manifest.json") \
            from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise UserError(f"'{path}' is not a valid manifest: {exc}") from None
    if not isinstance(manifest, dict) or manifest.get("schema") != MANIFEST_SCHEMA:
        raise UserError(f"'{path}' is not a cadresim manifest (schema {MANIFEST_SCHEMA})")
    return manifest
