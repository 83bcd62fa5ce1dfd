"""Paired effects of scenarios against a baseline, with common random numbers, and what each
policy costs.

Replicate ``r`` of every scenario runs on the same seed (see ``runs.replicate_seed``), so the
noise the scenarios share cancels in the paired difference ``d_r = scenario_r - baseline_r``. The
effect of a scenario on an output is the mean of ``d_r`` with a 95% t-interval
(``experiments.stats.paired_ci``).

For contrast, each row also gives the half-width an experiment with *independent* seeds would have
had (Welch's interval from the two scenarios' own spreads: the spread of each scenario is the same
whichever seeds the other used) and the ratio of the two: how many times pairing narrows the
interval. Sample sizes scale with the square of that ratio.

Costs (:func:`add_costs`): the paired difference of the model's ``policy_cost`` (yuan per cadre per
year) is each policy's extra cost, and every effect divided by it, per 1,000 yuan, is the gain per
cost, with Fieller's interval (``experiments.stats.ratio_ci``). See
``experiments.presentation.COST_NOTE`` for how to read it.

The table is built in steps that each add columns -- :func:`effects_table` (the effects),
:func:`add_costs` (cost and gain per cost) -- so another interval is one more step;
:func:`rounded` gives the copy written to ``effects.csv``.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..presentation import (
    Window,
    decimals,
    display,
    established,
    label,
    meaning,
    number,
    scenario_label,
    title,
)
from ..stats import (
    CONFIDENCE,
    narrowing_ratio,
    paired_ci,
    ratio_ci,
    variance_split,
    welch_halfwidth,
)

#: Share of posterior draws in which an effect keeps its sign for it to be called robust.
ROBUST_SHARE = 0.9
#: Fewer posterior draws than this cannot support the word "robust" (robust is left empty).
MIN_DRAWS = 10

#: Outputs a comparison reports by default: genuine innovation, its success, symbolic innovation,
#: what holds cadres back (the missing chance and its four shares), stress, promotion of
#: innovators, value delivered and the policy's budget cost.
KEY_OUTPUTS = (
    "innovation_rate", "success_rate", "symbolic_rate", "barrier_gap",
    "barrier_afraid", "barrier_unwilling", "barrier_unaccustomed", "barrier_unable",
    "mean_stress", "innovator_share_promoted", "cumulative_value", "policy_cost",
)
COST_OUTPUT = "policy_cost"
#: An extra cost smaller than this (yuan per cadre per year) counts as no cost difference.
NEGLIGIBLE_COST = 1.0
PER_COST = 1000.0  # gains are stated per 1,000 yuan per cadre per year

#: The unit of each kind of value in effects.csv (the table keeps the model's own units).
_CSV_UNITS = {"%": "share (0-1)", "points on a 0-100 scale": "scale (0-1)",
              "points on a -100 to +100 scale": "scale (-1 to 1)"}


def csv_unit(output: str) -> str:
    """The unit of an output's values in effects.csv ("share (0-1)", "yuan per cadre per year")."""
    level = display(output).level
    return _CSV_UNITS.get(level, level)


