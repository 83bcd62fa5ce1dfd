"""Interactive explorer of cadresim (Mesa SolaraViz components): ``solara run model/app.py``.

The page: Mesa's controls (Reset, play, Step) over a county of cadres; a scenario picker, the
horizon, county size, seed and one slider per lever and uncertainty (generated from
``model.parameters.PARAMETERS``), each with its value shown; genuine and symbolic innovation and
the four barrier shares over the years, with the reform year marked and, for comparison, the
baseline run on the same seed; the organisation (units across, ranks up, a dot per cadre coloured
by its last action); and a panel saying which run is on screen.

How the inputs combine: picking a scenario moves the sliders to its values; a slider moved away
from the scenario's value overrides it. Nothing changes until Reset (Mesa rebuilds the model
then); scheduled changes of the scenario still apply from their year. Play stops at the horizon.

Why the views are fast: each figure is drawn once per run and kept; a step only redraws the data
(lines, dots) over the saved background (Matplotlib blitting), so a step costs the model's step
plus a few milliseconds of drawing (``benchmarks/bench_app.py``), and clicks queue instead of
piling up behind slow redraws.
"""

from __future__ import annotations

import functools
import html
import io
import math
import sys
import warnings
from pathlib import Path

# `solara run model/app.py` puts model/ itself first on sys.path, where model/model.py would shadow
# the `model` package; drop that entry before importing the package.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if (Path(p or ".").resolve() != _HERE)]

import numpy as np  # noqa: E402
import reacton.ipywidgets as rw  # noqa: E402
import solara  # noqa: E402
from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

with warnings.catch_warnings():
    # Mesa 3.3.1's own ComponentsView trips solara's rules-of-hooks check at import; harmless.
    warnings.filterwarnings("ignore", message=".*found despite early return", category=UserWarning)
    from mesa.visualization import Slider
    from mesa.visualization.solara_viz import ModelController
    from mesa.visualization.utils import update_counter

from experiments.presentation import COLOURS, meaning  # noqa: E402
from experiments.runner import DEFAULT_SEED, run_model  # noqa: E402
from model import BARRIER_NAMES, PARAMETERS, PARAMETERS_BY_NAME, CadreModel  # noqa: E402
from model.calendar import QUARTERS_PER_YEAR  # noqa: E402
from model.organisation import RANK_NAMES  # noqa: E402
from model.population import ACTION_NAMES  # noqa: E402

UI_N_CADRES = 1000  # the county size of every experiment; a step stays well under 0.3 s
UI_SEED = DEFAULT_SEED
UI_HORIZON_YEARS = 20
NO_SCENARIO = "defaults"  # used only when the scenario library is missing or empty
PREFERRED_SCENARIO = "baseline"
SLIDER_KINDS = ("lever", "uncertainty")  # structure parameters stay at their defaults here
ACTION_COLOURS = ("#c8c8c8", "#1f77b4", "#2ca02c", "#d62728")  # routine, incr., bold, symbolic
BARRIER_COLOURS = ("#7b3294", "#a6611a", "#5e8c31", "#404040")
DPI = 90


# ---------------------------------------------------------------------- scenarios
def scenario_names() -> list[str]:
    """Names of the library scenarios, or ``[NO_SCENARIO]`` if the library is missing or empty."""
    try:
        from experiments.scenario import list_scenarios
    except ImportError:
        return [NO_SCENARIO]
    return [s.name for s in list_scenarios()] or [NO_SCENARIO]


def default_scenario(names: list[str]) -> str:
    """The scenario the explorer opens with: the baseline when the library has one."""
    return PREFERRED_SCENARIO if PREFERRED_SCENARIO in names else names[0]


def scenario_settings(name: str) -> tuple[str, dict, list]:
    """``(description, parameter overrides, policy schedule)`` of a library scenario."""
    if name == NO_SCENARIO:
        return "every parameter at its declared default, no policy change", {}, []
    from experiments.scenario import load_scenario

    sc = load_scenario(name)
    return sc.description, dict(sc.params), list(sc.policy_schedule or [])


