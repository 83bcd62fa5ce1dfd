"""Briefings: what a reader sees -- the briefing notebooks, their HTML pages (``cadresim report``)
and the headline experiment with its findings page (``cadresim headline``).

The notebooks stay thin: each table or figure is one call to a name of this package, where it is
tested. The modules:

* ``tour.py``       -- notebook 01: cadres' decisions explained, the rank pyramid;
* ``policy.py``     -- notebook 02: a stored comparison read, effect bars and heat maps;
* ``gains.py``      -- notebook 02: who gains, by rank, age band and unit type (paired runs);
* ``importance.py`` -- notebook 03: a stored sensitivity analysis ranked, with directions;
* ``labels.py``     -- plain words shared by the above;
* ``notebooks.py``  -- finding, executing (papermill + nbclient) and stripping the notebooks;
* ``report.py``     -- :func:`build_report`: every notebook executed and rendered to HTML;
* ``headline.py``   -- :func:`run_headline`: every policy against the baseline, the Sobol ranking
  of the levers, and the findings in three sentences.

Public names: those of ``__all__``; notebooks use them as ``briefings.<name>``.
"""

from __future__ import annotations

from .gains import AGE_BANDS, gains_matrix, genuine_by_group, group_rates, who_gains
from .headline import HeadlineSettings, findings_sentences, run_headline, write_findings
from .importance import (
    DIRECTION_COLOURS,
    FLAG_WORDS,
    direction_goods,
    direction_matrix,
    importance_bars,
    importance_table,
    load_sweep,
    plain_flags,
)
from .labels import AXIS_UNITS, OUTPUT_LABELS, RANK_LABELS
from .notebooks import (
    HEADLINE_DIR,
    NOTEBOOK_DIR,
    NOTEBOOKS,
    QUICK_BANNER,
    NotebookError,
    execute_notebook,
    has_outputs,
    notebook_parameters,
    notebook_path,
    quick_banner,
    scratch_dir,
    strip_file,
    strip_outputs,
)
from .policy import (
    Comparison,
    briefing_comparison,
    diverging_map,
    effect_bars,
    find_comparison,
    heatmap,
    load_comparison,
    stored_scenarios,
)
from .report import build_report, render_html
from .tour import EXPLAIN_COLUMNS, explain_examples, missing_chance_parts, pyramid_table

__all__ = [
    "AGE_BANDS", "AXIS_UNITS", "DIRECTION_COLOURS", "EXPLAIN_COLUMNS", "FLAG_WORDS",
    "HEADLINE_DIR", "NOTEBOOKS", "NOTEBOOK_DIR", "OUTPUT_LABELS", "QUICK_BANNER", "RANK_LABELS",
    "Comparison", "HeadlineSettings", "NotebookError", "briefing_comparison", "build_report",
    "direction_goods", "direction_matrix", "diverging_map", "effect_bars", "execute_notebook",
    "explain_examples", "find_comparison", "findings_sentences", "gains_matrix",
    "genuine_by_group", "group_rates", "has_outputs", "heatmap", "importance_bars",
    "importance_table", "load_comparison", "load_sweep", "missing_chance_parts",
    "notebook_parameters", "notebook_path", "plain_flags", "pyramid_table", "quick_banner",
    "render_html", "run_headline", "scratch_dir", "stored_scenarios", "strip_file",
    "strip_outputs", "who_gains", "write_findings",
]
