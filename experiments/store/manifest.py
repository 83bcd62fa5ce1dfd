"""Manifests: ``manifest.json`` in every results folder -- what produced it (settings, seeds,
provenance) and every file with its size and SHA-256 -- and reading one back as untrusted input."""

from __future__ import annotations

import json
import os
from pathlib import Path

from ..errors import UserError
from .files import sha256_file, write_json_atomic

MANIFEST_NAME = "manifest.json"
MANIFEST_SCHEMA = 1


def is_temp_file(path: Path) -> bool:
    """Whether ``path`` is a temporary file of the atomic writers (``.<name>.<random>.tmp``)."""
    return path.name.startswith(".") and path.name.endswith(".tmp")


def file_index(folder: str | os.PathLike,
               exclude: tuple[str, ...] = (MANIFEST_NAME, "plan.json")) -> dict:
    """``{relative path: {"bytes": n, "sha256": hex}}`` for every file under ``folder`` (the
    sweep's ``runs/`` and temporary files aside)."""
    folder = Path(folder)
    out = {}
    for p in sorted(folder.rglob("*")):
        rel = p.relative_to(folder).as_posix()
        if (p.is_file() and rel not in exclude and not rel.startswith("runs/")
                and not is_temp_file(p)):
            out[rel] = {"bytes": p.stat().st_size, "sha256": sha256_file(p)}
    return out


def write_manifest(folder: str | os.PathLike, manifest: dict) -> Path:
    """Write ``manifest.json`` (schema version and file index added) atomically into ``folder``."""
    manifest = {"schema": MANIFEST_SCHEMA, **manifest, "files": file_index(folder)}
    return write_json_atomic(Path(folder) / MANIFEST_NAME, manifest)


def load_manifest(path: str | os.PathLike) -> dict:
    """Read a manifest (a ``manifest.json`` file or the folder holding one).

    Only its form is checked here; whoever acts on it validates every name and value it uses
    (a manifest may have been edited by anyone)."""
    path = Path(path)
    if path.is_dir():
        path = path / MANIFEST_NAME
    try:
        manifest = json.loads(path.read_text())
    except FileNotFoundError:
        raise UserError(f"no manifest at '{path}'; give a results folder or its manifest.json") \
            from None
    except IsADirectoryError:
        raise UserError(f"'{path}' is a folder; give a results folder or its manifest.json") \
            from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise UserError(f"'{path}' is not a valid manifest: {exc}") from None
    except OSError as exc:
        raise UserError(f"cannot read '{path}': {exc.strerror}") from None
    if not isinstance(manifest, dict) or manifest.get("schema") != MANIFEST_SCHEMA:
        raise UserError(f"'{path}' is not a cadresim manifest (schema {MANIFEST_SCHEMA})")
    return manifest