def effects_table(summary: pd.DataFrame, baseline: str, outputs: Sequence[str] = KEY_OUTPUTS,
                  confidence: float = CONFIDENCE, window: Window | None = None) -> pd.DataFrame:
    """Paired effects of every scenario of ``summary`` against ``baseline``, per output.

    ``summary`` has one row per scenario x replicate (columns ``scenario``, ``replicate`` and the
    outputs); replicates are matched by number. Columns of the result: scenario, output, label
    (the output in words), window (the years it is read over), unit, baseline, n, baseline_mean,
    scenario_mean, mean_diff, sd_diff, ci_low, ci_high, ci_halfwidth, ci_halfwidth_unpaired,
    narrowing (unpaired / paired half-width), relative_diff (mean_diff / baseline_mean) and
    p_value (paired t-test); then the cost columns of :func:`add_costs` when ``summary`` holds
    ``policy_cost``.

    Over a posterior (``summary`` has a ``draw`` column: the parameter draw of each replicate,
    shared by every scenario), the spread of the effect is split into parameter uncertainty and
    seed noise (``experiments.stats.variance_split``): columns draws, sd_param, sd_seed,
    full_low/full_high (95% range of the effect with parameter uncertainty and seed noise),
    seed_low/seed_high (seed noise alone), same_sign_share (share of draws whose effect has the
    sign of the mean) and robust (that share is at least ROBUST_SHARE; empty with fewer than
    MIN_DRAWS draws). ci_low/ci_high stay the interval of the mean effect. Without a ``draw``
    column every replicate counts as one draw.
    """
    from scipy.stats import ttest_rel

    summary = summary.assign(scenario=summary["scenario"].astype(str))
    base = summary[summary["scenario"] == baseline].set_index("replicate").sort_index()
    if base.empty:
        raise ValueError(f"baseline '{baseline}' is not in the summary table")
    rows = []
    for name in dict.fromkeys(summary["scenario"]):
        if name == baseline:
            continue
        grp = summary[summary["scenario"] == name].set_index("replicate").sort_index()
        common = base.index.intersection(grp.index)
        draws = (base.loc[common, "draw"].to_numpy() if "draw" in base.columns
                 else np.zeros(len(common)))
        for out in outputs:
            a = grp.loc[common, out].to_numpy(float)
            b = base.loc[common, out].to_numpy(float)
            ci = paired_ci(a, b, confidence)
            unpaired = welch_halfwidth(a, b, confidence)
            if ci["sd_diff"] == 0 or len(common) < 2:
                p = 1.0 if ci["mean_diff"] == 0 else (0.0 if len(common) > 1 else float("nan"))
            else:
                with warnings.catch_warnings():  # near-identical pairs: scipy warns, p is fine
                    warnings.simplefilter("ignore", RuntimeWarning)
                    p = float(ttest_rel(a, b).pvalue)
            bmean = float(b.mean())
            split = variance_split(a - b, draws, confidence)
            share = split["same_sign_share"]
            rows.append({
                "scenario": name, "output": out, "label": label(out),
                "window": window.label(out) if window is not None else "",
                "unit": csv_unit(out), "baseline": baseline, "n": ci["n"],
                "baseline_mean": bmean, "scenario_mean": float(a.mean()),
                "mean_diff": ci["mean_diff"], "sd_diff": ci["sd_diff"],
                "ci_low": ci["ci_low"], "ci_high": ci["ci_high"],
                "ci_halfwidth": ci["ci_halfwidth"], "ci_halfwidth_unpaired": unpaired,
                "narrowing": narrowing_ratio(unpaired, ci["ci_halfwidth"]),
                "relative_diff": ci["mean_diff"] / bmean if bmean != 0 else float("nan"),
                "p_value": p,
                **split,
                "robust": (bool(share >= ROBUST_SHARE)
                           if np.isfinite(share) and split["draws"] >= MIN_DRAWS else None),
            })
    effects = pd.DataFrame(rows)
    if COST_OUTPUT in summary.columns:
        effects = add_costs(effects, summary, baseline, confidence)
    return effects


def _paired(summary: pd.DataFrame, baseline: str, name: str, column: str) -> np.ndarray:
    """Per replicate, ``name`` minus ``baseline`` in ``column`` (replicates matched by number)."""
    base = summary[summary["scenario"] == baseline].set_index("replicate")[column]
    grp = summary[summary["scenario"] == name].set_index("replicate")[column]
    common = base.index.intersection(grp.index).sort_values()
    return (grp.loc[common] - base.loc[common]).to_numpy(float)


def add_costs(effects: pd.DataFrame, summary: pd.DataFrame, baseline: str,
              confidence: float = CONFIDENCE) -> pd.DataFrame:
    """Add each policy's extra cost and the gain per cost to every row of ``effects``.

    Columns: cost_diff, cost_ci_low, cost_ci_high (paired difference of ``policy_cost``, yuan per
    cadre per year); per_1000_yuan with per_1000_yuan_low/high (the row's effect per 1,000 yuan of
    extra cost, in the row's unit, with Fieller's interval; NaN where the ratio means nothing) and
    cost_reading (what the pair of numbers says, in words).
    """
    summary = summary.assign(scenario=summary["scenario"].astype(str))
    extra = {}
    for row in effects.itertuples():
        key = (row.scenario, row.output)
        cost = _paired(summary, baseline, row.scenario, COST_OUTPUT)
        c = paired_ci(cost, np.zeros_like(cost), confidence)
        result = {"cost_diff": c["mean_diff"], "cost_ci_low": c["ci_low"],
                  "cost_ci_high": c["ci_high"], "per_1000_yuan": math.nan,
                  "per_1000_yuan_low": math.nan, "per_1000_yuan_high": math.nan}
        if row.output == COST_OUTPUT:
            result["cost_reading"] = ""
            extra[key] = result
            continue
        effect = _paired(summary, baseline, row.scenario, row.output)
        negligible = abs(c["mean_diff"]) < NEGLIGIBLE_COST and (
            not math.isfinite(c["ci_halfwidth"]) or c["ci_halfwidth"] < NEGLIGIBLE_COST)
        if not negligible:
            r = ratio_ci(effect, cost / PER_COST, confidence)
            if r["bounded"]:
                result.update(per_1000_yuan=float(r["ratio"]), per_1000_yuan_low=float(r["ci_low"]),
                              per_1000_yuan_high=float(r["ci_high"]))
        result["cost_reading"] = cost_reading(row.output, row.mean_diff, row.ci_low, row.ci_high,
                                              c["mean_diff"], c["ci_low"], c["ci_high"], negligible)
        extra[key] = result
    columns = pd.DataFrame([extra[(r.scenario, r.output)] for r in effects.itertuples()],
                           index=effects.index)
    return pd.concat([effects, columns], axis=1)


