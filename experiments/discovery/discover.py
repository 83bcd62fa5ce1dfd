"""``cadresim discover``: under which conditions does a question hold (PRIM, with CART as a second
view), checked on held-out points.

:func:`run_discover` either runs a new set of points (a :class:`points.DiscoverPlan`: one sweep
per arm, on any engine, resumable) or reads a stored sweep, sensitivity or discovery folder, then
:func:`analyse` splits the points (a seeded share is held out), runs PRIM and CART on the rest,
chooses a box and measures both on the held-out points. Everything goes into a new folder built
aside and moved into place when complete; a new folder keeps its runs (``runs/``), so the same
points can be asked another question by giving that folder as the input.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .. import store
from ..errors import UserError
from ..sweeps import run_sweep
from . import cart as cart_mod
from . import figures, report
from . import prim as prim_mod
from .ensemble import stream_seed
from .points import DiscoverPlan, PointTable, describe_source, load_points
from .question import Question

#: Libraries whose versions a discovery records beside the project's own.
METHOD_PACKAGES = ("ema_workbench", "scikit-learn", "pymoo", "scipy")


@dataclass
class Settings:
    """How the points are analysed (not what was run)."""

    density: float = 0.8      # target density of the chosen box
    holdout: float = 0.25     # share of points held out of PRIM and CART
    box: int | None = None    # a box of the trajectory chosen by the user
    seed: int = 0             # seeds the held-out split and the tree
    peel_alpha: float = 0.05
    paste_alpha: float = 0.05
    mass_min: float = 0.05

    def __post_init__(self):
        if not 0 < self.density <= 1:
            raise UserError(f"--density {self.density}: give a share in (0, 1], e.g. 0.8")
        if not 0 < self.holdout <= 0.5:
            raise UserError(f"--holdout {self.holdout}: give a share in (0, 0.5], e.g. 0.25")

    def to_dict(self) -> dict:
        return dict(self.__dict__)


@dataclass
class Discovery:
    """Everything one discovery found (the same numbers its folder holds)."""

    question: Question
    box: prim_mod.Box
    boxes: list
    choice: str
    stats: dict                  # {"in-sample": performance, "held-out": performance}
    cart: cart_mod.CartResult
    cart_leaf: cart_mod.Leaf
    cart_stats: dict
    x: pd.DataFrame
    values: np.ndarray           # the asked result at every point
    y: np.ndarray                # 1 for a case of interest
    held_out: np.ndarray
    ranges: dict
    source_line: str
    notes: list = field(default_factory=list)
    out: Path | None = None

    @property
    def headline(self) -> str:
        return report.headline(self.question, self.box, self.stats)


def check_question(points: PointTable, question: Question) -> np.ndarray:
    """The 0/1 cases of interest; UserError when the question cannot be asked of these points."""
    if question.column not in points.y.columns:
        if question.gain:
            raise UserError(f"'{question.column}' is a paired effect, but these points have one "
                            "arm (no scenario against a baseline); ask about a level, or run "
                            "discover with --effect SCENARIO")
        raise UserError(f"the sweep did not keep the output '{question.output}'; it kept: "
                        f"{', '.join(c for c in points.y.columns if not c.endswith('_gain'))}")
    values = points.y[question.column].to_numpy(dtype=float)
    y = question.of_interest(values)
    if points.n < 20:
        raise UserError(f"only {points.n} usable points; discovery needs at least 20")
    if y.sum() == 0 or y.sum() == len(y):
        which = "no" if y.sum() == 0 else "every"
        fix = "lower" if (y.sum() == 0) == (question.op in (">", ">=")) else "raise"
        raise UserError(f"the box would be empty: {which} point satisfies '{question.text}' "
                        f"({question.column} runs from {values.min():.4g} to {values.max():.4g} "
                        f"over {len(y):,} points); {fix} the threshold")
    return y


def analyse(points: PointTable, question: Question, settings: Settings) -> Discovery:
    """Split, PRIM, box choice, CART and the held-out check."""
    y = check_question(points, question)
    rng = np.random.default_rng(stream_seed(settings.seed, "split"))
    held_out = np.zeros(points.n, dtype=bool)
    held_out[rng.permutation(points.n)[:round(settings.holdout * points.n)]] = True
    x_in, y_in, x_out, y_out = points.x[~held_out], y[~held_out], points.x[held_out], y[held_out]
    if y_in.min() == y_in.max():
        raise UserError("the points PRIM learns from are all of one class; sample more --points")
    boxes, dims = prim_mod.run_prim(x_in, y_in, settings.peel_alpha, settings.paste_alpha,
                                    settings.mass_min)
    box, choice = prim_mod.choose(boxes, settings.density, settings.box)
    stats = {"in-sample": prim_mod.performance(prim_mod.in_box(x_in, box.limits), y_in),
             "held-out": prim_mod.performance(prim_mod.in_box(x_out, box.limits), y_out)}
    tree = cart_mod.run_cart(x_in, y_in, settings.mass_min, seed=stream_seed(settings.seed,
                                                                             "split") % 2**31)
    leaf = tree.best()
    cart_stats = {"in-sample": prim_mod.performance(prim_mod.in_box(x_in, leaf.limits), y_in),
                  "held-out": prim_mod.performance(prim_mod.in_box(x_out, leaf.limits), y_out)}
    values = points.y[question.column].to_numpy(dtype=float)
    note = (f"PRIM ran first on all {points.x.shape[1]} sampled settings; "
            f"{len(dims)} of them had a significant restriction somewhere on that trajectory "
            f"({', '.join(dims)}), and the box comes from a second PRIM on those alone.")
    return Discovery(question, box, boxes, choice, stats, tree, leaf, cart_stats, points.x,
                     values, y, held_out, points.ranges, describe_source(points), [note])


def write(folder: Path, d: Discovery, prov: dict, target: float) -> None:
    """Tables, figures and the summary of a discovery into ``folder`` (each file atomically)."""
    rows = []
    for name, s in (("prim box", d.stats), ("cart leaf", d.cart_stats)):
        for kind in ("in-sample", "held-out"):
            rows.append({"view": name, "sample": kind, **s[kind]})
    store.write_csv_atomic(pd.DataFrame(rows), folder / "holdout.csv", float_format="%.6g")
    store.write_csv_atomic(prim_mod.trajectory_table(d.boxes, d.box.index),
                           folder / "trajectory.csv", float_format="%.6g")
    store.write_csv_atomic(prim_mod.boxes_table(d.boxes, d.box.index, d.ranges),
                           folder / "boxes.csv", float_format="%.6g")
    store.write_csv_atomic(cart_mod.leaves_table(d.cart, prim_mod.describe_limits),
                           folder / "cart_boxes.csv", float_format="%.6g")
    frame = d.x.assign(**{d.question.column: d.values, "of_interest": d.y,
                          "held_out": d.held_out})
    store.write_parquet_atomic(frame, folder / "points.parquet")
    import matplotlib.pyplot as plt

    traj = prim_mod.trajectory_table(d.boxes, d.box.index)
    base_rate = float(np.mean(d.y[~d.held_out]))
    for name, fig in (
            ("tradeoff", figures.tradeoff_figure(traj, d.box.index, d.stats["held-out"],
                                                 base_rate, target)),
            ("box", figures.box_figure(d.headline, d.box, d.ranges, d.stats, d.x, d.y,
                                       d.question.words())),
            ("cart_tree", figures.cart_figure(d.cart))):
        store.save_figure(fig, folder / name, provenance=prov, title=name)
        plt.close(fig)
    store.atomic_write_text(folder / "summary.md", report.summary(d))


class _ShardDone(Exception):
    """Raised inside the staging folder to stop after one shard without finishing the folder."""


def run_discover(question: Question, out: str | os.PathLike, settings: Settings,
                 plan: DiscoverPlan | None = None, source: str | os.PathLike | None = None,
                 engine: str = "local", workers: int | None = None, progress: bool = True,
                 argv: list[str] | None = None, **engine_options) -> Discovery | None:
    """Answer ``question`` on new points (``plan``) or on a stored folder (``source``) and write
    the results into the new folder ``out``. With ``shard=(I, N)`` only that slice of the runs is
    done and None returned; the same call without ``shard`` then analyses."""
    if (plan is None) == (source is None):
        raise ValueError("give exactly one of plan and source")
    started, t0 = store.utc_now(), time.perf_counter()
    prov = store.provenance(argv)
    if plan is not None:
        designs = plan.designs()
        for design in designs.values():
            design.validate()
        staging_plan = {"discover": plan.to_dict(),
                        "fingerprints": {a: d.fingerprint() for a, d in designs.items()}}
    else:
        staging_plan = {"discover_from": str(Path(source).resolve()), "question": question.text,
                        "settings": settings.to_dict()}
    try:
        with store.staged_output_dir(out, plan=staging_plan) as stage:
            stage = Path(stage)
            if plan is not None:
                for arm, design in designs.items():
                    run_sweep(design, stage / "runs" / arm, engine=engine, workers=workers,
                              progress=progress, **engine_options)
                if engine_options.get("shard") is not None:
                    raise _ShardDone
                points = load_points(stage)
                points.source["folder"] = f"{Path(out)}/runs"
            else:
                points = load_points(source)
            d = analyse(points, question, settings)
            if plan is not None:
                d.notes += [plan.uncertainties.description + ".",
                            "Levers varied over their reform ranges (what a county could "
                            f"plausibly reach): {', '.join(plan.lever_names) or 'none'}."]
                if plan.fixed():
                    d.notes.append("Fixed at every point by the compared scenarios: "
                                   f"{', '.join(sorted(plan.fixed()))}.")
            write(stage, d, prov, settings.density)
            store.write_manifest(stage, {
                "kind": "discover", "provenance": prov, "command_line": prov["command_line"],
                "question": question.to_dict(), "settings": settings.to_dict(),
                "plan": plan.to_dict() if plan is not None else None,
                "source": points.source if plan is None else {"runs": "runs/"},
                "seeds": {"root_seed": plan.seed if plan else points.source["root_seed"],
                          "run_seed": "SeedSequence(root_seed, spawn_key=(row, replicate)); "
                                      "both arms share row and replicate seeds",
                          "split_seed": stream_seed(settings.seed, "split")},
                "method_packages": store.package_versions(METHOD_PACKAGES),
                "result": {"headline": d.headline, "box": d.box.index, "choice": d.choice,
                           "limits": {k: list(v) for k, v in d.box.limits.items()},
                           "stats": d.stats, "cart": d.cart_stats},
                "times": {"start": started, "end": store.utc_now(),
                          "wall_seconds": round(time.perf_counter() - t0, 2)},
            })
    except _ShardDone:
        return None
    d.out = Path(out)
    return d
