"""The policy briefing: which comparison it shows (a stored one, or one run for it, honouring the
notebook's parameters), its paired effects as bars and heat maps in the project's colours."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..presentation import (
    COLOURS,
    PALE,
    Window,
    decimals,
    display,
    established,
    judge,
    number,
    scenario_label,
    title,
)
from ..runner import DEFAULT_SEED
from ..scenario import Scenario
from ..store import load_manifest

#: Sizes of a comparison run for the briefing when none is stored and none is given.
NEW_RUN = {"seed": DEFAULT_SEED, "n_cadres": 1000, "years": 20, "replicates": 20}
#: Sizes of the quick check (the test suite's): a few scenarios, a small county, two replicates.
QUICK_RUN = {"seed": DEFAULT_SEED, "n_cadres": 300, "years": 3, "replicates": 2}
QUICK_SCENARIOS = ["credible_fault_tolerance", "strict_accountability", "workload_relief"]


def find_comparison(results_dir) -> Path | None:
    """A stored scenario comparison in ``results_dir``: the folder itself or, sorted by name,
    the first subfolder whose ``manifest.json`` says ``"kind": "compare"`` and that holds
    ``effects.csv``. None when there is none (the notebook then computes one)."""
    if results_dir is None:
        return None
    root = Path(results_dir)
    for folder in [root, *sorted(p for p in root.glob("*") if p.is_dir())]:
        try:
            manifest = json.loads((folder / "manifest.json").read_text())
        except (OSError, ValueError):
            continue
        if manifest.get("kind") == "compare" and (folder / "effects.csv").is_file():
            return folder
    return None


def load_comparison(folder) -> tuple:
    """(effects table, settings, scenario descriptions) of a stored comparison folder."""
    import pandas as pd

    manifest = load_manifest(folder)
    effects = pd.read_csv(Path(folder) / "effects.csv")
    descriptions = {s["name"]: s.get("description", "") for s in manifest.get("scenarios", [])}
    return effects, manifest["settings"], descriptions


def stored_scenarios(manifest: dict) -> dict[str, Scenario]:
    """The scenarios of a stored comparison as they were run (full parameters and schedules
    from its manifest), baseline first: a user's own TOML scenario works like a library one."""
    return {s["name"]: Scenario.from_dict({**s, "params": s.get("full_params", s["params"])})
            for s in manifest.get("scenarios", [])}


@dataclass
class Comparison:
    """What the policy briefing shows: the effects, how they were made, and what to tell the
    reader about the notebook's parameters."""

    effects: object  # pandas DataFrame
    settings: dict
    scenarios: dict[str, Scenario]  # baseline first
    source: Path | None = None  # the stored folder read, None when run for the briefing
    notes: list[str] = field(default_factory=list)  # shown in bold at the top
    tiny: bool = False  # the quick check's small comparison: a test, not a result

    @property
    def baseline(self) -> str:
        return next(iter(self.scenarios))

    @property
    def names(self) -> list[str]:
        """The compared scenarios (baseline excluded), in the table's order."""
        return [n for n in dict.fromkeys(self.effects["scenario"])]

    @property
    def window(self) -> Window:
        return Window.from_dict(self.settings.get("window"), self.settings["years"])

    def describe(self) -> str:
        s = self.settings
        where = f"read the stored comparison in {self.source}" if self.source else \
            "ran a new comparison for this briefing"
        return (f"{where}: {len(self.names)} scenarios vs {self.baseline}; {s['replicates']} "
                f"paired replicates of {s['n_cadres']} cadres over {s['years']:g} years; "
                f"results are the {self.window.label()}; root seed {s['seed']}")


