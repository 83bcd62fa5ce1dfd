"""``cadresim discover`` and ``cadresim robust``: under which conditions a policy works, and which
affordable package of levers works in most plausible worlds (``experiments.discovery``)."""

from __future__ import annotations

import click

from ..errors import UserError
from ..runner import DEFAULT_SEED
from .base import cli, command_line, n_cadres_option
from .sweeps import add_engine_options

#: Sizes of ``--quick`` (the tests' size: seconds, not a result).
QUICK_DISCOVER = {"points": 120, "replicates": 1, "years": 1, "cadres": 60}


def _refuse_with_source(ctx, names: list[str]) -> None:
    """Options that shape new runs make no sense with a stored folder: refuse, naming them."""
    given = [n for n in names
             if ctx.get_parameter_source(n) == click.core.ParameterSource.COMMANDLINE]
    if given:
        flags = ", ".join("--" + n.replace("_", "-") for n in given)
        raise UserError(f"{flags} shape new runs; a stored folder already decides its points "
                        "(leave SOURCE out to run new points)")


@cli.command("discover")
@click.argument("source", required=False, type=click.Path(file_okay=False))
@click.option("--where", "where", required=True,
              help="The question: RESULT > NUMBER (or >=, <, <=), e.g. 'innovation_gain > 0.05'. "
                   "RESULT is an output (innovation_rate, symbolic_rate, policy_cost, ...) or, "
                   "with --effect, its paired gain (innovation_gain, symbolic_gain, "
                   "<output>_gain).")
@click.option("--effect", default=None, metavar="SCENARIO",
              help="Run every point under --against and under this scenario (same seeds) and "
                   "ask about the paired effect.")
@click.option("--against", default="baseline", show_default=True, metavar="SCENARIO",
              help="The scenario every point starts from.")
@click.option("--points", type=int, default=2000, show_default=True,
              help="Sampled points (levers over reform ranges, uncertainties from the "
                   "posterior).")
@click.option("--replicates", "-R", type=int, default=1, show_default=True,
              help="Seeded runs per point and arm (their mean is the point's result).")
@click.option("--years", "-y", type=int, default=20, show_default=True, help="Years per run.")
@n_cadres_option(1000, "Cadres per run.", dest="cadres")
@click.option("--seed", "-s", type=int, default=DEFAULT_SEED, show_default=True,
              help="Root seed of the sample, the runs, the held-out split and the tree.")
@click.option("--levers", default="all", show_default=True,
              help="Levers to vary (all, or comma-separated names); the rest stay at the "
                   "scenario's values.")
@click.option("--posterior", default=None, metavar="DIR|none",
              help="Calibration folder the uncertainties are drawn from (default: the headline "
                   "posterior when it exists); 'none': sample them over their declared ranges.")
@click.option("--density", type=float, default=0.8, show_default=True,
              help="Target density of the chosen box (share of cases of interest inside it).")
@click.option("--holdout", type=float, default=0.25, show_default=True,
              help="Share of the points held out to check the box.")
@click.option("--box", "box", type=int, default=None,
              help="Report this box of the peeling trajectory instead (see trajectory.csv).")
@click.option("--quick", is_flag=True, help="Tiny runs (the tests' size): seconds, not a result.")
@click.option("--dry-run", is_flag=True, help="Print runs and estimated time; write nothing.")
@click.option("--out", "-o", default=None,
              help="New results folder (default results/discover-<result>[-<scenario>]).")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
@add_engine_options
@click.pass_context
def discover_cmd(ctx, source, where, effect, against, points, replicates, years, cadres, seed,
                 levers, posterior, density, holdout, box, quick, dry_run, out, quiet, **engine):
    """Under which conditions does the answer to --where hold? PRIM on sampled points, CART as a
    second view, both checked on held-out points.

    Without SOURCE, samples new points and runs them (one sweep per arm, on any engine,
    resumable); with SOURCE (a folder written by `cadresim sensitivity`, `discover`, or a sweep
    directory) reads its points. Writes boxes.csv, trajectory.csv, holdout.csv, cart_boxes.csv,
    points.parquet, tradeoff/box/cart_tree figures, summary.md and manifest.json.
    """
    from .. import store
    from ..discovery import DiscoverPlan, Settings, load_points, parse_where, run_discover
    from ..discovery.cost import estimate, format_estimate
    from ..discovery.ensemble import uncertainties
    from ..scenario import load_scenario

    settings = Settings(density=density, holdout=holdout, box=box, seed=seed)
    if source is not None:
        _refuse_with_source(ctx, ["effect", "against", "points", "replicates", "years", "cadres",
                                  "levers", "posterior", "quick"])
        stored = load_points(source)
        scenario = stored.source["meta"].get("scenario") if len(stored.source["arms"]) > 1 \
            else None
        question = parse_where(where, scenario)
        plan = None
        if dry_run:
            click.echo(f"discover on {stored.n:,} stored points of {source}: no model runs "
                       "(PRIM and CART take seconds)\ndry run: nothing was written")
            return
    else:
        if quick:
            points, replicates, years, cadres = (QUICK_DISCOVER[k] for k in
                                                 ("points", "replicates", "years", "cadres"))
        scen = load_scenario(effect) if effect else None
        question = parse_where(where, scen.name if scen else None)
        plan = DiscoverPlan(points=points, replicates=replicates, years=years, seed=seed,
                            uncertainties=uncertainties(posterior),
                            baseline=load_scenario(against), scenario=scen, levers=levers,
                            n_cadres=cadres)
        if dry_run:
            design = next(iter(plan.designs().values()))
            arms = "2 arms (baseline and scenario)" if scen else "1 arm"
            cost = estimate(design, plan.n_runs(), engine.get("workers"))
            click.echo(format_estimate(
                f"discover: {points:,} points x {replicates} replicate(s) x {arms}, {years} years "
                f"of {cadres:,} cadres; {plan.uncertainties.description}", cost))
            return
    if out is None:
        out = f"results/discover-{question.column}" + (f"-{question.scenario}"
                                                        if question.scenario else "")
    store.check_output_dir(out)
    d = run_discover(question, out, settings, plan=plan, source=source, progress=not quiet,
                     argv=command_line(), **engine)
    if d is None:
        click.echo(f"shard {engine['shard'][0]}/{engine['shard'][1]} done; when every shard is "
                   "done, rerun this command without --shard to analyse")
        return
    click.echo(d.headline)
    click.echo(f"wrote {out}: summary.md, boxes.csv, holdout.csv, box.png, tradeoff.png")


