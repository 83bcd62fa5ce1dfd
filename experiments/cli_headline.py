"""``cadresim headline``: the main job -- the policy comparison and the sensitivity ranking that
the README reports, written to one folder with a findings page."""

from __future__ import annotations

from pathlib import Path

import click

from .briefings.headline import HeadlineSettings
from .cli import cli, command_line


@cli.command("headline")
@click.option("--out", "-o", type=click.Path(path_type=Path), default=Path("results/headline"),
              show_default=True, help="Results folder.")
@click.option("--replace", is_flag=True,
              help="Rebuild the folder if it already holds results (it is swapped only when the "
                   "new results are complete).")
@click.option("--replicates", "-r", type=int, default=HeadlineSettings.replicates,
              show_default=True, help="Replicates per policy in the comparison.")
@click.option("--samples", "-n", type=int, default=HeadlineSettings.samples, show_default=True,
              help="Sobol base samples over the levers (a power of two).")
@click.option("--years", "-y", type=int, default=HeadlineSettings.years, show_default=True)
@click.option("--n-cadres", type=int, default=HeadlineSettings.n_cadres, show_default=True)
@click.option("--seed", "-s", type=int, default=HeadlineSettings.seed, show_default=True)
@click.option("--workers", "-w", type=int, default=None,
              help="Local worker processes [default: one per CPU].")
@click.option("--quiet", "-q", is_flag=True, help="No progress bars.")
def headline_cmd(out, replace, replicates, samples, years, n_cadres, seed, workers, quiet):
    """Run the headline experiment: every library policy against the baseline, and which levers
    drive genuine innovation (Sobol)."""
    from .briefings.headline import run_headline

    settings = HeadlineSettings(replicates=replicates, years=years, n_cadres=n_cadres,
                                samples=samples, seed=seed)
    folder = run_headline(out, settings, workers=workers, replace=replace, progress=not quiet,
                          argv=command_line())
    click.echo((folder / "findings.md").read_text())
    click.echo(f"results in {folder}/")
