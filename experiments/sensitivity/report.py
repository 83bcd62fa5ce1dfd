"""Tables and the plain-language summary of a sensitivity analysis.

``indices.csv`` holds one row per (output, level, parameter or mechanism); ``diagnostics.csv`` one
row per output (seed noise, convergence, linear fit); ``summary.md`` ranks what raises and lowers
the first output (genuine innovation by default) for a reader who has not seen SALib.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from model.parameters import MECHANISMS

from ..presentation import BARRIER_NOTE, Window, label, meaning
from ..store import atomic_write_text, write_csv_atomic
from .analysis import Analysis, OutputAnalysis
from .plan import POSTERIOR_GROUP, POSTERIOR_INPUT, POSTERIOR_WORDS

FLAG_TEXT = {
    "below_noise": "the index is no larger than what the noise of the runs' random seeds "
                   "alone produces (the noise floor): it is noise, not sensitivity",
    "near_noise": "the index is above the seed-noise floor but its interval reaches down to it: "
                  "it cannot be told from seed noise, so it is not ranked (more replicates "
                  "lower the floor; more samples narrow the interval)",
    "noise_dominated": "seed noise is half or more of the variance of the replicate means of "
                       "this output, so none of its indices can be read as sensitivity; use more "
                       "replicates",
    "negative": "the estimate is below zero; true indices cannot be, so this is estimation "
                "error around a small value (read it as zero)",
    "S1_spans_zero": "the interval of the first-order index reaches zero: no evidence of an "
                     "effect on its own",
    "ST_spans_zero": "the interval of the total index reaches zero: no evidence of any effect",
    "mu_star_spans_zero": "the interval of mu* reaches zero: no evidence of an effect",
    "constant": "the output did not vary across the sample: every index is zero by definition",
}
#: Effects under this share of the variance (Sobol) or of the largest mu* (Morris) are listed as
#: negligible rather than as raising or lowering an output.
SMALL = 0.01
DIRECTION_TEXT = {
    "raises": "raises", "lowers": "lowers", "mixed": "mixed (up in some places, down in others)",
    "unclear": "no clear sign", "none": "no effect", "unknown": "unknown",
}


def _sort_key(method: str) -> str:
    return "ST" if method == "sobol" else "mu_star"


def write_tables(folder, plan, design, analysis: Analysis) -> None:
    """Write ``indices.csv``, ``diagnostics.csv`` and (second order) ``second_order.csv``."""
    folder = Path(folder)
    key = _sort_key(analysis.method)
    idx = analysis.indices()
    order = {o: i for i, o in enumerate(analysis.outputs)}
    idx = idx.assign(_o=idx["output"].map(order), _l=idx["level"].map({"parameter": 0,
                                                                       "mechanism": 1}))
    idx = idx.sort_values(["_o", "_l", key], ascending=[True, True, False], kind="stable")
    write_csv_atomic(idx.drop(columns=["_o", "_l"]), folder / "indices.csv", float_format="%.6g")
    write_csv_atomic(diagnostics(analysis), folder / "diagnostics.csv", float_format="%.6g")
    second = analysis.second_order()
    if second is not None:
        write_csv_atomic(second, folder / "second_order.csv", float_format="%.6g")


def diagnostics(analysis: Analysis) -> pd.DataFrame:
    """One row per output: seed noise, noise floor, convergence verdict, linear-fit R^2."""
    rows = []
    for name, a in analysis.outputs.items():
        c = a.convergence
        rows.append({
            "output": name, "constant": a.constant,
            "noise_share": a.noise["noise_share"], "index_noise_floor": a.noise["index_floor"],
            "converged": c["converged"], "suggested_samples": c["suggested_n"],
            "rank_spearman_half": c["rank_spearman"].get(str(max(c["sizes"][:-1], default=0)),
                                                         np.nan),
            "max_shift_half": c["max_shift"], "widest_conf": c["widest_conf"],
            "src_r2": a.src_r2, "same_value_share": a.noise["same_value_share"],
            "why_not_converged": "; ".join(c["reasons"]),
        })
    return pd.DataFrame(rows)


# ------------------------------------------------------------------------------ summary
def duration(seconds: float) -> str:
    """A duration in the unit a reader would use."""
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.1f} min"
    return f"{seconds / 3600:.1f} h"


def _whole(x: float) -> str:
    """A percentage rounded to a whole number, never "-0"."""
    return f"{round(100 * x) + 0:.0f}"


def _pct(x: float) -> str:
    return f"{_whole(x)}%" if np.isfinite(x) else "n/a"


def _ci(v: float, c: float, pct: bool = True) -> str:
    if pct:
        return f"{_whole(v)}% [{_whole(v - c)}, {_whole(v + c)}]"
    return f"{v:+.3g} [{v - c:+.3g}, {v + c:+.3g}]"


def _outside_0_100(table: pd.DataFrame) -> bool:
    """Whether a shown Sobol share or one of its interval limits is below 0% or above 100%."""
    if "ST" not in table:
        return False
    values = [table[k] + sign * table[f"{k}_conf"] for k in ("S1", "ST") for sign in (-1, 0, 1)]
    v = np.concatenate([np.asarray(x, float) for x in values])
    v = np.round(100 * v[np.isfinite(v)])
    return bool((v < 0).any() or (v > 100).any())


def _index_text(row, method: str) -> str:
    if method == "sobol":
        return f"total {_ci(row.ST, row.ST_conf)}, alone {_ci(row.S1, row.S1_conf)}"
    sigma = f"sigma {row.sigma:.3g}" if np.isfinite(row.sigma) else "sigma n/a for a group"
    return f"mu* {row.mu_star:.3g} ± {row.mu_star_conf:.2g}, mu {row.mu:+.3g}, {sigma}"


def _direction_text(row, method: str) -> str:
    d = DIRECTION_TEXT.get(row.direction, row.direction)
    if row.level == "parameter" and method == "sobol" and np.isfinite(row.src):
        return f"{d} (SRC {_ci(row.src, row.src_conf, pct=False)})"
    return d


def _trust(a: OutputAnalysis, plan) -> list[str]:
    c, n = a.convergence, a.noise
    kind = "parameters"
    lines = []
    if a.constant:
        return ["- The output did not vary at all across the sample: nothing to apportion."]
    if c["converged"]:
        rank = c["rank_spearman"].get(str(plan.samples // 2), float("nan"))
        agree = (f"the ranking of the {c.get('above_noise', 0)} {kind} above the noise floor "
                 f"from half the sample agrees with the full sample (Spearman {rank:.2f})"
                 if np.isfinite(rank) else
                 f"fewer than three {kind} are above the noise floor, so there is no ranking "
                 "to check")
        lines.append(f"- **Converged.** {agree[:1].upper()}{agree[1:]}; no index above the "
                     f"noise floor moved by more than {c['max_shift']:.3f}, the widest interval "
                     f"is ±{c['widest_conf']:.3f}.")
    else:
        why = "; ".join(c["reasons"])
        lines.append(f"- **Not converged; treat the ranking as provisional.** "
                     f"{why[:1].upper()}{why[1:]}. Rerun with `--samples {c['suggested_n']}`.")
    if n.get("same_value_share", 0) >= 0.5:
        lines.append(f"- **Fragile output.** {_pct(n['same_value_share'])} of the sample rows give "
                     "exactly the same value; variance-based indices of such an output rest on "
                     "a few rows.")
    if np.isfinite(n["noise_share"]):
        lines.append(
            f"- **Seed noise.** {_pct(n['noise_share'])} of the variance between single runs "
            f"comes from the random seed alone (same parameters, different seed). Averaging "
            f"{plan.replicates} replicates leaves a noise floor of {n['index_floor']:.3g} "
            f"({'total index' if plan.method == 'sobol' else 'mu*'}). An index counts as "
            "sensitivity only when it stays above that floor by more than its own 95% "
            "interval. The others are listed apart, in no order: a larger N narrows their "
            "intervals, but an inert parameter stays at the floor, in an order seed noise sets, "
            "whatever N.")
    else:
        lines.append("- **Seed noise unknown** (one replicate per row): noise cannot be told from "
                     "sensitivity; rerun with `--replicates 2` or more.")
    return lines


def summary_text(plan, design, analysis: Analysis, info: dict) -> str:
    """The plain-language ranking of what raises and lowers the first output."""
    method = analysis.method
    key = _sort_key(method)
    main = plan.outputs[0]
    a = analysis.outputs[main]
    idx = a.indices
    params = idx[idx.level == "parameter"].sort_values(key, ascending=False)
    mechs = idx[idx.level == "mechanism"].sort_values(key, ascending=False)
    kinds = "parameters"
    what = ("Indices are shares of the variance of the replicate-mean output over the parameter "
            "ranges: *total* counts a parameter's effect with all its interactions, *alone* its "
            "first-order effect; 95% bootstrap intervals in brackets."
            if method == "sobol" else
            "mu* is the mean absolute change of the output when a parameter moves across its "
            "whole range (Morris elementary effects), mu its signed mean (its direction), sigma "
            "the spread of the effects (non-linearity or interactions).")
    window = Window.parse(None, plan.years)
    out = [
        f"# What drives {label(main)} (`{main}`): {method.capitalize()} sensitivity analysis",
        "",
        f"{label(main).capitalize()}: the {meaning(main)}, {window.label(main)} of each run. "
        f"{len(plan.problem.names)} {kinds} in "
        f"{len(plan.problem.group_names)} groups, {_ranges_words(plan)}; N = {plan.samples} "
        f"{'base points' if method == 'sobol' else 'trajectories'} x {plan.replicates} seeded "
        f"replicates, {plan.years} years of {plan.n_cadres:,} cadres: {info['n_runs']:,} model "
        f"runs in {duration(info['sweep_seconds'])} ({info['failed_runs']} failed). "
        f"Seed {plan.seed}.",
        "",
        what,
        "",
        "## How far to trust it",
        "",
        *_trust(a, plan),
    ]
    if _outside_0_100(idx):
        out.append("- **Percentages below 0% or above 100%.** A share of the variance cannot be "
                   "negative or exceed 100%; estimates and interval limits outside 0-100% are "
                   "sampling error around values near 0% (or 100%): read them as 0% (or 100%).")
    if any(o.startswith("barrier_") for o in analysis.outputs):
        out.append(f"- **Barrier outputs.** {BARRIER_NOTE}")
    ranked_m, noise_m = _ranked(mechs)
    ranked_p, noise_p = _ranked(params)
    out += ["", f"## Mechanisms ranked by their effect on {label(main)}", "",
            "| rank | mechanism | effect | direction |", "|---:|---|---|---|"]
    for i, row in enumerate(ranked_m.itertuples(), 1):
        out.append(f"| {i} | {row.name}: {_mech_name(row.name)} | "
                   f"{_index_text(row, method)} | {_direction_text(row, method)} |")
    if len(noise_m):
        out.append(f"\n{NOT_YET}: "
                   f"{'; '.join(f'{r.name} {_mech_name(r.name)}' for r in noise_m.itertuples())}.")
    out += ["", f"## Parameters ranked by their effect on {label(main)}", "",
            "| rank | parameter | mechanism | effect | direction | flags |",
            "|---:|---|---|---|---|---|"]
    for i, row in enumerate(ranked_p.itertuples(), 1):
        out.append(f"| {i} | {row.name} | {row.mechanism} | {_index_text(row, method)} | "
                   f"{_direction_text(row, method)} | {row.flags.replace(';', ', ')} |")
    if len(noise_p):
        out.append(f"\n{NOT_YET}: {', '.join(noise_p['name'])}.")
    out += ["", f"## What raises and what lowers {label(main)}", ""]
    clear_m, maybe_m, small_m = _split(mechs)
    for heading, d in (("Mechanisms that raise it", "raises"),
                       ("Mechanisms that lower it", "lowers"),
                       ("Mechanisms pulling both ways", "mixed")):
        chosen = clear_m[clear_m["direction"] == d]
        if len(chosen):
            items = ", ".join(f"{r.name} {_mech_name(r.name)} ({_short(r, method)}; via "
                              f"{_via(params, r.name, d)})" for r in chosen.itertuples())
            out.append(f"- **{heading}:** {items}.")
    clear, maybe, small = _split(params)
    for heading, d in (("Parameters that raise it", "raises"),
                       ("Parameters that lower it", "lowers"),
                       ("No single direction (up in places, down in others)", "mixed"),
                       ("Clear effect, sign unclear", "unclear")):
        chosen = clear[clear["direction"] == d]
        if len(chosen):
            items = ", ".join(f"{r.name} ({r.mechanism}, {_short(r, method)})"
                              for r in chosen.itertuples())
            out.append(f"- **{heading}:** {items}.")
    if len(clear) == 0:
        out.append("- **No parameter has an effect clearly above seed noise and zero yet.**")
    if len(maybe) or len(maybe_m):
        items = [f"{r.name} ({r.direction})" for r in maybe_m.itertuples()]
        items += [f"{r.name} ({r.direction})" for r in maybe.itertuples()]
        out.append(f"- **Provisional** (seed noise could not be measured with one replicate, "
                   f"and the interval reaches zero): {', '.join(items)}.")
    if len(small) or len(small_m):
        items = [f"{r.name} ({r.direction})" for r in small_m.itertuples()]
        items += [f"{r.name} ({r.direction})" for r in small.itertuples()]
        what = "1% of the variance" if method == "sobol" else "1% of the largest mu*"
        out.append(f"- **Negligible** (above seed noise, but under {what}): "
                   f"{', '.join(items)}.")
    if method == "sobol":
        out.append(f"- Directions come from standardised regression coefficients (SRC) on the "
                   f"same runs; the linear fit explains R² = {a.src_r2:.2f} of the variance"
                   + (" (low: effects are far from linear, read signs with care)."
                      if np.isfinite(a.src_r2) and a.src_r2 < 0.5 else "."))
    else:
        out.append("- Directions come from mu: 'raises' when |mu| >= 0.8 mu*, so nearly every "
                   "step up of the parameter moves the output the same way.")
    out += ["", "## Other outputs", "",
            "| output | noise share | converged | top three above noise | note |",
            "|---|---|---|---|---|"]
    for name, oa in analysis.outputs.items():
        if name == main:
            continue
        p = oa.indices[oa.indices.level == "parameter"].sort_values(key, ascending=False)
        top = ", ".join(f"{r.name} ({r.direction})" for r in _ranked(p)[0].head(3).itertuples()) \
            or "nothing above noise"
        if oa.constant:
            top = "constant output"
        same = oa.noise["same_value_share"]
        note = (f"{_pct(same)} of sample rows give the same value: indices are fragile"
                if same >= 0.5 and not oa.constant else "")
        out.append(f"| {label(name)} (`{name}`) | {_pct(oa.noise['noise_share'])} | "
                   f"{'yes' if oa.convergence['converged'] else 'no'} | {top} | {note} |")
    used = {f for f in ";".join(idx["flags"]).split(";") if f}
    if used:
        out += ["", "## Flags", ""]
        out += [f"- *{f}*: {FLAG_TEXT[f]}." for f in FLAG_TEXT if f in used]
    out += ["", "Tables: `indices.csv` (every output, parameter and mechanism), "
            "`diagnostics.csv` (noise and convergence per output); figures beside this file; "
            "how it was made: `manifest.json`.", ""]
    return "\n".join(out)


def _short(row, method: str) -> str:
    if method == "sobol":
        src = f", SRC {row.src:+.2f}" if np.isfinite(row.src) else ""
        lo, hi = _pct(row.ST - row.ST_conf), _pct(row.ST + row.ST_conf)
        return f"total {_pct(row.ST)} [{lo}, {hi}]{src}"
    return f"mu* {row.mu_star:.3g}, mu {row.mu:+.3g}"


NOT_YET = "Cannot be told from seed noise at this sample size (in no particular order)"
#: Flags of an index that cannot be told from seed noise: it stays unranked.
NOISE_FLAGS = "below_noise|near_noise|constant|noise_dominated"


def _ranked(table: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(rows above the noise floor by more than their interval, in ``table``'s order; the rest).
    The rest is noise: its order means nothing."""
    noise = table["flags"].str.contains(NOISE_FLAGS)
    return table[~noise], table[noise & ~table["flags"].str.contains("constant")]


