"""Packages of levers evaluated over an ensemble of plausible worlds, with common random numbers,
and the robustness measures the search optimises (``cadresim robust``).

**Worlds.** ``draws`` sets of the uncertainties (from the posterior, or over their declared
ranges while there is none), each run with ``replicates`` seeds: world ``e`` replicate ``k`` runs
on seed ``SeedSequence(root, spawn_key=(e, k))`` *whatever the package* (the sweeps' ``seed_rows``),
so every package meets the same worlds and the same chance events, and its effect against today's
package is a paired difference.

**Measures** (per package, over the E x R cells; each read at its unfavourable decile, "what the
package guarantees in 9 of 10 plausible worlds"):

* regret of genuine innovation: the best gain any *known* package (the library scenarios and the
  "serious reform" of every lever at its declared reform value) reaches in that world, minus
  this package's gain -- Savage's regret against a fixed reference set, so the objective does not
  move during the search. We use regret rather than a percentile of the gain itself because in
  some plausible worlds innovation is locked near zero whatever a county does; there every gain
  is ~0, a low percentile of the gain is ~0 for every package and cannot rank them, while the
  regret there is ~0 too and the ranking is decided by the worlds where policy matters;
* symbolic innovation added (90th percentile): the bad tail of the side effect;
* extra cost over today's policy, yuan per cadre per year (90th percentile; the budget bounds it).

**Runs.** The reference packages run once per ensemble (``runs/reference-train``); every
generation of the search is one sweep of packages x worlds (``runs/gen-007``), on the sweep
engines, so an interrupted search resumes from its finished chunks and replays the generations
before (``search.py``).
"""

from __future__ import annotations

import contextlib
import sys
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd

from model.costs import level_costs
from model.model import MIN_CADRES
from model.parameters import PARAMETERS_BY_NAME

from ..errors import UserError
from ..scenario import Scenario
from ..sweeps import SweepDesign, load_design, merge_shards, run_sweep, sweep_status
from .ensemble import Uncertainties, parse_levers, stream_seed
from .search import Space

OUTPUTS = ["innovation_rate", "symbolic_rate", "policy_cost", "success_rate", "mean_stress"]
#: The decile each measure is read at (regret, symbolic added and cost: the 90th percentile).
TAIL = 0.9
TODAY, REFORM = "today", "serious_reform"


class ShardDone(Exception):
    """One shard of the current sweep is done; the others (or a run without --shard) go on."""


@dataclass
class RobustPlan:
    """Everything that decides a robust search's numbers."""

    budget: float
    population: int
    generations: int
    draws: int
    replicates: int
    years: int
    seed: int
    uncertainties: Uncertainties
    baseline: Scenario
    library: list
    levers: str | None = None
    n_cadres: int = 1000

    def __post_init__(self):
        for label, value, low in (("--population", self.population, 4),
                                  ("--generations", self.generations, 1),
                                  ("--draws", self.draws, 4), ("--replicates", self.replicates, 1),
                                  ("--years", self.years, 1),
                                  ("--n-cadres", self.n_cadres, MIN_CADRES)):
            if value < low:
                raise UserError(f"{label} {value}: need at least {low}")
        if not np.isfinite(self.budget):
            raise UserError("--budget must be a finite number of yuan per cadre per year")
        self.lever_names = parse_levers(self.levers)
        if not self.lever_names:
            raise UserError("--levers names no lever to search")
        ps = [PARAMETERS_BY_NAME[n] for n in self.lever_names]
        self.space = Space.of(self.lever_names, [p.reform_range[0] for p in ps],
                              [p.reform_range[1] for p in ps], [p.integer for p in ps])

    def today(self) -> dict:
        """Today's values of every lever (the baseline scenario over the defaults)."""
        full = self.baseline.full_params()
        return {n: full[n] for n in PARAMETERS_BY_NAME if PARAMETERS_BY_NAME[n].kind == "lever"}

    def package(self, x) -> dict:
        """Every lever's value under a package of the searched levers."""
        return {**self.today(), **dict(zip(self.lever_names, map(float, x), strict=True))}

    def starting_packages(self) -> np.ndarray:
        """Today's package and the serious reform (every searched lever at its reform value),
        the first members of the first population."""
        today = [min(max(self.today()[n], lo), hi)
                 for n, lo, hi in zip(self.lever_names, self.space.low, self.space.high,
                                      strict=True)]
        reform = [PARAMETERS_BY_NAME[n].reform for n in self.lever_names]
        return self.space.snap(np.array([today, reform]))

    def references(self) -> dict[str, Scenario]:
        """The known packages every world is run under: today, the serious reform and the
        library (regret is measured against the best of them in each world)."""
        reform = Scenario(REFORM, "every searched lever at its declared reform value",
                          self.package(self.starting_packages()[1]))
        today = Scenario(TODAY, "today's policy (the baseline scenario)", self.today())
        return {TODAY: today, REFORM: reform, **{s.name: s for s in self.library}}

    def n_runs(self) -> dict:
        e = self.draws * self.replicates
        refs = len(self.references()) * e
        return {"references": 2 * refs, "search": self.population * self.generations * e,
                "validation": self.population * e,
                "total": 2 * refs + self.population * (self.generations + 1) * e}

    def to_dict(self) -> dict:
        return {"budget": self.budget, "population": self.population,
                "generations": self.generations, "draws": self.draws,
                "replicates": self.replicates, "years": self.years, "seed": self.seed,
                "n_cadres": self.n_cadres, "levers": self.lever_names,
                "bounds": {n: [lo, hi] for n, lo, hi in zip(self.lever_names, self.space.low,
                                                            self.space.high, strict=True)},
                "grid_step": dict(zip(self.lever_names, self.space.step, strict=True)),
                "baseline": self.baseline.to_dict(), "library": [s.name for s in self.library],
                "uncertainties": self.uncertainties.to_dict(), "tail": TAIL}


