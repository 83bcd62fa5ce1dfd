"""M2, M3 and M14 -- what happens after a cadre acts: success or failure, investigation, fault
tolerance (excusal of honest, diligent failures), sanctions, and verification of symbolic claims.

* M2. A failed genuine innovation of size s is investigated with chance
  ``1 - (1 - accountability_intensity) ** scrutiny``, ``scrutiny = (1 + social_risk * s) *
  (1 + lone_exposure * (1 - peer_share))``: as if it were looked at ``scrutiny`` times, each time
  with the base chance. Bold attempts stir more opposition (essay 000) and a lone innovator stands
  out, while one among many innovating colleagues is safer (essay 001's conformity; safety in
  numbers). The chance rises smoothly towards 1 (no cap at which more scrutiny stops mattering).
* M3. Fault tolerance has two halves. *Coverage* (``fault_tolerance``) decides which failures
  qualify: honest ones (genuine attempts), prepared with due diligence (chance ``preparation``),
  and no larger than the rules cover (``min(1, fault_tolerance / s)``: coverage is the largest
  size excused in full). *Credibility* (``tolerance_credibility``) is the chance that a
  qualifying case is actually excused (essays 001, 003: rules "on paper" vs applied). An
  investigated failure that is not excused is sanctioned.
* M14. A symbolic innovation is detected when claimed with chance ``verification_accuracy``; one
  that passes stays on record (``sham_record``) and can be exposed later, with chance
  ``1 - exp(-late_exposure * verification_accuracy * sham_record)`` a quarter (audits,
  complaints). Exposure is sanctioned and revokes the credit. Fault tolerance never covers it.
* Routine work has irregularities (``routine_error_rate``) that strict inspection sanctions.

A sanction bars promotion for ``demerit_years`` and adds to stress (workload.py). Colleagues see
these cases and learn from them (social_learning.py).
"""

from __future__ import annotations

from collections import namedtuple
from dataclasses import dataclass, fields

import numpy as np

from .jit import kernel
from .population import (
    BOLD,
    EXCUSED,
    FAIL_UNNOTICED,
    INCREMENTAL,
    NONE,
    SANCTIONED,
    SIZES,
    SUCCESS,
    SYM_CREDITED,
    SYM_DETECTED,
    SYM_EXPOSED,
    SYMBOLIC,
    SYMBOLIC_CLAIM,
)

#: Memory of the sham record per quarter: undetected claims fade from the record about as the
#: innovation record does (half a year, RECORD_RETENTION in promotion.py).
SHAM_MEMORY = 0.85
#: Memory of a cadre's recent genuine attempts per quarter (about a year); steady attempts
#: every quarter give 1 / (1 - RECENT_MEMORY) = 4.
RECENT_MEMORY = 0.75
#: Row of each uniform draw per cadre and quarter in ``u_acc``, by name: investigation of a
#: failure, its qualification and the application of the rules (M3), later exposure of a sham
#: record, a routine irregularity (last: the model passes the success draws as this row, since a
#: cadre uses one or the other, never both).
DRAW = namedtuple("Draw", ("investigation", "qualification", "application", "exposure",
                           "routine"))(*range(5))
N_DRAWS = len(DRAW)


@kernel
def scrutiny(social_risk, lone_exposure, size, peer_share):
    """How much more than the base intensity a failure of ``size`` attracts, given the share of
    colleagues who innovate too."""
    return (1.0 + social_risk * size) * (1.0 + lone_exposure * (1.0 - peer_share))


@kernel
def investigation_chance(log_miss, social_risk, lone_exposure, size, peer_share):
    """M2: chance that a failed innovation is investigated, ``1 - (1 - intensity) ** scrutiny``,
    given ``log_miss = log(1 - intensity)`` (``intensity``: the true base intensity for outcomes,
    a cadre's belief about it for decisions; the logarithm is taken once for both sizes)."""
    return 1.0 - np.exp(investigation_exponent(log_miss, social_risk, lone_exposure, size,
                                               peer_share))


@kernel
def investigation_exponent(log_miss, social_risk, lone_exposure, size, peer_share):
    """``log(1 - investigation_chance)``: the decision takes the exponentials of a batch of
    cadres at once (vecmath.py)."""
    return scrutiny(social_risk, lone_exposure, size, peer_share) * log_miss


@kernel
def base_intensity(investigated_share, mean_scrutiny):
    """The base intensity that would make a failure of ``mean_scrutiny`` investigated with chance
    ``investigated_share`` (the inverse of ``investigation_chance``)."""
    return 1.0 - (1.0 - investigated_share) ** (1.0 / mean_scrutiny)


@kernel
def qualify_chance(coverage, size, preparation):
    """M3 coverage: chance that an honest failure of ``size`` qualifies for excusal."""
    return min(1.0, coverage / size) * preparation


@kernel
def excuse_chance(coverage, credibility, size, preparation):
    """M3: chance that an investigated honest failure is excused (``credibility``: the true
    one for outcomes, a cadre's belief for decisions)."""
    return qualify_chance(coverage, size, preparation) * credibility


@kernel
def late_exposure_chance(late_exposure, verification, sham_record):
    """M14: chance this quarter that undetected symbolic claims on record are exposed."""
    return 1.0 - np.exp(-late_exposure * verification * sham_record)


