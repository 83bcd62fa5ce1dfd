"""Policies that change during a run: parameter changes at given years, optionally phased in.

A schedule is a list of changes, each ``{"year": 5, "set": {"fault_tolerance": 0.8},
"phase_in_years": 2}``. From ``year`` on, each named parameter moves linearly from the value it had
then to its new value over ``phase_in_years`` (0 = at once).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .parameters import PARAMETERS_BY_NAME, ParameterError, validate_value


@dataclass(frozen=True)
class Change:
    """One scheduled change of a set of parameters."""

    year: float
    values: dict[str, float]
    phase_in_years: float = 0.0


def parse_schedule(raw: list[dict[str, Any]] | None) -> list[Change]:
    """Check a user's schedule against the parameter declaration; raises ParameterError."""
    changes = []
    for i, item in enumerate(raw or []):
        if isinstance(item, Change):
            item = {"year": item.year, "set": item.values, "phase_in_years": item.phase_in_years}
        if not isinstance(item, dict):
            raise ParameterError(f"schedule entry {i} must be a table with 'year' and 'set'")
        extra = set(item) - {"year", "set", "phase_in_years"}
        if extra:
            raise ParameterError(
                f"schedule entry {i}: unknown key(s) {sorted(extra)}; allowed: year, set, "
                "phase_in_years"
            )
        year, values = item.get("year"), item.get("set")
        phase = item.get("phase_in_years", 0.0)
        if isinstance(year, bool) or not isinstance(year, int | float) or year < 0:
            raise ParameterError(f"schedule entry {i}: 'year' must be a number >= 0, got {year!r}")
        if isinstance(phase, bool) or not isinstance(phase, int | float) or phase < 0:
            raise ParameterError(
                f"schedule entry {i}: 'phase_in_years' must be a number >= 0, got {phase!r}"
            )
        if not isinstance(values, dict) or not values:
            raise ParameterError(f"schedule entry {i}: 'set' must be a non-empty table")
        checked = {}
        for name, value in values.items():
            if name in PARAMETERS_BY_NAME and PARAMETERS_BY_NAME[name].kind == "structure":
                raise ParameterError(
                    f"schedule entry {i}: '{name}' is a structure parameter and cannot change "
                    "during a run"
                )
            checked[name] = validate_value(name, value)
        changes.append(Change(float(year), checked, float(phase)))
    return sorted(changes, key=lambda c: c.year)


class PolicySchedule:
    """Applies scheduled changes to a run's live parameters as model time advances."""

    def __init__(self, changes: list[Change]):
        self.changes = changes
        self._start: dict[int, dict[str, float]] = {}

    def __bool__(self) -> bool:
        return bool(self.changes)

    def apply(self, params, year: float) -> bool:
        """Set ``params`` (a namespace) to the scheduled values at model time ``year``.

        Returns True when any value changed.
        """
        changed = False
        for i, change in enumerate(self.changes):
            if year < change.year:
                continue
            start = self._start.setdefault(
                i, {k: getattr(params, k) for k in change.values}
            )
            frac = 1.0 if change.phase_in_years == 0 else min(
                1.0, (year - change.year) / change.phase_in_years
            )
            for name, target in change.values.items():
                # Once phased in, the value is the target itself (start + (target - start)
                # can miss it by a rounding error: 0.6 -> 0.1 would give 0.09999999999999998).
                value = target if frac >= 1.0 else start[name] + frac * (target - start[name])
                if PARAMETERS_BY_NAME[name].integer:
                    value = int(round(value))
                if getattr(params, name) != value:
                    setattr(params, name, value)
                    changed = True
        return changed
