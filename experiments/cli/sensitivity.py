"""``cadresim sensitivity``: Sobol or Morris sensitivity of the model's outputs to parameters."""

from __future__ import annotations

import click

from ..runner import DEFAULT_SEED
from .base import cli, command_line, n_cadres_option
from .sweeps import add_engine_options


@cli.command("sensitivity")
@click.option("--method", type=click.Choice(["sobol", "morris"]), default="sobol",
              show_default=True, help="Sobol variance indices, or Morris screening.")
@click.option("--samples", "-N", type=int, default=None,
              help="Sobol base points (a power of two; default 128) or Morris trajectories "
                   "(default 20).")
@click.option("--replicates", "-R", "-r", type=int, default=3, show_default=True,
              help="Seeded runs per sample row; their mean is analysed, their spread is the "
                   "seed noise.")
@click.option("--params", "params_spec", default="levers", show_default=True,
              help="levers, uncertainties, all, or comma-separated parameter names.")
@click.option("--outputs", "outputs_spec", default=None,
              help="Comma-separated outputs (default: innovation_rate, symbolic_rate, "
                   "success_rate, mean_stress, cumulative_value and the four barriers); the "
                   "first is the one summary.md ranks.")
@click.option("--years", "-y", type=int, default=20, show_default=True, help="Years per run.")
@n_cadres_option(1000, "Cadres in the simulated county.")
@click.option("--seed", "-s", type=int, default=DEFAULT_SEED, show_default=True,
              help="Root seed of the sample and of every run.")
@click.option("--second-order", is_flag=True, help="Also compute Sobol second-order indices.")
@click.option("--ranges", type=click.Choice(["declared", "reform"]), default="declared",
              show_default=True,
              help="Sample levers over their full declared ranges, or over their reform ranges "
                   "(what a county could plausibly reach within a few years).")
@click.option("--posterior", "posterior_spec", default="none", show_default=True,
              metavar="DIR|default|none",
              help="Draw the behavioural uncertainties from a calibrated posterior as one input "
                   "(its share: what we do not know about behaviour).")
@click.option("--out", "-o", "out", default=None,
              help="New results folder (default results/sensitivity-<method>-<params>).")
@click.option("--dry-run", is_flag=True,
              help="Print the number of runs, estimated time and memory; write nothing.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
@add_engine_options
def sensitivity_cmd(method, samples, replicates, params_spec, outputs_spec, years, n_cadres,
                    seed, second_order, ranges, posterior_spec, out, dry_run, quiet, **engine):
    """Which levers and mechanisms drive innovation, in which direction, and how sure we are.

    Runs a seeded SALib design (R replicates per row) through the sweep engine, then writes
    indices.csv (per parameter and per mechanism, with intervals and directions),
    diagnostics.csv (seed noise, convergence), figures, summary.md and manifest.json.
    """
    from ..calibration.posterior import resolve_posterior
    from ..sensitivity import Plan, build_problem, estimate_cost, format_cost, parse_outputs

    if samples is None:
        samples = 128 if method == "sobol" else 20
    posterior = resolve_posterior(posterior_spec)
    plan = Plan(method=method, samples=samples, replicates=replicates,
                problem=build_problem(params_spec, ranges=ranges, posterior=posterior),
                outputs=parse_outputs(outputs_spec), years=years, seed=seed,
                second_order=second_order, n_cadres=n_cadres, ranges=ranges, posterior=posterior)
    from .. import store
    from ..sensitivity import run_sensitivity
    from ..sweeps.engines import check_engine_options

    if out is None:
        label = params_spec if params_spec in ("levers", "uncertainties", "all") else "custom"
        out = f"results/sensitivity-{method}-{label}"
    # What the real run would refuse, a dry run refuses too (it writes nothing either way).
    check_engine_options(engine["engine"], engine.get("workers"), engine.get("scheduler"),
                         engine.get("cluster"), engine.get("cluster_config"))
    store.check_output_dir(out)
    if dry_run:
        cost = estimate_cost(plan, workers=engine.get("workers"))
        click.echo(format_cost(plan, cost))
        return
    if not engine.get("shard"):
        from ..runner import prepare

        prepare(None if quiet else (lambda line: click.echo(line, err=True)))
    analysis = run_sensitivity(plan, out, progress=not quiet, argv=command_line(), **engine)
    if analysis is None:  # one shard of a job array finished
        click.echo(f"shard {engine['shard'][0]}/{engine['shard'][1]} done; when every shard is "
                   "done, rerun this command without --shard to merge and analyse")
        return
    from ..presentation import Window, label, meaning

    first = plan.outputs[0]
    main = analysis.outputs[first]
    conv = "converged" if main.convergence["converged"] else (
        f"NOT converged (try --samples {main.convergence['suggested_n']})")
    click.echo(f"wrote {out}: summary.md (start there), indices.csv, diagnostics.csv, figures")
    click.echo(f"{label(first)} ({meaning(first)}, {Window.parse(None, plan.years).label()}): "
               f"{conv}")
