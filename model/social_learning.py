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

from .jit import kernel


def observed(pop, event: np.ndarray, n_units: int, county_visibility: float) -> np.ndarray:
    """How many cases of ``event`` each cadre sees: unit, cross-unit ties and county news."""
    seen = np.empty(pop.n)
    _observed_kernel(pop.unit, pop.ties, event, n_units, county_visibility, seen)
    return seen


@kernel
def _observed_kernel(unit, ties, event, n_units, county_visibility, seen):
    by_unit = np.zeros(n_units + 1)
    for i in range(unit.size):
        by_unit[unit[i]] += event[i]
    county = county_visibility * by_unit.sum() if county_visibility > 0 else 0.0
    for i in range(unit.size):
        via_ties = 0.0
        for k in range(ties.shape[1]):
            via_ties += event[ties[i, k]]
        seen[i] = by_unit[unit[i]] + via_ties + county


def update_beliefs(pop, favourable: np.ndarray, unfavourable: np.ndarray, n_units: int,
                   p) -> None:
    """Revise ``perceived_tolerance`` from observed favourable and unfavourable cases."""
    _update_kernel(pop.unit, pop.ties, favourable, unfavourable, n_units, p.county_visibility,
                   p.sanction_salience, np.log(1.0 - p.social_learning_rate),
                   pop.perceived_tolerance)


@kernel
def _update_kernel(unit, ties, favourable, unfavourable, n_units, county_visibility, salience,
                   log_keep, belief):
    """With k weighted cases seen, a share q favourable: move a fraction 1 - (1 - rate)**k of the
    way to q (computed as 1 - exp(k * log(1 - rate)))."""
    if not (favourable.any() or unfavourable.any()):
        return
    pos, neg = np.empty(unit.size), np.empty(unit.size)
    _observed_kernel(unit, ties, favourable, n_units, county_visibility, pos)
    _observed_kernel(unit, ties, unfavourable, n_units, county_visibility, neg)
    for i in range(unit.size):
        total = pos[i] + salience * neg[i]
        if total > 0:
            belief[i] += (1.0 - np.exp(total * log_keep)) * (pos[i] / total - belief[i])


def reinforce(pop, success: np.ndarray, punished: np.ndarray, p) -> None:
    """M17: own outcomes move the propensity to innovate again."""
    _reinforce_kernel(pop.propensity, success, punished, p.reinforcement_memory)


@kernel
def _reinforce_kernel(propensity, success, punished, memory):
    for i in range(propensity.size):
        signal = (1.0 if success[i] else 0.0) - (1.0 if punished[i] else 0.0)
        propensity[i] = propensity[i] * memory + (1.0 - memory) * signal
