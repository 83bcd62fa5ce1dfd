"""The parameter declaration and its validation (bad input gets a clear error)."""

from __future__ import annotations

import pytest

from model import PARAMETERS, CadreModel, ParameterError
from model.parameters import MECHANISMS, defaults, validate

SPEC_LEVERS = [
    "accountability_intensity", "sanction_severity", "fault_tolerance", "tolerance_credibility",
    "promotion_innovation_weight", "demotion_rate", "promotion_age_limit", "material_reward",
    "honor_reward", "training_coverage", "training_quality", "verification_accuracy", "workload",
    "digital_relief", "rotation_rate",
]


def test_spec_levers_declared_as_levers():
    kinds = {p.name: p.kind for p in PARAMETERS}
    for name in SPEC_LEVERS:
        assert kinds.get(name) == "lever", name


def test_declaration_is_complete_and_consistent():
    names = [p.name for p in PARAMETERS]
    assert len(names) == len(set(names))
    for p in PARAMETERS:
        assert p.low <= p.default <= p.high, p.name
        assert p.kind in {"lever", "uncertainty", "structure"}
        assert p.mechanism in MECHANISMS
        assert p.unit and p.meaning and p.source
    # Every mechanism of the spec has at least one parameter that switches it.
    assert {p.mechanism for p in PARAMETERS} == set(MECHANISMS)


def test_model_takes_every_parameter_as_keyword():
    m = CadreModel(seed=1, n_cadres=100, **defaults())
    assert m.parameters == defaults()


def test_unknown_parameter_lists_valid_names():
    with pytest.raises(ParameterError) as err:
        CadreModel(seed=1, n_cadres=100, fault_tolerence=0.5)
    msg = str(err.value)
    assert "fault_tolerence" in msg and "did you mean 'fault_tolerance'" in msg
    assert "accountability_intensity" in msg  # the valid names are listed
    assert "\n" not in msg


@pytest.mark.parametrize("value", [1.5, -0.1, float("nan"), float("inf")])
def test_out_of_range_names_parameter_and_range(value):
    with pytest.raises(ParameterError, match=r"'fault_tolerance'.*\[0, 1\]"):
        validate({"fault_tolerance": value})


@pytest.mark.parametrize("value", ["0.5", None, True, [0.5]])
def test_wrong_type_is_rejected(value):
    with pytest.raises(ParameterError, match="fault_tolerance.*must be a number"):
        validate({"fault_tolerance": value})


def test_integer_parameter_rejects_fractions():
    with pytest.raises(ParameterError, match="whole number"):
        validate({"training_days": 7.5})
    assert validate({"training_days": 9.0})["training_days"] == 9


@pytest.mark.parametrize("n", [10, 0, 2.5, "1000", True])
def test_bad_population_size(n):
    with pytest.raises(ParameterError, match="n_cadres"):
        CadreModel(seed=1, n_cadres=n)


def test_validation_happens_before_building():
    with pytest.raises(ParameterError):
        CadreModel(seed=1, n_cadres=100, workload=9.0)


def test_bad_schedule_is_rejected():
    with pytest.raises(ParameterError, match="unknown parameter 'nope'"):
        CadreModel(seed=1, n_cadres=100, policy_schedule=[{"year": 1, "set": {"nope": 1}}])
    with pytest.raises(ParameterError, match="structure parameter"):
        CadreModel(seed=1, n_cadres=100, policy_schedule=[{"year": 1, "set": {"unit_size": 20}}])
    with pytest.raises(ParameterError, match="'year'"):
        CadreModel(seed=1, n_cadres=100, policy_schedule=[{"year": -1, "set": {"workload": 1}}])
