"""M4 and M17 -- what cadres learn from the cases they see, and from their own.

M4. Cadres do not read the accountability and tolerance parameters; they hold three *beliefs*
and revise them from the cases they observe in their own unit (colleagues and leader), through
cross-unit ties (former colleagues after rotation, training classmates) and, faintly
(``county_visibility``), county-wide news:

* ``perceived_risk`` -- the base chance that a failure is investigated. The estimate is the base
  chance that would give the observed share of failures investigated at their mean scrutiny
  (``base_intensity`` in accountability.py: bold and lone failures are known to draw more); a
  punished failure weighs ``sanction_salience`` times (essay 000: a punished peer raises the
  perceived risk of all who see it).
* ``perceived_tolerance`` -- the credibility of fault tolerance: the share of covered failures
  that were excused; a covered failure that was punished anyway weighs ``sanction_salience``
  times, and a promoted innovator counts as a favourable case (coverage itself is public).
* ``perceived_detection`` -- the chance that a symbolic project is exposed, now or later: the
  share of colleagues' image projects that were exposed, exposures weighing
  ``sanction_salience`` times (they are sanctioned and remembered).

With ``k`` weighted cases seen and an estimate ``t`` from them, a belief moves the fraction
``1 - (1 - social_learning_rate)**k`` of the way to ``t``. Without cases, beliefs stay.

M17. A cadre's own success raises its ``propensity`` to innovate again, its own punishment lowers
it; the memory fades at ``reinforcement_memory`` per quarter.
"""

from __future__ import annotations

from collections import namedtuple

import numpy as np

from .accountability import base_intensity
from .jit import kernel
from .population import clip

#: Rows of the evidence array: what each cadre's case contributes to the three beliefs.
EVIDENCE = ("tolerance_favourable", "tolerance_cases", "risk_investigated", "risk_scrutiny",
            "risk_cases", "detection_exposed", "detection_cases")
EV = namedtuple("Evidence", EVIDENCE)(*range(len(EVIDENCE)))


@kernel
def learn(belief, estimate_num, estimate_den, cases, log_keep):
    """One belief revised from ``cases`` weighted cases whose estimate is num / den."""
    if cases <= 0.0 or estimate_den <= 0.0:
        return belief
    target = clip(estimate_num / estimate_den, 0.0, 1.0)
    return belief + (1.0 - np.exp(cases * log_keep)) * (target - belief)


@kernel
def learn_risk(belief, investigated, scrutiny, cases, log_keep):
    """The belief about the base chance of investigation revised from ``cases`` weighted
    failures, ``investigated`` of them investigated, of summed scrutiny ``scrutiny``."""
    if cases <= 0.0:
        return belief
    target = base_intensity(min(investigated / cases, 1.0), scrutiny / cases)
    return learn(belief, target, 1.0, cases, log_keep)


def evidence(ev, salience: float) -> np.ndarray:
    """The evidence each cadre's outcomes this quarter give to observers (rows ``EVIDENCE``)."""
    out = np.zeros((len(EVIDENCE), ev.attempted.size))
    _evidence_kernel(ev.failed, ev.investigated, ev.qualified, ev.excused,
                     ev.sanctioned_innovator, ev.scrutiny, ev.symbolic, ev.symbolic_detected,
                     ev.exposed_late, salience, out)
    return out


@kernel
def _evidence_kernel(failed, investigated, qualified, excused, punished, scrutiny, symbolic,
                     detected, exposed_late, salience, out):
    for j in range(failed.size):
        if qualified[j]:
            out[EV.tolerance_favourable, j] = 1.0 if excused[j] else 0.0
            out[EV.tolerance_cases, j] = 1.0 if excused[j] else salience
        if failed[j]:
            w = salience if punished[j] else 1.0
            out[EV.risk_investigated, j] = w * investigated[j]
            out[EV.risk_scrutiny, j] = w * scrutiny[j]
            out[EV.risk_cases, j] = w
        exposed = detected[j] or exposed_late[j]
        if exposed:
            out[EV.detection_exposed, j] = salience
            out[EV.detection_cases, j] = salience
        elif symbolic[j]:
            out[EV.detection_cases, j] = 1.0


@kernel
def _tally(unit, amounts, n_units):
    """Unit totals of every row of ``amounts``, county totals, and who has any case."""
    k, n = amounts.shape
    by_unit, total = np.zeros((n_units + 1, k)), np.zeros(k)
    has = np.zeros(n, dtype=np.bool_)
    for r in range(k):  # row by row: each row is contiguous in memory
        row = amounts[r]
        for j in range(n):
            a = row[j]
            if a != 0.0:
                has[j] = True
                by_unit[unit[j], r] += a
                total[r] += a
    return by_unit, total, has


