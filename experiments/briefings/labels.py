"""Plain words the briefings show: rank names, output labels, units of the effect axes (taken
from ``experiments.presentation``, the one place every figure and table gets its words)."""

from __future__ import annotations

from model.organisation import RANK_NAMES
from model.outputs import OUTPUTS

from ..presentation import display, label

#: Ranks 0 (staff) to 3 (county leader), as the model names them.
RANK_LABELS = RANK_NAMES

#: Plain words for every output.
OUTPUT_LABELS = {o: label(o) for o in OUTPUTS}

#: Axis units of effects in display units (shares become percentage points).
AXIS_UNITS = {o: display(o).change for o in OUTPUTS}
