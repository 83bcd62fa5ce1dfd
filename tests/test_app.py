"""The explorer's logic without a browser: generated sliders, scenario loading, the views."""

from __future__ import annotations

import numpy as np
import pytest

from experiments.scenario import list_scenarios, load_scenario
from model import PARAMETERS, CadreModel, app


def test_a_slider_per_lever_and_uncertainty_matching_the_declaration():
    inputs = app.model_params()
    for p in PARAMETERS:
        if p.kind == "structure":
            assert p.name not in inputs
            continue
        s = inputs[p.name]
        assert isinstance(s, app.Slider)
        assert (s.min, s.max, s.value) == (p.low, p.high, p.default), p.name
        assert s.label == f"{p.kind}: {p.name}"
        assert s.is_float_slider is not p.integer
        # the default lies on the slider's grid, so an untouched slider reads as the default
        steps = (p.default - p.low) / s.step
        assert abs(steps - round(steps)) < 1e-6, p.name
    assert inputs["n_cadres"].value == app.UI_N_CADRES


def test_scenario_picker_lists_the_library_baseline_first():
    picker = app.model_params()["scenario"]
    assert picker["type"] == "Select"
    assert picker["values"] == [s.name for s in list_scenarios()]
    assert picker["value"] == "baseline"
    assert app.NO_SCENARIO not in picker["values"]


def _series(model, n_steps=4):
    for _ in range(n_steps):
        model.step()
    return model.datacollector.get_model_vars_dataframe().to_numpy()


def test_scenario_sets_params_and_schedule_and_moved_sliders_override():
    sc = load_scenario("credible_fault_tolerance")
    sliders = {p.name: p.default for p in PARAMETERS if p.kind != "structure"}
    sliders["fault_tolerance"] = 0.2  # at its default: must not undo the scenario's 0.8
    sliders["demotion_rate"] = 0.1  # moved: overrides
    m = app.ScenarioCadreModel(scenario=sc.name, seed=3, n_cadres=200, **sliders)
    assert m.parameters["fault_tolerance"] == sc.params["fault_tolerance"] == 0.8
    assert m.parameters["demotion_rate"] == 0.1
    assert m.slider_overrides == {"demotion_rate": 0.1}
    # Same numbers as the plain model built with the same settings.
    ref = CadreModel(seed=3, n_cadres=200, **{**sc.params, "demotion_rate": 0.1})
    np.testing.assert_array_equal(_series(m), _series(ref))

    reform = app.ScenarioCadreModel(scenario="reform_in_year_5", seed=3, n_cadres=200)
    assert [c.year for c in reform.schedule_changes] == [5.0]
    assert "year 5: fault_tolerance = 0.8" in app.run_summary(reform)


def test_bad_inputs_are_clear_errors():
    from experiments.errors import UserError
    from model import ParameterError

    with pytest.raises(UserError, match="unknown scenario 'nope'"):
        app.ScenarioCadreModel(scenario="nope", n_cadres=200)
    with pytest.raises(ParameterError, match="unknown parameter 'fault_tolerence'"):
        app.ScenarioCadreModel(n_cadres=200, fault_tolerence=0.5)


def test_organisation_view_draws_every_serving_cadre_by_last_action():
    m = app.ScenarioCadreModel(scenario="baseline", seed=5, n_cadres=200)
    for _ in range(3):
        m.step()
    fig = app.organisation_figure(m)
    ax = fig.axes[0]
    pop = m.population
    counts = [len(c.get_offsets()) for c in ax.collections]
    expected = [int(np.count_nonzero(pop.active & (pop.last_action == a))) for a in range(4)]
    assert counts == expected
    assert sum(counts) == int(pop.active.sum())
    assert "quarter 3" in ax.get_title()


def test_run_summary_names_the_run_and_escapes_text():
    m = app.ScenarioCadreModel(scenario="baseline", seed=1, n_cadres=200)
    m.scenario_description = "<script>x</script>"
    text = app.run_summary(m)
    assert "seed 1, 200 posts, quarter 0" in text
    assert "<script>" not in text and "&lt;script&gt;" in text
