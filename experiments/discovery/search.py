"""A resumable many-objective search: pymoo's NSGA-II driven through its ask-and-tell interface.

The search never calls the model itself. Each generation it *asks* NSGA-II for a population of
candidates, hands them to ``evaluate(generation, X) -> (F, G)`` (objectives to minimise and
constraints, feasible when <= 0) and *tells* it the results. The model's evaluator runs each
generation as one sweep and stores it, so an interrupted search resumes by **replay**: the loop
starts again from generation 0 with the same seed, every finished generation's results are read
back instead of run, and since NSGA-II's choices depend only on its seed and on what it was told,
it asks for exactly the same candidates again (``tests`` hold this bit for bit). pymoo draws from
its own ``numpy.random.Generator`` seeded in ``setup`` (no global random state), which is what
makes the replay exact.

Candidates live on a grid (each lever rounded to a step of about a thousandth of its range, whole
numbers to 1) so that the package a user exports as a scenario file is exactly the one evaluated.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from ..errors import UserError


@dataclass(frozen=True)
class Space:
    """The decision variables: names, bounds and the grid step of each."""

    names: tuple[str, ...]
    low: tuple[float, ...]
    high: tuple[float, ...]
    step: tuple[float, ...]

    @classmethod
    def of(cls, names, low, high, integer=None) -> Space:
        """A space whose step is 1 for whole numbers, else ~1/1000 of the range (a power of
        ten)."""
        integer = integer if integer is not None else [False] * len(names)
        steps = tuple(1.0 if whole else 10.0 ** (math.floor(math.log10(h - lo)) - 2)
                      for lo, h, whole in zip(low, high, integer, strict=True))
        return cls(tuple(names), tuple(map(float, low)), tuple(map(float, high)), steps)

    def snap(self, X: np.ndarray) -> np.ndarray:
        """``X`` on the grid and within the bounds."""
        low, high, step = (np.asarray(v) for v in (self.low, self.high, self.step))
        # Round to the grid counted from the lower bound, then to 12 decimals, so that values
        # print exactly as the decimal they are (0.452, not 0.45200000000000001).
        snapped = np.round(low + np.round((np.asarray(X, dtype=float) - low) / step) * step, 12)
        return np.clip(snapped, low, high)


@dataclass
class SearchResult:
    """Every evaluated candidate, by generation, and the final non-dominated feasible set."""

    X: np.ndarray           # (evaluations, variables)
    F: np.ndarray           # (evaluations, objectives)
    G: np.ndarray           # (evaluations, constraints)
    generation: np.ndarray  # generation of each evaluation
    front: np.ndarray       # indices into X of the final front (feasible, non-dominated)
    history: list = field(default_factory=list)  # per generation: size of front, hypervolume

    def thinned(self, k: int) -> np.ndarray:
        """At most ``k`` front indices, keeping the most spread-out (NSGA-II's crowding
        distance), cheapest extremes included."""
        if len(self.front) <= k:
            return self.front
        from pymoo.operators.survival.rank_and_crowding.metrics import calc_crowding_distance

        crowding = calc_crowding_distance(self.F[self.front])
        keep = np.argsort(-crowding, kind="stable")[:k]
        return np.sort(self.front[keep])


def _snap_repair(space: Space):
    from pymoo.core.repair import Repair

    class Snap(Repair):
        """Puts every candidate on the search grid (pymoo calls it after each variation)."""

        def _do(self, problem, X, **kwargs):
            return space.snap(X)

    return Snap()


def non_dominated(F: np.ndarray, G: np.ndarray | None = None) -> np.ndarray:
    """Indices of the feasible rows of ``F`` that no other feasible row dominates."""
    from pymoo.util.nds.non_dominated_sorting import NonDominatedSorting

    feasible = np.ones(len(F), dtype=bool) if G is None or G.size == 0 else (G <= 0).all(axis=1)
    idx = np.flatnonzero(feasible)
    if idx.size == 0:
        return idx
    first = NonDominatedSorting().do(F[idx], only_non_dominated_front=True)
    return np.sort(idx[first])


def run_search(space: Space, n_obj: int, n_constr: int,
               evaluate: Callable[[int, np.ndarray], tuple[np.ndarray, np.ndarray]],
               population: int, generations: int, seed: int,
               initial: np.ndarray | None = None,
               on_generation: Callable[[int, SearchResult], None] | None = None) -> SearchResult:
    """Run NSGA-II for ``generations`` generations of ``population`` candidates.

    ``initial`` rows (e.g. today's package) start the first population; the rest of it is a
    Latin hypercube. ``evaluate(g, X)`` must return the same values for the same ``(g, X)``
    whenever it is called again (replay).
    """
    from pymoo.algorithms.moo.nsga2 import NSGA2
    from pymoo.core.evaluator import Evaluator
    from pymoo.core.problem import Problem
    from pymoo.core.termination import NoTermination
    from pymoo.problems.static import StaticProblem
    from scipy.stats import qmc

    if population < 4 or generations < 1:
        raise UserError(f"a search needs a population of at least 4 and at least 1 generation "
                        f"(got {population} and {generations})")
    k = len(space.names)
    low, high = np.asarray(space.low), np.asarray(space.high)
    start = low + qmc.LatinHypercube(d=k, seed=np.random.default_rng(seed)).random(population) \
        * (high - low)
    if initial is not None and len(initial):
        start[:len(initial)] = np.asarray(initial, dtype=float)[:population]
    problem = Problem(n_var=k, n_obj=n_obj, n_ieq_constr=n_constr, xl=low, xu=high)
    algorithm = NSGA2(pop_size=population, sampling=space.snap(start), repair=_snap_repair(space),
                      eliminate_duplicates=True)
    algorithm.setup(problem, termination=NoTermination(), seed=seed, verbose=False)
    Xs, Fs, Gs, gens, history = [], [], [], [], []
    for g in range(generations):
        pop = algorithm.ask()
        X = space.snap(pop.get("X"))
        F, G = evaluate(g, X)
        F = np.asarray(F, dtype=float).reshape(len(X), n_obj)
        G = np.asarray(G, dtype=float).reshape(len(X), n_constr)
        pop.set("X", X)
        Evaluator().eval(StaticProblem(problem, F=F, G=G) if n_constr else
                         StaticProblem(problem, F=F), pop)
        algorithm.tell(infills=pop)
        Xs.append(X)
        Fs.append(F)
        Gs.append(G)
        gens.append(np.full(len(X), g))
        result = _result(Xs, Fs, Gs, gens, history)
        history.append({"generation": g, "evaluated": int(len(result.X)),
                        "front": int(len(result.front))})
        if on_generation is not None:
            on_generation(g, result)
    result = _result(Xs, Fs, Gs, gens, history)
    _hypervolumes(result)
    return result


def _result(Xs, Fs, Gs, gens, history) -> SearchResult:
    X, F, G = np.vstack(Xs), np.vstack(Fs), np.vstack(Gs)
    return SearchResult(X, F, G, np.concatenate(gens), non_dominated(F, G), list(history))


def _hypervolumes(result: SearchResult) -> None:
    """The hypervolume of the front found by each generation (objectives scaled to [0, 1] by the
    range of every feasible evaluation, reference point 1.1 in each): a flat tail means more
    generations would have found little more."""
    from pymoo.indicators.hv import HV

    feasible = (result.G <= 0).all(axis=1) if result.G.size else np.ones(len(result.F), bool)
    if not feasible.any():
        for h in result.history:
            h["hypervolume"] = 0.0
        return
    F = result.F[feasible]
    lo, hi = F.min(axis=0), F.max(axis=0)
    scale = np.where(hi > lo, hi - lo, 1.0)
    hv = HV(ref_point=np.full(F.shape[1], 1.1))
    for h in result.history:
        upto = result.generation <= h["generation"]
        front = non_dominated(result.F[upto], result.G[upto])
        h["hypervolume"] = float(hv((result.F[upto][front] - lo) / scale)) if front.size else 0.0