def cheapest_level_cost(plan: RobustPlan) -> float:
    """The lowest budget-line cost (yuan per cadre per year, before rewards) any package in the
    search space can have: every level cost rises or falls monotonically in each lever, so the
    cheapest package takes each searched lever at its cheaper end."""
    values = plan.package(plan.space.low)
    for name, lo, hi in zip(plan.lever_names, plan.space.low, plan.space.high, strict=True):
        costs = []
        for v in (lo, hi):
            trial = {**plan.baseline.full_params(), **values, name: v}
            costs.append(sum(level_costs(SimpleNamespace(**trial)).values()))
        values[name] = (lo, hi)[int(np.argmin(costs))]
    return sum(level_costs(SimpleNamespace(**{**plan.baseline.full_params(),
                                              **values})).values())


class Evaluator:
    """Runs packages over one plan's worlds, as sweeps under ``root``, and measures them."""

    def __init__(self, plan: RobustPlan, root: Path, engine_options: dict, progress: bool,
                 log=None):
        self.plan, self.root = plan, Path(root)
        self.options, self.progress = engine_options, progress
        self.log = log or (lambda msg: print(msg, file=sys.stderr))
        self.worlds = {kind: plan.uncertainties.sample(plan.draws, plan.seed, stream)
                       for kind, stream in (("train", "uncertainties"),
                                            ("validation", "validation"))}
        self.seconds: dict[str, float] = {}

    # ------------------------------------------------------------------------------ sweeps
    def design(self, kind: str, packages: list[dict], schedule=None) -> SweepDesign:
        worlds = self.worlds[kind]
        levers = sorted(packages[0], key=list(PARAMETERS_BY_NAME).index)
        lever_part = np.repeat(np.array([[p[n] for n in levers] for p in packages]),
                               len(worlds), axis=0)
        world_part = np.tile(worlds.to_numpy(dtype=float), (len(packages), 1))
        # Same root seed and seed row = world for every package: common random numbers.
        return SweepDesign(param_names=levers + list(worlds.columns),
                           samples=np.hstack([lever_part, world_part]),
                           base_params=dict(self.plan.baseline.params),
                           replicates=self.plan.replicates, n_steps=4 * self.plan.years,
                           n_cadres=self.plan.n_cadres,
                           root_seed=stream_seed(self.plan.seed, "search"), outputs=OUTPUTS,
                           meta={"kind": "robust", "worlds": kind},
                           seed_rows=np.tile(np.arange(len(worlds)), len(packages)),
                           policy_schedule=schedule or None)

    def _run(self, name: str, design: SweepDesign) -> np.ndarray:
        """Outputs of ``design`` as (packages, cells, outputs), from disk when already run."""
        folder = self.root / name
        if (folder / "design.json").is_file() and \
                load_design(folder).fingerprint() != design.fingerprint():
            raise UserError(f"{folder} holds other runs than this search asks for; start the "
                            "search in a new --out folder")
        if (folder / "results.parquet").is_file():
            df = pd.read_parquet(folder / "results.parquet")
        elif (folder / "design.json").is_file() and sweep_status(folder)["complete"]:
            df = merge_shards(folder)
        else:
            df = run_sweep(design, folder, progress=self.progress, **self.options)
            if self.options.get("shard") is not None:
                raise ShardDone(name)
            status = sweep_status(folder)
            self.seconds[name] = (status["mean_chunk_seconds"] or 0.0) * status["n_chunks"]
        bad = df["status"] != "ok"
        if bad.any():
            raise UserError(f"{int(bad.sum())} runs failed in {folder}; see `cadresim status "
                            f"{folder}`, then `cadresim resume {folder}` and run again")
        df = df.sort_values(["row", "replicate"])
        n_pack = design.n_rows // len(self.worlds["train"])
        cells = len(self.worlds["train"]) * self.plan.replicates
        return df[OUTPUTS].to_numpy(dtype=float).reshape(n_pack, cells, len(OUTPUTS))

    def references(self, kind: str) -> dict[str, np.ndarray]:
        """(cells, outputs) of every reference package on the worlds ``kind``."""
        refs = self.plan.references()
        static = {k: s for k, s in refs.items() if not s.policy_schedule}
        out = {}
        cube = self._run(f"reference-{kind}",
                         self.design(kind, [{**self.plan.today(), **s.params}
                                             for s in static.values()]))
        out.update({k: cube[i] for i, k in enumerate(static)})
        for k, s in refs.items():  # a reform during the run cannot share a sweep with others
            if s.policy_schedule:
                design = self.design(kind, [{**self.plan.today(), **s.params}],
                                      s.policy_schedule)
                out[k] = self._run(f"reference-{kind}-{k}", design)[0]
        return out

    def packages(self, name: str, X: np.ndarray, kind: str) -> np.ndarray:
        """(packages, cells, outputs) of the searched packages ``X`` on the worlds ``kind``."""
        return self._run(name, self.design(kind, [self.plan.package(x) for x in X]))

    # ------------------------------------------------------------------------------ measures
    @staticmethod
    def paired(cube: np.ndarray, refs: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """Per package and cell: gain, symbolic added, extra cost, regret (vs today and the
        known packages)."""
        today = refs[TODAY]
        col = {o: i for i, o in enumerate(OUTPUTS)}
        best = np.max([r[:, col["innovation_rate"]] - today[:, col["innovation_rate"]]
                       for r in refs.values()], axis=0)
        gain = cube[..., col["innovation_rate"]] - today[:, col["innovation_rate"]]
        return {"gain": gain, "symbolic": cube[..., col["symbolic_rate"]]
                - today[:, col["symbolic_rate"]],
                "cost": cube[..., col["policy_cost"]] - today[:, col["policy_cost"]],
                "regret": best - gain}

    def objectives(self, cube: np.ndarray, refs: dict) -> tuple[np.ndarray, np.ndarray]:
        """F = tail regret, tail symbolic added, tail extra cost (all minimised); G = tail extra
        cost - budget (feasible when <= 0)."""
        m = self.paired(cube, refs)
        F = np.column_stack([np.quantile(m[k], TAIL, axis=1)
                             for k in ("regret", "symbolic", "cost")])
        return F, (F[:, 2] - self.plan.budget)[:, None]

    def check_budget(self, refs: dict) -> float:
        """The lowest tail extra cost any package can have; UserError when the budget is below
        it (nothing else runs)."""
        today_cost = refs[TODAY][:, OUTPUTS.index("policy_cost")]
        floor = cheapest_level_cost(self.plan) - float(np.quantile(today_cost, 1 - TAIL))
        if self.plan.budget < floor:
            raise UserError(f"--budget {self.plan.budget:,.0f} is below every package's cost: "
                            f"even the cheapest package in the reform ranges costs at least "
                            f"{floor:,.0f} yuan per cadre per year more than today in 9 of 10 "
                            f"worlds; raise --budget to at least {np.ceil(floor):,.0f}")
        return floor


@contextlib.contextmanager
def engine_session(options: dict):
    """One Dask cluster for the whole search (rather than one per generation): start it here
    and hand every generation's sweep its scheduler address. Other engines pass through."""
    if options.get("engine") != "dask" or options.get("scheduler"):
        yield options
        return
    from distributed import LocalCluster

    from ..sweeps.engines import read_cluster_config

    if options.get("cluster"):
        import dask_jobqueue

        config = read_cluster_config(options["cluster_config"])
        cls = {"slurm": dask_jobqueue.SLURMCluster, "pbs": dask_jobqueue.PBSCluster}
        cluster = cls[options["cluster"]](**config.get("cluster", {}))
        if options.get("workers"):
            cluster.scale(n=options["workers"])
        else:
            cluster.scale(**{k: v for k, v in config.get("scale", {}).items()
                             if k in ("jobs", "n", "cores", "memory")} or {"jobs": 1})
    else:
        from ..sweeps.engines import default_workers

        cluster = LocalCluster(n_workers=options.get("workers") or default_workers(),
                               threads_per_worker=1, processes=True, dashboard_address=":0")
    try:
        yield {**options, "scheduler": cluster.scheduler_address, "cluster": None,
               "cluster_config": None, "workers": None}
    finally:
        cluster.close()
