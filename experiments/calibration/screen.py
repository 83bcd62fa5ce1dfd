"""Which uncertainties can the targets inform? A Morris screening of every uncertainty on the
target statistics, in units of each target's tolerance.

Morris's mu* of a parameter on a statistic is the mean absolute change of the statistic when the
parameter moves across its whole declared range (SALib, the elementary effects averaged over
trajectories through the other parameters' ranges). Divided by a target's tolerance it says how
far the parameter alone can move that statistic through the band the evidence allows. Seed noise
alone gives every parameter a mu* (two noisy runs differ even when the parameter does nothing);
each row runs on ``REPLICATES`` seeds so that this floor is measured (``sensitivity.analysis``'s
Morris noise floor) and subtracted. A parameter whose largest net score is below
``screen_threshold`` (one tolerance: alone, over its whole range, it cannot move any statistic
across half the band) is not calibrated: the evidence could at most rule out an end of its
range, and only together with others. Importance-weighted ABC degenerates in more than about ten
dimensions (the effective sample size collapses), so the few strongly informed uncertainties are
calibrated; the rest stay at their defaults (or, with ``--nuisance prior``, draws from their
ranges). Whole-number parameters are not calibrated either (the ABC kernel moves parameters
continuously).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from model.parameters import PARAMETERS_BY_NAME

from ..sensitivity.analysis import morris_noise_floor, noise_stats, replicate_means
from ..sensitivity.design import MORRIS_LEVELS, make_design
from ..sensitivity.plan import build_problem
from ..sensitivity.run import outputs_matrix
from ..sweeps import run_sweep
from .generations import wait_for_shards
from .plan import CalibrationPlan

#: The spawn key of the screening's seeds (generations use their own numbers from 0).
SCREEN_KEY = 10_000
#: Seeded runs per design row: two measure the seed-noise floor of mu*.
REPLICATES = 2


def screening_design(plan: CalibrationPlan):
    """The Morris design over every uncertainty not held fixed, and its sweep."""
    problem = build_problem(plan.uncertainties())
    seed = int(np.random.SeedSequence(plan.seed, spawn_key=(SCREEN_KEY,)).generate_state(1)[0])
    design = make_design(problem, "morris", plan.screening_trajectories, seed)
    sweep = plan.sweep(list(problem.names), design.X, root_seed=seed, replicates=REPLICATES,
                       meta={"step": "screening"})
    return design, sweep


def run_screening(plan: CalibrationPlan, runs: Path, progress: bool = True,
                  **engine) -> pd.DataFrame:
    """Run the screening sweep into ``runs`` (resumable) and score every uncertainty.

    Returns one row per uncertainty: its score on each target ((mu* - noise floor) /
    tolerance, at least 0), the largest score, the target it moves most, and whether it is
    calibrated.
    """
    design, sweep = screening_design(plan)
    results = run_sweep(sweep, runs, progress=progress, **engine)
    if engine.get("shard") is not None:
        results = wait_for_shards(runs, progress)
    Y = outputs_matrix(results, design.n_rows, REPLICATES, plan.targets.statistics)
    level = design.levels["parameter"]
    rows_used = level.rows[:design.n * level.unit]
    rows = {}
    for t in plan.targets.targets:
        mu_star = _mu_star(level, design.X[rows_used], replicate_means(Y[t.statistic])[rows_used],
                           plan.seed)
        noise = noise_stats(Y[t.statistic])
        floor = morris_noise_floor(noise["within_var"], noise["replicates"])
        floor = floor if np.isfinite(floor) else 0.0
        for name, m in zip(design.problem.names, mu_star, strict=True):
            rows.setdefault(name, {})[t.name] = max(m - floor, 0.0) / t.tolerance
    table = pd.DataFrame.from_dict(rows, orient="index")
    table.index.name = "parameter"
    table["score"] = table[plan.targets.names].max(axis=1)
    table["moves_most"] = table[plan.targets.names].idxmax(axis=1)
    table["integer"] = [PARAMETERS_BY_NAME[n].integer for n in table.index]
    table["calibrated"] = (table["score"] >= plan.screen_threshold) & ~table["integer"]
    return table.sort_values("score", ascending=False).reset_index()


def _mu_star(level, X: np.ndarray, y: np.ndarray, seed: int) -> np.ndarray:
    """SALib's Morris mu* of each parameter (zero for an output that did not vary)."""
    import warnings

    from SALib.analyze import morris

    if np.ptp(y) == 0:
        return np.zeros(len(level.labels))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = morris.analyze(level.salib_problem, X, y, num_levels=MORRIS_LEVELS,
                             num_resamples=10, seed=seed or 1)
    return np.asarray(res["mu_star"], dtype=float)
