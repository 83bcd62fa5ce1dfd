"""The ``cadresim`` command itself: the click group every command module adds to, the entry point
:func:`main` and its error handling.

A user error prints one line naming the problem and the fix, exits with code 2 and leaves no
traceback. The subcommands live in the other modules of this package, one per command group;
:func:`register` imports every one of them, so a new module is found without being listed.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
from pathlib import Path

import click

from ..errors import USER_ERRORS


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="cadresim")
def cli() -> None:
    """Agent-based policy simulation of grassroots cadres' innovation."""


_invocation: list[str] | None = None


def command_line() -> list[str]:
    """The command line of the running ``cadresim`` command (for manifests)."""
    return list(_invocation) if _invocation is not None else list(sys.argv)


def command_modules() -> list[str]:
    """Names of the command modules of this package: every module but this one (and private
    ones), in alphabetical order."""
    here = Path(__file__).resolve().parent
    own = __name__.rpartition(".")[2]
    return [m.name for m in pkgutil.iter_modules([str(here)])
            if m.name != own and not m.name.startswith("_")]


def register() -> None:
    """Import every command module, each of which adds its commands to :data:`cli`."""
    package = __name__.rpartition(".")[0]
    for name in command_modules():
        importlib.import_module(f"{package}.{name}")


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``cadresim`` console command."""
    global _invocation
    register()
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