def _split(table: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Rows with an effect clearly above seed noise and zero and not negligible; rows only
    provisionally so (seed noise unknown, interval reaching zero); rows with a negligible effect
    (under SMALL of the variance, or of the largest mu*). Rows that cannot be told from seed
    noise (the floor plus the index's own interval), or of a constant or noise-dominated output,
    are in none."""
    flags = table["flags"]
    out = flags.str.contains(NOISE_FLAGS)
    unsure = flags.str.contains("ST_spans_zero|mu_star_spans_zero")
    if "ST" in table:
        small = table["ST"] < SMALL
    else:
        small = table["mu_star"] < SMALL * max(float(table["mu_star"].max()), 1e-300)
    return (table[~out & ~unsure & ~small], table[~out & unsure & ~small],
            table[~out & small])


def _via(params: pd.DataFrame, mechanism: str, direction: str) -> str:
    """The members of ``mechanism`` whose own direction is ``direction`` (or any clear one)."""
    mine = params[(params["mechanism"] == mechanism)
                  & ~params["flags"].str.contains("below_noise")]
    sure = mine[~mine["flags"].str.contains("near_noise|ST_spans_zero|mu_star_spans_zero")]
    mine = sure if len(sure) else mine  # the same members group_direction reads
    wanted = {"raises", "lowers", "mixed"} if direction == "mixed" else {direction}
    return ", ".join(f"{r.name} {r.direction}" if direction == "mixed" else r.name
                     for r in mine.itertuples() if r.direction in wanted)


def _mech_name(mechanism: str) -> str:
    """'fault tolerance and error correction' from the mechanism table (module name dropped);
    the posterior group in words."""
    if mechanism == POSTERIOR_GROUP:
        return POSTERIOR_WORDS
    return MECHANISMS.get(mechanism, "").split(" (")[0]


def _ranges_words(plan) -> str:
    """How the inputs were sampled, in words (what the shares depend on)."""
    levers = ("each lever over its reform range (what a county could plausibly reach within a "
              "few years)" if getattr(plan, "ranges", "declared") == "reform"
              else "each varied over its declared range")
    if getattr(plan, "posterior", None) is not None:
        return (f"{levers}, and the {len(plan.posterior.names)} calibrated behavioural "
                f"uncertainties drawn together from the posterior as one input "
                f"(`{POSTERIOR_INPUT}`, group `{POSTERIOR_GROUP}`); everything else at its "
                "default")
    return f"{levers} (everything else at its default)"


def write_summary(folder, plan, design, analysis: Analysis, info: dict) -> None:
    """Write ``summary.md``."""
    atomic_write_text(Path(folder) / "summary.md", summary_text(plan, design, analysis, info))
