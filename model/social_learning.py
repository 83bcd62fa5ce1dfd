"""M4 and M17 -- what cadres learn from the cases they see, and from their own.

M4. Cadres do not read the fault-tolerance parameters; they *believe* a chance that an investigated
honest failure is excused (``perceived_tolerance``) and revise it from the cases they observe: in
their own unit (colleagues and leader), through cross-unit ties (former colleagues after rotation,
training classmates) and, faintly, county-wide news. An excused or promoted innovator is evidence
of tolerance; a punished one is evidence against, weighted ``sanction_salience`` times more.
With ``k`` weighted cases of which a share ``q`` were favourable, the belief moves a fraction
``1 - (1 - social_learning_rate)**k`` of the way to ``q``.

M17. A cadre's own success raises its ``propensity`` to innovate again, its own punishment lowers
it; the memory fades at ``reinforcement_memory`` per quarter.
"""

from __future__ import annotations

import numpy as np


def observed(pop, event: np.ndarray, n_units: int, county_visibility: float) -> np.ndarray:
    """How many cases of ``event`` each cadre sees: unit, cross-unit ties and county news."""
    by_unit = np.bincount(pop.unit, weights=event, minlength=n_units + 1)
    seen = by_unit[pop.unit] + event[pop.ties].sum(axis=1)
    if county_visibility > 0:
        seen += county_visibility * by_unit.sum()
    return seen


def update_beliefs(pop, favourable: np.ndarray, unfavourable: np.ndarray, n_units: int,
                   p) -> None:
    """Revise ``perceived_tolerance`` from observed favourable and unfavourable cases."""
    if not (favourable.any() or unfavourable.any()):
        return
    pos = observed(pop, favourable.astype(np.float64), n_units, p.county_visibility)
    neg = p.sanction_salience * observed(pop, unfavourable.astype(np.float64), n_units,
                                         p.county_visibility)
    total = pos + neg
    weight = 1.0 - np.power(1.0 - p.social_learning_rate, total)
    target = np.divide(pos, total, out=pop.perceived_tolerance.copy(), where=total > 0)
    pop.perceived_tolerance += weight * (target - pop.perceived_tolerance)


def reinforce(pop, success: np.ndarray, punished: np.ndarray, p) -> None:
    """M17: own outcomes move the propensity to innovate again."""
    signal = success.astype(np.float64) - punished
    pop.propensity *= p.reinforcement_memory
    pop.propensity += (1.0 - p.reinforcement_memory) * signal
