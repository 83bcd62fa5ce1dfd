"""How results are shown: the window a run is read over, rounding to what an interval justifies,
words and units, the colour convention, and Fieller's interval for gains per cost."""

from __future__ import annotations

import math

import numpy as np
import pytest

from experiments.errors import UserError
from experiments.presentation import (
    GOOD_DIRECTION,
    Window,
    decimals,
    display,
    effect_text,
    established,
    judge,
    label,
    level_text,
    meaning,
    number,
)
from experiments.runner import summarise
from experiments.stats import paired_ci, ratio_ci
from model.outputs import OUTPUTS


@pytest.mark.parametrize("spec, years, steps, text", [
    (None, 20, (61, 80), "mean of years 16-20"),
    ("5", 20, (61, 80), "mean of years 16-20"),
    (3, 20, (69, 80), "mean of years 18-20"),
    ("16-20", 20, (61, 80), "mean of years 16-20"),
    ("6-10", 20, (21, 40), "mean of years 6-10"),
    ("1-1", 3, (1, 4), "mean of year 1"),
    (None, 3, (1, 12), "mean of years 1-3"),  # a short run: the whole run, and it says so
    (None, 2.5, (1, 10), "mean of quarters 1-10"),
])
def test_window_steps_and_words(spec, years, steps, text):
    w = Window.parse(spec, years)
    assert w.steps == steps and w.label() == text
    assert Window.from_dict(w.to_dict(), years) == w


def test_window_words_per_kind_of_output():
    w = Window.parse(None, 20)
    assert w.label("promotions") == "yearly mean over years 16-20"
    assert w.label("cumulative_value") == "at the end of year 20"
    assert w.years() == (15.0, 20.0)


@pytest.mark.parametrize("spec", ["21", "0", "-2", "0-3", "18-22", "5-4", "x", "nan"])
def test_bad_windows_are_one_line_errors_naming_the_fix(spec):
    with pytest.raises(UserError, match=r"--window .*(e\.g\. --window 5)"):
        Window.parse(spec, 20)


def test_default_window_reads_the_same_numbers_as_before():
    rng = np.random.default_rng(3)
    series = {"innovation_rate": rng.random(81), "promotions": rng.integers(0, 5, 81) * 1.0,
              "cumulative_value": np.cumsum(rng.random(81))}
    old = summarise(series)
    assert summarise(series, Window.parse(None, 20).steps) == old
    years_6_10 = summarise(series, Window.parse("6-10", 20).steps)
    assert years_6_10["innovation_rate"] == pytest.approx(series["innovation_rate"][21:41].mean())
    assert years_6_10["promotions"] == pytest.approx(series["promotions"][21:41].mean() * 4)
    assert years_6_10["cumulative_value"] == series["cumulative_value"][40]


@pytest.mark.parametrize("half, places", [(0.8, 1), (0.15, 2), (0.29, 2), (0.3, 1), (4.8, 0),
                                          (0.0048, 3), (12.0, 0), (0.0, 1), (float("nan"), 1)])
def test_precision_follows_the_interval(half, places):
    assert decimals(half) == places


def test_effects_in_words_and_display_units():
    assert effect_text("innovation_rate", 0.1279, 0.12, 0.136) == \
        "+12.8 percentage points [+12.0, +13.6]"
    assert effect_text("policy_cost", 812.3, 790.1, 834.2) == \
        "+812 yuan per cadre per year [+790, +834]"
    assert effect_text("mean_stress", -0.0123, -0.02, -0.004) == "-1.2 points [-2.0, -0.4]"
    assert number(-0.04, 1, sign=True) == "+0.0"  # no "-0.0"
    assert level_text("innovation_rate", 0.094, 0.086, 0.102) == "9.4% [8.6, 10.2]"
    assert level_text("symbolic_rate", 0.05, -0.05, 0.16) == "5% [0, 16]"  # a share stays >= 0
    assert level_text("mean_stress", 0.6, 0.55, 0.64) == "60 [55, 64] points on a 0-100 scale"
    assert number(1234567.891, 1) == "1,234,567.9"
    for out in OUTPUTS:  # every output has words, a meaning and a unit
        assert label(out) and "_" not in label(out) and meaning(out)
        assert display(out).change


def test_colour_convention_is_about_genuine_innovation():
    assert judge("innovation_rate", 0.1) == "better" and judge("innovation_rate", -0.1) == "worse"
    assert judge("symbolic_rate", -0.1) == "better" and judge("mean_stress", 0.1) == "worse"
    assert judge("barrier_gap", -0.1) == "better"
    # A barrier share, a cost or a count is neither: the shares of a whole move together.
    for out in ("barrier_afraid", "barrier_unable", "policy_cost", "promotions"):
        assert judge(out, 0.3) == judge(out, -0.3) == "neither"
    assert set(GOOD_DIRECTION) <= set(OUTPUTS)
    assert established(0.1, 0.2) and established(-0.2, -0.1) and not established(-0.1, 0.2)


def test_fieller_interval_is_the_t_interval_scaled_when_the_cost_is_fixed():
    rng = np.random.default_rng(1)
    effect, cost = rng.normal(2.0, 1.0, 20), np.full(20, 4.0)
    r = ratio_ci(effect, cost)
    t = paired_ci(effect, np.zeros(20))
    assert r["bounded"] and r["ratio"] == pytest.approx(t["mean_diff"] / 4)
    assert (r["ci_low"], r["ci_high"]) == pytest.approx((t["ci_low"] / 4, t["ci_high"] / 4))


def test_fieller_interval_covers_the_true_ratio_95_percent_of_the_time():
    rng = np.random.default_rng(7)
    hits, trials = 0, 2000
    for _ in range(trials):
        a = rng.normal(2.0, 1.0, 10)
        b = rng.normal(4.0, 1.5, 10) + 0.5 * (a - 2.0)  # cost and effect move together
        r = ratio_ci(a, b)
        hits += r["bounded"] and r["ci_low"] <= 0.5 <= r["ci_high"]
    assert 0.93 <= hits / trials <= 0.97


def test_fieller_interval_is_unbounded_when_the_cost_cannot_be_told_from_zero():
    rng = np.random.default_rng(2)
    r = ratio_ci(rng.normal(1, 1, 10), rng.normal(0, 1, 10))
    assert not r["bounded"] and math.isinf(r["ci_low"]) and math.isinf(r["ci_high"])
