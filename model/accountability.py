"""M2, M3 and M14 -- what happens after a cadre acts: success or failure, investigation, fault
tolerance (excusal of honest, diligent failures), sanctions, and verification of symbolic claims.

* A failed genuine innovation of size s is investigated with chance
  ``min(1, accountability_intensity * (1 + social_risk * s))``.
* An investigated failure is excused with chance
  ``fault_tolerance * tolerance_credibility * preparation``: the rules must cover the case
  (coverage), be applied (credibility), and the attempt must have been prepared with due diligence.
  Otherwise the cadre is sanctioned.
* A symbolic innovation is detected with chance ``verification_accuracy`` and then sanctioned
  (fault tolerance never covers it); undetected, it earns the same appraisal credit as a success.
* Routine work has irregularities (``routine_error_rate``) that strict inspection sanctions.

A sanction bars promotion for ``demerit_years`` and adds to stress (workload.py).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .decision import SIZES, SYMBOLIC_CLAIM, investigation_chance
from .jit import kernel
from .population import (
    BOLD,
    EXCUSED,
    FAIL_UNNOTICED,
    INCREMENTAL,
    NONE,
    SANCTIONED,
    SUCCESS,
    SYM_CREDITED,
    SYM_DETECTED,
    SYMBOLIC,
)


@dataclass
class Events:
    """Boolean per cadre: what happened this quarter."""

    attempted: np.ndarray
    success: np.ndarray
    investigated: np.ndarray
    excused: np.ndarray
    sanctioned_innovator: np.ndarray  # genuine innovators sanctioned for a failure
    sanctioned: np.ndarray  # any sanction (innovation, symbolic, routine)
    symbolic: np.ndarray
    symbolic_detected: np.ndarray
    value: np.ndarray  # value delivered by successful genuine innovation


def tolerance_in_force(p) -> float:
    """M3: fault tolerance as applied -- the rules' coverage times the credibility of their use."""
    return p.fault_tolerance * p.tolerance_credibility


def excuse_chance(preparation: np.ndarray, p) -> np.ndarray:
    """M3: chance that an investigated honest failure is excused (diligence is preparation)."""
    return tolerance_in_force(p) * preparation


def resolve(pop, p, action, decision, u_success, u_acc, u_verify, year: float) -> Events:
    """Draw the outcomes of this quarter's actions and write their consequences on ``pop``."""
    flags = np.zeros((8, pop.n), dtype=np.bool_)
    value = np.zeros(pop.n)
    _resolve_kernel(
        action, decision.success_chance, decision.success_chance_bold, decision.preparation,
        u_success, u_acc, u_verify, investigation_chance(SIZES[0], p),
        investigation_chance(SIZES[1], p), tolerance_in_force(p),
        p.verification_accuracy, p.routine_error_rate * p.accountability_intensity,
        year + p.demerit_years, pop.active, pop.innovation_record, pop.demerit_until,
        pop.n_sanctions, pop.n_attempts, pop.n_successes, pop.attempts_year,
        pop.recent_innovation, pop.last_outcome, flags, value)
    return Events(*flags, value)


@kernel
def _resolve_kernel(action, p_inc, p_bold, preparation, u_success, u_acc, u_verify, inv_inc,
                    inv_bold, tolerance, verification, routine_fault_chance, demerit_until_year,
                    active, record, demerit_until, n_sanctions, n_attempts, n_successes,
                    attempts_year, recent_innovation, last_outcome, flags, value):
    """Cadre by cadre; ``flags`` rows are the boolean fields of ``Events`` in order. Also keeps
    ``recent_innovation``, the genuine attempts discounted by a quarter each quarter (M9)."""
    for i in range(action.size):
        a = action[i]
        bold = a == BOLD
        attempted = bold or a == INCREMENTAL
        success = investigated = excused = punished = detected = credited = False
        outcome = NONE
        if attempted:
            success = u_success[i] < (p_bold[i] if bold else p_inc[i])
            if success:
                outcome = SUCCESS
                value[i] = SIZES[1] if bold else SIZES[0]
            else:
                outcome = FAIL_UNNOTICED
                investigated = u_acc[0, i] < (inv_bold if bold else inv_inc)
                if investigated:
                    # M3 (excuse_chance): covered, credibly applied, and prepared with diligence.
                    excused = u_acc[1, i] < tolerance * preparation[i]
                    punished = not excused
                    outcome = EXCUSED if excused else SANCTIONED
        elif a == SYMBOLIC:
            detected = u_verify[i] < verification
            credited = not detected
            outcome = SYM_DETECTED if detected else SYM_CREDITED
        sanctioned = punished or detected or (
            not attempted and u_acc[2, i] < routine_fault_chance and active[i])
        if sanctioned:
            demerit_until[i] = demerit_until_year
            n_sanctions[i] += 1
            if outcome == NONE:
                outcome = SANCTIONED
        record[i] += value[i] + SYMBOLIC_CLAIM * credited
        n_attempts[i] += attempted
        n_successes[i] += success
        attempts_year[i] += attempted
        recent_innovation[i] = recent_innovation[i] * 0.75 + attempted
        last_outcome[i] = outcome
        flags[0, i], flags[1, i], flags[2, i] = attempted, success, investigated
        flags[3, i], flags[4, i], flags[5, i] = excused, punished, sanctioned
        flags[6, i], flags[7, i] = a == SYMBOLIC, detected
