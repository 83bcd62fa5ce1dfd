"""The vectorised exponential and logarithm of the decision (model/vecmath.py): accurate to
2 units in the last place of NumPy's, finite at the clamps, and computed by plain arithmetic."""

from __future__ import annotations

import numpy as np
import pytest

from model.vecmath import X_MAX, X_MIN, exp_in_place, log_in_place


def ulps(got, want):
    return np.abs(got - want) / np.spacing(np.abs(want))


def exp_of(x):
    out = np.array(x, dtype=np.float64)
    exp_in_place(out, np.empty(out.size, dtype=np.int64))
    return out


def log_of(x):
    out = np.array(x, dtype=np.float64)
    log_in_place(out, np.empty(out.size, dtype=np.int64))
    return out


@pytest.mark.parametrize("lo, hi", [(-1.0, 1.0), (-40.0, 40.0), (X_MIN, X_MAX), (-1e-9, 1e-9)])
def test_exp_within_two_ulps_of_numpy(lo, hi):
    x = np.random.default_rng(1).uniform(lo, hi, 200_000)
    assert ulps(exp_of(x), np.exp(x)).max() <= 2.0


def test_exp_is_exact_where_it_must_be_and_clamps_to_finite_normal_numbers():
    assert exp_of([0.0])[0] == 1.0
    out = exp_of([-1e6, -800.0, 800.0, 1e6])
    np.testing.assert_allclose(out, np.exp([X_MIN, X_MIN, X_MAX, X_MAX]), rtol=4e-16)
    assert np.all(np.isfinite(out)) and np.all(out >= np.finfo(float).tiny)


@pytest.mark.parametrize("sample", ["unit", "wide", "near_one_below", "near_one_above"])
def test_log_within_two_ulps_of_numpy(sample):
    rng = np.random.default_rng(2)
    x = {"unit": rng.random(200_000) + 1e-300,
         "wide": np.exp(rng.uniform(-700.0, 700.0, 200_000)),
         "near_one_below": 1.0 - rng.random(200_000) * 1e-6,
         "near_one_above": 1.0 + rng.random(200_000) * 1e-6}[sample]
    assert ulps(log_of(x), np.log(x)).max() <= 2.0


def test_log_of_powers_of_two_and_of_zero():
    np.testing.assert_allclose(log_of([1.0, 2.0, 0.5, 2.0 ** 40]),
                               [0.0, np.log(2.0), -np.log(2.0), 40 * np.log(2.0)], rtol=2e-16)
    # Zero (a chance of escaping inspection that is nil): about -709, whose exponential, through
    # the clamp, is the smallest normal-ish number, as log(0) = -inf would give 0.
    assert -710.0 < log_of([0.0])[0] < -708.0
    assert exp_of(log_of([0.0]))[0] < 1e-307


def test_same_bits_for_a_value_wherever_it_sits_in_the_batch():
    """Vector lanes and the scalar remainder give the same bits (no fused or reassociated
    arithmetic), so a cadre's result does not depend on how many cadres there are."""
    x = np.random.default_rng(3).uniform(-30.0, 30.0, 1001)
    whole = exp_of(x)
    for start in (0, 1, 3, 7):
        np.testing.assert_array_equal(exp_of(x[start:start + 13]), whole[start:start + 13])
    y = np.random.default_rng(4).random(1001)
    whole = log_of(y)
    for start in (0, 1, 3, 7):
        np.testing.assert_array_equal(log_of(y[start:start + 13]), whole[start:start + 13])