def scenario_values(name: str) -> dict:
    """Every slider's value under a scenario: its declared default or the scenario's setting."""
    _, params, _ = scenario_settings(name)
    return {p.name: params.get(p.name, int(p.default) if p.integer else p.default)
            for p in PARAMETERS if p.kind in SLIDER_KINDS}


# ---------------------------------------------------------------------- sliders
def _on_grid(value: float, low: float, step: float) -> bool:
    k = (value - low) / step
    return abs(k - round(k)) < 1e-6


@functools.cache
def _library_settings() -> dict[str, list[float]]:
    """Every value the scenario library sets, by parameter (read once per process: the page
    asks for slider steps on every redraw of its inputs)."""
    try:
        from experiments.scenario import list_scenarios
    except ImportError:
        return {}
    out: dict[str, list[float]] = {}
    for sc in list_scenarios():
        for name, value in sc.params.items():
            out.setdefault(name, []).append(value)
        for change in sc.policy_schedule:
            for name, value in change["set"].items():
                out.setdefault(name, []).append(value)
    return out


def _must_reach(p) -> list[float]:
    """Values a slider must be able to show exactly: the default, the reform value and every
    library scenario's setting."""
    values = [p.default] + ([p.reform] if p.reform is not None else [])
    return values + _library_settings().get(p.name, [])


@functools.cache
def slider_step(p) -> float | int:
    """A round step (1, 2 or 5 x 10^k) giving 50-100 positions over the declared range, so that
    an arrow key moves 1-2% of the range and PageUp/PageDown 10-20%; finer only where a value
    the slider must show (default, reform, a scenario's setting) would fall between positions."""
    if p.integer:
        return 1
    span = p.high - p.low
    exponent = math.floor(math.log10(span / 50))
    candidates = sorted((m * 10.0 ** e for e in range(exponent - 3, exponent + 1)
                         for m in (1, 2, 5) if m * 10.0 ** e <= span / 50), reverse=True)
    need = _must_reach(p)
    for step in candidates:
        if all(_on_grid(v, p.low, step) for v in need):
            return float(f"{step:.10g}")
    return float(f"{candidates[-1]:.10g}")


def slider_label(p) -> str:
    """Slider label: the parameter's kind and its exact name (as used in scenarios and the CLI)."""
    return f"{p.kind}: {p.name}"


def format_value(p, value) -> str:
    """A slider's value with the decimals its step has."""
    if p.integer:
        return f"{int(value)}"
    places = max(0, -math.floor(math.log10(slider_step(p)) + 1e-9))
    return f"{value:.{places}f}"


def same_value(name: str, a, b) -> bool:
    """Whether two values of a parameter are the same setting (to within a hair of its step)."""
    p = PARAMETERS_BY_NAME.get(name)
    if p is None or isinstance(a, bool) or not isinstance(a, int | float):
        return False
    return abs(a - b) <= slider_step(p) * 1e-6


def model_params() -> dict:
    """The inputs and their starting values: scenario, horizon, county size, seed, baseline
    overlay, then one Mesa ``Slider`` per parameter of the kinds in SLIDER_KINDS (levers first),
    at the starting scenario's values."""
    names = scenario_names()
    first = default_scenario(names)
    values = scenario_values(first)
    params = {
        "scenario": {"type": "Select", "label": "scenario", "value": first, "values": names},
        "horizon_years": Slider("horizon (years)", UI_HORIZON_YEARS, 1, 50, 1, dtype=int),
        "n_cadres": Slider("county size (cadres)", UI_N_CADRES, 100, 5000, 100, dtype=int),
        "seed": {"type": "InputInt", "label": "seed", "value": UI_SEED},
        "overlay_baseline": {"type": "Checkbox", "label": "overlay the baseline (same seed)",
                             "value": True},
    }
    for kind in SLIDER_KINDS:
        for p in PARAMETERS:
            if p.kind == kind:
                params[p.name] = Slider(slider_label(p), values[p.name], p.low, p.high,
                                        slider_step(p), dtype=int if p.integer else float)
    return params


