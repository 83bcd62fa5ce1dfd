"""Reading stored ``discover`` and ``robust`` folders back, for the briefing notebook: the answer,
the tables a ministry reader sees, and the figures redrawn from the stored tables (so a notebook
shows exactly what the folder holds, and stays a list of calls)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from model.parameters import PARAMETERS_BY_NAME

from ..errors import UserError
from . import figures, pareto
from .prim import Box

CONDITION_COLUMNS = {"input": "setting", "lower": "at least", "upper": "at most",
                     "range_low": "sampled from", "range_high": "sampled to",
                     "quasi_p": "quasi-p"}


def _manifest(folder: Path, kind: str) -> dict:
    path = Path(folder) / "manifest.json"
    if not path.is_file():
        raise UserError(f"'{folder}' holds no manifest.json; give a folder written by "
                        f"`cadresim {kind}`")
    manifest = json.loads(path.read_text())
    if manifest.get("kind") != kind:
        raise UserError(f"'{folder}' was written by `cadresim {manifest.get('kind')}`, not "
                        f"`cadresim {kind}`")
    return manifest


@dataclass
class StoredDiscovery:
    folder: Path
    manifest: dict
    boxes: pd.DataFrame
    trajectory: pd.DataFrame
    holdout: pd.DataFrame
    points: pd.DataFrame

    @property
    def headline(self) -> str:
        return self.manifest["result"]["headline"]

    def box(self) -> Box:
        """The chosen box, as the analysis held it."""
        rows = self.boxes[self.boxes["chosen"]]
        t = self.trajectory[self.trajectory["chosen"]].iloc[0]
        limits = {r.input: (-np.inf if np.isnan(r.lower) else r.lower,
                            np.inf if np.isnan(r.upper) else r.upper) for r in rows.itertuples()}
        qp = {r.input: (r.quasi_p_lower, r.quasi_p_upper) for r in rows.itertuples()}
        return Box(int(t["box"]), limits, qp, float(t["coverage"]), float(t["density"]),
                   float(t["mass"]), int(t["points"]), int(t["cases"]))

    def conditions(self) -> pd.DataFrame:
        """The chosen box as a table: each setting's limits, its sampled range, its quasi-p."""
        rows = self.boxes[self.boxes["chosen"]].copy()
        rows["quasi_p"] = rows[["quasi_p_lower", "quasi_p_upper"]].min(axis=1)
        return rows[list(CONDITION_COLUMNS)].rename(columns=CONDITION_COLUMNS) \
            .set_index("setting")

    def how_sure(self) -> pd.DataFrame:
        """Density, coverage and the rate outside the box, in-sample and held out."""
        keep = ["view", "sample", "points", "in_box", "density", "density_low", "density_high",
                "coverage", "outside_density", "outside_density_low", "outside_density_high"]
        return self.holdout[keep].set_index(["view", "sample"])

    def box_figure(self):
        ranges = dict(zip(self.boxes["input"], zip(self.boxes["range_low"],
                                                    self.boxes["range_high"], strict=True),
                          strict=True))
        x = self.points.drop(columns=["of_interest", "held_out",
                                      self.manifest["question"]["column"]])
        return figures.box_figure(self.headline, self.box(), ranges,
                                  self.manifest["result"]["stats"], x,
                                  self.points["of_interest"].to_numpy(),
                                  self.manifest["question"]["words"])

    def tradeoff_figure(self):
        held = self.manifest["result"]["stats"]["held-out"]
        base = float(self.points.loc[~self.points["held_out"], "of_interest"].mean())
        return figures.tradeoff_figure(self.trajectory, int(self.box().index), held, base,
                                       self.manifest["settings"]["density"])


def load_discovery(folder: str | Path) -> StoredDiscovery:
    """A folder written by ``cadresim discover``."""
    folder = Path(folder)
    manifest = _manifest(folder, "discover")
    return StoredDiscovery(folder, manifest, pd.read_csv(folder / "boxes.csv"),
                           pd.read_csv(folder / "trajectory.csv"),
                           pd.read_csv(folder / "holdout.csv"),
                           pd.read_parquet(folder / "points.parquet"))


