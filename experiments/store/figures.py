"""Figures on disk: PNG and SVG written atomically, with the provenance in their metadata."""

from __future__ import annotations

import json
import os
from pathlib import Path

from .files import atomic_target, json_default
from .provenance import package_versions


def save_figure(fig, path_without_suffix: str | os.PathLike, provenance: dict | None = None,
                title: str | None = None, dpi: int = 120) -> list[Path]:
    """Save a Matplotlib figure as PNG and SVG, atomically, with provenance in the metadata.

    PNG gets a ``Provenance`` text chunk holding the JSON; SVG (which only accepts Dublin Core
    keys) carries the same JSON in its ``Description``. A figure with a layout engine keeps the
    layout of the first save (its engine is set to "none"). Returns the two paths.
    """
    base = Path(path_without_suffix)
    prov_json = json.dumps(provenance or {}, sort_keys=True, default=json_default)
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
        with atomic_target(target) as tmp:
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
