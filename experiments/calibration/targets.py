"""Calibration targets as data: ``targets.toml`` read, checked and turned into distances.

Each target maps one published number onto one model statistic (a model output or one of the
micro statistics of ``simulate.py``) with a tolerance: the half-width of the band the evidence
allows. A target is *met* by a run when its statistic lies in the band; the distance of a run to
a target is how far outside the band's centre it lies in units of the tolerance (at most 1 when
met), and a run's distance to all targets is the largest of them, so ``distance <= 1`` means
every target is met.

A bad file (unknown statistic, a missing source or tolerance, a value outside what the statistic
can take, ...) is refused with one line naming the entry.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from model.model import MAX_CADRES, MIN_CADRES

from ..errors import UserError
from .simulate import OUTPUTS as STATISTICS

#: The targets the headline calibration uses.
DEFAULT_TARGETS = Path(__file__).resolve().parent / "targets.toml"
KINDS = ("two-sided", "at_least", "at_most")
REQUIRED = ("name", "statistic", "value", "tolerance", "source", "mapping", "why_tolerance")
OPTIONAL = ("kind", "cadres", "evidence")
#: Values a statistic can take; statistics not listed are shares in [0, 1].
POSSIBLE = {
    "sanctions_per_year": (0.0, 4.0), "training_d": (0.0, math.inf), "skill_sd": (0.0, 0.5),
    "leader_support": (-1.0, 1.0), "promotions": (0.0, math.inf), "demotions": (0.0, math.inf),
    "value_delivered": (0.0, math.inf), "cumulative_value": (0.0, math.inf),
    "policy_cost": (0.0, math.inf), "n_active": (0.0, math.inf),
}


@dataclass(frozen=True)
class Target:
    """One published number mapped onto one model statistic."""

    name: str
    statistic: str
    value: float
    tolerance: float
    kind: str
    source: tuple[str, ...]
    mapping: str
    why_tolerance: str
    cadres: str = ""
    evidence: str = ""

    @property
    def band(self) -> tuple[float, float]:
        """The values of the statistic that meet the target."""
        if self.kind == "at_least":
            return (self.value - self.tolerance, math.inf)
        if self.kind == "at_most":
            return (-math.inf, self.value + self.tolerance)
        return (self.value - self.tolerance, self.value + self.tolerance)

    def distance(self, x) -> np.ndarray:
        """Distance of statistic values ``x`` to the target, in tolerances (<= 1 when met;
        NaN -- a failed run -- is infinitely far)."""
        x = np.asarray(x, dtype=float)
        if self.kind == "at_least":
            d = np.maximum(self.value - x, 0.0) / self.tolerance
        elif self.kind == "at_most":
            d = np.maximum(x - self.value, 0.0) / self.tolerance
        else:
            d = np.abs(x - self.value) / self.tolerance
        return np.where(np.isfinite(d), d, np.inf)

    def describe_band(self) -> str:
        low, high = self.band
        if self.kind == "at_least":
            return f">= {low:.3g}"
        if self.kind == "at_most":
            return f"<= {high:.3g}"
        return f"{low:.3g}-{high:.3g}"


@dataclass(frozen=True)
class Targets:
    """The targets of a file and the setting every statistic is read in."""

    targets: tuple[Target, ...]
    years: int
    cadres: int
    regime: str
    path: Path | None = None

    @property
    def statistics(self) -> list[str]:
        """The statistics the targets read (each once, in file order)."""
        return list(dict.fromkeys(t.statistic for t in self.targets))

    @property
    def names(self) -> list[str]:
        return [t.name for t in self.targets]

    def distances(self, stats: dict[str, np.ndarray]) -> np.ndarray:
        """(runs, targets) distances from each statistic's values."""
        return np.column_stack([t.distance(stats[t.statistic]) for t in self.targets])

    def to_dict(self) -> dict:
        return {"path": str(self.path) if self.path else None, "years": self.years,
                "cadres": self.cadres, "regime": self.regime,
                "targets": [{"name": t.name, "statistic": t.statistic, "value": t.value,
                             "tolerance": t.tolerance, "kind": t.kind, "band": list(t.band),
                             "source": list(t.source)} for t in self.targets]}


