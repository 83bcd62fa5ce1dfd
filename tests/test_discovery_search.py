"""The robust search's optimiser on toy problems with known Pareto fronts, its replay (how an
interrupted search resumes), its grid, and the measures it reports."""

from __future__ import annotations

import numpy as np
import pytest

from experiments.discovery.pareto import describe, quantile_ci, robustly_better, scenario_toml
from experiments.discovery.search import Space, non_dominated, run_search
from experiments.errors import UserError


def zdt1(g, X):
    """ZDT1 (Zitzler, Deb & Thiele 2000): front f2 = 1 - sqrt(f1) where x2.. = 0; with the
    constraint f1 <= 0.6 only that part of it is feasible."""
    f1 = X[:, 0]
    h = 1 + 9 * X[:, 1:].sum(axis=1) / (X.shape[1] - 1)
    return np.column_stack([f1, h * (1 - np.sqrt(f1 / h))]), (f1 - 0.6)[:, None]


def test_nsga2_finds_the_known_front_of_a_toy_problem():
    space = Space.of(list("abcd"), [0] * 4, [1] * 4)
    res = run_search(space, 2, 1, zdt1, population=24, generations=30, seed=3)
    F = res.F[res.front]
    assert (res.G[res.front] <= 0).all()
    # On the front: f2 within 0.02 of 1 - sqrt(f1), and spread over the feasible part.
    assert np.abs(F[:, 1] - (1 - np.sqrt(F[:, 0]))).max() < 0.02
    assert F[:, 0].min() < 0.02 and F[:, 0].max() > 0.55 and len(F) >= 15
    assert len(res.thinned(10)) == 10
    hv = [h["hypervolume"] for h in res.history]
    assert hv == sorted(hv)  # the front never gets worse
    assert res.history[-1]["evaluated"] == len(res.X)


def test_an_interrupted_search_resumes_to_the_same_result():
    space = Space.of(["a", "b", "n"], [0, 0, 1], [1, 1, 9], integer=[False, False, True])
    store: dict[int, tuple] = {}

    def stored(g, X):  # what a generation's sweep on disk does: run once, then read back
        if g in store:
            assert np.array_equal(store[g][0], X), "replay asked for other candidates"
            return store[g][1]
        store[g] = (X.copy(), zdt1(g, X))
        return store[g][1]

    def interrupted(g, X):
        if g == 3:
            raise KeyboardInterrupt
        return stored(g, X)

    with pytest.raises(KeyboardInterrupt):
        run_search(space, 2, 1, interrupted, population=8, generations=6, seed=11)
    assert sorted(store) == [0, 1, 2]
    resumed = run_search(space, 2, 1, stored, population=8, generations=6, seed=11)
    whole = run_search(space, 2, 1, zdt1, population=8, generations=6, seed=11)
    assert np.array_equal(resumed.X, whole.X) and np.array_equal(resumed.F, whole.F)
    # Today's package starts the search, and every candidate is on the grid.
    start = run_search(space, 2, 1, zdt1, population=8, generations=1, seed=11,
                       initial=np.array([[0.25, 0.5, 3.0]]))
    assert np.array_equal(start.X[0], [0.25, 0.5, 3.0])
    assert np.allclose(resumed.X[:, 2], np.round(resumed.X[:, 2]))
    assert np.allclose(resumed.X[:, :2] * 1000, np.round(resumed.X[:, :2] * 1000))


def test_grid_and_front_helpers():
    space = Space.of(["w", "age"], [0.6, 40], [0.85, 50])
    assert space.step == (0.001, 0.1)
    assert np.array_equal(space.snap(np.array([[0.70049, 44.44], [2.0, 10.0]])),
                          [[0.7, 44.4], [0.85, 40.0]])
    F = np.array([[1, 1], [2, 0], [2, 2], [0, 3]], dtype=float)
    G = np.array([[0], [0], [0], [1]], dtype=float)
    assert list(non_dominated(F, G)) == [0, 1]
    with pytest.raises(UserError, match="population of at least 4"):
        run_search(space, 2, 0, lambda g, X: (X, X[:, :0]), population=2, generations=1, seed=0)


def test_measures_say_how_sure_they_are():
    rng = np.random.default_rng(0)
    gain = rng.normal(0.05, 0.02, 400)
    m = {"gain": gain, "symbolic": np.zeros(400), "cost": np.full(400, 100.0),
         "regret": 0.1 - gain}
    d = describe(m)
    assert d["gain_mean_low"] < 0.05 < d["gain_mean_high"]
    assert d["gain_p10_low"] <= d["gain_p10"] <= d["gain_p10_high"]
    assert abs(d["gain_p10"] - (0.05 - 1.2816 * 0.02)) < 0.005
    est, lo, hi = quantile_ci(np.arange(100), 0.9)
    assert lo < est < hi and 83 <= lo and hi <= 96
    better = {**m, "gain": gain + 0.01}
    ok, detail = robustly_better(better, m)
    assert ok and detail["share_not_behind"] == 1.0
    worse_tail = {**better, "symbolic": np.full(400, 0.02)}
    assert not robustly_better(worse_tail, m)[0]  # more image projects: not robustly better
    assert not robustly_better({**m, "gain": gain + rng.normal(0, 0.05, 400)}, m)[0]


def test_a_package_file_holds_the_package_exactly(tmp_path):
    from experiments.scenario import load_scenario_file

    text = scenario_toml("robust_package_01", "a package", {"workload": 0.652,
                                                            "training_days": 9.0,
                                                            "demotion_rate": 0.0}, "note")
    path = tmp_path / "robust_package_01.toml"
    path.write_text(text)
    s = load_scenario_file(path)
    assert s.params == {"workload": 0.652, "training_days": 9, "demotion_rate": 0.0}
    assert s.name == "robust_package_01" and s.description == "a package"
