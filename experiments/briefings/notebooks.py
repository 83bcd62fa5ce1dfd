"""Briefing notebooks: find them, execute them (papermill parameters + nbclient), strip outputs.

* ``execute_notebook`` injects parameters into the cell tagged ``parameters`` (papermill) and runs
  the notebook on a kernel started from *this* interpreter (nbclient), so a fresh virtualenv needs
  no ``ipykernel install`` and a stray user-level ``python3`` kernelspec cannot hijack the run.
* ``strip_outputs`` / ``strip_file`` clear outputs so the committed notebooks hold no results.

Rendering them to HTML is ``report.py``'s job; the tables and figures they show are built by
``tour.py``, ``policy.py``, ``gains.py`` and ``importance.py``.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path

from ..errors import UserError
from ..store import atomic_write_text

REPO_ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK_DIR = REPO_ROOT / "notebooks"
#: The briefing notebooks, in reading order (file stems in ``notebooks/``).
NOTEBOOKS = ("01_model_tour", "02_policy_briefing", "03_sensitivity", "04_discovery")
#: Where ``make run`` stores the headline experiment the notebooks read when present.
HEADLINE_DIR = REPO_ROOT / "results" / "headline"
_KERNEL_NAME = "cadresim-python"
_SCRATCH_ENV = "CADRESIM_NOTEBOOK_SCRATCH"


class NotebookError(UserError):
    """A notebook failed; the message names the notebook, the cell and the error."""


# ---------------------------------------------------------------------------------- execution
def _kernel_manager(workdir: Path):
    """A kernel manager whose kernel runs on ``sys.executable`` (the interpreter running us).

    The kernelspec is written into ``workdir`` and only that folder is searched, so the result
    does not depend on which kernelspecs happen to be installed for the user or the system.
    """
    try:
        import ipykernel  # noqa: F401  (the kernel process imports it; fail early and clearly)
    except ImportError as exc:
        raise UserError("ipykernel is not installed in this environment; "
                        "run `pip install -e .` in the project's virtualenv") from exc
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import AsyncKernelManager

    spec_dir = workdir / "kernels" / _KERNEL_NAME
    spec_dir.mkdir(parents=True, exist_ok=True)
    spec = {
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "cadresim (this interpreter)",
        "language": "python",
        # Figures as inline PNGs whatever the user's matplotlibrc says; no debugger chatter.
        "env": {"MPLBACKEND": "module://matplotlib_inline.backend_inline",
                "PYDEVD_DISABLE_FILE_VALIDATION": "1",
                _SCRATCH_ENV: str(workdir / "scratch")},
    }
    (workdir / "scratch").mkdir(exist_ok=True)
    (spec_dir / "kernel.json").write_text(json.dumps(spec))
    ksm = KernelSpecManager(kernel_dirs=[str(workdir / "kernels")], ensure_native_kernel=False)
    ipc = str(workdir / "kernel-ipc")
    if os.name != "posix" or len(ipc) > 90:  # Unix socket paths are limited to ~104 bytes
        return AsyncKernelManager(kernel_name=_KERNEL_NAME, kernel_spec_manager=ksm)
    # IPC sockets in our private folder: no TCP ports, no "running over TCP" warning.
    return AsyncKernelManager(kernel_name=_KERNEL_NAME, kernel_spec_manager=ksm, transport="ipc",
                              ip=ipc)


def scratch_dir() -> Path:
    """A folder for a notebook's temporary files.

    Under ``execute_notebook`` it lives inside the run's temporary folder and is removed with it,
    even when the notebook fails; run interactively, it is a new folder under the system's temp.
    """
    folder = os.environ.get(_SCRATCH_ENV)
    if folder and Path(folder).is_dir():
        return Path(folder)
    return Path(tempfile.mkdtemp(prefix="cadresim-notebook-"))


def notebook_path(name: str) -> Path:
    """The committed notebook called ``name`` (stem, e.g. ``01_model_tour``)."""
    stem = name.removesuffix(".ipynb")
    if stem not in NOTEBOOKS:
        raise UserError(f"unknown notebook {name!r}; choose one of {', '.join(NOTEBOOKS)}")
    return NOTEBOOK_DIR / f"{stem}.ipynb"


def notebook_parameters(path: Path) -> dict:
    """Names and default values (as source text) of a notebook's ``parameters`` cell."""
    import papermill

    params = papermill.inspect_notebook(str(path))
    return {name: info["default"] for name, info in params.items()}