def load_targets(path: str | Path | None = None) -> Targets:
    """Read and check a targets file (default: the headline targets); UserError on any problem."""
    path = Path(path) if path is not None else DEFAULT_TARGETS
    if not path.is_file():
        raise UserError(f"targets file '{path}' not found; give a TOML file like "
                        f"{DEFAULT_TARGETS.name} with --targets")
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise UserError(f"{path}: not valid TOML ({exc})") from None
    unknown = set(doc) - {"setting", "target"}
    if unknown:
        raise UserError(f"{path}: unknown section(s) {sorted(unknown)}; use [setting] and "
                        "[[target]]")
    setting = doc.get("setting", {})
    years, cadres = setting.get("years", 20), setting.get("cadres", 1000)
    if isinstance(years, bool) or not isinstance(years, int) or years <= 5:
        raise UserError(f"{path}: [setting] years must be a whole number above 5 (statistics are "
                        f"means over the last 5 years), got {years!r}")
    if isinstance(cadres, bool) or not isinstance(cadres, int) or not (
            MIN_CADRES <= cadres <= MAX_CADRES):
        raise UserError(f"{path}: [setting] cadres must be a whole number in [{MIN_CADRES}, "
                        f"{MAX_CADRES}], got {cadres!r}")
    entries = doc.get("target", [])
    if not isinstance(entries, list) or not entries:
        raise UserError(f"{path}: no [[target]] entries; add at least one")
    targets = [_target(path, i, e) for i, e in enumerate(entries)]
    seen = set()
    for t in targets:
        if t.name in seen:
            raise UserError(f"{path}: target '{t.name}' is given twice; give each name once")
        seen.add(t.name)
    return Targets(tuple(targets), years, cadres, str(setting.get("regime", "")), path)


def _target(path: Path, i: int, e) -> Target:
    label = f"{path}: target {i + 1}" + (f" '{e['name']}'" if isinstance(e, dict)
                                          and isinstance(e.get("name"), str) else "")
    if not isinstance(e, dict):
        raise UserError(f"{label}: must be a table of keys")
    missing = [k for k in REQUIRED if k not in e or e[k] in ("", [], None)]
    if missing:
        raise UserError(f"{label}: missing {', '.join(missing)}; every target needs "
                        f"{', '.join(REQUIRED)}")
    extra = set(e) - set(REQUIRED) - set(OPTIONAL)
    if extra:
        raise UserError(f"{label}: unknown key(s) {sorted(extra)}; allowed: "
                        f"{', '.join(REQUIRED + OPTIONAL)}")
    stat = e["statistic"]
    if stat not in STATISTICS:
        import difflib

        close = difflib.get_close_matches(str(stat), STATISTICS, n=1)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        raise UserError(f"{label}: unknown statistic '{stat}'{hint}; use a model output or one of "
                        "skill_sd, training_d, sanctions_per_year")
    for key in ("value", "tolerance"):
        v = e[key]
        if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
            raise UserError(f"{label}: {key} must be a number, got {v!r}")
    if e["tolerance"] <= 0:
        raise UserError(f"{label}: tolerance must be above 0 (the half-width of the band the "
                        f"evidence allows), got {e['tolerance']!r}")
    low, high = POSSIBLE.get(stat, (0.0, 1.0))
    if not low <= e["value"] <= high:
        raise UserError(f"{label}: value {e['value']!r} is outside what '{stat}' can take "
                        f"[{low:g}, {high:g}]")
    kind = e.get("kind", "two-sided")
    if kind not in KINDS:
        raise UserError(f"{label}: kind '{kind}' is not one of {', '.join(KINDS)}")
    source = e["source"]
    source = [source] if isinstance(source, str) else source
    if not isinstance(source, list) or not all(isinstance(s, str) and s.strip() for s in source):
        raise UserError(f"{label}: source must name the evidence (a string or a list of strings "
                        "as in docs/EVIDENCE.md)")
    return Target(name=str(e["name"]), statistic=stat, value=float(e["value"]),
                  tolerance=float(e["tolerance"]), kind=kind, source=tuple(source),
                  mapping=str(e["mapping"]).strip(), why_tolerance=str(e["why_tolerance"]).strip(),
                  cadres=str(e.get("cadres", "")), evidence=str(e.get("evidence", "")).strip())
