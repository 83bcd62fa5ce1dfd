"""M2, M3 and M14 -- the outcome pass (``accountability.resolve``) against accountability.py's
equations (docs/ODD.md 7.2, 7.3, 7.14): success, investigation ``1 - (1 - a) ** scrutiny`` with
the lone innovator's exposure, qualification ``min(1, coverage / size) * preparation``,
credibility, sanctions and demerits, routine irregularities, the innovation record, the sham
record and its later exposure, and the memory of recent attempts.

The draws are given by hand: a draw just below a chance the test computes must trigger the
event, one just above must not, so each chance is checked to about one part in a million.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
from handmade import county, params, rec

from model import accountability, decision
from model.accountability import DRAW, N_DRAWS, RECENT_MEMORY, SHAM_MEMORY
from model.population import (
    BOLD,
    EXCUSED,
    FAIL_UNNOTICED,
    INCREMENTAL,
    NONE,
    ROUTINE,
    SANCTIONED,
    SIZES,
    SUCCESS,
    SYM_CREDITED,
    SYM_DETECTED,
    SYM_EXPOSED,
    SYMBOLIC,
    SYMBOLIC_CLAIM,
)

N = 80
YEAR = 3.0
BELOW, ABOVE = 1 - 1e-6, 1 + 1e-6  # a draw just below / just above a chance


def outcome_inputs(seed: int = 5):
    rng = np.random.default_rng(seed)
    pop = county([20, 20, 20, 20], seed=seed)
    pop.sham_record[:] = np.where(rng.random(N) < 0.5, rng.uniform(0.2, 2.0, N), 0.0)
    pop.demerit_until[:] = rng.uniform(0.0, 2.0, N)
    pop.n_sanctions[:] = rng.integers(0, 3, N)
    pop.n_attempts[:] = rng.integers(0, 9, N)
    pop.n_successes[:] = rng.integers(0, 4, N)
    pop.attempts_year[:] = rng.integers(0, 3, N)
    arrays = {f: np.zeros(N) for f in decision.Decision.fields}
    arrays.update(success_chance=rng.uniform(0.2, 0.9, N),
                  success_chance_bold=rng.uniform(0.05, 0.6, N),
                  preparation=rng.uniform(0.0, 1.0, N))
    return pop, decision.Decision(**arrays), rng.uniform(0.0, 1.0, N)


def scrutiny(p, size, peer_share):
    return (1.0 + p.social_risk * size) * (1.0 + p.lone_exposure * (1.0 - peer_share))


def resolve(pop, p, action, d, peer, u_success, u_acc, u_verify):
    return accountability.resolve(pop, rec(p), action.astype(np.int8), d, peer, u_success,
                                  u_acc, u_verify, YEAR)


PARAMETER_SETS = {
    "defaults": {},
    "other": {"social_risk": 1.2, "lone_exposure": 1.5, "fault_tolerance": 0.5,
              "tolerance_credibility": 0.6, "late_exposure": 0.3, "verification_accuracy": 0.6,
              "accountability_intensity": 0.35, "routine_error_rate": 0.08, "demerit_years": 3.5},
}


@pytest.fixture(params=list(PARAMETER_SETS))
def p(request):
    return params(**PARAMETER_SETS[request.param])


def test_m15_success_when_the_draw_is_below_the_chance_of_the_size(p):
    pop, d, peer = outcome_inputs()
    action = np.where(np.arange(N) % 2 == 0, INCREMENTAL, BOLD)
    chance = np.where(action == BOLD, d.success_chance_bold, d.success_chance)
    u = chance * np.where(np.arange(N) % 4 < 2, BELOW, ABOVE)
    ev = resolve(pop, p, action, d, peer, u, np.ones((N_DRAWS, N)), np.ones(N))
    np.testing.assert_array_equal(ev.success, u < chance)
    np.testing.assert_array_equal(ev.failed, ~(u < chance))
    size = np.where(action == BOLD, SIZES[1], SIZES[0])
    np.testing.assert_array_equal(ev.value, np.where(ev.success, size, 0.0))
    assert ev.attempted.all()


def test_m2_investigation_chance_with_scrutiny_and_lone_exposure(p):
    """A failure of size s is investigated with chance 1 - (1 - a) ** scrutiny,
    scrutiny = (1 + social_risk s)(1 + lone_exposure (1 - peer_share))."""
    pop, d, peer = outcome_inputs()
    peer[:10] = 0.0  # lone innovators
    peer[10:20] = 1.0  # every colleague innovates
    action = np.where(np.arange(N) % 3 == 0, BOLD, INCREMENTAL)
    size = np.where(action == BOLD, SIZES[1], SIZES[0])
    factor = scrutiny(p, size, peer)
    chance = 1.0 - (1.0 - p.accountability_intensity) ** factor
    u_acc = np.ones((N_DRAWS, N))
    u_acc[DRAW.investigation] = chance * np.where(np.arange(N) % 2 == 0, BELOW, ABOVE)
    ev = resolve(pop, p, action, d, peer, np.ones(N), u_acc, np.ones(N))
    assert ev.failed.all()
    np.testing.assert_allclose(ev.scrutiny, factor, rtol=1e-14)
    np.testing.assert_array_equal(ev.investigated, np.arange(N) % 2 == 0)
    # Not failed: no scrutiny recorded.
    ev = resolve(pop, p, action, d, peer, np.zeros(N), u_acc, np.ones(N))
    assert not ev.investigated.any() and np.all(ev.scrutiny == 0.0)


def test_m3_coverage_qualifies_and_credibility_applies(p):
    """An investigated failure qualifies with chance min(1, coverage / size) * preparation and is
    then excused with chance tolerance_credibility; otherwise it is sanctioned."""
    pop, d, peer = outcome_inputs()
    action = np.where(np.arange(N) % 2 == 0, BOLD, INCREMENTAL)
    size = np.where(action == BOLD, SIZES[1], SIZES[0])
    qualify = np.minimum(1.0, p.fault_tolerance / size) * d.preparation
    u_acc = np.ones((N_DRAWS, N))
    u_acc[DRAW.investigation] = 0.0  # every failure investigated
    below_q = np.arange(N) % 4 < 2
    u_acc[DRAW.qualification] = qualify * np.where(below_q, BELOW, ABOVE)
    below_c = np.arange(N) % 8 < 4
    u_acc[DRAW.application] = p.tolerance_credibility * np.where(below_c, BELOW, ABOVE)
    before = pop.demerit_until.copy()
    sanctions = pop.n_sanctions.copy()
    ev = resolve(pop, p, action, d, peer, np.ones(N), u_acc, np.ones(N))
    assert ev.investigated.all()
    np.testing.assert_array_equal(ev.qualified, below_q & (qualify > 0))
    np.testing.assert_array_equal(ev.excused, ev.qualified & below_c)
    np.testing.assert_array_equal(ev.sanctioned_innovator, ~ev.excused)
    np.testing.assert_array_equal(ev.sanctioned, ~ev.excused)
    np.testing.assert_array_equal(pop.last_outcome, np.where(ev.excused, EXCUSED, SANCTIONED))
    # A sanction bars promotion for demerit_years from now; an excusal leaves the record clean.
    np.testing.assert_allclose(pop.demerit_until,
                               np.where(ev.sanctioned, YEAR + p.demerit_years, before))
    np.testing.assert_array_equal(pop.n_sanctions, sanctions + ev.sanctioned)


def test_m3_unprepared_or_oversized_failures_do_not_qualify():
    p = params(fault_tolerance=0.4, tolerance_credibility=1.0)
    pop, d, peer = outcome_inputs()
    d.terms[:, decision.ROW.preparation] = np.where(np.arange(N) < 40, 0.0, 1.0)
    action = np.full(N, BOLD)
    u_acc = np.ones((N_DRAWS, N))
    u_acc[DRAW.investigation] = 0.0
    # Coverage 0.4 of a size-1 failure: it qualifies with chance 0.4 * preparation.
    u_acc[DRAW.qualification] = np.full(N, 0.4 * BELOW)
    u_acc[DRAW.application] = 0.5
    ev = resolve(pop, p, action, d, peer, np.ones(N), u_acc, np.zeros(N))
    np.testing.assert_array_equal(ev.excused, np.arange(N) >= 40)
    u_acc[DRAW.qualification] = np.full(N, 0.4 * ABOVE)
    ev = resolve(pop, p, action, d, peer, np.ones(N), u_acc, np.zeros(N))
    assert not ev.excused.any()


def test_m14_symbolic_claims_detected_or_credited(p):
    pop, d, peer = outcome_inputs()
    pop.sham_record[:] = 0.0
    record, demerit = pop.innovation_record.copy(), pop.demerit_until.copy()
    action = np.full(N, SYMBOLIC)
    u_verify = p.verification_accuracy * np.where(np.arange(N) % 2 == 0, BELOW, ABOVE)
    ev = resolve(pop, p, action, d, peer, np.zeros(N), np.ones((N_DRAWS, N)), u_verify)
    detected = np.arange(N) % 2 == 0
    np.testing.assert_array_equal(ev.symbolic_detected, detected)
    np.testing.assert_array_equal(ev.symbolic, np.ones(N, bool))
    assert not ev.attempted.any() and ev.value.sum() == 0.0  # image projects deliver nothing
    np.testing.assert_array_equal(ev.sanctioned, detected)
    assert not ev.sanctioned_innovator.any()
    np.testing.assert_allclose(pop.innovation_record,
                               record + np.where(detected, 0.0, SYMBOLIC_CLAIM))
    np.testing.assert_allclose(pop.sham_record, np.where(detected, 0.0, 1.0))
    np.testing.assert_allclose(pop.demerit_until,
                               np.where(detected, YEAR + p.demerit_years, demerit))
    np.testing.assert_array_equal(pop.last_outcome, np.where(detected, SYM_DETECTED,
                                                             SYM_CREDITED))


def test_m14_later_exposure_revokes_credit_and_sanctions(p):
    """Undetected claims on record are exposed with chance
    1 - exp(-late_exposure * verification_accuracy * sham_record) a quarter; exposure removes
    SYMBOLIC_CLAIM * sham_record of credit (not below 0), clears the sham record and is
    sanctioned. The sham record otherwise fades at SHAM_MEMORY a quarter."""
    pop, d, peer = outcome_inputs()
    pop.innovation_record[:5] = 0.1  # less credit than the claims: the record stops at 0
    pop.sham_record[:5] = 1.0
    pop.active[-4:] = False  # a vacant row's old record is nobody's to expose
    pop.sham_record[-4:] = 1.0
    sham, record = pop.sham_record.copy(), pop.innovation_record.copy()
    demerit = pop.demerit_until.copy()
    chance = 1.0 - np.exp(-p.late_exposure * p.verification_accuracy * sham)
    u_acc = np.ones((N_DRAWS, N))
    u_acc[DRAW.exposure] = np.where(np.arange(N) % 2 == 0, chance * BELOW, chance * ABOVE)
    exposed = (sham > 0) & (np.arange(N) % 2 == 0) & pop.active
    ev = resolve(pop, p, np.full(N, ROUTINE), d, peer, np.ones(N), u_acc, np.ones(N))
    assert exposed.sum() > 10
    np.testing.assert_array_equal(ev.exposed_late, exposed)
    np.testing.assert_array_equal(ev.sanctioned, exposed)
    np.testing.assert_allclose(pop.innovation_record,
                               np.where(exposed, np.maximum(record - SYMBOLIC_CLAIM * sham, 0.0),
                                        record))
    assert np.all(pop.innovation_record[:5][exposed[:5]] == 0.0)
    np.testing.assert_allclose(pop.sham_record, np.where(exposed, 0.0, sham * SHAM_MEMORY))
    np.testing.assert_allclose(pop.demerit_until,
                               np.where(exposed, YEAR + p.demerit_years, demerit))
    np.testing.assert_array_equal(pop.last_outcome, np.where(exposed, SYM_EXPOSED, NONE))


def test_m14_a_claim_this_quarter_is_not_exposed_before_it_is_on_record():
    """Exposure looks at the record before this quarter's claim: a first claim cannot be
    exposed late in the quarter it is made; its credit is added after."""
    p = params(late_exposure=0.3, verification_accuracy=0.5)
    pop, d, peer = outcome_inputs()
    pop.sham_record[:] = 0.0
    ev = resolve(pop, p, np.full(N, SYMBOLIC), d, peer, np.ones(N), np.zeros((N_DRAWS, N)),
                 np.ones(N))
    assert not ev.exposed_late.any() and not ev.symbolic_detected.any()
    np.testing.assert_allclose(pop.sham_record, 1.0)


def test_m2_routine_irregularities_are_sanctioned_at_error_rate_times_intensity(p):
    pop, d, peer = outcome_inputs()
    pop.sham_record[:] = 0.0
    fault = p.routine_error_rate * p.accountability_intensity
    action = np.where(np.arange(N) < 60, ROUTINE, INCREMENTAL)
    u_acc = np.ones((N_DRAWS, N))
    u_acc[DRAW.routine] = fault * np.where(np.arange(N) % 2 == 0, BELOW, ABOVE)
    pop.active[:4] = False
    ev = resolve(pop, p, action, d, peer, np.zeros(N), u_acc, np.ones(N))
    want = (np.arange(N) < 60) & (np.arange(N) % 2 == 0) & pop.active
    np.testing.assert_array_equal(ev.sanctioned, want)
    np.testing.assert_array_equal(pop.last_outcome,
                                  np.where(want, SANCTIONED,
                                           np.where(np.arange(N) < 60, NONE, SUCCESS)))


def test_records_counters_and_recent_attempts(p):
    """Successes add their size to the innovation record; counters count; recent attempts
    are remembered at RECENT_MEMORY a quarter."""
    pop, d, peer = outcome_inputs(seed=8)
    rng = np.random.default_rng(2)
    action = rng.choice([ROUTINE, INCREMENTAL, BOLD, SYMBOLIC], N)
    u_s, u_acc, u_v = rng.random(N), rng.random((N_DRAWS, N)), rng.random(N)
    before = SimpleNamespace(**{k: getattr(pop, k).copy() for k in (
        "innovation_record", "sham_record", "n_attempts", "n_successes", "attempts_year",
        "recent_innovation")})
    ev = resolve(pop, p, action, d, peer, u_s, u_acc, u_v)
    attempted = (action == INCREMENTAL) | (action == BOLD)
    np.testing.assert_array_equal(ev.attempted, attempted)
    size = np.where(action == BOLD, SIZES[1], SIZES[0])
    chance = np.where(action == BOLD, d.success_chance_bold, d.success_chance)
    success = attempted & (u_s < chance)
    np.testing.assert_array_equal(ev.success, success)
    np.testing.assert_array_equal(pop.n_attempts, before.n_attempts + attempted)
    np.testing.assert_array_equal(pop.n_successes, before.n_successes + success)
    np.testing.assert_allclose(pop.attempts_year, before.attempts_year + attempted)
    np.testing.assert_allclose(pop.recent_innovation,
                               before.recent_innovation * RECENT_MEMORY + attempted)
    credited = (action == SYMBOLIC) & ~(u_v < p.verification_accuracy)
    exposure = 1 - np.exp(-p.late_exposure * p.verification_accuracy * before.sham_record)
    late = (before.sham_record > 0) & (u_acc[DRAW.exposure] < exposure)
    record = np.where(late, np.maximum(before.innovation_record
                                       - SYMBOLIC_CLAIM * before.sham_record, 0),
                      before.innovation_record)
    np.testing.assert_allclose(pop.innovation_record,
                               record + np.where(success, size, 0) + SYMBOLIC_CLAIM * credited)
    np.testing.assert_allclose(pop.sham_record,
                               np.where(late, 0.0, before.sham_record) * SHAM_MEMORY + credited)
    np.testing.assert_array_equal(
        pop.last_outcome[attempted & ~success & ~ev.investigated & ~late], FAIL_UNNOTICED)
