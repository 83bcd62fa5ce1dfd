"""The plain-language summary of a calibration (``summary.md``) and its parameter table."""

from __future__ import annotations

import pandas as pd

from model.parameters import PARAMETERS_BY_NAME

from .check import weighted_quantiles


def parameter_table(posterior: pd.DataFrame, calibrated: list[str],
                    prior_only: list[str]) -> pd.DataFrame:
    """One row per uncertainty of the ensemble: prior range, default, posterior median and 90%
    interval, and how much of the prior range the interval still covers."""
    w = posterior["weight"].to_numpy(float)
    rows = []
    for name in calibrated + prior_only:
        p = PARAMETERS_BY_NAME[name]
        q05, q50, q95 = weighted_quantiles(posterior[name], w, [0.05, 0.5, 0.95])
        rows.append({"parameter": name, "calibrated": name in calibrated, "low": p.low,
                     "high": p.high, "default": p.default, "median": q50, "q05": q05, "q95": q95,
                     "share_of_range": (q95 - q05) / (p.high - p.low) / 0.9})
    return pd.DataFrame(rows)


def _f(x: float) -> str:
    return f"{x:.3g}"


def summary_text(plan, smc, table: pd.DataFrame, params: pd.DataFrame,
                 screening: pd.DataFrame | None, info: dict) -> str:
    """``summary.md``: what was fitted to what, what the evidence pinned down and what not."""
    unmet = table[~table["met"]]
    cal = params[params["calibrated"]]
    out = [
        "# Calibration of the behavioural uncertainties",
        "",
        f"ABC-SMC (uniform kernel on the targets' bands, adaptive tolerance, pyabc's multivariate "
        f"normal kernel) of {len(cal)} uncertainties against {len(table)} published targets, in "
        f"the strict regime of 2014-2018 (every lever at its declared default), "
        f"{plan.n_cadres} cadres x {plan.n_years} years per run. Population {plan.population}; "
        f"{len(smc.history)} generations; {info['runs']:,} model runs in "
        f"{info['minutes']:.1f} min. Seed {plan.seed}.",
        "",
    ]
    if smc.converged and unmet.empty:
        out += ["**Every target is met**: the final generation's runs all fall inside every band, "
                "and the posterior-predictive median of every target (fresh seeds) lies in its "
                "band.", ""]
    else:
        out += [f"**Not every target can be met.** The last generation reached a tolerance of "
                f"{smc.epsilon:.2f} (1 = every band); unmet in the predictive check: "
                f"{', '.join(unmet['target']) or 'none'}. The targets were not loosened: this is "
                "a finding about the model (or the mapping), reported here and in "
                "docs/CALIBRATION.md.", ""]
    out += ["## Targets and the posterior-predictive check", "",
            "| target | statistic | band | prior predictive (median, 5-95%) | posterior "
            "predictive (median, 5-95%) | posterior runs in band | met |",
            "|---|---|---|---|---|---:|---|"]
    for r in table.itertuples():
        out.append(f"| {r.target} | `{r.statistic}` | {r.band} | {_f(r.prior_median)} "
                   f"({_f(r.prior_q05)}-{_f(r.prior_q95)}) | {_f(r.posterior_median)} "
                   f"({_f(r.posterior_q05)}-{_f(r.posterior_q95)}) | "
                   f"{100 * r.posterior_in_band:.0f}% | {'yes' if r.met else '**no**'} |")
    out += ["", "## What the evidence pinned down", "",
            "Posterior median and 90% interval of each calibrated uncertainty, against its "
            "declared (prior) range. *Range kept*: the interval's width as a share of the 90% "
            "a uniform prior would give -- near 100% means the targets barely constrain it.", "",
            "| uncertainty | declared range | default | posterior median | 90% interval | range "
            "kept |", "|---|---|---:|---:|---|---:|"]
    for r in cal.itertuples():
        out.append(f"| `{r.parameter}` | {_f(r.low)}-{_f(r.high)} | {_f(r.default)} | "
                   f"{_f(r.median)} | {_f(r.q05)}-{_f(r.q95)} | {100 * r.share_of_range:.0f}% |")
    prior_only = params[~params["calibrated"]]["parameter"].tolist()
    left = [n for n in plan.uncertainties() if n not in plan.calibrate]
    out += ["", "## What the evidence cannot pin down", ""]
    if screening is not None:
        out.append(f"A Morris screening ({plan.screening_trajectories} trajectories over every "
                   "uncertainty, two seeds per point) measured how far each one, moved across "
                   "its declared range, moves each target's statistic, net of seed noise, in "
                   f"units of the target's tolerance (`screening.csv`). Uncertainties below "
                   f"{plan.screen_threshold:g} tolerance on every target, and whole-number ones, "
                   "are not calibrated.")
    if prior_only:
        out.append(f"These {len(prior_only)} uncertainties stay **draws from their declared "
                   "ranges** in every parameter set of the ensemble (so every answer over the "
                   f"posterior carries what we do not know about them): "
                   f"{', '.join(f'`{n}`' for n in prior_only)}.")
    elif left:
        out.append(f"These {len(left)} uncertainties stay **at their declared defaults** in the "
                   "fit and in every answer over the posterior, so its intervals are a lower "
                   "bound on what we do not know (drawing them from their ranges, `--nuisance "
                   "prior`, is the option; its cost is in docs/CALIBRATION.md): "
                   f"{', '.join(f'`{n}`' for n in left)}.")
    out += ["", "## Generations", "", "| generation | tolerance | candidates | accepted | "
            "acceptance | effective size |", "|---:|---:|---:|---:|---:|---:|"]
    for h in smc.history:
        out.append(f"| {h['generation']} | {h['epsilon']:.3g} | {h['candidates']:,} | "
                   f"{h['accepted']} | {100 * h['acceptance']:.0f}% | "
                   f"{h['effective_size']:.0f} |")
    out += ["", "Files: `posterior.parquet` (the ensemble: one column per uncertainty and "
            "`weight`), `parameters.csv`, `check.csv`, `generations.csv`, `populations.parquet`, "
            "`screening.csv`, figures `marginals` and `check` (PNG, SVG), `targets.toml` (the "
            "targets used), `manifest.json` (command, plan, seeds, versions, commit, times).", ""]
    return "\n".join(out)



