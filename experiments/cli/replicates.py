"""``cadresim run``, ``compare``, ``scenarios`` and ``reproduce``: the researcher's daily commands.

    cadresim scenarios                                   # the library, one line each
    cadresim run                                         # one run of today's defaults
    cadresim run training_push my_policy.toml -r 10      # scenarios x replicates
    cadresim compare baseline credible_fault_tolerance -r 20 --years 20
    cadresim reproduce results/compare-baseline-vs-credible_fault_tolerance

Results go to ``results/<name>/`` unless ``--out`` says otherwise; an existing non-empty folder
is never overwritten. An interrupted run can be resumed by running the same command again.
"""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path

import click

from ..errors import UserError
from .base import cli, command_line

_RESULTS = Path("results")


def _common_options(replicates_default: int):
    """Options shared by ``run`` and ``compare``."""
    def wrap(f):
        opts = [
            click.option("--replicates", "-r", type=int, default=replicates_default,
                         show_default=True,
                         help="Replicates per scenario (replicate r uses the same seed in every "
                              "scenario)."),
            click.option("--years", "-y", type=float, default=20.0, show_default=True,
                         help="Simulated years (4 steps per year)."),
            click.option("--seed", "-s", type=int, default=1, show_default=True,
                         help="Root seed; replicate seeds are derived from it."),
            click.option("--n-cadres", type=int, default=1000, show_default=True,
                         help="Cadres in the simulated county."),
            click.option("--set", "sets", multiple=True, metavar="NAME=VALUE",
                         help="Parameter override applied on top of every scenario "
                              "(repeatable; see `cadresim params`)."),
            click.option("--workers", "-w", type=int, default=None,
                         help="Local worker processes [default: one per CPU]."),
            click.option("--out", "-o", type=click.Path(path_type=Path), default=None,
                         help="Results folder [default: results/<name>/]; must not exist or be "
                              "empty."),
            click.option("--quiet", "-q", is_flag=True, help="No progress bar."),
            click.option("--posterior", "posterior", default="default", show_default=True,
                         metavar="DIR|default|none",
                         help="Draw each replicate's behavioural parameters from this calibrated "
                              "ensemble (default: the committed headline posterior, when there "
                              "is one); 'none' keeps every uncertainty at its default."),
            click.option("--seeds-per-draw", type=int, default=2, show_default=True,
                         help="Replicates (seeds) sharing one posterior draw, so that parameter "
                              "uncertainty can be told from seed noise."),
        ]
        for opt in reversed(opts):
            f = opt(f)
        return f
    return wrap


def _print_effects(effects) -> None:
    from ..replicates import overall_narrowing

    width = max(len(s) for s in effects["scenario"])
    click.echo(f"{'scenario':<{width}}  {'output':<24} {'baseline':>9} {'effect':>10} "
               f"{'95% interval':>23} {'narrowing':>9}")
    for r in effects.itertuples():
        click.echo(f"{r.scenario:<{width}}  {r.output:<24} {r.baseline_mean:>9.4g} "
                   f"{r.mean_diff:>+10.4g} [{r.ci_low:>+10.4g}, {r.ci_high:>+10.4g}] "
                   f"{r.narrowing:>8.2f}x")
    click.echo(f"pairing (common random numbers) narrows the intervals by a median factor of "
               f"{overall_narrowing(effects):.2f} compared with independent seeds")
    if "full_low" in effects and effects["draws"].max() > 1:
        click.echo(f"\nover {int(effects['draws'].max())} posterior draws: 95% range of the effect "
                   "with parameter uncertainty and seed noise (full), with seed noise alone, and "
                   "the share of draws with the same sign (robust at 90% or more)")
        for r in effects.itertuples():
            click.echo(f"{r.scenario:<{width}}  {r.output:<24} full [{r.full_low:>+10.4g}, "
                       f"{r.full_high:>+10.4g}]  seeds [{r.seed_low:>+10.4g}, "
                       f"{r.seed_high:>+10.4g}]  same sign {100 * r.same_sign_share:3.0f}%"
                       f"{'  robust' if r.robust else ''}")


def _print_stats(stats) -> None:
    width = max(len(str(s)) for s in stats["scenario"])
    for r in stats.itertuples():
        interval = (f"[{r.ci_low:.4g}, {r.ci_high:.4g}]" if r.n > 1 else "")
        click.echo(f"{r.scenario:<{width}}  {r.output:<24} {r.mean:>10.4g} {interval}")


def _out_dir(out: Path | None, kind: str, names: list[str]) -> Path:
    from ..replicates import default_out_name

    return out if out is not None else _RESULTS / default_out_name(kind, names)


@contextlib.contextmanager
def _resume_note(target: Path):
    """On Ctrl-C, say where the finished runs are kept and how to resume."""
    try:
        yield
    except KeyboardInterrupt:
        staging = target.parent / f".{target.name}.partial"
        runs = staging / "runs"
        n = sum(1 for _ in runs.iterdir()) if runs.is_dir() else 0
        if n:
            click.echo(f"\ninterrupted: {n} finished runs kept in {staging}/; run the same "
                       "command again to resume", err=True)
        raise


