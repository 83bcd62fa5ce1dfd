"""Deprecated: the notebook helpers moved to ``experiments.briefings`` (``tour.py``, ``policy.py``,
``gains.py``, ``importance.py``). This module goes away in the next release."""

import warnings

from .briefings.gains import AGE_BANDS, gains_matrix, genuine_by_group, group_rates, who_gains
from .briefings.importance import (
    DIRECTION_COLOURS,
    FLAG_WORDS,
    direction_matrix,
    importance_bars,
    importance_table,
    load_sweep,
    plain_flags,
)
from .briefings.labels import AXIS_UNITS, OUTPUT_LABELS, RANK_LABELS
from .briefings.policy import effect_bars, find_comparison, heatmap, load_comparison
from .briefings.tour import EXPLAIN_COLUMNS, explain_examples, pyramid_table

__all__ = ["AGE_BANDS", "AXIS_UNITS", "DIRECTION_COLOURS", "EXPLAIN_COLUMNS", "FLAG_WORDS",
           "OUTPUT_LABELS", "RANK_LABELS", "direction_matrix", "effect_bars", "explain_examples",
           "find_comparison", "gains_matrix", "genuine_by_group", "group_rates", "heatmap",
           "importance_bars", "importance_table", "load_comparison", "load_sweep", "plain_flags",
           "pyramid_table", "who_gains"]

warnings.warn("experiments.briefing is deprecated; import from experiments.briefings",
              DeprecationWarning, stacklevel=2)
