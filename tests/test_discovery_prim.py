"""Scenario discovery against known answers: PRIM recovers a planted box, CART agrees, the
held-out check catches what the box does not hold, and the question and posterior readers refuse
bad input in one line."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from experiments.calibration.posterior import load_posterior
from experiments.discovery import (
    PointTable,
    Settings,
    analyse,
    choose,
    in_box,
    parse_where,
    performance,
    run_prim,
)
from experiments.discovery.ensemble import uncertainties
from experiments.discovery.points import DiscoverPlan
from experiments.errors import UserError
from experiments.scenario import load_scenario


def _planted(n: int, seed: int, inside_p: float = 0.9, outside_p: float = 0.05):
    """Eight uniform inputs; cases of interest mostly where a >= 0.6, b <= 0.4 and
    0.3 <= c <= 0.7 (a box of 12% of the space), rarely elsewhere."""
    rng = np.random.default_rng(seed)
    x = pd.DataFrame(rng.uniform(0, 1, (n, 8)), columns=list("abcdefgh"))
    box = (x.a >= 0.6) & (x.b <= 0.4) & (x.c >= 0.3) & (x.c <= 0.7)
    p = np.where(box, inside_p, outside_p)
    return x, (rng.uniform(size=n) < p).astype(int), box.to_numpy()


def test_prim_recovers_a_planted_box_and_nothing_else():
    x, y, truth = _planted(1000, seed=1)
    boxes, dims = run_prim(x, y)
    box, why = choose(boxes, density=0.8)
    assert set(box.limits) == {"a", "b", "c"}, why  # no spurious input survives
    (a_low, a_high), (b_low, b_high), (c_low, c_high) = (box.limits[k] for k in "abc")
    assert abs(a_low - 0.6) < 0.05 and a_high == np.inf
    assert b_low == -np.inf and abs(b_high - 0.4) < 0.05
    assert abs(c_low - 0.3) < 0.06 and abs(c_high - 0.7) < 0.06
    assert box.significant and box.density >= 0.8
    # On fresh points from the same world the box holds: its density and the rate outside.
    x2, y2, _ = _planted(1000, seed=2)
    fresh = performance(in_box(x2, box.limits), y2)
    assert fresh["density"] > 0.8 and fresh["outside_density_high"] < 0.1
    assert fresh["density_low"] <= fresh["density"] <= fresh["density_high"]


def test_analyse_holds_out_points_and_cart_sees_the_same_box():
    x, y, _ = _planted(1200, seed=3)
    points = PointTable(x, pd.DataFrame({"innovation_rate": y.astype(float)}),
                        {c: (0.0, 1.0) for c in x.columns}, {"folder": "synthetic"})
    q = parse_where("innovation_rate > 0.5")
    d = analyse(points, q, Settings(holdout=0.3, seed=4))
    assert d.held_out.sum() == 360 and set(d.box.limits) == {"a", "b", "c"}
    held = d.stats["held-out"]
    assert held["points"] == 360 and held["density"] > 0.7
    assert held["outside_density_high"] < held["density_low"]  # the box separates there too
    assert {"a", "b"} <= set(d.cart_leaf.limits)  # the tree's purest leaf uses the same inputs
    # Its purest leaf is small and fits some noise, which the held-out check shows, but it is
    # still far above the share of cases among all points (about 15%).
    assert d.cart_stats["held-out"]["density"] > 0.4 > 2 * y.mean()
    again = analyse(points, q, Settings(holdout=0.3, seed=4))
    assert again.box.limits == d.box.limits and np.array_equal(again.held_out, d.held_out)


def test_noise_gives_no_box_rather_than_a_false_one():
    rng = np.random.default_rng(5)
    x = pd.DataFrame(rng.uniform(0, 1, (600, 6)), columns=list("abcdef"))
    y = (rng.uniform(size=600) < 0.3).astype(int)
    boxes, _ = run_prim(x, y)
    with pytest.raises(UserError, match="no box whose every restriction is significant"):
        choose(boxes, density=0.8)


def test_box_choice_by_index_and_its_refusals():
    x, y, _ = _planted(600, seed=6)
    boxes, _ = run_prim(x, y)
    box, why = choose(boxes, 0.8, index=len(boxes) - 1)
    assert box.index == len(boxes) - 1 and why.startswith("chosen with --box")
    with pytest.raises(UserError, match="restricts nothing"):
        choose(boxes, 0.8, index=0)
    with pytest.raises(UserError, match="the peeling trajectory has boxes 0 to"):
        choose(boxes, 0.8, index=len(boxes))


@pytest.mark.parametrize("where, scenario, column, words", [
    ("innovation_gain > 0.05", "credible_fault_tolerance", "innovation_rate_gain",
     "credible fault tolerance raises genuine innovation by more than 5 points"),
    ("symbolic_rate_gain <= -0.01", "x", "symbolic_rate_gain",
     "x lowers symbolic innovation by at least 1 point"),
    ("innovation_rate>=0.2", None, "innovation_rate", "genuine innovation is at least 20%"),
    ("policy_cost < 4000", None, "policy_cost",
     "the policy's cost (yuan per cadre per year) is below 4,000"),
])
def test_questions_read_as_sentences(where, scenario, column, words):
    q = parse_where(where, scenario)
    assert q.column == column and q.words() == words
    assert list(q.of_interest([0.0, 1e9, -1e9])) == [int(eval(f"v {q.op} {q.threshold}"))
                                                    for v in (0.0, 1e9, -1e9)]


@pytest.mark.parametrize("where, scenario, message", [
    ("inovation_rate > 0.1", None, "unknown result 'inovation_rate' in --where (did you mean "
                                   "'innovation_rate'?)"),
    ("innovation_gain > 0.05", None, "is the paired effect of a scenario; add --effect"),
    ("innovation_rate = 0.1", None, "must look like 'RESULT > NUMBER'"),
    ("innovation_rate > lots", None, "'lots' is not a number"),
    ("workload < 0.7", None, "'workload' is a setting (lever), not a result"),
])
def test_bad_questions_are_one_line_naming_the_fix(where, scenario, message):
    with pytest.raises(UserError) as err:
        parse_where(where, scenario)
    assert message in str(err.value) and "\n" not in str(err.value)


def _posterior(folder, rows: dict, weights) -> None:
    folder.mkdir()
    pd.DataFrame({**rows, "weight": weights}).to_parquet(folder / "posterior.parquet")
    (folder / "manifest.json").write_text(json.dumps({"kind": "calibration"}))


def test_posterior_contract_draws_by_weight_and_seed(tmp_path):
    _posterior(tmp_path / "post", {"loss_aversion": [1.5, 2.0, 3.0],
                                   "choice_sensitivity": [1.0, 2.0, 4.0]}, [0.01, 0.24, 0.75])
    post = load_posterior(tmp_path / "post")
    draws = post.draw(400, seed=7)
    assert draws == post.draw(400, seed=7) and draws[:5] == post.draw(5, seed=7)
    assert draws[13] == post.draw_for(13, 7)
    values = [d["loss_aversion"] for d in draws]
    assert values.count(1.5) < 20 and 0.65 < values.count(3.0) / 400 < 0.85
    assert {(d["loss_aversion"], d["choice_sensitivity"]) for d in draws} <= {
        (1.5, 1.0), (2.0, 2.0), (3.0, 4.0)}
    # A discovery draws exactly those uncertainties from it; the others stay at their defaults.
    src = uncertainties(str(tmp_path / "post"))
    assert "calibration posterior" in src.description
    plan = DiscoverPlan(points=30, replicates=1, years=1, seed=1, uncertainties=src,
                        baseline=load_scenario("baseline"), levers="workload")
    x = plan.samples()
    assert list(x.columns) == ["workload", "loss_aversion", "choice_sensitivity"]
    assert set(x["loss_aversion"]) <= {1.5, 2.0, 3.0}
    assert "declared ranges" in uncertainties("none").description


@pytest.mark.parametrize("rows, weights, message", [
    ({"workload": [0.7]}, [1.0], "'workload' is a lever, not an uncertainty"),
    ({"loss_aversion": [9.0]}, [1.0], "outside its declared range"),
    ({"loss_aversion": [2.0, 2.5]}, [0.5, 0.6], "weights sum to 1.1, not 1"),
])
def test_a_bad_posterior_is_refused(tmp_path, rows, weights, message):
    _posterior(tmp_path / "post", rows, weights)
    with pytest.raises(UserError, match=message):
        load_posterior(tmp_path / "post")
    with pytest.raises(UserError, match="no posterior.parquet in"):
        load_posterior(tmp_path)
