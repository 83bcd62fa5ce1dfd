"""M9 -- leaders: the head of each unit sets a stance that raises or suppresses subordinates'
innovation; heads themselves answer to the county leadership.

A leader's stance is ``min(1, recent_innovation / 4) - risk_aversion`` in [-1, 1]: leaders who
innovate themselves and do not fear risk support their subordinates' attempts; cautious leaders who
do not innovate suppress them. Leaders are cadres promoted by the appraisal (promotion.py), so
promotion rules shape the next generation's leadership.
"""

from __future__ import annotations

import numpy as np

from .jit import kernel
from .organisation import COUNTY, HEAD


def leader_rows(pop, n_units: int) -> np.ndarray:
    """Row of the head of each unit (-1 where the post is vacant), for units 0..n_units-1."""
    rows = np.full(n_units + 1, -1, dtype=np.int64)
    heads = np.flatnonzero(pop.active & (pop.rank == HEAD))
    rows[pop.unit[heads]] = heads
    return rows


def stance_of(pop, rows: np.ndarray) -> np.ndarray:
    """Stance of the cadres in ``rows``."""
    return np.minimum(pop.recent_innovation[rows] / 4.0, 1.0) - pop.risk_aversion[rows]


def subordinate_stance(pop, leaders: np.ndarray, county_unit: int) -> np.ndarray:
    """The stance each cadre sees from above: its unit head's, or for heads and county leaders the
    county leadership's mean stance."""
    seen = np.empty(pop.n)
    _stance_kernel(pop.active, pop.rank, pop.unit, pop.recent_innovation, pop.risk_aversion,
                   leaders, county_unit, seen)
    return seen


@kernel
def _stance_kernel(active, rank, unit, recent_innovation, risk_aversion, leaders, county_unit,
                   seen):
    total, count = 0.0, 0
    for i in range(active.size):
        if active[i] and rank[i] == COUNTY:
            total += min(recent_innovation[i] / 4.0, 1.0) - risk_aversion[i]
            count += 1
    county_stance = total / count if count else 0.0
    unit_stance = np.zeros(leaders.size)
    for u in range(leaders.size):
        head = leaders[u]
        if head >= 0:
            unit_stance[u] = min(recent_innovation[head] / 4.0, 1.0) - risk_aversion[head]
    unit_stance[county_unit] = county_stance
    for i in range(active.size):
        seen[i] = county_stance if rank[i] >= HEAD else unit_stance[unit[i]]
