"""Effect sizes beside variance shares: for each lever, the paired effect on genuine and symbolic
innovation of moving it from today's value to its declared reform value, over the posterior.

A Sobol share says how much of the variation over the chosen ranges a lever accounts for; it
depends on those ranges and is not the size of an effect. This module answers the other
question -- what does a plausible reform of this one lever do? -- as a paired comparison
(``replicates.run_experiment``): replicate r of every lever's reform runs the same posterior draw
and seed as replicate r of today's regime, so each effect comes with the interval over parameter
uncertainty and seeds, the interval from seeds alone, and the share of draws with its sign.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from model.parameters import PARAMETERS, validate_value

from .. import store
from ..replicates import run_experiment
from ..scenario import Scenario, load_scenario

#: What the lever comparison reports: genuine and symbolic innovation, and the budget.
OUTPUTS = ("innovation_rate", "symbolic_rate", "policy_cost")
COLUMNS = ("mean_diff", "ci_low", "ci_high", "full_low", "full_high", "seed_low", "seed_high",
           "same_sign_share", "robust", "draws")


def reform_scenarios() -> list[Scenario]:
    """One scenario per lever with a declared reform value: that lever moved there alone."""
    out = []
    for p in PARAMETERS:
        if p.kind != "lever" or p.reform is None or p.reform == p.default:
            continue
        out.append(Scenario(name=f"reform_{p.name}",
                            description=f"{p.name} from {p.default:g} to {p.reform:g}: "
                                        f"{p.reform_reason}",
                            params={p.name: validate_value(p.name, p.reform)}))
    return out


def lever_table(effects: pd.DataFrame) -> pd.DataFrame:
    """One row per lever: today's value, the reform value, and each output's effect columns
    (``<output>__<column>``), largest effect on genuine innovation first."""
    from model.parameters import PARAMETERS_BY_NAME

    rows = []
    for name, grp in effects.groupby("scenario", sort=False):
        lever = name.removeprefix("reform_")
        p = PARAMETERS_BY_NAME[lever]
        row = {"lever": lever, "mechanism": p.mechanism, "today": p.default, "reform": p.reform}
        for r in grp.itertuples():
            for c in COLUMNS:
                row[f"{r.output}__{c}"] = getattr(r, c)
        rows.append(row)
    return pd.DataFrame(rows).sort_values("innovation_rate__mean_diff", ascending=False,
                                          kind="stable").reset_index(drop=True)


def _pp(x) -> str:
    return f"{100 * x:+.1f}"


def lever_text(table: pd.DataFrame, settings: dict) -> str:
    """``lever_effects.md``: the effect of each lever's reform, with both intervals."""
    post = settings.get("posterior")
    where = (f"over the posterior ensemble ({post['sets']} calibrated parameter sets; "
             f"{int(table['innovation_rate__draws'].max())} draws x "
             f"{settings['seeds_per_draw']} seeds)" if post else
             "with every uncertainty at its default (no posterior: seed noise only)")
    out = ["# What each lever's reform does (effect sizes)", "",
           f"Each lever moved alone from today's value to its declared reform value, paired "
           f"against today's regime {where}, {settings['replicates']} replicates, "
           f"{settings['years']:g} years, {settings['n_cadres']} cadres. Effects in percentage "
           "points of cadres per quarter: the mean, the 95% range with parameter uncertainty "
           "and seed noise (*full*), the same with seed noise alone (*seeds*), and the share of "
           "posterior draws in which the effect has the same sign (*robust* at 90% or more).", "",
           "| lever | today -> reform | genuine: mean [full] [seeds] | same sign | symbolic: mean "
           "[full] | cost (yuan/cadre/yr) |", "|---|---|---|---:|---|---:|"]
    for r in table.to_dict("records"):
        g, s = "innovation_rate__", "symbolic_rate__"
        share = r[f"{g}same_sign_share"]
        sign = f"{100 * share:.0f}%" if pd.notna(share) else "n/a"
        if r[f"{g}robust"] is True:
            sign += " robust"
        out.append(
            f"| `{r['lever']}` | {r['today']:g} -> {r['reform']:g} | {_pp(r[g + 'mean_diff'])} "
            f"[{_pp(r[g + 'full_low'])}, {_pp(r[g + 'full_high'])}] "
            f"[{_pp(r[g + 'seed_low'])}, {_pp(r[g + 'seed_high'])}] | {sign} | "
            f"{_pp(r[s + 'mean_diff'])} [{_pp(r[s + 'full_low'])}, {_pp(r[s + 'full_high'])}] | "
            f"{r['policy_cost__mean_diff']:+,.0f} |")
    out += ["", "**A share of variance is not an effect.** The Sobol shares beside this table "
            "(`summary.md` of the sensitivity analysis) say how much of the variation of an "
            "output over the sampled ranges each lever accounts for; they change when the ranges "
            "change, and a lever with a small share can still have a large effect when moved "
            "(and the other way round). This table gives the size of each plausible reform.", ""]
    return "\n".join(out)


def run_lever_effects(out: str | os.PathLike, replicates: int, years: float, seed: int,
                      posterior=None, seeds_per_draw: int = 2, n_cadres: int = 1000,
                      workers: int | None = None, progress: bool = True,
                      argv: list[str] | None = None) -> pd.DataFrame:
    """Compare every lever's reform with today's regime into the new folder ``out``:
    ``lever_effects.csv``, ``lever_effects.md`` and the comparison's own results folder
    (``comparison/``: effects, figures, manifest). Returns the lever table."""
    out = Path(out)
    with store.staged_output_dir(out, plan={"lever_effects": True, "replicates": replicates,
                                            "years": years, "seed": seed}) as stage:
        res = run_experiment("compare", [load_scenario("baseline"), *reform_scenarios()],
                             replicates, years, seed, n_cadres=n_cadres, workers=workers,
                             out=Path(stage) / "comparison", progress=progress,
                             outputs=list(OUTPUTS), argv=argv, posterior=posterior,
                             seeds_per_draw=seeds_per_draw)
        table = lever_table(res.effects)
        store.write_csv_atomic(table, Path(stage) / "lever_effects.csv", float_format="%.6g")
        store.atomic_write_text(Path(stage) / "lever_effects.md",
                                lever_text(table, res.manifest["settings"]))
        prov = store.provenance(argv)
        store.write_manifest(stage, {"kind": "lever_effects", "provenance": prov,
                                     "command_line": prov["command_line"],
                                     "settings": res.manifest["settings"],
                                     "levers": [s.to_dict() for s in reform_scenarios()]})
    return table
