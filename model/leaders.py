"""M9 -- leaders: the head of each unit takes a stance that stimulates or suppresses its
subordinates' innovation; heads themselves answer to the county leadership.

A leader's stance follows from its own traits and record (essay 000: leaders "stimulate
subordinates' innovation with their own innovation", while others, to protect their position,
"suppress the innovation of subordinates")::

    stance = clip(STANCE_OWN * min(recent_innovation / RECENT_FULL, 1)
                  + STANCE_RISK * (NEUTRAL_RISK - risk_aversion)
                  - STANCE_GUARD * insecure, -1, 1)

where ``insecure`` is 1 for a leader whose own post is threatened -- an active demerit or a last
appraisal in the lower half of its rank -- and 0 otherwise. Leaders who innovate and do not fear
risk support their subordinates' attempts; cautious, threatened leaders who do not innovate
suppress them; both occur in every county. Leaders are cadres promoted by the appraisal
(promotion.py), so promotion rules shape the next generation's leadership.
"""

from __future__ import annotations

import numpy as np

from .jit import kernel
from .organisation import COUNTY, HEAD
from .population import clip

STANCE_OWN = 1.0  # pull of a leader's own recent innovation
RECENT_FULL = 2.0  # recent attempts (discounted) that count as a fully innovating leader
STANCE_RISK = 2.0  # a leader of risk aversion NEUTRAL_RISK is neutral; the range spans -1..1
NEUTRAL_RISK = 0.5  # the middle of the risk-aversion scale
STANCE_GUARD = 0.5  # push towards suppression of a leader whose post is threatened


@kernel
def insecure(demerit_until, score, year):
    """1.0 when a leader's post is threatened (an active demerit, or a last appraisal score below
    zero: roughly the lower half of its rank), else 0.0."""
    return 1.0 if (demerit_until > year or score < 0.0) else 0.0


@kernel
def stance(recent_innovation, risk_aversion, demerit_until, score, year):
    """M9: the stance of one leader in ``year``, in [-1, 1], from its record and traits."""
    own = min(recent_innovation / RECENT_FULL, 1.0)
    return clip(STANCE_OWN * own + STANCE_RISK * (NEUTRAL_RISK - risk_aversion)
                - STANCE_GUARD * insecure(demerit_until, score, year), -1.0, 1.0)


def leader_rows(pop, n_units: int) -> np.ndarray:
    """Row of the head of each unit (-1 where the post is vacant), for units 0..n_units-1."""
    rows = np.full(n_units + 1, -1, dtype=np.int64)
    heads = np.flatnonzero(pop.active & (pop.rank == HEAD))
    rows[pop.unit[heads]] = heads
    return rows


def subordinate_stance(pop, leaders: np.ndarray, county_unit: int, year: float) -> np.ndarray:
    """The stance each cadre sees from above: its unit head's, or for heads and county leaders the
    county leadership's mean stance (0 where the post above is vacant)."""
    seen = np.empty(pop.n)
    _stance_kernel(pop.active, pop.rank, pop.unit, pop.recent_innovation, pop.risk_aversion,
                   pop.demerit_until, pop.score, leaders, county_unit, year, seen)
    return seen


@kernel
def _stance_kernel(active, rank, unit, recent_innovation, risk_aversion, demerit_until, score,
                   leaders, county_unit, year, seen):
    total, count = 0.0, 0
    for i in range(active.size):
        if active[i] and rank[i] == COUNTY:
            total += stance(recent_innovation[i], risk_aversion[i], demerit_until[i], score[i],
                            year)
            count += 1
    county_stance = total / count if count else 0.0
    unit_stance = np.zeros(leaders.size)
    for u in range(leaders.size):
        head = leaders[u]
        if head >= 0:
            unit_stance[u] = stance(recent_innovation[head], risk_aversion[head],
                                    demerit_until[head], score[head], year)
    unit_stance[county_unit] = county_stance
    for i in range(active.size):
        seen[i] = county_stance if rank[i] >= HEAD else unit_stance[unit[i]]
