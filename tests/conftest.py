"""Shared fixtures: small seeded models, the command line as a subprocess, and a loud note
when the browser test was skipped."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

#: The ``cadresim`` command of the code under test: this interpreter running this source tree,
#: never whichever ``cadresim`` happens to be first on PATH or installed from elsewhere.
CADRESIM = [sys.executable, "-m", "experiments.cli"]


def cli_env(**extra: str) -> dict[str, str]:
    """The environment for :data:`CADRESIM` subprocesses: this source tree first on the path."""
    path = os.pathsep.join([str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])
    return {**os.environ, "PYTHONPATH": path, "PYTHONWARNINGS": "ignore", **extra}


def cadresim(*args) -> tuple[int, str, str]:
    """The command line in this process (fast, for what needs no process of its own); returns
    (exit code, stdout, stderr)."""
    import contextlib
    import io

    from experiments.cli import main

    out, err = io.StringIO(), io.StringIO()
    code = 0
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            main([str(a) for a in args])
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def small_model():
    """A seeded 200-cadre county, freshly built."""
    from model import CadreModel

    return CadreModel(seed=7, n_cadres=200)


def pytest_terminal_summary(terminalreporter):
    """A skipped browser test is easy to miss among dots: say it in the summary, loudly."""
    skipped = [r for r in terminalreporter.stats.get("skipped", [])
               if "test_app_browser" in getattr(r, "nodeid", "")
               or "test_app_browser" in str(getattr(r, "longrepr", ""))]
    if not skipped:
        return
    longrepr = skipped[0].longrepr
    reason = longrepr[2] if isinstance(longrepr, tuple) else str(longrepr)
    terminalreporter.write_sep("!", "THE EXPLORER WAS NOT TESTED IN A BROWSER", red=True,
                               bold=True)
    terminalreporter.write_line(f"tests/test_app_browser.py skipped: {reason}", red=True)
