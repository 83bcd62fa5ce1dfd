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


def excuse_chance(preparation: np.ndarray, p) -> np.ndarray:
    """M3: chance that an investigated honest failure is excused."""
    return p.fault_tolerance * p.tolerance_credibility * preparation


def resolve(pop, p, action, decision, u_success, u_acc, u_verify, year: float) -> Events:
    """Draw the outcomes of this quarter's actions and write their consequences on ``pop``."""
    bold = action == BOLD
    attempted = bold | (action == INCREMENTAL)
    p_success = np.where(bold, decision.success_chance_bold, decision.success_chance)
    success = attempted & (u_success < p_success)
    failed = attempted & ~success
    p_inv = np.where(bold, investigation_chance(SIZES[1], p), investigation_chance(SIZES[0], p))
    investigated = failed & (u_acc[0] < p_inv)
    excused = investigated & (u_acc[1] < excuse_chance(decision.preparation, p))
    sanctioned_innovator = investigated & ~excused

    symbolic = action == SYMBOLIC
    detected = symbolic & (u_verify < p.verification_accuracy)
    credited = symbolic & ~detected
    routine_fault = ~attempted & (u_acc[2] < p.routine_error_rate * p.accountability_intensity)
    sanctioned = sanctioned_innovator | detected | routine_fault

    size = np.where(bold, SIZES[1], SIZES[0])
    value = np.where(success, size, 0.0)
    pop.innovation_record += value + SYMBOLIC_CLAIM * credited
    pop.demerit_until[sanctioned] = year + p.demerit_years
    pop.n_sanctions += sanctioned
    pop.n_attempts += attempted
    pop.n_successes += success
    pop.attempts_year += attempted

    outcome = np.full(pop.n, NONE, dtype=np.int8)
    outcome[success] = SUCCESS
    outcome[failed] = FAIL_UNNOTICED
    outcome[excused] = EXCUSED
    outcome[sanctioned] = SANCTIONED
    outcome[credited] = SYM_CREDITED
    outcome[detected] = SYM_DETECTED
    pop.last_outcome[:] = outcome
    return Events(attempted, success, investigated, excused, sanctioned_innovator, sanctioned,
                  symbolic, detected, value)
