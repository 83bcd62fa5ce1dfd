"""``cadresim report``, ``strip-notebooks`` and ``headline``: what a reader sees.

``report`` executes the briefing notebooks and renders them to HTML; ``strip-notebooks`` clears
their outputs before they are committed; ``headline`` runs the main job -- the policy comparison
and the sensitivity ranking that the README reports, written to one folder with a findings page.
"""

from __future__ import annotations

import time
from pathlib import Path

import click

from ..briefings.headline import HeadlineSettings, run_headline
from ..briefings.notebooks import NOTEBOOKS
from .base import cli, command_line


@cli.command("report")
@click.option("--quick", is_flag=True,
              help="Small runs (the size the test suite uses) instead of the full briefing.")
@click.option("--out", "-o", "out", default="results/report", show_default=True,
              help="Folder for <notebook>.html, the executed notebooks and a manifest.")
@click.option("--only", "only", multiple=True, type=click.Choice(NOTEBOOKS),
              help="Run only this notebook (repeatable); default: all of them.")
@click.option("--results-dir", default=None, type=click.Path(file_okay=False),
              help="Stored scenario comparison for the policy briefing "
                   "(default: results/headline when it holds one; otherwise one is computed).")
@click.option("--sweep-dir", default=None, type=click.Path(file_okay=False),
              help="Stored sensitivity analysis for the sensitivity notebook "
                   "(default: results/headline/sensitivity).")
@click.option("--show-code", is_flag=True, help="Keep the code cells in the HTML pages.")
@click.option("--posterior", default=None, metavar="DIR|default|none",
              help="Calibrated posterior for a comparison the policy briefing computes itself "
                   "(default: the committed headline posterior).")
@click.option("--quiet", "-q", is_flag=True, help="No progress lines.")
def report_cmd(quick: bool, out: str, only: tuple[str, ...], results_dir: str | None,
               sweep_dir: str | None, show_code: bool, posterior: str | None,
               quiet: bool) -> None:
    """Execute the briefing notebooks and write one HTML page per notebook into --out.

    Nothing is written unless every notebook runs; a failing notebook is reported in one line
    naming the notebook and the cell.
    """
    from ..briefings.report import build_report

    extra: dict[str, dict] = {}
    if results_dir is not None:
        extra["02_policy_briefing"] = {"results_dir": str(Path(results_dir).resolve())}
    if sweep_dir is not None:
        extra["03_sensitivity"] = {"sweep_dir": str(Path(sweep_dir).resolve())}
    if posterior is not None:
        from ..calibration.posterior import NO_POSTERIOR, resolve_posterior

        resolve_posterior(posterior)  # a bad folder fails here, in one line, before any notebook
        spec = posterior if posterior.lower() in (*NO_POSTERIOR, "default") \
            else str(Path(posterior).resolve())
        extra.setdefault("02_policy_briefing", {})["posterior"] = spec
    start = time.perf_counter()
    written = build_report(Path(out), quick=quick, names=only or None, show_code=show_code,
                           parameters=extra,
                           progress=None if quiet else (lambda line: click.echo(line, err=True)))
    pages = [p.name for p in written if p.suffix == ".html"]
    click.echo(f"wrote {', '.join(pages)} to {out} in {time.perf_counter() - start:.0f} s"
               + ("; a quick check, not a result" if quick else ""))


@cli.command("strip-notebooks")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, dir_okay=False))
def strip_cmd(paths: tuple[str, ...]) -> None:
    """Clear the outputs of notebooks (default: the briefing notebooks) before committing."""
    from ..briefings.notebooks import notebook_path, strip_file

    targets = [Path(p) for p in paths] or [notebook_path(n) for n in NOTEBOOKS]
    for path in targets:
        changed = strip_file(path)
        click.echo(f"{path}: {'stripped' if changed else 'already clean'}")


@cli.command("headline")
@click.option("--out", "-o", type=click.Path(path_type=Path), default=Path("results/headline"),
              show_default=True, help="Results folder.")
@click.option("--replace", is_flag=True,
              help="Rebuild the folder if it already holds results (it is swapped only when the "
                   "new results are complete).")
@click.option("--replicates", "-r", type=int, default=HeadlineSettings.replicates,
              show_default=True, help="Replicates per policy in the comparison.")
@click.option("--samples", "-N", "-n", type=int, default=HeadlineSettings.samples,
              show_default=True, help="Sobol base samples over the levers (a power of two).")
@click.option("--years", "-y", type=int, default=HeadlineSettings.years, show_default=True)
@click.option("--n-cadres", type=int, default=HeadlineSettings.n_cadres, show_default=True)
@click.option("--seed", "-s", type=int, default=HeadlineSettings.seed, show_default=True)
@click.option("--workers", "-w", type=int, default=None,
              help="Local worker processes [default: one per CPU].")
@click.option("--quiet", "-q", is_flag=True, help="No progress bars.")
@click.option("--posterior", default=HeadlineSettings.posterior, show_default=True,
              metavar="DIR|default|none",
              help="Calibrated posterior every answer draws from ('none': uncertainties at their "
                   "defaults).")
def headline_cmd(out, replace, replicates, samples, years, n_cadres, seed, workers, quiet,
                 posterior):
    """Run the headline experiment: every library policy against the baseline, and which levers
    drive genuine innovation (Sobol)."""
    settings = HeadlineSettings(replicates=replicates, years=years, n_cadres=n_cadres,
                                samples=samples, seed=seed, posterior=posterior)
    folder = run_headline(out, settings, workers=workers, replace=replace, progress=not quiet,
                          argv=command_line())
    click.echo((folder / "findings.md").read_text())
    click.echo(f"results in {folder}/")