def initial_values(inputs: dict) -> dict:
    """The keyword arguments of the model from the inputs' starting values."""
    return {k: (v.value if isinstance(v, Slider) else v["value"]) for k, v in inputs.items()}


# ---------------------------------------------------------------------- the model behind the page
class ScenarioCadreModel(CadreModel):
    """CadreModel built from a library scenario plus the sliders that differ from its values.

    Args:
        scenario: name of a library scenario (its parameters and policy schedule are applied).
        seed, n_cadres: as for CadreModel.
        horizon_years: the run stops (``running`` False) after this many years.
        overlay_baseline: also run the baseline on the same seed to the horizon, for comparison.
        **kwargs: parameter values from the sliders; those equal to the scenario's value are not
            overrides (Mesa passes every slider).
    """

    def __init__(self, scenario: str | None = None, seed: int = UI_SEED,
                 n_cadres: int = UI_N_CADRES, horizon_years: int = UI_HORIZON_YEARS,
                 overlay_baseline: bool = True, **kwargs):
        scenario = scenario or default_scenario(scenario_names())
        description, params, schedule = scenario_settings(scenario)
        start = scenario_values(scenario)
        moved = {k: v for k, v in kwargs.items()
                 if k not in start or not same_value(k, v, start[k])}
        if seed is None:
            raise ValueError("the seed box is empty: type a whole number")
        super().__init__(seed=int(seed), n_cadres=int(n_cadres), policy_schedule=schedule,
                         **{**params, **moved})
        self.scenario_name = scenario
        self.scenario_description = description
        self.scenario_params = params
        self.slider_overrides = moved
        self.horizon_steps = max(1, int(round(float(horizon_years) * QUARTERS_PER_YEAR)))
        self.baseline_series = None
        if overlay_baseline and (scenario != PREFERRED_SCENARIO or moved):
            self.baseline_series = baseline_series(self.seed, self.n_cadres, self.horizon_steps)
        # Mesa wraps step() to count steps before calling it; the guard goes around that, so a
        # call at the horizon (several quarters per click) neither steps nor counts.
        self._mesa_step, self.step = self.step, self.step_within_horizon

    def step_within_horizon(self) -> None:
        """One quarter, none past the horizon; at the horizon ``running`` turns False (Mesa's
        controls then stop and grey out)."""
        if self.steps < self.horizon_steps:
            self._mesa_step()
        self.running = self.steps < self.horizon_steps


def baseline_series(seed: int, n_cadres: int, n_steps: int) -> dict:
    """The baseline's genuine and symbolic innovation on ``seed`` (paired with the run on
    screen: the same county and the same random draws where the policies agree)."""
    _, params, schedule = scenario_settings(PREFERRED_SCENARIO) \
        if PREFERRED_SCENARIO in scenario_names() else ("", {}, [])
    res = run_model(params, seed, n_steps, n_cadres=n_cadres, policy_schedule=schedule or None,
                    outputs=["innovation_rate", "symbolic_rate"])
    return res["series"]


# ---------------------------------------------------------------------- drawings
#: Frames are sent as JPEG: about 1.5 ms to encode a view against 25-30 ms for PNG (most of a
#: step's cost), at a similar size; quality 92 without chroma subsampling keeps lines and dots
#: sharp.
FRAME_FORMAT = "jpeg"


def frame_bytes(canvas: FigureCanvasAgg) -> bytes:
    """The canvas as an image for the browser (see FRAME_FORMAT)."""
    from PIL import Image

    w, h = canvas.get_width_height()
    out = io.BytesIO()
    Image.frombuffer("RGBA", (w, h), canvas.buffer_rgba(), "raw", "RGBA", 0, 1).convert(
        "RGB").save(out, "JPEG", quality=92, subsampling=0)
    return out.getvalue()


