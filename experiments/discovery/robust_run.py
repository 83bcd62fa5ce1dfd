"""``cadresim robust``: the search for packages of levers within a budget, from the first runs to
the folder a briefing reads.

:func:`run_robust` runs the known packages over the search's worlds, checks the budget, runs
NSGA-II (``search.py``; one sweep per generation, ``robust.py``), runs the Pareto set and the
known packages again on fresh worlds the search never saw, and writes ``pareto.csv``,
``library.csv``, ``generations.csv``, ``packages/*.toml``, ``pareto.png``, ``summary.md`` and
``manifest.json`` into a folder built aside and moved into place when complete. Run again after an
interruption, the same command resumes (finished chunks are kept, finished generations are
replayed, not rerun).
"""

from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .. import store
from . import pareto
from .cost import duration
from .robust import TAIL, Evaluator, RobustPlan, ShardDone, engine_session
from .search import run_search

METHOD_PACKAGES = ("pymoo", "ema_workbench", "scipy", "numpy")


@dataclass
class RobustResult:
    front: pd.DataFrame
    library: pd.DataFrame
    generations: pd.DataFrame
    best_library: str
    chosen: str | None
    answer: str
    out: Path | None = None


def _per_package(m: dict) -> list[dict]:
    """``{measure: (packages, cells)}`` -> one ``{measure: (cells,)}`` per package."""
    n = len(next(iter(m.values())))
    return [{k: v[i] for k, v in m.items()} for i in range(n)]


def _answer(front: pd.DataFrame, best: str, best_in_budget: str | None, budget: float) -> tuple:
    """The package to name and the sentence naming it."""
    for ref in dict.fromkeys([best, best_in_budget]):
        if ref is None:
            continue
        hits = front[front[f"robustly_better_than_{ref}"]]
        if len(hits):
            r = hits.sort_values("cost_p90").iloc[0]
            within = "" if ref == best else f" (within the budget; the best library scenario " \
                                            f"overall, {best.replace('_', ' ')}, is not beaten)"
            return r["package"], (
                f"The cheapest package robustly better than {ref.replace('_', ' ')}{within} is "
                f"{r['package']}: extra cost {r['validated_cost_p90']:,.0f} yuan per cadre per "
                f"year in 9 of 10 worlds (search budget {budget:,.0f}); genuine innovation "
                f"{100 * r['validated_gain_mean']:+.1f} points on average "
                f"({100 * r['validated_gain_mean_low']:+.1f} to "
                f"{100 * r['validated_gain_mean_high']:+.1f}), at least "
                f"{100 * r['validated_gain_p10']:+.1f} in 9 of 10 worlds; symbolic innovation "
                f"{100 * r['validated_symbolic_p90']:+.1f} points in the worst tenth of worlds "
                "(all on fresh worlds the search never saw).")
    ref = best_in_budget or best
    r = front.sort_values([f"vs_{ref}_share_not_behind", f"vs_{ref}_mean_advantage"],
                          ascending=False).iloc[0]
    return None, (f"No package on the Pareto set is robustly better than the best library "
                  f"scenario ({best.replace('_', ' ')})"
                  + (f" nor than the best one within the budget "
                     f"({best_in_budget.replace('_', ' ')})" if best_in_budget else "")
                  + f". The closest to {ref.replace('_', ' ')} is {r['package']}: not behind it "
                    f"in {r[f'vs_{ref}_share_not_behind']:.0%} of fresh worlds, a mean "
                    f"advantage of {100 * r[f'vs_{ref}_mean_advantage']:+.1f} points "
                    f"({100 * r[f'vs_{ref}_advantage_low']:+.1f} to "
                    f"{100 * r[f'vs_{ref}_advantage_high']:+.1f}), at an extra cost of "
                    f"{r['validated_cost_p90']:,.0f} yuan per cadre per year.")