def readme_text(plan, smc, table: pd.DataFrame) -> str:
    """``README.md`` of a calibration folder: what it is and how to use or remake it."""
    met = "every target met" if smc.converged and bool(table["met"].all()) else \
        "not every target met (see summary.md)"
    return "\n".join([
        "# A calibrated posterior of the behavioural uncertainties", "",
        f"Made by `cadresim calibrate` (ABC-SMC against {len(table)} published targets, "
        f"{len(plan.calibrate)} uncertainties calibrated, the others "
        + ("drawn from their declared ranges" if plan.nuisance == "prior"
           else "at their declared defaults")
        + f"; population {plan.population}; {met}). The numbers, the check and what the "
        "evidence could not pin down: `summary.md`; method and mappings: docs/CALIBRATION.md.",
        "",
        "* `posterior.parquet` -- the ensemble: one row per parameter set, one column per "
        "uncertainty, `weight` (sums to 1); read it with "
        "`experiments.calibration.load_posterior(folder)`;",
        "* `marginals.png|svg`, `check.png|svg` -- posterior against prior, and the "
        "posterior-predictive check of every target;",
        "* `check.csv`, `parameters.csv`, `generations.csv`, `screening.csv`, "
        "`populations.parquet`, `check_runs.parquet` -- the tables behind them;",
        "* `targets.toml` -- the targets used; `manifest.json` -- command, plan, seeds, versions, "
        "commit, times and a hash of every file.", "",
        "Every `cadresim run`, `compare` and `headline` draws from the committed headline "
        "posterior by default (`--posterior none` opts out). Remake it after a change of the "
        "model or the targets with `make calibrate`.", ""])
