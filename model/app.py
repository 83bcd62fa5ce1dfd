"""Interactive explorer of cadresim (Mesa SolaraViz): ``solara run model/app.py``.

What the page shows: sliders for every lever and uncertainty (generated from
``model.parameters.PARAMETERS``), the county size and seed, a scenario picker; live plots of genuine
vs symbolic innovation and of the four barriers; the organisation (units across, ranks up, one dot
per cadre coloured by its last action); and a panel saying which run is on screen.

How the inputs combine (Mesa rebuilds the model only when Reset is pressed): the picked scenario
sets its parameter values and policy schedule; a slider moved away from its declared default then
overrides the scenario's value for that parameter. A slider left at (or moved back to) its default
does not override the scenario.
"""

from __future__ import annotations

import html
import math
import sys
import warnings
from pathlib import Path

# `solara run model/app.py` puts model/ itself first on sys.path, where model/model.py would shadow
# the `model` package; drop that entry before importing the package.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if (Path(p or ".").resolve() != _HERE)]

import numpy as np  # noqa: E402
import solara  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

with warnings.catch_warnings():
    # Mesa 3.3.1's own ComponentsView trips solara's rules-of-hooks check at import; harmless.
    warnings.filterwarnings("ignore", message=".*found despite early return", category=UserWarning)
    from mesa.visualization import Slider, SolaraViz, make_plot_component
    from mesa.visualization.utils import update_counter

from model import BARRIER_NAMES, PARAMETERS, PARAMETERS_BY_NAME, CadreModel  # noqa: E402
from model.organisation import RANK_NAMES  # noqa: E402
from model.population import ACTION_NAMES  # noqa: E402

UI_N_CADRES = 300  # small enough that a step and a redraw take well under a second
UI_SEED = 1
NO_SCENARIO = "defaults"  # used only when the scenario library is missing or empty
PREFERRED_SCENARIO = "baseline"
SLIDER_KINDS = ("lever", "uncertainty")  # structure parameters stay at their defaults here
ACTION_COLOURS = ("#c8c8c8", "#1f77b4", "#2ca02c", "#d62728")  # routine, incr., bold, symbolic


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


# ---------------------------------------------------------------------- sliders
def slider_step(p) -> float | int:
    """A round step giving about 100-1000 positions over the declared range."""
    if p.integer:
        return 1
    return 10.0 ** math.floor(math.log10((p.high - p.low) / 100))


def slider_label(p) -> str:
    """Slider label: the parameter's kind and its exact name (as used in scenarios and the CLI)."""
    return f"{p.kind}: {p.name}"


def is_default(name: str, value) -> bool:
    """Whether a slider value equals the declared default (to within half a slider step).
    Unknown names and non-numbers count as moved, so the model's validation reports them."""
    p = PARAMETERS_BY_NAME.get(name)
    if p is None or isinstance(value, bool) or not isinstance(value, int | float):
        return False
    return abs(value - p.default) <= slider_step(p) / 2


def model_params() -> dict:
    """SolaraViz inputs: scenario picker, county size, seed, then one slider per parameter of
    the kinds in SLIDER_KINDS, in declaration order (levers first)."""
    names = scenario_names()
    params = {
        "scenario": {"type": "Select", "label": "scenario", "value": default_scenario(names),
                     "values": names},
        "n_cadres": Slider("n_cadres (county size)", UI_N_CADRES, 100, 3000, 50, dtype=int),
        "seed": Slider("seed", UI_SEED, 0, 999, 1, dtype=int),
    }
    for kind in SLIDER_KINDS:
        for p in PARAMETERS:
            if p.kind != kind:
                continue
            value = int(p.default) if p.integer else p.default
            params[p.name] = Slider(slider_label(p), value, p.low, p.high, slider_step(p),
                                    dtype=int if p.integer else float)
    return params


# ---------------------------------------------------------------------- the model behind the page
class ScenarioCadreModel(CadreModel):
    """CadreModel built from a library scenario plus the sliders that differ from their default.

    Args:
        scenario: name of a library scenario (its parameters and policy schedule are applied).
        seed, n_cadres: as for CadreModel.
        **kwargs: parameter values from the sliders (Mesa's parameter check needs this exact
            name); those equal to the declared default are ignored so that they do not undo the
            scenario's settings.
    """

    def __init__(self, scenario: str | None = None, seed: int = UI_SEED,
                 n_cadres: int = UI_N_CADRES, **kwargs):
        scenario = scenario or default_scenario(scenario_names())
        description, params, schedule = scenario_settings(scenario)
        moved = {k: v for k, v in kwargs.items() if not is_default(k, v)}
        super().__init__(seed=int(seed), n_cadres=int(n_cadres), policy_schedule=schedule,
                         **{**params, **moved})
        self.scenario_name = scenario
        self.scenario_description = description
        self.scenario_params = params
        self.slider_overrides = moved


# ---------------------------------------------------------------------- views
def _jitter(n: int) -> tuple[np.ndarray, np.ndarray]:
    """Deterministic 2-D spread in [-0.5, 0.5) per row (the R2 low-discrepancy sequence): dots
    keep their place from one step to the next, spread evenly, and no random stream is touched."""
    rows = np.arange(n) + 0.5
    return np.modf(rows * 0.7548776662)[0] - 0.5, np.modf(rows * 0.5698402910)[0] - 0.5


