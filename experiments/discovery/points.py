"""The points a scenario discovery reads: one row per sampled setting, its inputs and its results.

A point table comes from sweeps on disk, each called an *arm*:

* a sweep directory (``design.json`` in it) or a sensitivity folder (``runs/design.json``): one
  arm, the levels of every output;
* a ``cadresim discover`` folder (``runs/baseline/`` and, for a scenario's effect,
  ``runs/policy/``): two arms run on the same sample rows with the same seeds, so the paired
  effect of the scenario at each point, ``<output>_gain``, is nearly free of seed noise.

Replicates of a row are averaged; rows with a failed run are left out (and counted).
:class:`DiscoverPlan` makes the arms of a new discovery: levers over their reform ranges,
uncertainties from the posterior (``ensemble.py``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from model.model import MIN_CADRES
from model.outputs import OUTPUTS
from model.parameters import PARAMETERS_BY_NAME

from ..errors import UserError
from ..scenario import Scenario
from ..sweeps import SweepDesign, load_design, load_results
from .ensemble import Uncertainties, lever_samples, parse_levers
from .question import gain_column

ARMS = ("baseline", "policy")


@dataclass
class PointTable:
    """Inputs ``x`` (one column per varied parameter) and results ``y`` of every point."""

    x: pd.DataFrame
    y: pd.DataFrame
    ranges: dict[str, tuple[float, float]]  # the range each input was sampled over
    source: dict = field(default_factory=dict)  # where the points came from (for manifests)

    @property
    def n(self) -> int:
        return len(self.x)


def find_arms(folder: str | Path) -> dict[str, Path]:
    """The sweeps of a stored sweep, sensitivity or discovery folder, by arm name."""
    folder = Path(folder)
    if (folder / "design.json").is_file():
        return {"levels": folder}
    if (folder / "runs" / "design.json").is_file():
        return {"levels": folder / "runs"}
    arms = {a: folder / "runs" / a for a in ARMS if (folder / "runs" / a / "design.json").is_file()}
    if arms:
        return arms
    raise UserError(f"'{folder}' is not a sweep: it holds no design.json (nor runs/design.json); "
                    "give a folder written by `cadresim sensitivity`, `discover` or a sweep "
                    "directory")


def _arm_means(path: Path) -> tuple[SweepDesign, pd.DataFrame, np.ndarray]:
    """The design of one arm, the mean of every output over replicates (rows x outputs) and a
    mask of rows whose runs all succeeded."""
    design = load_design(path)
    results = load_results(path)
    if len(results) < design.n_runs:
        raise UserError(f"the sweep in '{path}' is incomplete ({len(results)} of {design.n_runs} "
                        f"runs); finish it with `cadresim resume {path}`")
    outputs = design.output_names()
    results = results.sort_values(["row", "replicate"])
    ok = (results["status"] == "ok").to_numpy()
    values = results[outputs].to_numpy(dtype=float, copy=True)
    values[~ok] = np.nan
    cube = values.reshape(design.n_rows, design.replicates, len(outputs))
    good = np.isfinite(cube).all(axis=(1, 2))
    return design, cube, good


def _ranges(design: SweepDesign) -> dict[str, tuple[float, float]]:
    meta = design.meta or {}
    bounds = meta.get("bounds") or meta.get("problem", {}).get("bounds")
    if bounds and len(bounds) == len(design.param_names):
        return {n: (float(b[0]), float(b[1])) for n, b in zip(design.param_names, bounds,
                                                               strict=True)}
    return {n: (PARAMETERS_BY_NAME[n].low, PARAMETERS_BY_NAME[n].high)
            for n in design.param_names}


def load_points(folder: str | Path) -> PointTable:
    """The point table of a stored sweep, sensitivity or discovery folder."""
    arms = find_arms(folder)
    first = next(iter(arms))
    design, cube, good = _arm_means(arms[first])
    outputs = design.output_names()
    y = pd.DataFrame(cube.mean(axis=1), columns=outputs)
    if "policy" in arms and "baseline" in arms:
        base, base_cube, base_good = design, cube, good
        design, cube, good = _arm_means(arms["policy"])
        if (not np.array_equal(base.samples, design.samples)
                or (base.root_seed, base.replicates, base.n_steps) != (design.root_seed,
                                                                        design.replicates,
                                                                        design.n_steps)):
            raise UserError(f"the two arms in '{folder}' were not run on the same points and "
                            "seeds; they cannot be paired (run discover again)")
        outputs = [o for o in design.output_names() if o in base.output_names()]
        pol = pd.DataFrame(cube.mean(axis=1), columns=design.output_names())
        gains = (cube - base_cube).mean(axis=1)  # paired: same row, same replicate, same seed
        y = pol[outputs].assign(**{gain_column(o): gains[:, i] for i, o in enumerate(outputs)})
        good = good & base_good
    x = pd.DataFrame(np.asarray(design.samples, dtype=float), columns=design.param_names)
    varied = [c for c in x.columns if x[c].nunique() > 1]  # a constant input restricts nothing
    meta = dict(design.meta or {})
    source = {"folder": str(Path(folder)), "arms": {k: str(v) for k, v in arms.items()},
              "rows": design.n_rows, "replicates": design.replicates, "years": design.n_steps / 4,
              "n_cadres": design.n_cadres, "root_seed": design.root_seed,
              "dropped_rows": int((~good).sum()), "kind": meta.get("kind", "sweep"),
              "meta": meta}
    ranges = _ranges(design)
    return PointTable(x.loc[good, varied].reset_index(drop=True),
                      y.loc[good].reset_index(drop=True),
                      {k: ranges[k] for k in varied}, source)


@dataclass
class DiscoverPlan:
    """A new discovery's runs: sampled points, run once under the baseline and, for an effect,
    once under the scenario on the same seeds."""

    points: int
    replicates: int
    years: int
    seed: int
    uncertainties: Uncertainties
    baseline: Scenario
    scenario: Scenario | None = None
    levers: str | None = None  # None/"all" or comma-separated names
    n_cadres: int = 1000

    def __post_init__(self):
        for label, value, low in (("--points", self.points, 20),
                                  ("--replicates", self.replicates, 1), ("--years", self.years, 1),
                                  ("--n-cadres", self.n_cadres, MIN_CADRES)):
            if value < low:
                raise UserError(f"{label} {value}: need at least {low}")
        if self.seed < 0:
            raise UserError(f"--seed {self.seed}: need a whole number >= 0")
        fixed = self.fixed()
        self.lever_names = parse_levers(self.levers, exclude=fixed)
        self.uncertainty_names = [u for u in self.uncertainties.names if u not in fixed]
        if len(self.lever_names) + len(self.uncertainty_names) < 1:
            raise UserError("nothing left to vary: the scenarios fix every chosen lever")

    def fixed(self) -> set[str]:
        """Parameters the baseline or the scenario set: the same at every point."""
        out = set(self.baseline.params)
        if self.scenario is not None:
            out |= set(self.scenario.params)
            for change in self.scenario.policy_schedule + self.baseline.policy_schedule:
                out |= set(change["set"])
        return out

    def samples(self) -> pd.DataFrame:
        """The sampled points: levers (reform ranges) beside uncertainties (posterior)."""
        parts = []
        if self.lever_names:
            parts.append(lever_samples(self.lever_names, self.points, self.seed))
        if self.uncertainty_names:
            u = self.uncertainties.sample(self.points, self.seed)
            parts.append(u[self.uncertainty_names])
        return pd.concat(parts, axis=1)

    def bounds(self) -> list[list[float]]:
        b = [list(PARAMETERS_BY_NAME[n].reform_range) for n in self.lever_names]
        return b + [[PARAMETERS_BY_NAME[n].low, PARAMETERS_BY_NAME[n].high]
                    for n in self.uncertainty_names]

    def designs(self) -> dict[str, SweepDesign]:
        """One sweep per arm; the arms share samples and root seed, so row r replicate k runs on
        the same seed in both (common random numbers)."""
        x = self.samples()
        meta = {"kind": "discovery", "bounds": self.bounds(),
                "baseline": self.baseline.name,
                "scenario": self.scenario.name if self.scenario else None,
                "uncertainties": self.uncertainties.to_dict()}
        arms = {"baseline": self.baseline} | ({"policy": self.scenario} if self.scenario else {})
        out = {}
        for arm, scen in arms.items():
            params = dict(self.baseline.params) | (dict(scen.params) if arm == "policy" else {})
            schedule = list(self.baseline.policy_schedule) + (
                list(scen.policy_schedule) if arm == "policy" else [])
            out[arm] = SweepDesign(param_names=list(x.columns), samples=x.to_numpy(dtype=float),
                                   base_params=params, replicates=self.replicates,
                                   n_steps=4 * self.years, n_cadres=self.n_cadres,
                                   root_seed=self.seed, outputs=list(OUTPUTS),
                                   meta={**meta, "arm": arm}, policy_schedule=schedule or None)
        return out

    def to_dict(self) -> dict:
        return {"points": self.points, "replicates": self.replicates, "years": self.years,
                "seed": self.seed, "n_cadres": self.n_cadres,
                "baseline": self.baseline.to_dict(),
                "scenario": self.scenario.to_dict() if self.scenario else None,
                "levers": self.lever_names, "uncertainties": self.uncertainties.to_dict(),
                "fixed_by_scenarios": sorted(self.fixed())}

    def n_runs(self) -> int:
        return self.points * self.replicates * (2 if self.scenario else 1)


def describe_source(points: PointTable) -> str:
    """One line: where the points came from."""
    s = points.source
    if "replicates" not in s:  # a table built in code
        return f"{points.n:,} points from {s.get('folder', 'a table given in code')}"
    arms = " paired under two arms" if len(s["arms"]) > 1 else ""
    dropped = f"; {s['dropped_rows']} rows with a failed run left out" if s["dropped_rows"] else ""
    reps, years = s["replicates"], s["years"]
    return (f"{points.n:,} points{arms} from {s['folder']} ({reps} seeded "
            f"replicate{'s' if reps != 1 else ''} each, {years:g} year{'s' if years != 1 else ''} "
            f"of {s['n_cadres']:,} cadres{dropped})")