class Blitted:
    """A figure whose axes, labels and legends are drawn once; each frame restores that
    background and draws only the ``animated`` artists over it."""

    def __init__(self, fig: Figure):
        self.fig = fig
        self.canvas = FigureCanvasAgg(fig)
        self._background = None

    def invalidate(self) -> None:
        """Draw the background again at the next frame (after an axis limit changed)."""
        self._background = None

    def frame(self, artists) -> bytes:
        if self._background is None:
            self.canvas.draw()
            self._background = self.canvas.copy_from_bbox(self.fig.bbox)
        self.canvas.restore_region(self._background)
        for artist in artists:
            artist.axes.draw_artist(artist)
        return frame_bytes(self.canvas)


def _nice_top(value: float) -> float:
    """The axis top (percent) that holds ``value``: 20, 40, 60, 80 or 100."""
    return min(100.0, 20.0 * max(1, math.ceil(value / 20.0 + 1e-9)))


class SeriesDrawing:
    """Genuine and symbolic innovation (with the baseline dashed) and the four barrier shares,
    over the years up to the horizon, reform years marked."""

    def __init__(self, model: ScenarioCadreModel):
        self.model = model
        horizon = model.horizon_steps / QUARTERS_PER_YEAR
        fig = Figure(figsize=(7.2, 5.6), dpi=DPI)
        fig.subplots_adjust(left=0.1, right=0.97, top=0.93, bottom=0.17, hspace=0.45)
        self.top_ax, self.bottom_ax = fig.subplots(2, 1, sharex=True)
        self.top = 20.0
        from matplotlib.ticker import MaxNLocator

        for ax in (self.top_ax, self.bottom_ax):
            ax.set_xlim(0, horizon)
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
            ax.grid(alpha=0.3)
            ax.tick_params(labelsize=8)
            _mark_schedule(ax, model.schedule_changes)
        self.top_ax.set_ylim(0, self.top)
        self.bottom_ax.set_ylim(0, 100)
        self.top_ax.set_title("What cadres do each quarter", fontsize=10)
        self.top_ax.set_ylabel("% of cadres", fontsize=8)
        self.bottom_ax.set_title("What holds back the others: shares of the missing chance",
                                 fontsize=10)
        self.bottom_ax.set_ylabel("% of the missing chance", fontsize=8)
        self.bottom_ax.set_xlabel("years from the start", fontsize=8)

        def line(ax, colour, ls="-", lw=1.6, name=""):
            return ax.plot([], [], color=colour, ls=ls, lw=lw, label=name, animated=True)[0]

        self.lines = {"innovation_rate": line(self.top_ax, COLOURS["better"],
                                              name="genuine innovation"),
                      "symbolic_rate": line(self.top_ax, COLOURS["worse"],
                                            name="symbolic innovation")}
        self.base = {}
        if model.baseline_series is not None:
            self.base = {k: line(self.top_ax, c, ls=(0, (3, 2)), lw=1.1, name=f"{n}, baseline")
                         for k, c, n in (("innovation_rate", COLOURS["better"], "genuine"),
                                         ("symbolic_rate", COLOURS["worse"], "symbolic"))}
        for name, colour in zip(BARRIER_NAMES, BARRIER_COLOURS, strict=True):
            self.lines[f"barrier_{name}"] = line(self.bottom_ax, colour, name=name)
        self.top_ax.legend(loc="upper left", fontsize=7, ncols=2, framealpha=0.8)
        self.bottom_ax.legend(loc="upper left", fontsize=7, ncols=4, framealpha=0.8)
        fig.text(0.01, 0.012, "Dotted line: a scheduled reform starts; shaded: its phase-in.\n"
                 "The four shares add up to 100% of the chance of a genuine attempt the others "
                 "lack.", fontsize=7, color="0.3")
        self.blit = Blitted(fig)

    def render(self) -> bytes:
        data = self.model.datacollector.model_vars
        n = len(data["innovation_rate"])
        x = np.arange(n) / QUARTERS_PER_YEAR
        peak = max(max(data["innovation_rate"]), max(data["symbolic_rate"]))
        for k, ln in self.base.items():
            values = self.model.baseline_series[k][:n]
            ln.set_data(x[:len(values)], values * 100)
            peak = max(peak, float(values.max()))
        for k, ln in self.lines.items():
            ln.set_data(x, np.asarray(data[k]) * 100)
        top = _nice_top(peak * 100)
        if top > self.top:  # the background holds the axis: redraw it (rarely: five sizes)
            self.top = top
            self.top_ax.set_ylim(0, top)
            self.blit.invalidate()
        return self.blit.frame([*self.base.values(), *self.lines.values()])