@cli.command("run")
@click.argument("scenarios", nargs=-1)
@_common_options(replicates_default=1)
def run_cmd(scenarios, replicates, years, seed, n_cadres, sets, workers, out, quiet, posterior,
            seeds_per_draw) -> None:
    """Run SCENARIOS (library names or .toml paths; default: baseline) x replicates.

    Writes per-replicate time series (timeseries.parquet), summary tables, figures of genuine
    innovation and the four barriers (PNG and SVG) and manifest.json.
    """
    from ..replicates import prepare_scenarios, run_experiment
    from ..scenario import parse_set_options

    overrides = parse_set_options(sets)
    scen = prepare_scenarios(list(scenarios) or ["baseline"], years, overrides)
    target = _out_dir(out, "run", [s.name for s in scen])
    with _resume_note(target):
        res = run_experiment("run", scen, replicates, years, seed, n_cadres=n_cadres,
                             workers=workers, out=target, progress=not quiet,
                             overrides=overrides, argv=command_line(), posterior=posterior,
                             seeds_per_draw=seeds_per_draw)
    stats = res.stats[res.stats["output"].isin(
        ["innovation_rate", "symbolic_rate", "barrier_afraid", "barrier_unwilling",
         "barrier_unaccustomed", "barrier_unable", "mean_stress"])]
    _print_stats(stats)
    click.echo(f"results: {res.out}/ ({len(res.summary)} runs, "
               f"{res.manifest['wall_time_s']:.1f} s)")


@cli.command("compare")
@click.argument("baseline")
@click.argument("scenarios", nargs=-1, required=True)
@_common_options(replicates_default=20)
def compare_cmd(baseline, scenarios, replicates, years, seed, n_cadres, sets, workers, out,
                quiet, posterior, seeds_per_draw) -> None:
    """Paired comparison of SCENARIOS against BASELINE with common random numbers.

    Writes effects.csv (mean paired difference per output with its 95% interval, and the interval
    independent seeds would have given), time series, figures and manifest.json.
    """
    from ..replicates import prepare_scenarios, run_experiment
    from ..scenario import parse_set_options

    overrides = parse_set_options(sets)
    scen = prepare_scenarios([baseline, *scenarios], years, overrides)
    target = _out_dir(out, "compare", [s.name for s in scen])
    with _resume_note(target):
        res = run_experiment("compare", scen, replicates, years, seed, n_cadres=n_cadres,
                             workers=workers, out=target, progress=not quiet,
                             overrides=overrides, argv=command_line(), posterior=posterior,
                             seeds_per_draw=seeds_per_draw)
    _print_effects(res.effects)
    click.echo(f"results: {res.out}/ ({len(res.summary)} runs, "
               f"{res.manifest['wall_time_s']:.1f} s)")


@cli.command("scenarios")
@click.argument("names", nargs=-1)
def scenarios_cmd(names) -> None:
    """List the scenario library, one line each; with NAMES (or paths), show their settings."""
    from ..scenario import list_scenarios, load_scenario

    if not names:
        lib = list_scenarios()
        width = max(len(s.name) for s in lib)
        for s in lib:
            click.echo(f"{s.name:<{width}}  {s.description}")
        return
    for name in names:
        s = load_scenario(name)
        click.echo(f"{s.name}: {s.description}")
        click.echo(f"  file: {s.path}")
        for k, v in s.params.items():
            click.echo(f"  {k} = {v:g}")
        for c in s.policy_schedule:
            sets = ", ".join(f"{k} = {v:g}" for k, v in c["set"].items())
            click.echo(f"  from year {c['year']:g} (phased in over {c['phase_in_years']:g} "
                       f"years): {sets}")


@cli.command("reproduce")
@click.argument("manifest", type=click.Path(path_type=Path))
@click.option("--out", "-o", type=click.Path(path_type=Path), default=None,
              help="Folder for the rerun [default: <original>-rerun next to the original].")
@click.option("--workers", "-w", type=int, default=None, help="Local worker processes.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
def reproduce_cmd(manifest, out, workers, quiet) -> None:
    """Rerun an experiment from its MANIFEST (or results folder) and check every number.

    Exit code 0 when the rerun's summary equals the stored one, 1 when a number differs.
    """
    import pandas as pd

    from ..replicates import compare_summaries, reproduce
    from ..store import git_state, load_manifest

    folder = manifest if manifest.is_dir() else manifest.parent
    data = load_manifest(manifest)
    then, now = data.get("provenance", {}).get("git", {}), git_state()
    if then.get("commit") != now.get("commit") or then.get("dirty") or now.get("dirty"):
        click.echo(f"note: recorded at commit {str(then.get('commit'))[:12]} (dirty: "
                   f"{then.get('dirty')}), running {str(now.get('commit'))[:12]} (dirty: "
                   f"{now.get('dirty')}); numbers may differ if the model changed", err=True)
    if workers is not None and workers < 1:
        raise UserError(f"--workers must be a whole number >= 1, got {workers}")
    target = out if out is not None else folder.with_name(folder.name + "-rerun")
    res = reproduce(data, out=target, workers=workers, progress=not quiet)
    stored = folder / "summary.csv"
    if not stored.is_file():
        click.echo(f"rerun written to {res.out}/; no summary.csv beside the manifest to check")
        return
    diff = compare_summaries(pd.read_csv(stored), res.summary)
    # CSV stores floats with 17 significant digits, so a faithful rerun matches to round-off.
    if diff <= 1e-12:
        click.echo(f"reproduced: {len(res.summary)} runs, every summary value identical "
                   f"(max abs difference {diff:.3g}); rerun in {res.out}/")
    else:
        click.echo(f"NOT reproduced: max abs difference {diff:.3g}; rerun in {res.out}/",
                   err=True)
        sys.exit(1)
