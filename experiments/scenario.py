"""Policy scenarios: named packages of lever settings, read from small TOML files.

The library lives in ``experiments/scenarios/<name>.toml``; a user's own file is referred to by
its path. A file looks like::

    description = "Credible fault tolerance: honest failures are excused, and it is applied."

    [params]                 # overrides of the declared parameters (see `cadresim params`)
    fault_tolerance = 0.8

    [[schedule]]             # optional changes during the run
    year = 5                 # from year 5 ...
    phase_in_years = 2       # ... moving linearly to the new values over 2 years
    set = { tolerance_credibility = 0.9 }

Validation reuses the model's declaration (``model.parameters.validate``) and schedule parser, so
a scenario file accepts exactly what ``CadreModel`` accepts. Every error is one line naming the
file, the key and the allowed values.
"""

from __future__ import annotations

import math
import re
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from model.parameters import ParameterError, validate, validate_value
from model.schedule import parse_schedule

from .errors import UserError

#: Folder of the scenario library shipped with the package.
LIBRARY = Path(__file__).resolve().parent / "scenarios"
ALLOWED_KEYS = ("name", "description", "params", "schedule")
#: A scenario's name names files (its runs): letters (any script), digits, '_', '-', '.', and no
#: leading '.', '_' or '-' -- so never a path, never hidden.
_NAME_RE = re.compile(r"^[^\W_][\w.-]*$")


@dataclass(frozen=True)
class Scenario:
    """A validated policy scenario.

    Attributes:
        name: short identifier (file stem unless the file sets ``name``).
        description: one line saying what the scenario represents.
        params: validated parameter overrides (only those the scenario sets).
        policy_schedule: validated changes during the run, each
            ``{"year": float, "set": {name: value}, "phase_in_years": float}``.
        path: the file it came from (None when built in code).
    """

    name: str
    description: str
    params: dict = field(default_factory=dict)
    policy_schedule: list = field(default_factory=list)
    path: Path | None = None

    def full_params(self) -> dict:
        """Every declared parameter: defaults updated by this scenario's overrides."""
        return validate(self.params)

    def with_overrides(self, overrides: dict | None) -> Scenario:
        """A copy with ``overrides`` (already validated, e.g. from ``--set``) on top of params."""
        if not overrides:
            return self
        return replace(self, params={**self.params, **overrides})

    def check_horizon(self, years: float) -> None:
        """Raise UserError if a scheduled change starts at or after the end of a ``years`` run."""
        for i, change in enumerate(self.policy_schedule):
            if change["year"] >= years:
                raise UserError(
                    f"{self._where()}: key 'schedule' entry {i} changes at year "
                    f"{change['year']:g} but the run lasts {years:g} years; use --years greater "
                    f"than {change['year']:g} or an earlier year"
                )

    def _where(self) -> str:
        return str(self.path) if self.path is not None else f"scenario '{self.name}'"

    def to_dict(self) -> dict:
        """Plain data for a manifest (the full parameter set is stored separately)."""
        return {
            "name": self.name,
            "description": self.description,
            "params": dict(self.params),
            "policy_schedule": [dict(c, set=dict(c["set"])) for c in self.policy_schedule],
            "path": str(self.path) if self.path is not None else None,
        }

    @classmethod
    def from_dict(cls, data: dict) -> Scenario:
        """Rebuild a scenario stored by :meth:`to_dict` (validated again)."""
        where = f"scenario '{data.get('name', '?')}' in the manifest"
        params = _check_params(data.get("params") or {}, where)
        schedule = _check_schedule(data.get("policy_schedule") or [], where)
        name = data.get("name")
        if not isinstance(name, str) or not _NAME_RE.match(name):
            raise UserError(f"{where}: the name {name!r} is not a valid scenario name (letters, "
                            "digits, '_', '-' or '.'); the manifest was edited or damaged")
        path = data.get("path")
        return cls(name, str(data.get("description", "")), params, schedule,
                   Path(path) if isinstance(path, str) and path else None)


def _check_params(raw: Any, where: str) -> dict:
    if not isinstance(raw, dict):
        raise UserError(f"{where}: [params] must be a table of name = value; see `cadresim params`")
    checked = {}
    for name, value in raw.items():
        try:
            checked[name] = validate_value(name, value)
        except ParameterError as exc:
            raise UserError(f"{where}: key 'params.{name}': {exc}") from None
    return checked


