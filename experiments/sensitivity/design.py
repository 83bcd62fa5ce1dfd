"""The SALib problem and sample designs of a sensitivity analysis.

A :class:`Problem` lists the swept parameters with their bounds, whether they are whole numbers and
the mechanism (group) each belongs to. :func:`make_design` draws SALib's seeded sample for it and
records where in the sample the analysis of each level (parameter, mechanism) finds its rows.

Mechanism-level indices come from the same runs as the parameter-level ones:

* **Sobol.** SALib's ``sobol.sample`` lays the sample out in blocks, one per base point: row A,
  rows AB_j (A with column j taken from B), [rows BA_j for second order], row B. A group index
  needs rows AB_G, where all the columns of group G come from B at once. We add, inside each block,
  one AB_G row for every group with more than one member (a one-member group reuses its AB_j row).
  These are exactly the rows SALib's grouped sampler would draw from the same base points (its base
  sequence depends only on the seed and the number of parameters, checked in the tests), so the
  grouped estimates are SALib's own closed first-order and total group indices, at a cost of
  one extra run per multi-member group per base point, and no change to the parameter level.
* **Morris.** A grouped Morris trajectory moves all members of a group together, so it cannot be
  rebuilt from the ungrouped one. When some mechanism has several members, the design appends
  SALib's grouped trajectories (same number, seeded independently) after the ungrouped ones.

Whole-number parameters are rounded after sampling: each rounded column is a step function of
the uniform input, so the estimators stay valid for it (with slightly coarser Morris steps).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..errors import UserError

METHODS = ("sobol", "morris")
#: Levels of a Morris grid (SALib default); a step moves a parameter by 2/3 of its range.
MORRIS_LEVELS = 4


@dataclass(frozen=True)
class Problem:
    """The swept parameters: names, bounds, whole-number flags and their groups (mechanisms)."""

    names: tuple[str, ...]
    bounds: tuple[tuple[float, float], ...]
    integer: tuple[bool, ...]
    groups: tuple[str, ...]

    def __post_init__(self):
        k = len(self.names)
        if not (len(self.bounds) == len(self.integer) == len(self.groups) == k):
            raise ValueError("names, bounds, integer and groups must have the same length")
        if k < 2:
            raise UserError(f"a sensitivity analysis needs at least two parameters, got {k}")

    @property
    def group_names(self) -> list[str]:
        """Distinct groups in order of first appearance."""
        return list(dict.fromkeys(self.groups))

    def members(self, group: str) -> list[int]:
        """Column indices of the parameters in ``group``."""
        return [i for i, g in enumerate(self.groups) if g == group]

    def salib(self, grouped: bool = False) -> dict:
        """The problem as the dict SALib's samplers and analysers take."""
        out = {"num_vars": len(self.names), "names": list(self.names),
               "bounds": [list(b) for b in self.bounds]}
        if grouped:
            out["groups"] = list(self.groups)
        return out

    def to_dict(self) -> dict:
        """Plain-data description for the manifest."""
        return {"names": list(self.names), "bounds": [list(b) for b in self.bounds],
                "integer": list(self.integer), "groups": list(self.groups)}


@dataclass
class Level:
    """Where one level of the analysis (parameters, or mechanism groups) finds its rows.

    ``rows`` indexes the design's ``X`` in SALib's layout for that level, ``unit`` rows per base
    point (Sobol) or trajectory (Morris), so the first ``n`` base points are ``rows[:n * unit]``.
    """

    name: str  # "parameter" | "mechanism"
    labels: list[str]
    rows: np.ndarray
    unit: int
    salib_problem: dict
    second_order: bool = False


@dataclass
class Design:
    """A seeded sample of a problem and the row layout its analysis reads."""

    method: str
    problem: Problem
    n: int  # base points (Sobol) or trajectories (Morris)
    X: np.ndarray  # (n_rows, k) values within bounds, whole numbers rounded
    levels: dict[str, Level]
    seed: int
    second_order: bool = False
    notes: list[str] = field(default_factory=list)

    @property
    def n_rows(self) -> int:
        return int(self.X.shape[0])


def check_samples(method: str, n: int) -> None:
    """Refuse sample sizes the method cannot use, suggesting a valid one."""
    if method not in METHODS:
        raise UserError(f"unknown method '{method}'; use one of {', '.join(METHODS)}")
    if method == "sobol":
        if n < 4 or n & (n - 1):
            low = 1 << max(2, int(n).bit_length() - 1) if n >= 4 else 4
            high = low * 2
            near = low if n >= 4 and n - low <= high - n else (high if n >= 4 else 4)
            raise UserError(
                f"--samples {n} is not a power of two (at least 4), which Sobol sampling needs; "
                f"use --samples {near}"
            )
    elif n < 4:
        raise UserError(f"--samples {n} is too few Morris trajectories; use at least 4 (10-50 "
                        "is usual)")