def briefing_comparison(quick: bool = False, results_dir=None, default_dir=None,
                        scenarios=None, workers=None, posterior=None, **sizes) -> Comparison:
    """The comparison the policy briefing shows, honouring its parameters.

    ``sizes`` are the notebook's ``seed``, ``n_cadres``, ``years`` and ``replicates`` (None: not
    given). Given sizes and no ``results_dir``: a new comparison is run with them. A
    ``results_dir`` (or, with nothing given, the stored headline in ``default_dir``) is read;
    sizes given as well are then not used, and a note says so. ``quick`` without
    ``results_dir`` runs the test suite's small comparison (``tiny``) and reads nothing.
    ``posterior`` is the calibrated ensemble a new comparison draws its behaviour from (a folder,
    "default" for the committed headline posterior, "none"; None: the default).
    """
    from ..replicates import run_experiment
    from ..scenario import list_scenarios

    given = {k: v for k, v in sizes.items() if v is not None}
    notes = []
    stored = None
    if results_dir is not None or (not quick and not given):
        stored = find_comparison(results_dir if results_dir is not None else default_dir)
        if stored is None and results_dir is not None:
            from ..errors import UserError

            raise UserError(f"no stored comparison in '{results_dir}' (a folder of `cadresim "
                            "compare` with manifest.json and effects.csv); run one or leave "
                            "results_dir unset")
    if stored is not None:
        import pandas as pd

        manifest = load_manifest(stored)
        settings = manifest["settings"]
        unused = {k: v for k, v in given.items() if settings.get(k) != v}
        if unused:
            notes.append("The parameters " + ", ".join(f"{k}={v}" for k, v in unused.items())
                         + f" were not used: this briefing reads the stored comparison in "
                         f"{stored}, run with " + ", ".join(
                             f"{k}={settings.get(k)}" for k in unused)
                         + ". Leave results_dir unset to run a new comparison with them.")
        effects = pd.read_csv(stored / "effects.csv")
        if scenarios is not None:
            effects = effects[effects["scenario"].isin(scenarios)]
        return Comparison(effects, settings, stored_scenarios(manifest), stored, notes)
    run = {**(QUICK_RUN if quick else NEW_RUN), **given}
    library = {s.name: s for s in list_scenarios()}
    names = scenarios or (QUICK_SCENARIOS if quick else [n for n in library if n != "baseline"])
    chosen = [library["baseline"], *(library[n] for n in names)]
    res = run_experiment("compare", chosen, run["replicates"], run["years"], run["seed"],
                         n_cadres=run["n_cadres"], workers=1 if quick else workers,
                         progress=False,
                         posterior="default" if posterior is None else posterior)
    return Comparison(res.effects, res.manifest["settings"], {s.name: s for s in chosen}, None,
                      notes, tiny=quick)


# ---------------------------------------------------------------------------------- figures
def effect_bars(effects, outputs, order=None, good: str | None = None):
    """A Figure with one panel per output: each scenario's paired effect and 95% interval,
    written beside its bar.

    Scenarios are drawn top to bottom in ``order`` (default: largest effect on the first output
    first). Colours follow the project's convention: blue where the change is better for genuine
    innovation, orange where it is worse, grey where it is neither; pale when the 95% interval
    includes no change. (``good`` is accepted for old notebooks and ignored: each output knows
    which way is better.)
    """
    from matplotlib.figure import Figure

    if order is None:
        first = effects[effects["output"] == outputs[0]].sort_values("mean_diff", ascending=False)
        order = list(first["scenario"])
    order = list(order)
    fig = Figure(figsize=(4.4 * len(outputs) + 1.8, 0.42 * len(order) + 1.5),
                 layout="constrained")
    axes = fig.subplots(1, len(outputs), sharey=True, squeeze=False)[0]
    y = np.arange(len(order))
    for ax, out in zip(axes, outputs, strict=True):
        e = effects[effects["output"] == out].set_index("scenario").reindex(order)
        f = display(out).factor
        diff = e["mean_diff"].to_numpy(float) * f
        low, high = e["ci_low"].to_numpy(float) * f, e["ci_high"].to_numpy(float) * f
        for k in range(len(order)):
            ax.barh(y[k], diff[k], height=0.6, lw=0, color=COLOURS[judge(out, diff[k])],
                    alpha=0.9 if established(low[k], high[k]) else PALE)
            edge = high[k] if diff[k] >= 0 else low[k]
            ax.text(edge, y[k], f" {number(diff[k], decimals((high[k] - low[k]) / 2), True)} ",
                    va="center", ha="left" if diff[k] >= 0 else "right", fontsize=8)
        ax.errorbar(diff, y, xerr=[diff - low, high - diff], fmt="none", ecolor="k", capsize=3)
        ax.axvline(0, color="k", lw=0.8)
        ax.set_title(title(out))
        window = e["window"].dropna().iloc[0] if "window" in e and e["window"].notna().any() \
            else ""
        ax.set_xlabel(f"change vs baseline ({display(out).change})"
                      + (f"\n{window}" if window else ""))
        ax.grid(axis="x", alpha=0.3)
        lo, hi = ax.get_xlim()
        ax.set_xlim(lo - 0.12 * (hi - lo) * (lo < 0), hi + 0.15 * (hi - lo))
    axes[0].set_yticks(y, [scenario_label(n) for n in order])
    axes[0].set_ylim(len(order) - 0.5, -0.5)
    return fig