def _mark_schedule(ax, changes) -> None:
    for c in changes:
        ax.axvline(c.year, color="0.25", ls=(0, (1, 2)), lw=1.1)
        if c.phase_in_years:
            ax.axvspan(c.year, c.year + c.phase_in_years, color="0.5", alpha=0.12, lw=0)


def _jitter(n: int) -> tuple[np.ndarray, np.ndarray]:
    """Deterministic 2-D spread in [-0.5, 0.5) per row (the R2 low-discrepancy sequence): dots
    keep their place from one step to the next, spread evenly, and no random stream is touched."""
    rows = np.arange(n) + 0.5
    return np.modf(rows * 0.7548776662)[0] - 0.5, np.modf(rows * 0.5698402910)[0] - 0.5


def organisation_points(model: CadreModel) -> tuple[np.ndarray, np.ndarray, np.ndarray,
                                                    np.ndarray]:
    """x (unit, the county leadership one column apart), y (rank), last action and serving flag
    of every post row."""
    pop, org = model.population, model.organisation
    jx, jy = _jitter(pop.n)
    x = pop.unit + (pop.unit == org.n_units) + 0.7 * jx
    y = pop.rank + 0.6 * jy
    return x, y, pop.last_action, pop.active


class OrganisationDrawing:
    """One dot per serving cadre: across, its unit; up, its rank; colour, its last action."""

    def __init__(self, model: CadreModel):
        from matplotlib.colors import to_rgba
        from matplotlib.patches import Patch

        self.model = model
        org = model.organisation
        fig = Figure(figsize=(7.2, 4.4), dpi=DPI)
        fig.subplots_adjust(left=0.14, right=0.98, top=0.92, bottom=0.27)
        ax = fig.subplots()
        ax.axvspan(-0.5, org.n_townships - 0.5, color="#f3efe0", zorder=0)
        n_units = org.n_units
        if n_units <= 24:
            ticks = list(range(n_units)) + [n_units + 1]
            labels = [f"T{u + 1}" if u < org.n_townships else f"D{u - org.n_townships + 1}"
                      for u in range(n_units)] + ["county\nleaders"]
        else:
            ticks = [(org.n_townships - 1) / 2, (org.n_townships + n_units - 1) / 2, n_units + 1]
            labels = ["townships", "departments", "county\nleaders"]
        ax.set_xticks(ticks, labels, fontsize=7)
        ax.set_yticks(range(len(RANK_NAMES)), RANK_NAMES, fontsize=8)
        ax.set_xlim(-0.7, n_units + 1.7)
        ax.set_ylim(-0.6, len(RANK_NAMES) - 0.4)
        ax.set_xlabel("unit (T = township, shaded; D = county department)" if n_units <= 24
                      else "unit: townships (shaded), county departments, county leadership",
                      fontsize=8)
        ax.set_title("The organisation: each dot a cadre, coloured by last quarter's action",
                     fontsize=10)
        ax.legend(handles=[Patch(color=c, label=n) for n, c in zip(ACTION_NAMES, ACTION_COLOURS,
                                                                     strict=True)],
                  loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=4, fontsize=7,
                  frameon=False)
        # One marker line per action: Agg draws same-style markers about ten times faster than
        # a scatter with a colour per dot.
        self.dots = [ax.plot([], [], ls="none", marker="o", ms=2.8, mew=0, color=to_rgba(c),
                             animated=True, zorder=2 + (k > 0))[0]
                     for k, c in enumerate(ACTION_COLOURS)]
        self.blit = Blitted(fig)

    def render(self) -> bytes:
        x, y, action, active = organisation_points(self.model)
        for code, dots in enumerate(self.dots):
            mask = active & (action == code)  # vacant posts: no dot
            dots.set_data(x[mask], y[mask])
        return self.blit.frame(self.dots)


