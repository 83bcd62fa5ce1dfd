"""Finishing a sensitivity analysis from its folder: ``cadresim resume DIR`` and ``cadresim merge
DIR`` given the folder a ``cadresim sensitivity --out DIR`` command was writing.

An unfinished analysis lives in the hidden staging folder ``.DIR.partial`` beside ``DIR`` (its
sweep in ``runs/``, its plan in ``plan.json``); :func:`find_sensitivity` recognises ``DIR``, the
staging folder itself or its ``runs/`` sweep, and rebuilds the :class:`Plan`. Finishing is the
same call as the original command (``run_sensitivity``), which resumes the sweep from its
finished chunks, merges them and writes the analysis into ``DIR``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from ..errors import UserError
from ..store import MANIFEST_NAME
from .design import Problem
from .plan import Plan

STAGING_SUFFIX = ".partial"


@dataclass(frozen=True)
class SensitivityFolder:
    """A sensitivity analysis found on disk: its destination, its staging folder (None when
    finished) and its plan."""

    target: Path
    staging: Path | None
    plan: Plan

    @property
    def finished(self) -> bool:
        return self.staging is None

    @property
    def sweep(self) -> Path:
        """The sweep directory (``runs/``) of the analysis."""
        return (self.staging or self.target) / "runs"


def plan_from_dict(data: dict) -> Plan:
    """The Plan stored by ``Plan.to_dict`` (in a manifest or a staging folder's plan.json)."""
    p = data["problem"]
    problem = Problem(tuple(p["names"]), tuple(tuple(b) for b in p["bounds"]),
                      tuple(p["integer"]), tuple(p["groups"]))
    return Plan(method=data["method"], samples=data["samples"], replicates=data["replicates"],
                problem=problem, outputs=list(data["outputs"]), years=data["years"],
                seed=data["seed"], second_order=data["second_order"], n_cadres=data["n_cadres"],
                ranges=data.get("ranges", "declared"),
                posterior=_posterior_of(data.get("posterior")))


def _posterior_of(recorded: dict | None):
    """The posterior a plan drew from, read again from where it was and checked against the
    checksum recorded with the plan (a different file would mix two ensembles in one sweep)."""
    if not recorded:
        return None
    from ..calibration.posterior import load_posterior

    posterior = load_posterior(recorded["path"])
    if recorded.get("sha256") and posterior.sha256 != recorded["sha256"]:
        raise UserError(f"the posterior at {recorded['path']} is not the one this analysis "
                        "started with (its checksum changed); restore it, or start the analysis "
                        "again in a new folder")
    return posterior


def _staging_of(target: Path) -> Path:
    return target.parent / f".{target.name}{STAGING_SUFFIX}"


def _target_of(staging: Path) -> Path:
    return staging.parent / staging.name[1:-len(STAGING_SUFFIX)]


def find_sensitivity(directory: str | Path) -> SensitivityFolder | None:
    """The sensitivity analysis ``directory`` names (finished or not), or None when it is not
    one (a plain sweep directory, for example)."""
    path = Path(directory)
    if path.name == "runs":  # the sweep inside an analysis
        path = path.parent
    if path.name.startswith(".") and path.name.endswith(STAGING_SUFFIX):
        path = _target_of(path)
    manifest = path / MANIFEST_NAME
    if manifest.is_file():
        try:
            doc = json.loads(manifest.read_text())
        except (OSError, ValueError):
            return None
        if doc.get("kind") == "sensitivity":
            return SensitivityFolder(path, None, plan_from_dict(doc["plan"]))
        return None
    staging = _staging_of(path)
    try:
        doc = json.loads((staging / "plan.json").read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(doc, dict) or "sensitivity" not in doc:
        return None
    return SensitivityFolder(path, staging, plan_from_dict(doc["sensitivity"]))


def finish_sensitivity(found: SensitivityFolder, merge_only: bool = False, progress: bool = True,
                       argv: list[str] | None = None, **engine):
    """Finish ``found``: run what is missing of its sweep (unless ``merge_only``, which refuses
    while chunks are missing), merge, analyse and move the folder into place. Returns the
    Analysis, or None with ``shard`` (one slice of a job array)."""
    from ..sweeps import sweep_status
    from .run import run_sensitivity

    if found.finished:
        raise UserError(f"the sensitivity analysis in {found.target} is already complete "
                        f"(see {found.target / 'summary.md'}); nothing to resume or merge")
    if not (found.sweep / "design.json").is_file():
        raise UserError(f"the analysis for {found.target} has not started its sweep yet; run "
                        "the original `cadresim sensitivity ... --out` command again")
    if merge_only:
        status = sweep_status(found.sweep)
        if not status["complete"]:
            pending = status["chunks"]["pending"] + status["chunks"]["failed"]
            raise UserError(f"{pending} of {status['n_chunks']} chunks of {found.target} are not "
                            f"done yet; run the missing shards, or `cadresim resume "
                            f"{found.target}` to run them here, then merge again")
        engine = {"engine": "serial"}  # nothing left to run
    return run_sensitivity(found.plan, found.target, progress=progress, argv=argv, **engine)