@kernel
def _observe(i, unit, ties, amounts, by_unit, total, has, county_visibility, seen):
    """Fill ``seen`` (one entry per row) with what cadre ``i`` observes: its unit's total
    (itself included), its ties' cases and a ``county_visibility`` share of the county's."""
    for r in range(seen.size):
        seen[r] = by_unit[unit[i], r] + county_visibility * total[r]
    for t in range(ties.shape[1]):
        j = ties[i, t]
        if has[j]:
            for r in range(seen.size):
                seen[r] += amounts[r, j]


def update_beliefs(pop, evidence_rows: np.ndarray, n_units: int, p) -> None:
    """Revise the three beliefs of every cadre from the cases it observes."""
    _update_kernel(pop.unit, pop.ties, evidence_rows, n_units, p.county_visibility,
                   np.log(1.0 - p.social_learning_rate), pop.perceived_tolerance,
                   pop.perceived_risk, pop.perceived_detection)


@kernel
def _revise(tolerance, risk, detection, seen, log_keep):
    """The three beliefs revised from what was seen (``seen`` rows as EVIDENCE)."""
    return (learn(tolerance, seen[EV.tolerance_favourable], seen[EV.tolerance_cases],
                  seen[EV.tolerance_cases], log_keep),
            learn_risk(risk, seen[EV.risk_investigated], seen[EV.risk_scrutiny],
                       seen[EV.risk_cases], log_keep),
            learn(detection, seen[EV.detection_exposed], seen[EV.detection_cases],
                  seen[EV.detection_cases], log_keep))


@kernel
def _update_kernel(unit, ties, amounts, n_units, county_visibility, log_keep, tolerance, risk,
                   detection):
    by_unit, total, has = _tally(unit, amounts, n_units)
    if not has.any():
        return
    k = amounts.shape[0]
    # A cadre whose ties saw nothing sees what its whole unit sees: its new belief is the old one
    # moved a fraction w towards a target t shared by the unit, so w and t are worked out once
    # per unit (from beliefs 0 and 1: b' = b + w * (t - b) is affine in b).
    shared = np.empty((n_units + 1, 3, 2))
    seen = np.empty(k)
    for u in range(n_units + 1):
        for r in range(k):
            seen[r] = by_unit[u, r] + county_visibility * total[r]
        at0 = _revise(0.0, 0.0, 0.0, seen, log_keep)
        at1 = _revise(1.0, 1.0, 1.0, seen, log_keep)
        for b in range(3):
            shared[u, b, 0] = at0[b]  # w * t
            shared[u, b, 1] = at1[b] - at0[b]  # 1 - w
    for i in range(unit.size):
        tied = False
        for t in range(ties.shape[1]):
            tied = tied or has[ties[i, t]]
        if tied:
            _observe(i, unit, ties, amounts, by_unit, total, has, county_visibility, seen)
            tolerance[i], risk[i], detection[i] = _revise(tolerance[i], risk[i], detection[i],
                                                          seen, log_keep)
        else:
            f = shared[unit[i]]
            tolerance[i] = f[0, 0] + f[0, 1] * tolerance[i]
            risk[i] = f[1, 0] + f[1, 1] * risk[i]
            detection[i] = f[2, 0] + f[2, 1] * detection[i]


def promoted_evidence(promoted_innovators: np.ndarray) -> np.ndarray:
    """Evidence rows for the year-end appraisal: a promoted innovator is a favourable case of
    tolerance (an innovator's record did not hold it back)."""
    out = np.zeros((len(EVIDENCE), promoted_innovators.size))
    out[EV.tolerance_favourable] = promoted_innovators
    out[EV.tolerance_cases] = promoted_innovators
    return out


def reinforce(pop, success: np.ndarray, punished: np.ndarray, p) -> None:
    """M17: own outcomes move the propensity to innovate again."""
    _reinforce_kernel(pop.propensity, success, punished, p.reinforcement_memory)


@kernel
def _reinforce_kernel(propensity, success, punished, memory):
    for i in range(propensity.size):
        signal = (1.0 if success[i] else 0.0) - (1.0 if punished[i] else 0.0)
        propensity[i] = propensity[i] * memory + (1.0 - memory) * signal
