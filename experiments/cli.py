"""``cadresim``: one console command for every user-facing job.

Subcommands live beside the code they drive (``cli_*.py`` modules register themselves on ``cli``);
this module holds the group, the ``params`` listing and the error handling: a user error prints one
line naming the problem and the fix, exits with code 2 and leaves no traceback.
"""

from __future__ import annotations

import sys

import click

from .errors import USER_ERRORS


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="cadresim")
def cli() -> None:
    """Agent-based policy simulation of grassroots cadres' innovation."""


@cli.command("params")
@click.option("--kind", type=click.Choice(["lever", "uncertainty", "structure"]), default=None,
              help="Only parameters of this kind.")
def params_cmd(kind: str | None) -> None:
    """List every parameter with its default, range, unit and kind."""
    from model.parameters import PARAMETERS

    rows = [p for p in PARAMETERS if kind is None or p.kind == kind]
    width = max(len(p.name) for p in rows)
    click.echo(f"{'name':<{width}}  {'default':>8}  {'range':<15}  {'kind':<11}  {'mech':<4}  unit")
    for p in rows:
        rng = f"[{p.low:g}, {p.high:g}]"
        click.echo(f"{p.name:<{width}}  {p.default:>8g}  {rng:<15}  {p.kind:<11}  "
                   f"{p.mechanism:<4}  {p.unit}")
        click.echo(f"{'':<{width}}  {p.meaning} Source: {p.source}.")


_invocation: list[str] | None = None


def command_line() -> list[str]:
    """The command line of the running ``cadresim`` command (for manifests)."""
    return list(_invocation) if _invocation is not None else list(sys.argv)


def _register() -> None:
    """Import the modules that add subcommands to ``cli``."""
    import importlib

    for name in ("cli_experiments", "cli_sensitivity", "cli_sweeps", "cli_reports",
                 "cli_headline"):
        try:
            importlib.import_module(f"experiments.{name}")
        except ModuleNotFoundError as exc:  # a module not written yet
            if exc.name != f"experiments.{name}":
                raise


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``cadresim`` console command."""
    global _invocation
    _register()
    # Called from Python, manifests must record this command line, not the host process's.
    _invocation = ["cadresim", *argv] if argv is not None else list(sys.argv)
    try:
        cli.main(args=argv, standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except USER_ERRORS as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    except KeyboardInterrupt:
        click.echo("interrupted; finished work is kept, rerun the command to resume", err=True)
        sys.exit(130)
