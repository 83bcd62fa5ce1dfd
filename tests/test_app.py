"""The explorer's logic without a browser: generated sliders, scenario loading, the horizon, the
baseline overlay, the run panel and the views."""

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
        # Keyboard steps of a sensible size: an arrow key moves 1-2% of the range (whole
        # numbers: one), PageUp/PageDown ten times that ...
        positions = (p.high - p.low) / s.step
        assert p.integer or 50 - 1e-6 <= positions <= 100 + 1e-6, (p.name, positions)
        # ... and every value a user meets (default, reform, a scenario's) lies on the grid.
        for v in app._must_reach(p):  # noqa: SLF001 (the module's own rule, tested)
            k = (v - p.low) / s.step
            assert abs(k - round(k)) < 1e-6, (p.name, v, s.step)
    assert inputs["n_cadres"].value == app.UI_N_CADRES == 1000
    assert inputs["seed"]["value"] == app.UI_SEED
    assert inputs["horizon_years"].value == 20


def test_keyboard_steps_are_coarser_than_before_where_they_can_be():
    # The old rule gave 100-1000 positions: 750 for choice_sensitivity, 490 for memory.
    for name in ("choice_sensitivity", "reinforcement_memory", "promotion_age_limit",
                 "fault_tolerance"):
        p = next(q for q in PARAMETERS if q.name == name)
        assert (p.high - p.low) / app.slider_step(p) <= 100


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


def test_scenario_sets_the_sliders_and_moved_sliders_override():
    sc = load_scenario("credible_fault_tolerance")
    sliders = app.scenario_values(sc.name)  # picking a scenario moves the sliders to it
    assert sliders["fault_tolerance"] == 0.8
    sliders["demotion_rate"] = 0.1  # moved: overrides
    m = app.ScenarioCadreModel(scenario=sc.name, seed=3, n_cadres=200, overlay_baseline=False,
                               **sliders)
    assert m.parameters["fault_tolerance"] == sc.params["fault_tolerance"] == 0.8
    assert m.parameters["demotion_rate"] == 0.1
    assert m.slider_overrides == {"demotion_rate": 0.1}
    # A slider can set a parameter back to its default under a scenario that changes it.
    back = app.ScenarioCadreModel(scenario=sc.name, seed=3, n_cadres=200,
                                  overlay_baseline=False, **{**sliders, "fault_tolerance": 0.2})
    assert back.parameters["fault_tolerance"] == 0.2
    # Same numbers as the plain model built with the same settings.
    ref = CadreModel(seed=3, n_cadres=200, **{**sc.params, "demotion_rate": 0.1})
    np.testing.assert_array_equal(_series(m), _series(ref))


def test_play_stops_at_the_horizon():
    m = app.ScenarioCadreModel(scenario="baseline", seed=1, n_cadres=200, horizon_years=1,
                               overlay_baseline=False)
    for _ in range(4):
        assert m.running
        m.step()
    assert not m.running and m.steps == 4
    m.step()  # Mesa's controls may still call step (several quarters per click): no step past
    assert m.steps == 4 and "horizon reached" in app.run_summary(m)


def test_baseline_overlay_is_the_baseline_on_the_same_seed():
    m = app.ScenarioCadreModel(scenario="credible_fault_tolerance", seed=4, n_cadres=200,
                               horizon_years=2, **app.scenario_values("credible_fault_tolerance"))
    base = app.ScenarioCadreModel(scenario="baseline", seed=4, n_cadres=200, horizon_years=2)
    assert base.baseline_series is None  # the baseline itself needs no overlay
    expected = _series(base, 8)[:, list(base.datacollector.model_vars).index("innovation_rate")]
    np.testing.assert_array_equal(m.baseline_series["innovation_rate"], expected)
    assert "(baseline on the same seed: " in app.run_summary(m)