def cost_reading(output: str, diff: float, low: float, high: float, cost: float,
                 cost_low: float, cost_high: float, negligible: bool) -> str:
    """The effect and the extra cost of a policy read together, in words."""
    moved = "raises it" if established(low, high) and diff > 0 else (
        "lowers it" if established(low, high) else "no established effect")
    if negligible:
        return f"no cost difference; {moved}"
    if not established(cost_low, cost_high):
        return f"cost difference uncertain (its interval includes zero); {moved}"
    if cost > 0:
        if moved == "raises it":
            return "costs more and raises it"
        return "costs more and lowers it" if moved == "lowers it" else \
            "costs more; no established effect"
    if moved == "raises it":
        return "saves money and raises it"
    return "saves money and lowers it" if moved == "lowers it" else \
        "saves money; no established effect"


def overall_narrowing(effects: pd.DataFrame) -> float:
    """Median narrowing ratio over the finite rows of an effects table."""
    r = effects["narrowing"].to_numpy(float)
    r = r[np.isfinite(r)]
    return float(np.median(r)) if r.size else float("nan")


# ---------------------------------------------------------------------------------- reading
_LEVEL_COLUMNS = ("baseline_mean", "scenario_mean", "mean_diff", "sd_diff", "ci_low", "ci_high",
                  "ci_halfwidth", "ci_halfwidth_unpaired")
_COST_COLUMNS = ("cost_diff", "cost_ci_low", "cost_ci_high")
_RATIO_COLUMNS = ("per_1000_yuan", "per_1000_yuan_low", "per_1000_yuan_high")


def _significant(x: float, digits: int) -> float:
    if not math.isfinite(x) or x == 0:
        return x
    return round(x, digits - 1 - math.floor(math.log10(abs(x))))


def rounded(effects: pd.DataFrame) -> pd.DataFrame:
    """A copy of an effects table rounded to the precision its intervals justify (for CSV).

    Each row's values are rounded to the decimals its own 95% half-interval deserves
    (``presentation.decimals``; four significant digits where it is zero); costs by the cost's
    interval, gains per cost by theirs; ratios and p-values to two significant digits.
    """
    out = effects.copy()
    for i, row in effects.iterrows():
        scale = max(abs(row["baseline_mean"]), abs(row["scenario_mean"]), 1e-12)
        fallback = max(0, 3 - math.floor(math.log10(scale)))
        places = decimals(row["ci_halfwidth"], fallback=fallback)
        for col in _LEVEL_COLUMNS:
            out.at[i, col] = round(row[col], places)
        if "cost_diff" in effects.columns:
            half = (row["cost_ci_high"] - row["cost_ci_low"]) / 2
            for col in _COST_COLUMNS:
                out.at[i, col] = round(row[col], decimals(half, fallback=0))
            half = (row["per_1000_yuan_high"] - row["per_1000_yuan_low"]) / 2
            for col in _RATIO_COLUMNS:
                if math.isfinite(row[col]):
                    out.at[i, col] = round(row[col], decimals(half, fallback=4))
        if "full_low" in effects.columns:  # ranges over the posterior: by their own widths
            half = (row["full_high"] - row["full_low"]) / 2
            for col in ("full_low", "full_high", "sd_param"):
                out.at[i, col] = round(row[col], decimals(half, fallback=fallback))
            half = (row["seed_high"] - row["seed_low"]) / 2
            for col in ("seed_low", "seed_high", "sd_seed"):
                if math.isfinite(row[col]):
                    out.at[i, col] = round(row[col], decimals(half, fallback=fallback))
            out.at[i, "same_sign_share"] = _significant(row["same_sign_share"], 2)
        for col in ("narrowing", "relative_diff", "p_value"):
            out.at[i, col] = _significant(row[col], 2)
    return out