def organisation_figure(model: CadreModel) -> Figure:
    """Scatter of serving cadres: x = unit (townships, departments, county leadership),
    y = rank, colour = last action."""
    pop, org = model.population, model.organisation
    rows = np.flatnonzero(pop.active)
    unit, rank, action = pop.unit[rows], pop.rank[rows], pop.last_action[rows]
    # The county leadership sits one column apart from the units.
    jx, jy = _jitter(pop.n)
    x = unit + (unit == org.n_units) + 0.7 * jx[rows]
    y = rank + 0.6 * jy[rows]

    fig = Figure(figsize=(7, 4.2))
    ax = fig.subplots()
    ax.axvspan(-0.5, org.n_townships - 0.5, color="#f3efe0", zorder=0)
    for code, (name, colour) in enumerate(zip(ACTION_NAMES, ACTION_COLOURS, strict=True)):
        mask = action == code
        ax.scatter(x[mask], y[mask], s=9 if code == 0 else 14, c=colour, zorder=1 + (code > 0),
                   label=f"{name} ({int(mask.sum())})", linewidths=0)
    ax.set_yticks(range(len(RANK_NAMES)), RANK_NAMES)
    n_units = org.n_units
    if n_units <= 24:
        ticks = list(range(n_units)) + [n_units + 1]
        labels = [f"T{u + 1}" if u < org.n_townships else f"D{u - org.n_townships + 1}"
                  for u in range(n_units)] + ["county\nleaders"]
    else:
        ticks = [(org.n_townships - 1) / 2, (org.n_townships + n_units - 1) / 2, n_units + 1]
        labels = ["townships", "departments", "county\nleaders"]
    ax.set_xticks(ticks, labels, fontsize=8)
    ax.set_xlim(-0.7, n_units + 1.7)
    ax.set_xlabel("unit (T = township, shaded; D = county department)")
    ax.set_title(f"Organisation at quarter {model.steps} (year {model.year:g}): "
                 "each dot a cadre, by last action", fontsize=10)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=2, fontsize=8, frameon=False)
    return fig


@solara.component
def OrganisationView(model):
    """The organisation scatter, redrawn after every step."""
    update_counter.get()
    solara.FigureMatplotlib(organisation_figure(model), format="png", bbox_inches="tight")


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
    changed = {**{k: (v, "scenario") for k, v in model.scenario_params.items()},
               **{k: (v, "slider") for k, v in model.slider_overrides.items()}}
    changed_items = [f"{k} = {v:g} ({src}; default {PARAMETERS_BY_NAME[k].default:g})"
                     for k, (v, src) in changed.items()] or ["none"]
    schedule_items = [_describe_change(c) for c in model.schedule_changes] or ["none"]
    barriers = ", ".join(f"{b} {out['barrier_' + b]:.0%}" for b in BARRIER_NAMES)

    def bullets(items):
        return "<ul>" + "".join(f"<li>{esc(i)}</li>" for i in items) + "</ul>"

    return "".join([
        f"<p><b>Scenario:</b> {esc(model.scenario_name)} - {esc(model.scenario_description)}</p>",
        f"<p><b>Run:</b> seed {model.seed}, {model.n_cadres} posts, quarter {model.steps} "
        f"(year {model.year:g})</p>",
        f"<p><b>Last quarter:</b> genuine innovation {out['innovation_rate']:.1%}, symbolic "
        f"{out['symbolic_rate']:.1%}; held back by {barriers}</p>",
        "<b>Parameters not at their default:</b>", bullets(changed_items),
        "<b>Policy schedule:</b>", bullets(schedule_items),
        "<p><i>Scenario and sliders take effect on Reset; a slider away from its default "
        "overrides the scenario's value (a scheduled change still applies from its year).</i></p>",
    ])


@solara.component
def RunInfo(model):
    """Text panel: scenario, seed, size, changed parameters, schedule, last quarter's rates."""
    update_counter.get()
    solara.HTML(tag="div", unsafe_innerHTML=run_summary(model), classes=["cadresim-run-info"],
                style="font-size: 14px; padding: 4px 8px;")


def _styled(title: str, ylabel: str, labels: dict[str, str]):
    """post_process for Mesa's time-series plot: title, y label, readable legend, axes from 0."""
    def post_process(ax):
        ax.set_title(title, fontsize=10)
        ax.set_ylabel(ylabel)
        for line in ax.get_lines():
            line.set_label(labels.get(line.get_label(), line.get_label()))
        ax.legend(loc="best", fontsize=8)
        n_points = max((len(line.get_xdata()) for line in ax.get_lines()), default=1)
        ax.set_xlim(0, max(n_points - 1, 4))
        ax.set_ylim(bottom=0)
    return post_process


INNOVATION_PLOT = make_plot_component(
    {"innovation_rate": "tab:green", "symbolic_rate": "tab:red"},
    post_process=_styled("Genuine vs symbolic innovation (one step = a quarter)",
                         "share of cadres per quarter",
                         {"innovation_rate": "genuine innovation (innovation_rate)",
                          "symbolic_rate": "symbolic innovation (symbolic_rate)"}))
BARRIER_PLOT = make_plot_component(
    dict(zip([f"barrier_{b}" for b in BARRIER_NAMES],
             ["tab:purple", "tab:orange", "tab:brown", "tab:gray"], strict=True)),
    post_process=_styled("Why cadres do not innovate: the four barriers",
                         "share of cadres held back",
                         {f"barrier_{b}": b for b in BARRIER_NAMES}))
COMPONENTS = [INNOVATION_PLOT, BARRIER_PLOT, (OrganisationView, 0), (RunInfo, 0)]


@solara.component
def Page():
    """One explorer per browser session (each session gets its own model)."""
    initial = solara.use_memo(ScenarioCadreModel, [])
    inputs = solara.use_memo(model_params, [])
    SolaraViz(initial, components=COMPONENTS, model_params=inputs, name="cadresim explorer")


page = Page