def _check_schedule(raw: Any, where: str) -> list[dict]:
    if not isinstance(raw, list):
        raise UserError(
            f"{where}: 'schedule' must be an array of tables [[schedule]] with keys year, set, "
            "phase_in_years"
        )
    for i, item in enumerate(raw):
        for key in ("year", "phase_in_years"):
            value = item.get(key) if isinstance(item, dict) else None
            if isinstance(value, float) and not math.isfinite(value):
                raise UserError(f"{where}: key 'schedule' entry {i}: '{key}' must be a finite "
                                f"number, got {value!r}")
    try:
        changes = parse_schedule(raw)
    except ParameterError as exc:
        raise UserError(f"{where}: key 'schedule': {exc}") from None
    return [{"year": c.year, "set": dict(c.values), "phase_in_years": c.phase_in_years}
            for c in changes]


def parse_scenario(data: dict, path: Path | None = None, default_name: str = "custom") -> Scenario:
    """Validate the contents of a scenario file (already parsed from TOML)."""
    where = str(path) if path is not None else f"scenario '{default_name}'"
    unknown = sorted(set(data) - set(ALLOWED_KEYS))
    if unknown:
        raise UserError(
            f"{where}: unknown key '{unknown[0]}'; allowed keys: {', '.join(ALLOWED_KEYS)}"
        )
    name = data.get("name", _name_from_stem(default_name))
    if not isinstance(name, str) or not _NAME_RE.match(name):
        raise UserError(
            f"{where}: key 'name' must be letters, digits, '_', '-' or '.', got {name!r}"
        )
    description = data.get("description", f"user scenario from {path.name if path else name}")
    if not isinstance(description, str):
        raise UserError(f"{where}: key 'description' must be a string")
    description = " ".join(description.split())  # one line, however it was written
    params = _check_params(data.get("params", {}), where)
    schedule = _check_schedule(data.get("schedule", []), where)
    return Scenario(name, description, params, schedule, path)


def _name_from_stem(stem: str) -> str:
    """A valid scenario name from a file's stem: spaces and other characters a name cannot hold
    become '_' ("my policy.toml" -> "my_policy"; letters of any script are kept)."""
    name = re.sub(r"[^\w.-]+", "_", stem.strip()).lstrip("._-")
    return name if _NAME_RE.match(name) else "custom"


def load_scenario_file(path: str | Path) -> Scenario:
    """Read and validate one scenario file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UserError(f"scenario file '{path}' does not exist") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"cannot read scenario file '{path}': {exc}") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise UserError(f"{path}: malformed TOML: {exc}") from None
    return parse_scenario(data, path, default_name=path.stem)


def library_names() -> list[str]:
    """Names of the scenarios in the library, sorted."""
    return sorted(p.stem for p in LIBRARY.glob("*.toml"))


def list_scenarios() -> list[Scenario]:
    """Every scenario of the library, validated, baseline first."""
    names = library_names()
    names.sort(key=lambda n: (n != "baseline", n))
    return [load_scenario_file(LIBRARY / f"{n}.toml") for n in names]


def load_scenario(name_or_path: str | Path) -> Scenario:
    """A library scenario by name, or a user's scenario file by path."""
    text = str(name_or_path)
    looks_like_path = text.endswith(".toml") or "/" in text or "\\" in text
    if looks_like_path or (Path(text).is_file() and text not in library_names()):
        return load_scenario_file(text)
    candidate = LIBRARY / f"{text}.toml"
    if candidate.is_file():
        return load_scenario_file(candidate)
    import difflib

    close = difflib.get_close_matches(text, library_names(), n=1)
    hint = f" (did you mean '{close[0]}'?)" if close else ""
    raise UserError(
        f"unknown scenario '{text}'{hint}; library: {', '.join(library_names())}; or give the path "
        "of a .toml file"
    )


def parse_set_options(items: tuple[str, ...] | list[str]) -> dict:
    """``["NAME=VALUE", ...]`` from ``--set`` as validated parameter overrides."""
    overrides = {}
    for item in items:
        name, sep, raw = item.partition("=")
        name, raw = name.strip(), raw.strip()
        if not sep or not name or not raw:
            raise UserError(
                f"--set '{item}' must look like NAME=VALUE, e.g. --set fault_tolerance=0.8"
            )
        try:
            value = float(raw)
        except ValueError:
            raise UserError(f"--set {name}: '{raw}' is not a number") from None
        if value.is_integer():
            value = int(value)
        try:
            overrides[name] = validate_value(name, value)
        except ParameterError as exc:
            raise UserError(f"--set {name}: {exc}") from None
    return overrides
