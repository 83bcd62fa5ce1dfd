"""The scenario library: every file loads, validates and runs; bad files fail in one line."""

from __future__ import annotations

import numpy as np
import pytest

from experiments import UserError, list_scenarios, load_scenario
from experiments.replicates import run_experiment
from experiments.scenario import LIBRARY, Scenario, parse_set_options
from model.parameters import PARAMETERS_BY_NAME

REQUIRED = {
    "baseline", "strict_accountability", "fault_tolerance_on_paper", "credible_fault_tolerance",
    "innovation_based_promotion", "capable_up_mediocre_down", "training_push", "honours_only",
    "material_and_honours", "workload_relief", "great_love", "reform_in_year_5",
}


def test_library_loads_and_validates():
    lib = list_scenarios()
    names = [s.name for s in lib]
    assert REQUIRED <= set(names)
    assert names[0] == "baseline"
    for s in lib:
        assert isinstance(s, Scenario)
        assert s.path is not None and s.path.parent == LIBRARY and s.path.stem == s.name
        assert s.description and "\n" not in s.description
        for name, value in s.params.items():
            p = PARAMETERS_BY_NAME[name]
            assert p.low <= value <= p.high
        assert set(s.full_params()) == set(PARAMETERS_BY_NAME)
    assert load_scenario("baseline").params == {}
    assert load_scenario("credible_fault_tolerance").params["tolerance_credibility"] > 0.5
    reform = load_scenario("reform_in_year_5")
    assert reform.policy_schedule == [{"year": 5.0, "phase_in_years": 2.0,
                                       "set": {"fault_tolerance": 0.8,
                                               "tolerance_credibility": 0.8}}]


def test_every_scenario_runs():
    lib = list_scenarios()
    short = [s for s in lib if not s.policy_schedule]
    scheduled = [s for s in lib if s.policy_schedule]
    res = run_experiment("run", short, replicates=1, years=2, seed=3, n_cadres=200, workers=1,
                         progress=False)
    assert list(res.summary["scenario"]) == [s.name for s in short]
    assert np.isfinite(res.summary[["innovation_rate", "barrier_afraid"]].to_numpy()).all()
    assert len(res.timeseries) == len(short) * 9  # construction + 8 quarters
    horizon = max(c["year"] for s in scheduled for c in s.policy_schedule) + 1
    res = run_experiment("run", scheduled, replicates=1, years=horizon, seed=3, n_cadres=200,
                         workers=1, progress=False)
    assert len(res.summary) == len(scheduled)


def test_scheduled_reform_changes_nothing_before_its_year():
    """Common random numbers: up to year 5 the reform scenario *is* the baseline, draw for draw."""
    res = run_experiment("run", ["baseline", "reform_in_year_5"], replicates=1, years=8, seed=11,
                         n_cadres=200, workers=1, progress=False)
    ts = res.timeseries
    base = ts[ts["scenario"] == "baseline"].set_index("step")
    reform = ts[ts["scenario"] == "reform_in_year_5"].set_index("step")
    before, after = base.index[base["year"] < 5], base.index[base["year"] >= 7]
    cols = ["innovation_rate", "perceived_tolerance", "barrier_afraid"]
    assert np.array_equal(base.loc[before, cols].to_numpy(), reform.loc[before, cols].to_numpy())
    assert not np.array_equal(base.loc[after, cols].to_numpy(), reform.loc[after, cols].to_numpy())


def test_user_file_by_path(tmp_path):
    f = tmp_path / "my_policy.toml"
    f.write_text('description = """two\nlines"""\n[params]\nfault_tolerance = 0.5\n'
                 "training_days = 9\n")
    s = load_scenario(str(f))
    assert s.name == "my_policy" and s.description == "two lines"
    assert s.params == {"fault_tolerance": 0.5, "training_days": 9}
    assert isinstance(s.params["training_days"], int)


@pytest.mark.parametrize("text, expected", [
    ("[params\nfault_tolerance = 0.5\n", "malformed TOML"),
    ("[params]\nfault_tolerence = 0.5\n", "params.fault_tolerence"),
    ("[params]\nfault_tolerance = 1.5\n", "allowed [0, 1]"),
    ("[params]\nfault_tolerance = 'high'\n", "must be a number in [0, 1]"),
    ("colour = 'red'\n", "allowed keys: name, description, params, schedule"),
    ("[[schedule]]\nyear = 2\nset = { nonsense = 1 }\n", "unknown parameter 'nonsense'"),
    ("[[schedule]]\nyear = 2\nset = { unit_size = 20 }\n", "structure parameter"),
    ("[[schedule]]\nyear = -1\nset = { fault_tolerance = 0.5 }\n", "'year' must be a number"),
    ("schedule = 3\n", "array of tables"),
])
def test_bad_files_give_one_line_naming_file_and_key(tmp_path, text, expected):
    f = tmp_path / "bad.toml"
    f.write_text(text)
    with pytest.raises(UserError) as err:
        load_scenario(str(f))
    msg = str(err.value)
    assert expected in msg
    assert str(f) in msg and "\n" not in msg


def test_change_after_horizon_is_an_error():
    s = load_scenario("reform_in_year_5")
    s.check_horizon(6)
    with pytest.raises(UserError, match=r"reform_in_year_5.toml: key 'schedule' entry 0 .*year 5"):
        s.check_horizon(5)
    with pytest.raises(UserError, match="lasts 2 years"):
        run_experiment("run", [s], replicates=1, years=2, seed=1, n_cadres=200, progress=False)


def test_unknown_scenario_lists_library():
    with pytest.raises(UserError, match="did you mean 'baseline'.*library: .*training_push"):
        load_scenario("baselin")
    with pytest.raises(UserError, match="does not exist"):
        load_scenario("nowhere/else.toml")


def test_set_options():
    assert parse_set_options(["fault_tolerance=0.9", "training_days=10"]) == {
        "fault_tolerance": 0.9, "training_days": 10}
    for bad, match in [("fault_tolerance", "NAME=VALUE"), ("fault_tolerance=x", "not a number"),
                       ("fault_tolerance=2", "out of range"), ("nope=1", "unknown parameter")]:
        with pytest.raises(UserError, match=match):
            parse_set_options([bad])
    s = load_scenario("credible_fault_tolerance").with_overrides({"fault_tolerance": 0.3})
    assert s.params == {"fault_tolerance": 0.3, "tolerance_credibility": 0.8}
