"""The README.md of a results folder: what the run was, how its numbers are read (window, units,
barrier shares, costs) and what every file and column means -- for the reader who opens the
folder without having run the command."""

from __future__ import annotations

from pathlib import Path

from ..presentation import BARRIER_NOTE, BINDING_NOTE, COST_NOTE, Window, label, meaning
from ..stats import CONFIDENCE
from ..store import atomic_write_text

#: Columns of effects.csv, in words.
EFFECT_COLUMNS = {
    "scenario": "the policy scenario compared with the baseline",
    "output": "the model output (its name in the model and in `cadresim`)",
    "label": "the same output in words",
    "window": "the years each run is read over (its mean; counts as a yearly mean; cumulative "
              "values at the end)",
    "unit": "the unit of the values in this row: *share (0-1)* means 0.094 = 9.4% and a "
            "difference of 0.01 = 1 percentage point; *scale (0-1)* is an index (x 100 for "
            "points on a 0-100 scale)",
    "baseline": "the scenario every other is compared with",
    "n": "number of paired replicates (replicate r of every scenario runs on the same seed)",
    "baseline_mean, scenario_mean": "the output under the baseline and under the scenario, mean "
                                    "over replicates",
    "mean_diff": "**the effect**: mean over replicates of (scenario - baseline) on the same seed",
    "sd_diff": "standard deviation of those paired differences",
    "ci_low, ci_high, ci_halfwidth": f"the {CONFIDENCE:.0%} t-interval of the effect",
    "ci_halfwidth_unpaired": "the half-width the interval would have had with independent seeds "
                             "(Welch): what pairing saves",
    "narrowing": "how many times narrower pairing makes the interval (ci_halfwidth_unpaired / "
                 "ci_halfwidth); sample sizes scale with its square",
    "relative_diff": "the effect as a share of the baseline value (mean_diff / baseline_mean)",
    "p_value": "paired t-test of no effect",
    "cost_diff, cost_ci_low, cost_ci_high": "the policy's extra budget cost against the "
                                            "baseline (yuan per cadre per year) with its "
                                            f"{CONFIDENCE:.0%} interval; the same in every row "
                                            "of a scenario",
    "per_1000_yuan, per_1000_yuan_low, per_1000_yuan_high": "the effect per 1,000 yuan per cadre "
                                                            "per year of extra cost, in the "
                                                            "row's unit, with Fieller's interval "
                                                            "(empty where the ratio has no "
                                                            "meaning; see cost_reading)",
    "cost_reading": "effect and cost read together, in words",
}

_FILES = {
    "effects.csv": "the paired effect of each policy on each output (columns below), rounded to "
                   "the precision its interval justifies",
    "summary_by_scenario.csv": "each scenario's mean of each output with its "
                               f"{CONFIDENCE:.0%} interval over replicates, rounded to the "
                               "precision that interval justifies",
    "summary.csv": "one row per run (scenario x replicate): seed, wall time and every output "
                   "read over the window, to every digit (`cadresim reproduce` checks them)",
    "timeseries.parquet": "every output of every run, quarter by quarter (step 0 is the start; "
                          "`year` = step / 4)",
    "manifest.json": "how the folder was made: command line, full parameters of every scenario, "
                     "seeds, package versions, git commit, times",
}
_FIGURES = {
    "innovation_barriers": "genuine innovation and the four barrier shares over time",
    "timeseries": "every reported output over time",
    "effects": "the paired effect of each policy on each output (the effects.csv numbers)",
    "costs": "each policy's extra cost and the genuine innovation it buys per 1,000 yuan",
}


def readme_text(res, kind: str, figures: list[Path]) -> str:
    """The README of a results folder of ``cadresim run`` or ``compare``."""
    m = res.manifest
    s = m.get("settings", {})
    window = Window.from_dict(s.get("window"), s.get("years", 0))
    names = [sc["name"] for sc in m.get("scenarios", [])]
    what = (f"Paired comparison of {', '.join(names[1:])} against {names[0]}" if kind == "compare"
            else f"Runs of {', '.join(names)}")
    out = [f"# {what}", "",
           f"Command: `{m.get('command_line', '')}`", "",
           f"{s.get('replicates')} replicate(s) per scenario, {s.get('years'):g} years "
           f"(a step is a quarter) of {s.get('n_cadres'):,} cadres, root seed {s.get('seed')}. "
           f"Each run is read over its **{window.span()}** ({window.label()}; counts as a yearly "
           f"mean, cumulative values at the end of the window); choose other years with "
           f"`--window`.", "",
           f"Genuine innovation is the {meaning('innovation_rate')}.", "",
           "## Files", ""]
    out += [f"- `{name}`: {text}" for name, text in _FILES.items()
            if name != "effects.csv" or kind == "compare"]
    stems = dict.fromkeys(p.stem for p in figures)
    out += [f"- `{stem}.png` / `.svg`: {_FIGURES.get(stem, stem)}" for stem in stems]
    out += ["", "## Reading the numbers", "",
            "- Shares are fractions in the CSV files (0.094 = 9.4%) and percent in the figures; "
            "their differences are percentage points in the figures.",
            "- Colours in the figures: blue = better for genuine innovation, orange = worse, "
            "grey = neither (barrier shares, counts, costs); pale = the "
            f"{CONFIDENCE:.0%} interval includes no change.",
            f"- {BARRIER_NOTE}", f"- {BINDING_NOTE}"]
    if kind == "compare":
        out += [f"- {COST_NOTE}", "", "## Columns of effects.csv", ""]
        out += [f"- `{col}`: {text}" for col, text in EFFECT_COLUMNS.items()]
        outputs = s.get("outputs", [])
        out += ["", "## Outputs", ""]
        out += [f"- `{o}` ({label(o)}): {meaning(o)}" for o in outputs]
    out += ["", "Rerun and check every number: `cadresim reproduce <this folder>`.", ""]
    return "\n".join(out)


def write_readme(folder: Path, res, kind: str, figures: list[Path]) -> Path:
    """Write ``README.md`` into a results folder."""
    return atomic_write_text(Path(folder) / "README.md", readme_text(res, kind, figures))
