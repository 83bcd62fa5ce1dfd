"""The ``cadresim`` command itself: the click group every command module adds to, the entry point
:func:`main` and its error handling.

A user error (or a full disk) prints one line naming the problem and the fix, exits with code 2
and leaves no traceback; Ctrl-C and SIGTERM stop cleanly and say how to resume. The subcommands
live in the other modules of this package, one per command group; :func:`register` imports every
one of them, so a new module is found without being listed.
"""

from __future__ import annotations

import contextlib
import importlib
import pkgutil
import signal
import sys
import threading
from pathlib import Path

import click

from ..errors import USER_ERRORS
from ..store import is_disk_full


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="cadresim")
def cli() -> None:
    """Agent-based policy simulation of grassroots cadres' innovation."""


_invocation: list[str] | None = None


def n_cadres_option(default: int | None, help: str, dest: str = "n_cadres"):
    """``--n-cadres`` (the county's size, one name in every command), and the hidden old
    ``--cadres`` that still works with a note; the command receives the value as ``dest``."""
    import functools

    def wrap(f):
        @functools.wraps(f)
        def command(*args, old_cadres=None, **kwargs):
            if old_cadres is not None:
                click.echo("note: --cadres is now called --n-cadres (as in run and compare)",
                           err=True)
                kwargs[dest] = old_cadres
            return f(*args, **kwargs)

        command = click.option("--cadres", "old_cadres", type=int, default=None,
                               hidden=True)(command)
        return click.option("--n-cadres", dest, type=int, default=default,
                            show_default=default is not None, help=help)(command)
    return wrap


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
    """Entry point of the ``cadresim`` console command.

    Exit codes: 0 done, 1 a failed check (``reproduce``) or a bug (with its traceback), 2 bad
    input or a full disk (one line), 130 Ctrl-C, 143 SIGTERM -- both stop the same way: workers
    stopped, cluster jobs cancelled, finished work kept, and one line saying how to resume.
    """
    global _invocation
    register()
    # Called from Python, manifests must record this command line, not the host process's.
    _invocation = ["cadresim", *argv] if argv is not None else list(sys.argv)
    with _stop_signals() as received:
        try:
            cli.main(args=argv, prog_name="cadresim", standalone_mode=False)
        except (click.exceptions.Abort, KeyboardInterrupt) as exc:
            _interrupted(exc, received)
        except click.exceptions.NoArgsIsHelpError as exc:
            exc.show()
            sys.exit(exc.exit_code)
        except click.UsageError as exc:  # a bad option: one line too, with where to look
            where = exc.ctx.command_path if exc.ctx is not None else "cadresim"
            click.echo(f"error: {' '.join(exc.format_message().split())} (see `{where} "
                       "--help`)", err=True)
            sys.exit(2)
        except click.ClickException as exc:
            exc.show()
            sys.exit(exc.exit_code)
        except USER_ERRORS as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(2)
        except Exception as exc:
            full = _disk_full_in(exc)
            if full is None:
                raise
            where = f" while writing '{full.filename}'" if full.filename else ""
            click.echo(f"error: disk full{where}; free space and run the same command again "
                       "(finished work is kept)", err=True)
            sys.exit(2)


def _interrupted(exc: BaseException, received: list[int]) -> None:
    """One line for Ctrl-C or SIGTERM: what is kept and how to resume (a sweep says it best)."""
    cause = exc.__cause__ if isinstance(exc, click.exceptions.Abort) else exc
    text = str(cause) if isinstance(cause, KeyboardInterrupt) else ""
    text = text or "interrupted; finished work is kept: run the same command again to resume"
    if received:
        click.echo(f"stopped by SIGTERM; {text}", err=True)
        sys.exit(128 + signal.SIGTERM)
    click.echo(text, err=True)
    sys.exit(130)


@contextlib.contextmanager
def _stop_signals():
    """SIGTERM (``scancel``, walltime, ``timeout``) stops the command like Ctrl-C does, so the
    same clean-up runs; Ctrl-C gets Python's own handler back if a library replaced it (as
    importing dask_jobqueue 0.9.0 does). Yields the list of stop signals received."""
    received: list[int] = []
    if threading.current_thread() is not threading.main_thread():
        yield received
        return

    def on_term(signum, frame):
        received.append(signum)
        raise KeyboardInterrupt

    previous_int = signal.getsignal(signal.SIGINT)
    if getattr(previous_int, "__module__", "").startswith("dask_jobqueue"):
        signal.signal(signal.SIGINT, signal.default_int_handler)
    previous_term = signal.signal(signal.SIGTERM, on_term)
    try:
        yield received
    finally:
        signal.signal(signal.SIGTERM, previous_term)
        if previous_int is not None and not getattr(previous_int, "__module__", "").startswith(
                "dask_jobqueue"):
            signal.signal(signal.SIGINT, previous_int)


def _disk_full_in(exc: BaseException) -> OSError | None:
    """The "no space left" error in ``exc`` or its causes, if any."""
    seen = 0
    while exc is not None and seen < 10:
        if is_disk_full(exc):
            return exc
        exc, seen = exc.__cause__ or exc.__context__, seen + 1
    return None
