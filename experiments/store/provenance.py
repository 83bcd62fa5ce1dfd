"""Provenance: what produced a result -- git commit and whether the tree was dirty, package
versions, Python, platform, command line and time. Every manifest and figure carries it."""

from __future__ import annotations

import os
import platform
import shlex
import subprocess
import sys
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

#: Distributions whose versions every result records.
TRACKED_PACKAGES = (
    "cadresim", "mesa", "numpy", "pandas", "pyarrow", "scipy", "matplotlib", "SALib", "click",
    "tqdm", "dask", "distributed",
)
REPO_ROOT = Path(__file__).resolve().parents[2]

def utc_now() -> str:
    """Current time as an ISO 8601 UTC string (seconds)."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def _git(*args: str) -> str | None:
    try:
        res = subprocess.run(["git", *args], cwd=REPO_ROOT, capture_output=True, text=True,
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
