"""``cadresim report``: execute the briefing notebooks and write each as a self-contained HTML page,
with the executed notebook and a manifest beside it."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

from ..errors import UserError
from ..store import atomic_write_text, provenance, write_json_atomic
from .notebooks import HEADLINE_DIR, NOTEBOOKS, execute_notebook, notebook_path


def render_html(nb, show_code: bool = False) -> str:
    """A self-contained HTML page of an executed notebook (figures embedded as PNG).

    Code is hidden by default: the readers of a briefing read figures and captions.
    """
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(template_name="lab")
    exporter.exclude_input = not show_code
    exporter.exclude_input_prompt = True
    exporter.exclude_output_prompt = True
    body, _ = exporter.from_notebook_node(nb)
    return body


def build_report(out: Path, quick: bool = False, names: Iterable[str] | None = None,
                 show_code: bool = False, parameters: Mapping[str, Mapping] | None = None,
                 progress: Callable[[str], None] | None = None) -> list[Path]:
    """Execute the briefing notebooks and write ``<name>.html`` for each into ``out``.

    Beside each page go the executed notebook (``<name>.ipynb``, to open in Jupyter) and a
    ``report_manifest.json`` (parameters, timings, provenance). Every notebook is executed before
    anything is written, so a failure leaves ``out`` as it was; each file is written atomically.

    Args:
        out: folder of the pages (created if missing; pages of the same name are replaced).
        quick: small runs (the size the tests use) instead of the full briefing.
        names: notebook stems to run (default: all of ``NOTEBOOKS``).
        show_code: keep the code cells in the HTML.
        parameters: extra parameters per notebook stem, e.g. ``{"02_policy_briefing": {...}}``.
        progress: called with a short line before each notebook.

    Returns:
        Paths of the written files.
    """
    import nbformat

    out = Path(out)
    if out.exists() and not out.is_dir():
        raise UserError(f"report path '{out}' is a file; choose a folder with --out")
    names = list(dict.fromkeys(names or NOTEBOOKS))
    paths = [notebook_path(n) for n in names]
    runs = {p.stem: {"quick": quick, **dict((parameters or {}).get(p.stem, {}))} for p in paths}
    for path in paths:  # fail in one line before spending minutes on the other notebooks
        _preflight(path, runs[path.stem])
    pages, timings = {}, {}
    for path in paths:
        if progress:
            progress(f"executing {path.name}{' (quick)' if quick else ''} ...")
        start = time.perf_counter()
        nb = execute_notebook(path, runs[path.stem])
        timings[path.stem] = round(time.perf_counter() - start, 2)
        pages[path.stem] = (render_html(nb, show_code=show_code), nbformat.writes(nb))
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserError(f"cannot create report folder '{out}': {exc.strerror}; "
                        "choose another --out") from None
    written = []
    for stem, (html, executed) in pages.items():
        written.append(atomic_write_text(out / f"{stem}.html", html))
        written.append(atomic_write_text(out / f"{stem}.ipynb", executed + "\n"))
    manifest = {
        "kind": "report",
        "quick": quick,
        "notebooks": {stem: {"html": f"{stem}.html", "executed": f"{stem}.ipynb",
                             "parameters": runs[stem], "seconds": timings[stem]}
                      for stem in pages},
        "provenance": provenance(),
    }
    written.append(write_json_atomic(out / "report_manifest.json", manifest))
    return written


def _preflight(path: Path, params: Mapping) -> None:
    """Refuse, in one line, a run whose inputs are missing (before any notebook runs)."""
    if path.stem == "02_policy_briefing" and params.get("results_dir"):
        from .policy import find_comparison

        if find_comparison(params["results_dir"]) is None:
            raise UserError(f"'{params['results_dir']}' holds no comparison (a folder of "
                            "`cadresim compare` with manifest.json and effects.csv); pass such "
                            "a folder with --results-dir, or leave it out")
    if path.stem == "03_sensitivity" and (not params.get("quick") or params.get("sweep_dir")):
        sweep = Path(params.get("sweep_dir") or HEADLINE_DIR / "sensitivity")
        if not (sweep / "indices.csv").is_file():
            raise UserError(f"the sensitivity notebook reads a stored analysis but '{sweep}' has "
                            "no indices.csv; run `make run` (or `cadresim sensitivity --out "
                            f"{sweep}`), pass --sweep-dir, or use --quick")
