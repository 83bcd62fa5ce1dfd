"""Model time: one step is a quarter of a year; the appraisal and turnover close each year."""

from __future__ import annotations

QUARTERS_PER_YEAR = 4
QUARTER = 1.0 / QUARTERS_PER_YEAR  # length of a step in years


def is_year_end(steps: int) -> bool:
    """Whether the step just taken (counted from 1) closes a year."""
    return steps % QUARTERS_PER_YEAR == 0