@dataclass
class Events:
    """Per cadre: what happened this quarter (booleans, then two amounts)."""

    attempted: np.ndarray
    success: np.ndarray
    failed: np.ndarray
    investigated: np.ndarray
    qualified: np.ndarray  # investigated failures the rules cover
    excused: np.ndarray
    sanctioned_innovator: np.ndarray  # genuine innovators sanctioned for a failure
    sanctioned: np.ndarray  # any sanction (innovation, symbolic, routine)
    symbolic: np.ndarray
    symbolic_detected: np.ndarray  # detected when claimed
    exposed_late: np.ndarray  # undetected claims exposed later
    value: np.ndarray  # value delivered by successful genuine innovation (size units)
    scrutiny: np.ndarray  # scrutiny factor of a failure (0 where none)


#: Row of each boolean field of Events in the kernel's ``flags`` array, by name.
FLAG = namedtuple("Flag", [f.name for f in fields(Events)][:-2])(*range(len(fields(Events)) - 2))
N_FLAGS = len(FLAG)


def resolve(pop, pr, action, decision, peer_share, u_success, u_acc, u_verify,
            year: float) -> Events:
    """Draw the outcomes of this quarter's actions and write their consequences on ``pop``.

    ``u_acc`` is an (N_DRAWS, n) block of uniforms; ``pr`` the parameter record.
    """
    flags = np.zeros((N_FLAGS, pop.n), dtype=np.bool_)
    value, factor = np.zeros(pop.n), np.zeros(pop.n)
    _resolve_kernel(
        action, decision.success_chance, decision.success_chance_bold, decision.preparation,
        peer_share, u_success, u_acc, u_verify, pr, year, pop.active, pop.innovation_record,
        pop.demerit_until, pop.n_sanctions, pop.n_attempts, pop.n_successes, pop.attempts_year,
        pop.recent_innovation, pop.sham_record, pop.last_outcome, flags, value, factor)
    return Events(*flags, value, factor)


@kernel
def _resolve_kernel(action, p_inc, p_bold, preparation, peer_share, u_success, u_acc, u_verify,
                    pr, year, active, record, demerit_until, n_sanctions, n_attempts,
                    n_successes, attempts_year, recent_innovation, sham_record, last_outcome,
                    flags, value, factor):
    """Cadre by cadre; ``flags`` rows are the boolean fields of ``Events`` (rows in FLAG)."""
    q = pr[0]
    routine_fault = q.routine_error_rate * q.accountability_intensity
    log_miss = np.log1p(-q.accountability_intensity)
    for i in range(action.size):
        a = action[i]
        bold = a == BOLD
        attempted = bold or a == INCREMENTAL
        size = SIZES[1] if bold else SIZES[0]
        success = failed = investigated = qualified = excused = punished = False
        detected = credited = exposed = False
        outcome = NONE
        if attempted:
            success = u_success[i] < (p_bold[i] if bold else p_inc[i])
            if success:
                outcome = SUCCESS
                value[i] = size
            else:
                failed = True
                outcome = FAIL_UNNOTICED
                factor[i] = scrutiny(q.social_risk, q.lone_exposure, size, peer_share[i])
                investigated = u_acc[DRAW.investigation, i] < investigation_chance(
                    log_miss, q.social_risk, q.lone_exposure, size, peer_share[i])
                if investigated:
                    # Two halves of M3 (excuse_chance): the rules cover the case, and are applied.
                    qualified = u_acc[DRAW.qualification, i] < qualify_chance(
                        q.fault_tolerance, size, preparation[i])
                    excused = qualified and u_acc[DRAW.application, i] < q.tolerance_credibility
                    punished = not excused
                    outcome = EXCUSED if excused else SANCTIONED
        elif a == SYMBOLIC:
            detected = u_verify[i] < q.verification_accuracy
            credited = not detected
            outcome = SYM_DETECTED if detected else SYM_CREDITED
        # Claims passed earlier may come to light now (before this quarter's claim is added).
        if active[i] and sham_record[i] > 0.0:
            if u_acc[DRAW.exposure, i] < late_exposure_chance(
                    q.late_exposure, q.verification_accuracy, sham_record[i]):
                exposed = True
                record[i] = max(record[i] - SYMBOLIC_CLAIM * sham_record[i], 0.0)
                sham_record[i] = 0.0
                if outcome == NONE:
                    outcome = SYM_EXPOSED
        sanctioned = punished or detected or exposed or (
            not attempted and u_acc[DRAW.routine, i] < routine_fault and active[i])
        if sanctioned:
            demerit_until[i] = year + q.demerit_years
            n_sanctions[i] += 1
            if outcome == NONE:
                outcome = SANCTIONED
        record[i] += value[i] + SYMBOLIC_CLAIM * credited
        sham_record[i] = sham_record[i] * SHAM_MEMORY + credited
        n_attempts[i] += attempted
        n_successes[i] += success
        attempts_year[i] += attempted
        recent_innovation[i] = recent_innovation[i] * RECENT_MEMORY + attempted
        last_outcome[i] = outcome
        flags[FLAG.attempted, i], flags[FLAG.success, i] = attempted, success
        flags[FLAG.failed, i], flags[FLAG.investigated, i] = failed, investigated
        flags[FLAG.qualified, i], flags[FLAG.excused, i] = qualified, excused
        flags[FLAG.sanctioned_innovator, i], flags[FLAG.sanctioned, i] = punished, sanctioned
        flags[FLAG.symbolic, i], flags[FLAG.symbolic_detected, i] = a == SYMBOLIC, detected
        flags[FLAG.exposed_late, i] = exposed