#: Sizes of ``--quick`` for the robust search.
QUICK_ROBUST = {"population": 6, "generations": 2, "draws": 4, "replicates": 1, "years": 1,
                "cadres": 60}


@cli.command("robust")
@click.option("--budget", type=float, default=5000.0, show_default=True,
              help="Most extra cost over today's policy a package may have, yuan per cadre per "
                   "year, in 9 of 10 plausible worlds.")
@click.option("--levers", default="all", show_default=True,
              help="Levers to search over their reform ranges (all, or comma-separated names); "
                   "the rest stay at today's values.")
@click.option("--population", type=int, default=32, show_default=True,
              help="Packages per generation of the search (NSGA-II).")
@click.option("--generations", type=int, default=20, show_default=True,
              help="Generations of the search; each is one sweep.")
@click.option("--draws", type=int, default=24, show_default=True,
              help="Plausible worlds (draws of the uncertainties) every package is run in; as "
                   "many fresh ones check the result.")
@click.option("--replicates", "-R", type=int, default=1, show_default=True,
              help="Seeded runs per package and world.")
@click.option("--years", "-y", type=int, default=20, show_default=True, help="Years per run.")
@n_cadres_option(1000, "Cadres per run.", dest="cadres")
@click.option("--seed", "-s", type=int, default=DEFAULT_SEED, show_default=True,
              help="Root seed of the worlds, the runs and the search.")
@click.option("--posterior", default=None, metavar="DIR|none",
              help="Calibration folder the uncertainties are drawn from (default: the headline "
                   "posterior when it exists); 'none': sample them over their declared ranges.")
@click.option("--quick", is_flag=True, help="Tiny runs (the tests' size): seconds, not a result.")
@click.option("--dry-run", is_flag=True, help="Print runs and estimated time; write nothing.")
@click.option("--out", "-o", default="results/robust", show_default=True,
              help="New results folder.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bars.")
@add_engine_options
def robust_cmd(budget, levers, population, generations, draws, replicates, years, cadres, seed,
               posterior, quick, dry_run, out, quiet, **engine):
    """Which packages of levers, within --budget, raise genuine innovation without breeding
    image projects across the plausible worlds? NSGA-II (pymoo) over the reform ranges, every
    package run in the same worlds with the same seeds, each generation one sweep (any engine,
    resumable).

    Writes pareto.csv, library.csv, generations.csv, packages/*.toml (scenario files `compare`
    accepts), pareto.png, summary.md and manifest.json.
    """
    from .. import store
    from ..discovery.cost import estimate, format_estimate
    from ..discovery.ensemble import uncertainties
    from ..discovery.robust import Evaluator, RobustPlan
    from ..discovery.robust_run import run_robust
    from ..scenario import list_scenarios

    if quick:
        population, generations, draws, replicates, years, cadres = (
            QUICK_ROBUST[k] for k in ("population", "generations", "draws", "replicates",
                                      "years", "cadres"))
    library = list_scenarios()
    plan = RobustPlan(budget=budget, population=population, generations=generations,
                      draws=draws, replicates=replicates, years=years, seed=seed,
                      uncertainties=uncertainties(posterior), baseline=library[0],
                      library=library[1:], levers=levers, n_cadres=cadres)
    if dry_run:
        ev = Evaluator(plan, "unused", {}, progress=False)
        design = ev.design("train", [plan.package(x) for x in plan.starting_packages()])
        runs = plan.n_runs()
        cost = estimate(design, runs["total"], engine.get("workers"))
        click.echo(format_estimate(
            f"robust: {population} packages x {generations} generations x {draws} worlds x "
            f"{replicates} seed(s) = {runs['search']:,} search runs, plus {runs['references']:,} "
            f"for the {len(plan.references())} known packages and {runs['validation']:,} to "
            f"validate the Pareto set on fresh worlds; {years} years of {cadres:,} cadres; "
            f"{plan.uncertainties.description}", cost))
        return
    store.check_output_dir(out)
    res = run_robust(plan, out, progress=not quiet, argv=command_line(),
                     log=lambda msg: click.echo(msg, err=True), **engine)
    if res is None:
        click.echo(f"shard {engine['shard'][0]}/{engine['shard'][1]} of the current sweep done; "
                   "when every shard is done, run the same command again (with --shard for the "
                   "next sweep, or without it to finish here)")
        return
    click.echo(res.answer)
    click.echo(f"wrote {out}: summary.md, pareto.csv, pareto.png, packages/*.toml")