def organisation_figure(model: CadreModel) -> Figure:
    """The organisation view as a complete Figure (for reports and tests)."""
    drawing = OrganisationDrawing(model)
    drawing.render()
    for dots in drawing.dots:
        dots.set_animated(False)
    return drawing.blit.fig


# ---------------------------------------------------------------------- the run panel
def _g(value) -> str:
    return f"{value:g}"


def parameters_not_at_default(model: ScenarioCadreModel) -> list[str]:
    """Every parameter whose value now, at its start or later in the schedule differs from its
    declared default: where the value comes from (scenario, slider, schedule) and, for a
    scheduled change, when and to what it moves."""
    lines = []
    for p in PARAMETERS:
        now, start, default = getattr(model.p, p.name), model.parameters[p.name], p.default
        changes = [c for c in model.schedule_changes if p.name in c.values]
        if now == default and start == default and not changes:
            continue
        source = ("slider" if p.name in model.slider_overrides
                  else "scenario" if p.name in model.scenario_params else "default")
        text = f"{p.name} = {_g(now)}"
        if changes:
            plans = [f"to {_g(c.values[p.name])} from year {_g(c.year)}"
                     + (f", phased in by year {_g(c.year + c.phase_in_years)}"
                        if c.phase_in_years else "") for c in changes]
            origin = f"starts at {_g(start)} from the {source}; " if source != "default" else ""
            text += f" now ({origin}default {_g(default)}; scheduled {'; '.join(plans)})"
        else:
            text += f" ({source}; default {_g(default)})"
        lines.append(text)
    return lines


def _describe_change(change) -> str:
    if isinstance(change, dict):
        year, values, phase = change["year"], change["set"], change.get("phase_in_years", 0)
    else:  # a parsed schedule.Change
        year, values, phase = change.year, change.values, change.phase_in_years
    sets = ", ".join(f"{k} = {v:g}" for k, v in values.items())
    return f"year {year:g}: {sets}" + (f" (phased in over {phase:g} years)" if phase else "")


def run_summary(model: ScenarioCadreModel) -> str:
    """HTML saying which run is on screen and what its last quarter looked like. (Plain HTML
    rather than solara.Markdown, which would fetch KaTeX from a CDN this app must not need.)"""
    out, esc = model.outputs, html.escape
    horizon = model.horizon_steps / QUARTERS_PER_YEAR
    reached = " - horizon reached" if model.steps >= model.horizon_steps else ""
    barriers = ", ".join(f"{b} {out['barrier_' + b]:.0%}" for b in BARRIER_NAMES)
    base = ""
    if model.baseline_series is not None and model.steps < len(
            model.baseline_series["innovation_rate"]):
        base = (f" (baseline on the same seed: "
                f"{model.baseline_series['innovation_rate'][model.steps]:.1%})")

    def bullets(items):
        return "<ul>" + "".join(f"<li>{esc(i)}</li>" for i in items) + "</ul>"

    return "".join([
        f"<p><b>Scenario:</b> {esc(model.scenario_name)} - {esc(model.scenario_description)}</p>",
        f"<p><b>Run:</b> seed {model.seed}, {model.n_cadres} posts, quarter {model.steps} "
        f"(year {model.year:g} of {horizon:g}){reached}</p>",
        f"<p><b>Last quarter:</b> genuine innovation {out['innovation_rate']:.1%}{base}, "
        f"symbolic {out['symbolic_rate']:.1%}. Non-innovators lack a "
        f"{out['barrier_gap']:.0%} chance of a genuine attempt on average; of that missing "
        f"chance: {barriers}.</p>",
        "<b>Parameters not at their default:</b>",
        bullets(parameters_not_at_default(model) or ["none"]),
        "<b>Policy schedule:</b>",
        bullets([_describe_change(c) for c in model.schedule_changes] or ["none"]),
        f"<p><i>Genuine innovation: the {esc(meaning('innovation_rate'))}. Barrier shares: "
        "each barrier's part (Shapley value) of the chance of a genuine attempt that "
        "non-innovators lack; they add up to 100%, so when one barrier falls the others' shares "
        "rise. Settings take effect on Reset; scheduled changes apply from their year.</i></p>",
    ])