@dataclass
class StoredRobust:
    folder: Path
    manifest: dict
    front: pd.DataFrame
    library: pd.DataFrame
    generations: pd.DataFrame

    @property
    def answer(self) -> str:
        return self.manifest["result"]["answer"]

    def figure(self):
        return pareto.pareto_figure(self.front, self.library, self.manifest["plan"]["budget"],
                                    self.manifest["result"]["chosen"], prefix="validated_")

    def table(self, which: str = "front", rows: int | None = None) -> pd.DataFrame:
        """Packages (``front``) or known packages (``library``) as a reader's table, measured
        on fresh worlds: cost, mean gain with its interval, the worst tenth, side effect."""
        df = self.front if which == "front" else self.library
        v = "validated_"
        out = pd.DataFrame({
            "package": df["package"],
            "extra cost, yuan (p90)": df[v + "cost_p90"].round(0),
            "genuine innovation, points (mean)": (100 * df[v + "gain_mean"]).round(1),
            "95% CI": [f"{100 * lo:+.1f} to {100 * hi:+.1f}" for lo, hi in
                       zip(df[v + "gain_mean_low"], df[v + "gain_mean_high"], strict=True)],
            "worst tenth of worlds": (100 * df[v + "gain_p10"]).round(1),
            "symbolic added, points (p90)": (100 * df[v + "symbolic_p90"]).round(1),
        })
        out = out.sort_values("extra cost, yuan (p90)", kind="stable")
        return (out if rows is None else out.head(rows)).set_index("package")

    def settings(self, package: str) -> pd.DataFrame:
        """A package's lever values beside today's."""
        levers = self.manifest["plan"]["levers"]
        row = self.front[self.front["package"] == package].iloc[0]
        base = self.manifest["plan"]["baseline"]["params"]  # today: the baseline's values
        return pd.DataFrame({
            "today": [base.get(n, PARAMETERS_BY_NAME[n].default) for n in levers],
            "package": [row[n] for n in levers]}, index=levers).query("today != package")


def load_robust(folder: str | Path) -> StoredRobust:
    """A folder written by ``cadresim robust``."""
    folder = Path(folder)
    manifest = _manifest(folder, "robust")
    return StoredRobust(folder, manifest, pd.read_csv(folder / "pareto.csv"),
                        pd.read_csv(folder / "library.csv"),
                        pd.read_csv(folder / "generations.csv"))


#: Where ``cadresim discover --effect credible_fault_tolerance`` and ``cadresim robust`` write by
#: default (relative to the repository root); the briefing notebook reads these.
ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DISCOVERY = ROOT / "results" / "discover-innovation_rate_gain-credible_fault_tolerance"
DEFAULT_ROBUST = ROOT / "results" / "robust"


def tiny_examples(folder: str | Path, seed: int) -> tuple[Path, Path]:
    """A discovery and a robust search at ``--quick`` size into ``folder`` (seconds; they run
    every step but answer nothing). The discovery asks a mechanical question with a sure answer
    over three levers (digital relief is what makes the policy cost more than 6,000 yuan),
    since runs this short leave innovation to chance."""
    from ..scenario import list_scenarios
    from .discover import Settings, run_discover
    from .ensemble import Uncertainties, uncertainties
    from .points import DiscoverPlan
    from .question import parse_where
    from .robust import RobustPlan
    from .robust_run import run_robust

    folder = Path(folder)
    library = list_scenarios()
    fixed = Uncertainties(None, (), "uncertainties at their defaults (a tiny example)")
    plan = DiscoverPlan(points=160, replicates=1, years=1, seed=seed, n_cadres=60,
                        uncertainties=fixed, baseline=library[0],
                        levers="digital_relief,fault_tolerance,training_quality")
    run_discover(parse_where("policy_cost > 6000"), folder / "discover", Settings(seed=seed),
                 plan=plan, engine="serial", progress=False)
    robust = RobustPlan(budget=5000, population=6, generations=2, draws=4, replicates=1,
                        years=1, seed=seed, uncertainties=uncertainties(),
                        baseline=library[0], library=library[1:], n_cadres=60)
    run_robust(robust, folder / "robust", progress=False, log=lambda msg: None,
               engine="serial")
    return folder / "discover", folder / "robust"