def test_run_panel_shows_scheduled_changes_as_they_happen():
    reform = app.ScenarioCadreModel(scenario="reform_in_year_5", seed=3, n_cadres=200,
                                    horizon_years=8, overlay_baseline=False)
    assert [c.year for c in reform.schedule_changes] == [5.0]
    lines = app.parameters_not_at_default(reform)
    assert any(line.startswith("fault_tolerance = 0.2 now (default 0.2; scheduled to 0.8 from "
                               "year 5, phased in by year 7)") for line in lines), lines
    for _ in range(4 * 6):  # year 6: half-way through the phase-in
        reform.step()
    now = next(line for line in app.parameters_not_at_default(reform)
               if line.startswith("fault_tolerance"))
    assert now.startswith("fault_tolerance = 0.5") or now.startswith("fault_tolerance = 0.4"), now
    assert "year 5: fault_tolerance = 0.8" in app.run_summary(reform)


def test_bad_inputs_are_clear_errors():
    from experiments.errors import UserError
    from model import ParameterError

    with pytest.raises(UserError, match="unknown scenario 'nope'"):
        app.ScenarioCadreModel(scenario="nope", n_cadres=200)
    with pytest.raises(ParameterError, match="unknown parameter 'fault_tolerence'"):
        app.ScenarioCadreModel(n_cadres=200, fault_tolerence=0.5)


def test_organisation_view_draws_every_serving_cadre_by_last_action():
    m = app.ScenarioCadreModel(scenario="baseline", seed=5, n_cadres=200, overlay_baseline=False)
    for _ in range(3):
        m.step()
    drawing = app.OrganisationDrawing(m)
    frame = drawing.render()
    assert frame[:3] == b"\xff\xd8\xff"  # a JPEG frame
    pop = m.population
    counts = [len(dots.get_xdata()) for dots in drawing.dots]
    assert counts == [int(np.count_nonzero(pop.active & (pop.last_action == a)))
                      for a in range(4)]
    assert sum(counts) == int(pop.active.sum())  # vacant posts draw no dot
    from matplotlib.colors import to_hex

    assert [to_hex(dots.get_color()) for dots in drawing.dots] == list(app.ACTION_COLOURS)


def test_series_view_follows_the_run_and_marks_the_reform():
    m = app.ScenarioCadreModel(scenario="reform_in_year_5", seed=2, n_cadres=200,
                               horizon_years=10)
    drawing = app.SeriesDrawing(m)
    for _ in range(6):
        m.step()
    first = drawing.render()
    line = drawing.lines["innovation_rate"]
    np.testing.assert_allclose(line.get_ydata(),
                               np.asarray(m.datacollector.model_vars["innovation_rate"]) * 100)
    assert line.get_xdata()[-1] == pytest.approx(1.5)  # years, not steps
    assert drawing.top_ax.get_xlim() == (0.0, 10.0)  # the horizon, from the start
    assert len(drawing.base["innovation_rate"].get_xdata()) == 7  # baseline up to now
    assert [ln.get_xdata()[0] for ln in drawing.top_ax.get_lines()
            if not ln.get_animated()] == [5.0]  # the reform year, marked
    m.step()
    assert drawing.render() != first


def test_run_summary_names_the_run_and_escapes_text():
    m = app.ScenarioCadreModel(scenario="baseline", seed=1, n_cadres=200)
    m.scenario_description = "<script>x</script>"
    text = app.run_summary(m)
    assert "seed 1, 200 posts, quarter 0 (year 0 of 20)" in text
    assert "<script>" not in text and "&lt;script&gt;" in text


def test_pending_changes_say_when_reset_is_needed():
    inputs = app.model_params()
    values = app.initial_values(inputs)
    m = app.ScenarioCadreModel(**values)
    assert not app.pending_changes(values, m)
    assert app.pending_changes({**values, "fault_tolerance": 0.5}, m)
    assert app.pending_changes({**values, "seed": values["seed"] + 1}, m)