# ---------------------------------------------------------------------- components
@solara.component
def SeriesView(model):
    """Innovation and barrier shares over the years, redrawn after every step."""
    update_counter.get()
    drawing = solara.use_memo(lambda: SeriesDrawing(model), [model])
    rw.Image(value=drawing.render(), format=FRAME_FORMAT)


@solara.component
def OrganisationView(model):
    """The organisation, redrawn after every step."""
    update_counter.get()
    drawing = solara.use_memo(lambda: OrganisationDrawing(model), [model])
    rw.Image(value=drawing.render(), format=FRAME_FORMAT)


@solara.component
def RunInfo(model):
    """Text panel: scenario, seed, size, time, last quarter, changed parameters, schedule."""
    update_counter.get()
    solara.HTML(tag="div", unsafe_innerHTML=run_summary(model), classes=["cadresim-run-info"],
                style="font-size: 14px; padding: 4px 8px;")


@solara.component
def StepInfo(model):
    """Mesa's step count, and the time in years against the horizon."""
    update_counter.get()
    solara.Text(f"Step: {model.steps}")
    solara.Text(f"year {model.year:g} of {model.horizon_steps / QUARTERS_PER_YEAR:g}"
                + (" (horizon reached: raise it and Reset to go on)" if not model.running
                   else ""), style="font-size: 13px; color: #555;")


@solara.component
def ValueSlider(name: str, slider, value, on_value, changed: bool = False, hint: str = ""):
    """A slider with its value always shown beside it (bold when away from the scenario's)."""
    integer = not slider.is_float_slider
    p = PARAMETERS_BY_NAME.get(name)
    text = format_value(p, value) if p is not None else f"{value:g}"
    with solara.Row(classes=["cadresim-slider"], style="align-items: flex-end; margin: 0; "
                                                       "gap: 6px;"):
        solara.v.Slider(v_model=value, label=slider.label, min=slider.min, max=slider.max,
                        step=slider.step, dense=True, hide_details=True, thumb_label=False,
                        on_v_model=lambda v: on_value(int(v) if integer else float(v)),
                        style_="flex: 1 1 auto;")
        solara.HTML(tag="span", unsafe_innerHTML=html.escape(text), classes=["cadresim-value"],
                    style=f"min-width: 3.2em; text-align: right; font-size: 13px; "
                          f"padding-bottom: 4px; "
                          f"{'font-weight: bold; color: #0072B2;' if changed else ''}")
    if hint:
        solara.Text(hint, style="font-size: 11px; color: #777; margin: -4px 0 6px 0;")


#: Slider labels above their track (the sidebar is too narrow for both on one line).
CSS = """
.cadresim-slider .v-input__slot { flex-wrap: wrap; }
.cadresim-slider .v-input__slot > .v-label { flex: 1 0 100%; font-size: 13px; margin: 0; }
"""