def effect_lines(effects: pd.DataFrame, window: Window | None = None) -> list[str]:
    """The effects as a reader wants them on a console: what the numbers are, then per scenario
    each output in words with its baseline level, the paired change and its 95% interval in
    display units, then the extra cost and the genuine innovation it buys per 1,000 yuan."""
    lines = []
    if window is not None:
        lines.append(f"genuine innovation = {meaning('innovation_rate')}; every result is the "
                     f"{window.label()} of each run (cumulative value "
                     f"{window.label('cumulative_value')})")
    width = max(len(title(o)) for o in effects["output"])
    for name, grp in effects.groupby("scenario", sort=False):
        lines.append(f"{scenario_label(name)} vs {scenario_label(grp['baseline'].iloc[0])}:"
                     f"{'':<{max(0, width - len(scenario_label(name)) - 3)}}  "
                     f"{'baseline':>10}   change [{CONFIDENCE:.0%} interval]")
        for r in grp.itertuples():
            d = display(r.output)
            places = decimals((r.ci_high - r.ci_low) * d.factor / 2)
            base = number(r.baseline_mean * d.factor, max(places, 1) if d.level == "%" else
                          places) + ("%" if d.level == "%" else "")
            change = ", ".join(number(v * d.factor, places, sign=True)
                               for v in (r.ci_low, r.ci_high))
            unit = d.change + (" (0-100 scale)" if d.change == "points" else "")
            lines.append(f"  {title(r.output):<{width}}  {base:>10}   "
                         f"{number(r.mean_diff * d.factor, places, sign=True)} [{change}] {unit}")
            if getattr(r, "draws", 1) and getattr(r, "draws", 1) > 1:
                lines.append(f"  {'':<{width}}  {'':>10}   {_spread_text(r, d.factor, places)}")
        if "per_1000_yuan" in grp.columns and "innovation_rate" in set(grp["output"]):
            row = grp.set_index("output").loc["innovation_rate"]
            lines.append("  " + gain_per_cost_text("innovation_rate", row))
    if "draws" in effects.columns and effects["draws"].max() > 1:
        lines.append(f"[interval] is the {CONFIDENCE:.0%} interval of the mean effect; 'one run' "
                     "is where the effect of a single county falls given what we do not know "
                     "about behaviour (posterior draws) and chance (seeds); 'seeds only' the same "
                     f"with behaviour known; robust = same sign in at least {ROBUST_SHARE:.0%} of "
                     "the draws")
    if any(o.startswith("barrier_") and o != "barrier_gap" for o in effects["output"]):
        lines.append("held back: each barrier's share of the missing chance of a genuine attempt "
                     "(Shapley values; the four add up to 100%, so a fall in one is a rise in the "
                     "others); see README.md in the results folder")
    return lines


def _spread_text(r, factor: float, places: int) -> str:
    """"one run [a, b], seeds only [c, d]; same sign in 95% of 20 draws (robust)" for a row."""
    def rng(low, high):
        return ", ".join(number(v * factor, places, sign=True) for v in (low, high))

    text = (f"one run [{rng(r.full_low, r.full_high)}], seeds only "
            f"[{rng(r.seed_low, r.seed_high)}]")
    if math.isfinite(r.same_sign_share):
        text += f"; same sign in {r.same_sign_share:.0%} of {int(r.draws)} draws"
        if r.robust is True:
            text += " (robust)"
        elif r.robust is False:
            text += " (not robust)"
    return text


def gain_per_cost_text(output: str, row) -> str:
    """"extra cost +812 yuan per cadre per year; genuine innovation per 1,000 yuan: +15.8
    percentage points [14.8, 16.7] (costs more and raises it)" for one row of an effects table
    with costs (a Series or mapping with its columns)."""
    cost = f"extra cost {number(row['cost_diff'], 0, sign=True)} yuan per cadre per year"
    if not math.isfinite(row["per_1000_yuan"]):
        return f"{cost}; {label(output)}: {row['cost_reading']}"
    d = display(output)
    places = decimals((row["per_1000_yuan_high"] - row["per_1000_yuan_low"]) * d.factor / 2)
    ratio = [number(row[c] * d.factor, places, sign=True) for c in _RATIO_COLUMNS]
    return (f"{cost}; {label(output)} per 1,000 yuan: {ratio[0]} {d.change} "
            f"[{ratio[1]}, {ratio[2]}] ({row['cost_reading']})")
