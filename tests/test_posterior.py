"""The posterior contract (experiments/calibration/posterior.py): validation of a result folder,
weighted draws that depend only on (seed, i), and the parameter set of a replicate."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from experiments.calibration import Posterior, default_posterior, load_posterior
from experiments.calibration.posterior import HEADLINE_POSTERIOR, resolve_posterior
from experiments.errors import UserError
from model.parameters import PARAMETERS_BY_NAME


def _write(folder, df):
    folder.mkdir(parents=True, exist_ok=True)
    df.to_parquet(folder / "posterior.parquet", index=False)
    return folder


@pytest.fixture()
def good(tmp_path):
    df = pd.DataFrame({"choice_sensitivity": [1.0, 2.0, 3.0, 4.0],
                       "retirement_age": [58.0, 60.0, 62.0, 60.0],
                       "weight": [0.1, 0.2, 0.3, 0.4]})
    return _write(tmp_path / "post", df)


def test_load_gives_names_params_and_weights(good):
    post = load_posterior(good)
    assert isinstance(post, Posterior)
    assert post.names == ["choice_sensitivity", "retirement_age"]
    assert list(post.params.columns) == post.names and len(post.params) == 4
    np.testing.assert_allclose(post.weights, [0.1, 0.2, 0.3, 0.4])
    assert post.weights.sum() == pytest.approx(1.0)
    assert len(post.sha256) == 64
    # the file itself may be named too
    assert load_posterior(good / "posterior.parquet").names == post.names


def test_draws_depend_only_on_seed_and_index(good):
    post = load_posterior(good)
    ten = post.draw(10, seed=7)
    assert post.draw(3, seed=7) == ten[:3]          # independent of how many are drawn
    assert [post.draw_for(r, 7) for r in range(10)] == ten   # replicate r is draw r
    assert post.draw(10, seed=8) != ten
    assert all(set(d) == {"choice_sensitivity", "retirement_age"} for d in ten)
    assert all(isinstance(d["retirement_age"], int) for d in ten)  # integer parameter stays whole


def test_draws_follow_the_weights(good):
    post = load_posterior(good)
    draws = post.draw(4000, seed=1)
    counts = pd.Series([d["choice_sensitivity"] for d in draws]).value_counts(normalize=True)
    np.testing.assert_allclose(counts.sort_index().to_numpy(), [0.1, 0.2, 0.3, 0.4], atol=0.03)


def test_index_of_is_the_weighted_inverse_cdf(good):
    post = load_posterior(good)
    np.testing.assert_array_equal(post.index_of([0.0, 0.09, 0.1, 0.29, 0.31, 0.99]),
                                  [0, 0, 1, 1, 2, 3])


@pytest.mark.parametrize("change, words", [
    (lambda d: d.drop(columns="weight"), "no 'weight' column"),
    (lambda d: d.assign(no_such_thing=1.0), "not a declared parameter"),
    (lambda d: d.assign(workload=0.7), "is a lever"),
    (lambda d: d.assign(choice_sensitivity=[1.0, 2.0, 3.0, 99.0]), "outside its declared range"),
    (lambda d: d.assign(choice_sensitivity=[1.0, np.nan, 3.0, 4.0]), "outside its declared range"),
    (lambda d: d.assign(retirement_age=[58.5, 60.0, 62.0, 60.0]), "outside its declared range"),
    (lambda d: d.assign(weight=[0.0, 0.3, 0.3, 0.4]), "not positive"),
    (lambda d: d.assign(weight=[0.2, 0.2, 0.3, 0.4]), "not 1"),
    (lambda d: d.iloc[:0], "holds no parameter sets"),
])
def test_bad_folders_are_one_line_user_errors(tmp_path, good, change, words):
    df = change(pd.read_parquet(good / "posterior.parquet"))
    bad = _write(tmp_path / "bad", df)
    with pytest.raises(UserError) as err:
        load_posterior(bad)
    assert words in str(err.value) and "\n" not in str(err.value)


def test_missing_or_damaged_file(tmp_path):
    with pytest.raises(UserError, match="no posterior.parquet"):
        load_posterior(tmp_path)
    (tmp_path / "posterior.parquet").write_bytes(b"not parquet")
    with pytest.raises(UserError, match="cannot read"):
        load_posterior(tmp_path)


def test_resolve_and_default(good):
    assert resolve_posterior(None) is None
    assert resolve_posterior("none") is None
    assert resolve_posterior(str(good)).names == ["choice_sensitivity", "retirement_age"]
    post = default_posterior()
    root = HEADLINE_POSTERIOR
    if post is None:  # not committed yet
        assert resolve_posterior("default") is None
    else:  # the committed one is valid and varies only uncertainties
        assert str(post.path).endswith(str(root))
        assert len(post) >= 200
        assert all(PARAMETERS_BY_NAME[n].kind == "uncertainty" for n in post.names)