def summary(plan: RobustPlan, res: RobustResult, floor: float, runs: dict, wall: float) -> str:
    f = res.front.sort_values("cost_p90")
    lib = res.library
    lines = [
        f"# Robust packages of levers within a budget of {plan.budget:,.0f} yuan per cadre per "
        "year", "", f"**Answer.** {res.answer}", "",
        "## How packages were judged", "",
        f"- Worlds: {plan.draws} draws of the uncertainties x {plan.replicates} seed(s); "
        f"{plan.uncertainties.description}. Every package meets the same worlds and seeds "
        "(common random numbers), so its effects against today's policy are paired.",
        f"- Searched: {len(plan.lever_names)} levers over their reform ranges "
        f"({', '.join(plan.lever_names)}); the others stay at today's values.",
        f"- Objectives (NSGA-II, pymoo; population {plan.population}, {plan.generations} "
        "generations), each at its unfavourable decile over the worlds: the *regret* of genuine "
        "innovation (the best gain a known package reaches in that world minus this package's "
        "gain), the symbolic innovation added, and the extra cost; the extra cost must stay "
        "within the budget.",
        f"- The cheapest package in the reform ranges costs at least {floor:,.0f} yuan per "
        "cadre per year more than today in 9 of 10 worlds (negative: it saves money).",
        "", f"## The Pareto set ({len(f)} packages; validated on {plan.draws} fresh worlds)", "",
        "| package | extra cost (p90) | genuine innovation, mean (95% CI) | in 9 of 10 worlds "
        "| regret (p90) | symbolic added (p90) |", "|---|---|---|---|---|---|",
    ]
    for r in f.itertuples():
        lines.append(
            f"| {r.package} | {r.validated_cost_p90:,.0f} | {100 * r.validated_gain_mean:+.1f} "
            f"({100 * r.validated_gain_mean_low:+.1f} to {100 * r.validated_gain_mean_high:+.1f})"
            f" | ≥ {100 * r.validated_gain_p10:+.1f} | {100 * r.validated_regret_p90:.1f} | "
            f"{100 * r.validated_symbolic_p90:+.1f} |")
    lines += ["", "## Known packages on the same worlds", "",
              "| package | extra cost (p90) | genuine innovation, mean (95% CI) | regret (p90) | "
              "symbolic added (p90) |", "|---|---|---|---|---|"]
    for r in lib.itertuples():
        mark = " (best)" if r.package == res.best_library else ""
        lines.append(
            f"| {r.package}{mark} | {r.validated_cost_p90:,.0f} | "
            f"{100 * r.validated_gain_mean:+.1f} ({100 * r.validated_gain_mean_low:+.1f} to "
            f"{100 * r.validated_gain_mean_high:+.1f}) | {100 * r.validated_regret_p90:.1f} | "
            f"{100 * r.validated_symbolic_p90:+.1f} |")
    g = res.generations
    hv = g["hypervolume"].to_numpy()
    tail = (hv[-1] - hv[max(0, len(hv) - 4)]) / hv[-1] if len(hv) > 1 and hv[-1] > 0 else 0.0
    lines += ["", "## How sure", "",
              "- Every figure above is measured on fresh worlds the search never saw "
              "(`validated_*` columns); the search's own numbers are beside them in pareto.csv. "
              "Means carry 95% t-intervals, percentiles 95% order-statistic intervals "
              "(`*_low`, `*_high`).",
              f"- Convergence: the hypervolume of the front grew by {tail:.1%} over the last "
              f"three generations (generations.csv); {'little' if tail < 0.02 else 'more'} "
              "would be gained by more generations.",
              "- Robustly better means: in at least 90% of worlds not behind by more than half a "
              "point of genuine innovation, ahead on average (95% paired interval above zero), "
              "and no more symbolic innovation in the worst tenth of worlds.",
              f"- Runs: {runs['total']:,} ({duration(wall)} wall time).", "",
              "## Files", "",
              "- `pareto.csv` (one row per package: lever values, measures with intervals, on "
              "the search's worlds and `validated_*` on fresh ones, robustly-better flags), "
              "`library.csv`, `generations.csv`, `packages/<package>.toml` (each a scenario "
              "file: `cadresim compare baseline packages/<package>.toml`), `pareto.png`, "
              "`manifest.json`; `runs/` holds every sweep (resume, status)."]
    return "\n".join(lines) + "\n"