def diverging_map(kind: str = "judged"):
    """The colour map of heat maps: orange - white - blue for changes judged better (blue) or
    worse (orange) for genuine innovation; white - grey for changes that are neither."""
    from matplotlib.colors import LinearSegmentedColormap

    if kind == "neither":
        return LinearSegmentedColormap.from_list("neither", [COLOURS["neither"], "#ffffff",
                                                             COLOURS["neither"]])
    return LinearSegmentedColormap.from_list("judged", [COLOURS["worse"], "#ffffff",
                                                        COLOURS["better"]])


def heatmap(table, title: str, unit: str = "percentage points", good="up",
            fmt: str = "{:+.1f}"):
    """A Figure showing a scenarios x columns table of changes, annotated.

    ``good``: "up" (a rise is better for genuine innovation: blue, a fall orange), "down" (a fall
    is better), "neither" (shares of a whole: grey by size only), or one of those per column.
    """
    from matplotlib.figure import Figure

    values = table.to_numpy(float)
    bound = float(np.nanmax(np.abs(values))) if np.isfinite(values).any() else 1.0
    fig = Figure(figsize=(1.0 * table.shape[1] + 3.5, 0.42 * table.shape[0] + 1.8),
                 layout="constrained")
    ax = fig.subplots()
    bound = bound or 1.0
    per_column = [good] * table.shape[1] if isinstance(good, str) else list(good)
    sign = np.array([{"up": 1.0, "down": -1.0}.get(g, 0.0) for g in per_column])
    neutral = isinstance(good, str) and good == "neither"
    shown = np.abs(values) if neutral else values * sign  # colour: better (+) or worse (-)
    cmap = diverging_map("neither" if neutral else "judged")
    cmap.set_bad("#eeeeee")  # a column that is neither better nor worse: light grey
    if not neutral:
        shown = np.ma.masked_where(np.broadcast_to(sign == 0, shown.shape), shown)
    image = ax.imshow(shown, cmap=cmap, vmin=-bound, vmax=bound, aspect="auto")
    ax.set_xticks(range(table.shape[1]), [str(c) for c in table.columns], rotation=30,
                  ha="right")
    ax.set_yticks(range(table.shape[0]), [scenario_label(i) for i in table.index])
    for (i, j), v in np.ndenumerate(values):
        if np.isfinite(v):
            ax.text(j, i, fmt.format(v), ha="center", va="center", fontsize=8,
                    color="white" if not neutral and sign[j] != 0 and abs(v) > 0.6 * bound
                    else "black")
    if neutral:
        fig.colorbar(image, ax=ax, label=f"size of the change ({unit}; neither better nor "
                     "worse)", shrink=0.8)
    else:
        bar = fig.colorbar(image, ax=ax, shrink=0.8, label=f"for genuine innovation ({unit})")
        bar.set_ticks([-bound, 0, bound], labels=["worse", "no change", "better"])
    ax.set_title(title)
    return fig