def _round_integers(problem: Problem, X: np.ndarray) -> np.ndarray:
    X = np.array(X, dtype=np.float64)
    for j, is_int in enumerate(problem.integer):
        if is_int:
            lo, hi = problem.bounds[j]
            X[:, j] = np.clip(np.rint(X[:, j]), np.ceil(lo), np.floor(hi))
    return X


def _multi_groups(problem: Problem) -> list[str]:
    return [g for g in problem.group_names if len(problem.members(g)) > 1]


def make_design(problem: Problem, method: str, n: int, seed: int,
                second_order: bool = False) -> Design:
    """Draw SALib's seeded sample for ``problem`` and lay out the rows of every level."""
    check_samples(method, n)
    if method == "sobol":
        return _sobol_design(problem, n, seed, second_order)
    if second_order:
        raise UserError("--second-order needs --method sobol")
    return _morris_design(problem, n, seed)


def _sobol_design(problem: Problem, n: int, seed: int, second_order: bool) -> Design:
    from SALib.sample import sobol

    k = len(problem.names)
    base = sobol.sample(problem.salib(), n, calc_second_order=second_order, seed=seed)
    per = 2 * k + 2 if second_order else k + 2  # SALib's rows per base point
    multi = _multi_groups(problem)
    block = per + len(multi)
    X = np.empty((n * block, k))
    for i in range(n):
        salib_block = base[i * per:(i + 1) * per]
        a, b = salib_block[0], salib_block[-1]
        X[i * block:i * block + per] = salib_block
        for m, g in enumerate(multi):  # AB_G: A with every column of group g taken from B
            row = a.copy()
            cols = problem.members(g)
            row[cols] = b[cols]
            X[i * block + per + m] = row
    starts = np.arange(n) * block
    param_rows = (starts[:, None] + np.arange(per)[None, :]).ravel()
    group_cols = [0]
    for g in problem.group_names:
        members = problem.members(g)
        group_cols.append(per + multi.index(g) if len(members) > 1 else 1 + members[0])
    group_cols.append(per - 1)
    group_rows = (starts[:, None] + np.asarray(group_cols)[None, :]).ravel()
    levels = {
        "parameter": Level("parameter", list(problem.names), param_rows, per, problem.salib(),
                           second_order),
        "mechanism": Level("mechanism", problem.group_names, group_rows, len(group_cols),
                           problem.salib(grouped=True)),
    }
    notes = [f"Sobol sample (SALib sobol.sample, scrambled, seed {seed}): {n} base points, "
             f"{block} rows each ({per} for parameters + {len(multi)} for multi-member groups)"]
    return Design("sobol", problem, n, _round_integers(problem, X), levels, seed, second_order,
                  notes)


def _morris_design(problem: Problem, n: int, seed: int) -> Design:
    from SALib.sample import morris

    k = len(problem.names)
    X = morris.sample(problem.salib(), n, num_levels=MORRIS_LEVELS, seed=seed)
    levels = {"parameter": Level("parameter", list(problem.names), np.arange(X.shape[0]), k + 1,
                                 problem.salib())}
    g = len(problem.group_names)
    if _multi_groups(problem):
        # Grouped trajectories need their own seed stream; a fixed offset keeps it reproducible.
        gseed = int(np.random.SeedSequence(seed, spawn_key=(1,)).generate_state(1)[0])
        Xg = morris.sample(problem.salib(grouped=True), n, num_levels=MORRIS_LEVELS, seed=gseed)
        rows = X.shape[0] + np.arange(Xg.shape[0])
        X = np.vstack([X, Xg])
        levels["mechanism"] = Level("mechanism", problem.group_names, rows, g + 1,
                                    problem.salib(grouped=True))
    else:  # every group has one member: the mechanism level is the parameter level
        levels["mechanism"] = Level("mechanism", problem.group_names, np.arange(n * (k + 1)),
                                    k + 1, problem.salib(grouped=True))
    notes = [f"Morris sample (SALib morris.sample, {MORRIS_LEVELS} levels, seed {seed}): {n} "
             f"trajectories of {k + 1} rows" + (f", plus {n} grouped trajectories of {g + 1} rows"
                                               if _multi_groups(problem) else "")]
    return Design("morris", problem, n, _round_integers(problem, X), levels, seed, False, notes)