def run_robust(plan: RobustPlan, out: str | os.PathLike, progress: bool = True,
               argv: list[str] | None = None, log=None,
               **engine_options) -> RobustResult | None:
    """Search, validate and write; None when only one shard's runs were done."""
    log = log or (lambda msg: print(msg, file=sys.stderr))
    started, t0 = store.utc_now(), time.perf_counter()
    prov = store.provenance(argv)
    try:
        with store.staged_output_dir(out, plan={"robust": plan.to_dict()}) as stage, \
                engine_session(engine_options) as options:
            stage = Path(stage)
            ev = Evaluator(plan, stage / "runs", options, progress, log)
            refs = ev.references("train")
            floor = ev.check_budget(refs)
            cubes = []  # every generation's (packages, cells, outputs), in evaluation order

            def evaluate(g, X):
                t = time.perf_counter()
                cubes.append(ev.packages(f"gen-{g:03d}", X, "train"))
                F, G = ev.objectives(cubes[-1], refs)
                feasible = G[:, 0] <= 0
                best = F[feasible, 0].min() if feasible.any() else float("nan")
                log(f"generation {g + 1}/{plan.generations}: {len(X)} packages, {feasible.sum()} "
                    f"within budget, least tail regret {100 * best:.1f} points "
                    f"({time.perf_counter() - t:.0f} s)")
                return F, G

            result = run_search(plan.space, 3, 1, evaluate, plan.population, plan.generations,
                                plan.seed, initial=plan.starting_packages())
            keep = result.thinned(plan.population)
            keep = keep[np.argsort(result.F[keep, 2], kind="stable")]  # cheapest first
            X = result.X[keep]
            names = [f"robust_package_{i + 1:02d}" for i in range(len(X))]
            valid_refs = ev.references("validation")
            train_m = _per_package(ev.paired(np.concatenate(cubes)[keep], refs))
            valid_m = _per_package(ev.paired(ev.packages("validation-front", X, "validation"),
                                             valid_refs))
            if options.get("shard") is not None:
                # Every run is done, but only a process without --shard writes the results:
                # shards of a job array finishing together would race to finish the folder.
                raise ShardDone("all")
            rm = dict(zip(refs, _per_package(ev.paired(np.stack(list(refs.values())), refs)),
                          strict=True))
            vm = dict(zip(valid_refs, _per_package(ev.paired(np.stack(list(valid_refs.values())),
                                                              valid_refs)), strict=True))
            library_names = [s.name for s in plan.library]
            best = pareto.best_reference(vm, library_names)
            affordable = [k for k in library_names
                          if np.quantile(vm[k]["cost"], TAIL) <= plan.budget]
            best_in = pareto.best_reference(vm, affordable) if affordable else None
            compared = {k: vm[k] for k in dict.fromkeys([best, best_in]) if k is not None}
            front = pareto.front_table(names, plan.lever_names, X, train_m, valid_m, compared)
            descriptions = {k: s.description for k, s in plan.references().items()}
            library = pareto.library_table(rm, vm, descriptions)
            chosen, answer = _answer(front, best, best_in, plan.budget)
            generations = pd.DataFrame(result.history).assign(
                sweep_seconds=[ev.seconds.get(f"gen-{g:03d}", np.nan)
                               for g in range(len(result.history))])
            res = RobustResult(front, library, generations, best, chosen, answer)
            _write(stage, plan, res, names, X, prov)
            runs = plan.n_runs()
            store.atomic_write_text(stage / "summary.md",
                                    summary(plan, res, floor, runs, time.perf_counter() - t0))
            store.write_manifest(stage, {
                "kind": "robust", "provenance": prov, "command_line": prov["command_line"],
                "plan": plan.to_dict(), "runs": runs, "budget_floor": floor,
                "seeds": {"root_seed": plan.seed, "search_seed": plan.seed,
                          "run_seed": "SeedSequence(stream_seed(seed, 'search'), spawn_key="
                                      "(world, replicate)) for every package",
                          "worlds": {"train": "stream 'uncertainties'",
                                     "validation": "stream 'validation'"}},
                "method_packages": store.package_versions(METHOD_PACKAGES),
                "result": {"answer": answer, "chosen": chosen, "best_library": best,
                           "best_library_within_budget": best_in},
                "times": {"start": started, "end": store.utc_now(),
                          "wall_seconds": round(time.perf_counter() - t0, 2),
                          "sweep_seconds": ev.seconds},
            })
    except ShardDone:
        return None
    res.out = Path(out)
    return res


def _write(folder: Path, plan: RobustPlan, res: RobustResult, names, X, prov) -> None:
    store.write_csv_atomic(res.front, folder / "pareto.csv", float_format="%.6g")
    store.write_csv_atomic(res.library, folder / "library.csv", float_format="%.6g")
    store.write_csv_atomic(res.generations, folder / "generations.csv", float_format="%.6g")
    (folder / "packages").mkdir(exist_ok=True)
    commit = (prov.get("git") or {}).get("commit") or "unknown"
    for name, x, r in zip(names, X, res.front.itertuples(), strict=True):
        description = (f"Robust package {name[-2:]}: extra cost about "
                       f"{r.validated_cost_p90:,.0f} yuan per cadre per year, genuine innovation "
                       f"{100 * r.validated_gain_mean:+.1f} points on average")
        note = (f"Pareto package {name} of a robust search (cadresim robust, git {commit[:12]});"
                f"\nthe levers it searched at their values in the package (the rest stay at "
                f"today's values).")
        text = pareto.scenario_toml(name, description, dict(zip(plan.lever_names, x,
                                                                strict=True)), note)
        store.atomic_write_text(folder / "packages" / f"{name}.toml", text)
    import matplotlib.pyplot as plt

    fig = pareto.pareto_figure(res.front, res.library, plan.budget, res.chosen,
                               prefix="validated_")
    store.save_figure(fig, folder / "pareto", provenance=prov, title="robust packages")
    plt.close(fig)