@solara.component
def Inputs(inputs: dict, values: solara.Reactive, model):
    """Scenario, horizon, county size, seed, baseline overlay and every parameter's slider."""
    current = values.value

    def set_value(name, value):
        values.value = {**values.value, name: value}

    def pick(name):
        values.value = {**values.value, "scenario": name, **scenario_values(name)}

    def set_seed(seed):
        if seed is not None and seed >= 0:  # an empty or negative box keeps the last seed
            set_value("seed", int(seed))

    solara.Select("scenario", value=current["scenario"], values=inputs["scenario"]["values"],
                  on_value=pick)
    for name in ("horizon_years", "n_cadres"):
        ValueSlider(name, inputs[name], current[name], lambda v, n=name: set_value(n, v))
    solara.InputInt("seed", value=current["seed"], on_value=set_seed)
    solara.Checkbox(label=inputs["overlay_baseline"]["label"],
                    value=current["overlay_baseline"],
                    on_value=lambda v: set_value("overlay_baseline", bool(v)))
    # Always present (empty when nothing changed), so the sliders below keep their places.
    pending = pending_changes(current, model)
    solara.HTML(tag="div", unsafe_innerHTML="Settings changed: press Reset to run them."
                if pending else "", classes=["cadresim-pending"],
                style="color: #8a5300; background: #fff4e0; padding: 4px 8px; "
                      "border-radius: 4px; font-size: 13px;" if pending else "display: none;")
    start = scenario_values(current["scenario"])
    for kind, title, open_ in (("lever", "Levers (what a policy maker sets)", True),
                               ("uncertainty", "Uncertainties (what research does not know)",
                                False)):
        with solara.Details(title, expand=open_):
            for p in PARAMETERS:
                if p.kind == kind:
                    ValueSlider(p.name, inputs[p.name], current[p.name],
                                lambda v, n=p.name: set_value(n, v),
                                changed=not same_value(p.name, current[p.name], start[p.name]),
                                hint=f"{p.unit}; default {format_value(p, p.default)}")


def pending_changes(values: dict, model) -> bool:
    """Whether the inputs describe another run than the one on screen."""
    if not isinstance(model, ScenarioCadreModel):
        return False
    running = {"scenario": model.scenario_name, "seed": model.seed, "n_cadres": model.n_cadres,
               "horizon_years": model.horizon_steps / QUARTERS_PER_YEAR,
               "overlay_baseline": model.baseline_series is not None or (
                   values["overlay_baseline"] and model.scenario_name == PREFERRED_SCENARIO
                   and not model.slider_overrides)}
    if any(values[k] != v for k, v in running.items()):
        return True
    return any(not same_value(p.name, values[p.name], model.parameters[p.name])
               for p in PARAMETERS if p.kind in SLIDER_KINDS)


@solara.component
def Page():
    """One explorer per browser session (each session gets its own model)."""
    inputs = solara.use_memo(model_params, [])
    values = solara.use_reactive(initial_values(inputs))
    first = solara.use_memo(lambda: ScenarioCadreModel(**initial_values(inputs)), [])
    model = solara.use_reactive(first)
    play_interval = solara.use_reactive(100)
    render_interval = solara.use_reactive(1)
    solara.Style(CSS)
    with solara.AppBar():
        solara.AppBarTitle("cadresim explorer")
    with solara.Sidebar(), solara.Column():
        with solara.Card("Controls"):
            ModelController(model, model_parameters=values, play_interval=play_interval,
                            render_interval=render_interval,
                            use_threads=solara.use_reactive(False))
            ValueSlider("render_interval", Slider("quarters per Step", 1, 1, 20, 1, dtype=int),
                        render_interval.value, render_interval.set)
            ValueSlider("play_interval", Slider("pause between quarters when playing (ms)", 100,
                                                0, 500, 10, dtype=int),
                        play_interval.value, play_interval.set)
        with solara.Card("Information"):
            StepInfo(model.value)
        with solara.Card("Model Parameters"):
            Inputs(inputs, values, model.value)
    with solara.Columns([1, 1]):
        SeriesView(model.value)
        OrganisationView(model.value)
    RunInfo(model.value)


page = Page
