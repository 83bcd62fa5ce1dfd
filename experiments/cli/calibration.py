"""``cadresim calibrate``: fit the behavioural uncertainties to the published evidence (ABC-SMC)
and write the posterior ensemble every answer can draw from."""

from __future__ import annotations

import click

from ..runner import DEFAULT_SEED
from .base import cli, command_line, n_cadres_option
from .sweeps import add_engine_options


@cli.command("calibrate")
@click.option("--targets", "targets_file", default=None, type=click.Path(dir_okay=False),
              help="Targets file (default: experiments/calibration/targets.toml).")
@click.option("--out", "-o", default="results/calibration", show_default=True,
              help="New results folder (the headline posterior: results/headline/posterior).")
@click.option("--population", "-N", type=int, default=400, show_default=True,
              help="Parameter sets per generation, and in the posterior (at least 200 for a "
                   "headline).")
@click.option("--max-generations", type=int, default=12, show_default=True,
              help="Stop after this many generations even if not every target is met.")
@click.option("--min-acceptance", type=float, default=0.02, show_default=True,
              help="A generation whose acceptance falls below this stops at its best sets.")
@click.option("--calibrate", "calibrate_spec", default=None,
              help="Comma-separated uncertainties to calibrate (default: chosen by a Morris "
                   "screening of every uncertainty on the targets).")
@click.option("--nuisance", type=click.Choice(["defaults", "prior"]), default="defaults",
              show_default=True,
              help="Uncertainties not calibrated: held at their defaults, or drawn from their "
                   "declared ranges in every run (honest but about a hundred times more runs; "
                   "see docs/CALIBRATION.md).")
@click.option("--screening-trajectories", type=int, default=12, show_default=True,
              help="Morris trajectories of the screening.")
@click.option("--ppc-seeds", type=int, default=2, show_default=True,
              help="Fresh seeds per posterior set in the posterior-predictive check.")
@click.option("--years", "-y", type=int, default=None,
              help="Years per run (default: the targets file's setting).")
@n_cadres_option(None, "Cadres per run (default: the targets file's setting).", dest="cadres")
@click.option("--seed", "-s", type=int, default=DEFAULT_SEED, show_default=True, help="Root seed.")
@click.option("--quick", is_flag=True,
              help="Small, short runs and a population of 40 (for tests; not for findings).")
@click.option("--dry-run", is_flag=True, help="State the runs and time; write nothing.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bars.")
@add_engine_options
def calibrate_cmd(targets_file, out, population, max_generations, min_acceptance,
                  calibrate_spec, nuisance, screening_trajectories, ppc_seeds, years, cadres,
                  seed, quick, dry_run, quiet, **engine):
    """Calibrate the uncertainties (never the levers) against the published targets.

    Screens which uncertainties the targets can inform, runs ABC-SMC generations as resumable
    sweeps on the chosen engine, checks the posterior against every target on fresh seeds, and
    writes posterior.parquet, tables, figures, summary.md and manifest.json.
    """
    from ..calibration import CalibrationPlan, load_targets, quick_plan
    from ..calibration.cost import estimate_cost, format_cost

    chosen = tuple(s.strip() for s in calibrate_spec.split(",") if s.strip()) \
        if calibrate_spec else ()
    plan = CalibrationPlan(targets=load_targets(targets_file), population=population,
                           max_generations=max_generations, min_acceptance=min_acceptance,
                           screening_trajectories=screening_trajectories, calibrate=chosen,
                           nuisance=nuisance, ppc_seeds=ppc_seeds, seed=seed, years=years,
                           cadres=cadres)
    if quick:
        plan = quick_plan(plan)
    if dry_run:
        click.echo(format_cost(plan, estimate_cost(plan, workers=engine.get("workers"))))
        return
    from .. import store
    from ..calibration import calibrate

    store.check_output_dir(out)
    result = calibrate(plan, out, progress=not quiet, argv=command_line(),
                       log=lambda line: click.echo(line, err=True), **engine)
    if result is None:
        click.echo(f"shard {engine['shard'][0]}/{engine['shard'][1]} done; rerun this command "
                   "without --shard to write the results")
        return
    for r in result.check.itertuples():
        click.echo(f"{r.target:<22} band {r.band:<10} posterior predictive median "
                   f"{r.posterior_median:.3g} ({r.posterior_q05:.3g}-{r.posterior_q95:.3g}) "
                   f"{'met' if r.met else 'NOT MET'}")
    verdict = "every target met" if result.met else \
        "NOT every target met (see summary.md: a finding, the targets were not loosened)"
    click.echo(f"wrote {out}: posterior of {len(result.smc.final)} sets over "
               f"{len(result.plan.calibrate)} calibrated uncertainties; {verdict}")
