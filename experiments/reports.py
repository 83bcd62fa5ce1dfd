"""Deprecated: running and rendering the briefing notebooks moved to ``experiments.briefings``
(``notebooks.py`` and ``report.py``). This module goes away in the next release."""

import warnings

from .briefings.notebooks import (
    HEADLINE_DIR,
    NOTEBOOK_DIR,
    NOTEBOOKS,
    REPO_ROOT,
    NotebookError,
    execute_notebook,
    has_outputs,
    notebook_parameters,
    notebook_path,
    scratch_dir,
    strip_file,
    strip_outputs,
)
from .briefings.report import build_report, render_html

__all__ = ["HEADLINE_DIR", "NOTEBOOKS", "NOTEBOOK_DIR", "REPO_ROOT", "NotebookError",
           "build_report", "execute_notebook", "has_outputs", "notebook_parameters",
           "notebook_path", "render_html", "scratch_dir", "strip_file", "strip_outputs"]

warnings.warn("experiments.reports is deprecated; import from experiments.briefings",
              DeprecationWarning, stacklevel=2)
