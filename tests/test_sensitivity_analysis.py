"""The sensitivity analysis on functions with known answers, by the code path of the model."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from SALib.sample import sobol as salib_sobol
from SALib.test_functions import Ishigami

from experiments.errors import UserError
from experiments.sensitivity.analysis import analyse, noise_stats, replicate_means, src
from experiments.sensitivity.design import Problem, check_samples, make_design

PI = np.pi
# x1 and x3 form one group ("A"): their closed indices are S1 + S3 + S13 = 1 - S2 = 0.558.
ISHIGAMI = Problem(("x1", "x2", "x3"), ((-PI, PI),) * 3, (False,) * 3, ("A", "B", "A"))
S1_TRUE = np.array([0.3139, 0.4424, 0.0])
ST_TRUE = np.array([0.5576, 0.4424, 0.2437])


def _table(analysis, output, level="parameter"):
    t = analysis.outputs[output].indices
    return t[t.level == level].set_index("name")


@pytest.fixture(scope="module")
def ishigami():
    design = make_design(ISHIGAMI, "sobol", 1024, seed=7)
    y = Ishigami.evaluate(design.X)
    return design, analyse(design, {"y": y}, seed=3)


def test_ishigami_indices_match_the_analytic_values(ishigami):
    _, analysis = ishigami
    t = _table(analysis, "y")
    np.testing.assert_allclose(t.loc[["x1", "x2", "x3"], "S1"], S1_TRUE, atol=0.05)
    np.testing.assert_allclose(t.loc[["x1", "x2", "x3"], "ST"], ST_TRUE, atol=0.06)
    # The bootstrap intervals cover the truth.
    assert (np.abs(t["ST"] - ST_TRUE) <= t["ST_conf"] + 0.01).all()


def test_ishigami_group_indices_match_the_analytic_values(ishigami):
    _, analysis = ishigami
    g = _table(analysis, "y", "mechanism")
    assert list(g.index) == ["A", "B"]
    assert g.loc["A", "S1"] == pytest.approx(1 - S1_TRUE[1], abs=0.05)
    assert g.loc["A", "ST"] == pytest.approx(1 - S1_TRUE[1], abs=0.05)
    assert g.loc["B", "ST"] == pytest.approx(ST_TRUE[1], abs=0.05)


def test_ishigami_converges_and_is_reproducible(ishigami):
    design, analysis = ishigami
    conv = analysis.outputs["y"].convergence
    assert conv["sizes"] == [256, 512, 1024]
    assert conv["rank_spearman"]["512"] == pytest.approx(1.0)
    again = analyse(design, {"y": Ishigami.evaluate(design.X)}, seed=3)
    pd.testing.assert_frame_equal(again.indices(), analysis.indices())


def test_sobol_layout_is_salibs_and_group_rows_are_salibs_grouped_rows():
    design = make_design(ISHIGAMI, "sobol", 8, seed=11)
    plain = salib_sobol.sample(ISHIGAMI.salib(), 8, calc_second_order=False, seed=11)
    grouped = salib_sobol.sample(ISHIGAMI.salib(grouped=True), 8, calc_second_order=False,
                                 seed=11)
    par, mech = design.levels["parameter"], design.levels["mechanism"]
    # Blocks of D + 2 = 5 SALib rows per base point, plus one AB_G row for the group {x1, x3}.
    assert design.n_rows == 8 * 6 and par.unit == 5 and mech.unit == 4
    np.testing.assert_array_equal(design.X[par.rows], plain)
    np.testing.assert_array_equal(design.X[mech.rows], grouped)


def test_small_sobol_run_is_not_converged_and_suggests_a_power_of_two():
    design = make_design(ISHIGAMI, "sobol", 8, seed=1)
    conv = analyse(design, {"y": Ishigami.evaluate(design.X)}).outputs["y"].convergence
    assert not conv["converged"] and conv["reasons"]
    n = conv["suggested_n"]
    assert n > 8 and n & (n - 1) == 0


def test_constant_output_gives_zero_indices_without_nan():
    for method, n in (("sobol", 16), ("morris", 6)):
        design = make_design(ISHIGAMI, method, n, seed=2)
        a = analyse(design, {"c": np.full((design.n_rows, 2), 0.25)}).outputs["c"]
        num = a.indices.select_dtypes("number").drop(columns=["src", "src_conf"])
        assert a.constant
        assert np.isfinite(num.to_numpy()).all() and (num.to_numpy() == 0).all()
        assert (a.indices["flags"] == "constant").all()
        assert a.convergence["converged"]


@pytest.mark.parametrize("method,n", [("sobol", 32), ("morris", 10)])
def test_output_driven_by_one_parameter_ranks_it_first_with_its_direction(method, n):
    problem = Problem(("a", "b", "c", "d"), ((0, 1), (0, 10), (-1, 1), (5, 6)),
                      (False, True, False, False), ("M1", "M2", "M2", "M3"))
    design = make_design(problem, method, n, seed=5)
    rng = np.random.default_rng(0)
    Y = -3.0 * design.X[:, [2]] + rng.normal(0, 0.05, (design.n_rows, 3))  # lowers, from c
    a = analyse(design, {"y": Y}).outputs["y"]
    t = a.indices
    key = "ST" if method == "sobol" else "mu_star"
    params = t[t.level == "parameter"].sort_values(key, ascending=False)
    mechs = t[t.level == "mechanism"].sort_values(key, ascending=False)
    assert params.iloc[0]["name"] == "c" and params.iloc[0]["direction"] == "lowers"
    assert mechs.iloc[0]["name"] == "M2" and mechs.iloc[0]["direction"] == "lowers"
    assert params.iloc[0]["flags"] == ""
    # Parameters without effect are flagged as no larger than (or near) the seed noise.
    for flags in params.iloc[1:]["flags"]:
        assert "noise" in flags or "spans_zero" in flags
    assert 0 < a.noise["noise_share"] < 0.05
    # Whole-number parameters are rounded after sampling.
    assert np.all(design.X[:, 1] == np.rint(design.X[:, 1]))


def test_pure_seed_noise_is_never_presented_as_sensitivity():
    design = make_design(ISHIGAMI, "sobol", 64, seed=9)
    Y = np.random.default_rng(1).normal(size=(design.n_rows, 4))
    a = analyse(design, {"noise": Y}).outputs["noise"]
    assert a.noise["noise_share"] == pytest.approx(1.0, abs=0.05)
    assert a.noise["noise_floor"] == pytest.approx(1.0, abs=0.2)
    assert all("noise" in f for f in a.indices["flags"])


def test_noise_statistics_and_failed_runs():
    Y = np.array([[1.0, 3.0], [5.0, 7.0], [9.0, np.nan]])
    s = noise_stats(Y)
    assert s["within_var"] == pytest.approx(2.0)  # rows 0 and 1: variance 2 each
    assert s["total_var"] == pytest.approx(np.var([1, 3, 5, 7, 9], ddof=1))
    assert s["noise_share"] == pytest.approx(2.0 / 10.0)
    np.testing.assert_allclose(replicate_means(Y), [2.0, 6.0, 9.0])
    with pytest.raises(ValueError, match="no successful run"):
        replicate_means(np.array([[1.0, 2.0], [np.nan, np.nan]]))
    assert np.isnan(noise_stats(np.ones((4, 1)))["noise_share"])


def test_standardised_regression_gives_signs():
    rng = np.random.default_rng(4)
    X = rng.uniform(size=(400, 3))
    coef, conf, r2 = src(X, 2 * X[:, 0] - X[:, 1], seed=1)
    assert coef[0] > 0 > coef[1] and abs(coef[2]) < conf[2] and r2 == pytest.approx(1.0)


def test_bad_sample_sizes():
    with pytest.raises(UserError, match="use --samples 128"):
        check_samples("sobol", 100)
    with pytest.raises(UserError, match="use --samples 4"):
        check_samples("sobol", 3)
    with pytest.raises(UserError, match="at least 4"):
        check_samples("morris", 2)
    with pytest.raises(UserError, match="at least two"):
        Problem(("a",), ((0, 1),), (False,), ("M1",))


def test_morris_noise_floor_is_the_mu_star_of_pure_noise():
    problem = Problem(tuple("abcde"), ((0, 1),) * 5, (False,) * 5, ("A", "A", "B", "C", "D"))
    design = make_design(problem, "morris", 100, seed=1)
    Y = np.random.default_rng(2).normal(size=(design.n_rows, 4))
    a = analyse(design, {"n": Y}).outputs["n"]
    params = a.indices[a.indices.level == "parameter"]
    assert params["mu_star"].mean() == pytest.approx(a.noise["index_floor"], rel=0.1)
    assert all("noise" in f for f in a.indices["flags"])


def test_mechanism_direction_is_read_from_its_members():
    from experiments.sensitivity.direction import group_direction

    t = pd.DataFrame({"name": list("abcde"),
                      "direction": ["raises", "unclear", "lowers", "raises", "lowers"],
                      "flags": ["", "", "below_noise", "", "near_noise"]})
    assert group_direction(["a", "b"], t) == "raises"   # an unclear member does not veto
    assert group_direction(["a", "c"], t) == "raises"   # a member under the noise floor is ignored
    assert group_direction(["a", "e"], t) == "raises"   # a provisional member yields to a clear one
    assert group_direction(["e"], t) == "lowers"        # ... but counts when it is all there is
    assert group_direction(["b"], t) == "unclear"
    t.loc[4, "flags"] = ""
    assert group_direction(["a", "d", "e"], t) == "mixed"


def _strong_and_inert(seed: int = 11):
    """Three parameters with clear, different effects and five without any, under seed noise."""
    names = tuple("abcdefgh")
    problem = Problem(names, ((0, 1),) * 8, (False,) * 8, tuple(f"M{i}" for i in range(8)))
    design = make_design(problem, "sobol", 256, seed=seed)
    X = design.X
    signal = 3.0 * X[:, 0] + 2.0 * X[:, 1] + 1.0 * X[:, 2]
    noise = np.random.default_rng(seed).normal(0, 0.6, (design.n_rows, 2))
    return design, signal[:, None] + noise


def test_convergence_ranks_only_parameters_above_the_noise_floor():
    # Inert parameters sit on the noise floor in random order; no sample size would fix that
    # order, so convergence reads the ranking of the three real effects only.
    design, Y = _strong_and_inert()
    a = analyse(design, {"y": Y}, seed=2).outputs["y"]
    conv = a.convergence
    assert conv["above_noise"] == 3
    assert conv["rank_spearman"][str(design.n // 2)] == pytest.approx(1.0)
    assert not any("Spearman" in r for r in conv["reasons"]), conv["reasons"]
    # Over all eight parameters, the half sample would not reproduce the full ranking.
    from experiments.sensitivity.analysis import _spearman  # noqa: PLC2701 (the test's own probe)

    values = conv["values"]
    assert _spearman(np.array(values[str(design.n // 2)]),
                     np.array(values[str(design.n)])) < 0.9


def test_convergence_compares_with_a_tolerance(monkeypatch):
    from experiments.sensitivity import analysis

    design, Y = _strong_and_inert()
    monkeypatch.setattr(analysis, "_spearman", lambda a, b: 0.8999999999999998)
    conv = analysis.analyse(design, {"y": Y}, seed=2).outputs["y"].convergence
    assert not any("Spearman" in r for r in conv["reasons"])
    monkeypatch.setattr(analysis, "_spearman", lambda a, b: 0.85)
    conv = analysis.analyse(design, {"y": Y}, seed=2).outputs["y"].convergence
    assert any("Spearman 0.850 (need 0.900)" in r for r in conv["reasons"])


def test_morris_mechanism_of_several_parameters_has_no_mu_like_no_sigma():
    problem = Problem(tuple("abcd"), ((0, 1),) * 4, (False,) * 4, ("A", "A", "B", "C"))
    design = make_design(problem, "morris", 20, seed=3)
    y = design.X[:, 0] - design.X[:, 1] + 2 * design.X[:, 2]
    t = analyse(design, {"y": y}).outputs["y"].indices
    mech = t[t.level == "mechanism"].set_index("name")
    assert np.isnan(mech.loc["A", "mu"]) and np.isnan(mech.loc["A", "sigma"])
    assert mech.loc["A", "mu_star"] > 0  # its importance is still estimated
    assert np.isfinite(mech.loc["B", "mu"]) and mech.loc["B", "mu"] > 0  # a single member keeps it
