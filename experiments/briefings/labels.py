"""Plain words the briefings show: rank names, output labels, units of the effect axes."""

from __future__ import annotations

from model.organisation import RANK_NAMES

#: Ranks 0 (staff) to 3 (county leader), as the model names them.
RANK_LABELS = RANK_NAMES

#: Plain words for the outputs a briefing shows.
OUTPUT_LABELS = {
    "innovation_rate": "genuine innovation", "symbolic_rate": "symbolic innovation",
    "mean_stress": "mean stress", "success_rate": "success of attempts",
    "barrier_afraid": "afraid", "barrier_unwilling": "unwilling",
    "barrier_unaccustomed": "unaccustomed", "barrier_unable": "unable",
}

#: Axis units of effects scaled by 100 (rates become percentage points).
AXIS_UNITS = {"mean_stress": "points on a 0-100 scale"}