def _first_error(nb) -> tuple[int, object, dict] | None:
    """(code-cell number counted from 1, cell, error output) of the first failed cell."""
    number = 0
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        number += 1
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                return number, cell, output
    return None


def execute_notebook(path: Path, parameters: Mapping | None = None, cwd: Path | None = None,
                     timeout: int | None = None):
    """Run a notebook with ``parameters`` injected and return the executed notebook.

    Args:
        path: the ``.ipynb`` to run (read, never written).
        parameters: values for names of the notebook's ``parameters`` cell; unknown names fail.
        cwd: working directory of the kernel (default: the repository root).
        timeout: seconds allowed per cell (default: no limit).

    Raises:
        NotebookError: a cell raised; the one-line message names notebook, cell and error.
    """
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError
    from papermill.iorw import load_notebook_node
    from papermill.parameterize import parameterize_notebook

    path = Path(path)
    parameters = dict(parameters or {})
    known = notebook_parameters(path)
    unknown = sorted(set(parameters) - set(known))
    if unknown:
        raise UserError(f"{path.name} has no parameter {', '.join(unknown)}; "
                        f"its parameters are {', '.join(known)}")
    nb = load_notebook_node(str(path))  # papermill's reader: adds the metadata it expects
    nb = parameterize_notebook(nb, parameters, kernel_name="python3", language="python")
    with tempfile.TemporaryDirectory(prefix="cadresim-kernel-") as tmp:
        client = NotebookClient(nb, km=_kernel_manager(Path(tmp)), timeout=timeout,
                                resources={"metadata": {"path": str(cwd or REPO_ROOT)}})
        try:
            # We made the kernel manager, so nbclient must still shut the kernel down at the end.
            client.execute(cleanup_kc=True)
        except (CellExecutionError, CellTimeoutError, DeadKernelError) as exc:
            raise NotebookError(_describe_failure(path, nb, exc)) from exc
    return nb


def _describe_failure(path: Path, nb, exc: Exception) -> str:
    found = _first_error(nb)
    if found is None:  # timeout or dead kernel: no error output was recorded
        return f"notebook {path.name} failed: {str(exc).strip().splitlines()[-1]}"
    number, cell, output = found
    first_line = next((ln.strip() for ln in cell.source.splitlines() if ln.strip()), "")
    evalue = (str(output.get("evalue", "")).strip().splitlines() or [""])[0]
    return (f"notebook {path.name} failed in code cell {number} ({first_line[:60]!r}): "
            f"{output.get('ename', 'Error')}: {evalue}")


# ---------------------------------------------------------------------------------- outputs
def strip_outputs(nb):
    """Clear outputs, execution counts and run metadata in place; return the notebook."""
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
        for key in ("execution", "papermill", "collapsed", "scrolled"):
            cell.metadata.pop(key, None)
    for key in ("papermill", "widgets"):
        nb.metadata.pop(key, None)
    return nb


def has_outputs(nb) -> bool:
    """True if any code cell holds outputs or an execution count."""
    return any(c.cell_type == "code" and (c.get("outputs") or c.get("execution_count"))
               for c in nb.cells)


def strip_file(path: Path) -> bool:
    """Strip a notebook file's outputs in place; return True if it changed."""
    import nbformat

    nb = nbformat.read(path, as_version=4)
    before = nbformat.writes(nb)
    after = nbformat.writes(strip_outputs(nb))
    if after != before:
        atomic_write_text(path, after if after.endswith("\n") else after + "\n")
    return after != before


#: What a --quick page says at its top: its numbers are a test of the pipeline, not a result.
QUICK_BANNER = (
    '<div class="cadresim-quick-banner" style="border: 3px solid #D55E00; background: #fff1e6; '
    'padding: 10px 14px; margin: 8px 0; font-size: 15px;"><b>QUICK CHECK - NOT A RESULT.</b> '
    "This page ran tiny simulations (a few hundred cadres, two replicates, a few years) only to "
    "test that the briefing works. Do not quote any number or figure on it; for the briefing, "
    "run <code>cadresim report</code> without <code>--quick</code>.</div>")


def quick_banner(quick: bool):
    """The banner a notebook displays at its top in quick mode (an empty string otherwise), as
    an object Jupyter renders as HTML."""
    from IPython.display import HTML

    return HTML(QUICK_BANNER if quick else "")
