"""M4 and M17 -- what cadres learn (social_learning.py; docs/ODD.md 7.4, 7.17).

The evidence each case gives, what a cadre sees (its unit's cases, itself included, its ties'
cases and a ``county_visibility`` share of the county's), the belief update
``b + (1 - (1 - rate) ** k) * (t - b)`` for a cadre whose ties saw cases and for one whose ties
saw none (the per-unit shortcut of the pass), the risk estimate that inverts the mean scrutiny,
promoted innovators as favourable cases, and reinforcement by one's own outcomes.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
from handmade import county, params

from model import social_learning
from model.social_learning import EV, EVIDENCE

SAL = 2.5


def events(n: int, **true_rows) -> SimpleNamespace:
    """An Events-like record: every flag False and no scrutiny, except the rows given."""
    names = ("attempted", "success", "failed", "investigated", "qualified", "excused",
             "sanctioned_innovator", "sanctioned", "symbolic", "symbolic_detected",
             "exposed_late")
    ev = SimpleNamespace(**{k: np.zeros(n, dtype=bool) for k in names}, scrutiny=np.zeros(n),
                         value=np.zeros(n))
    for name, rows in true_rows.items():
        if name == "scrutiny":
            for row, value in rows.items():
                ev.scrutiny[row] = value
        else:
            getattr(ev, name)[list(rows)] = True
    return ev


def test_m4_evidence_rows_of_each_kind_of_case():
    ev = events(
        9,
        failed=[0, 1, 2, 3], attempted=[0, 1, 2, 3, 7], success=[7],
        investigated=[1, 2, 3], qualified=[2, 3], excused=[2], sanctioned_innovator=[1, 3],
        sanctioned=[1, 3, 4, 6], symbolic=[4, 5], symbolic_detected=[4], exposed_late=[6],
        scrutiny={0: 1.3, 1: 1.56, 2: 1.3, 3: 2.0},
    )
    rows = social_learning.evidence(ev, SAL)
    want = np.zeros((len(EVIDENCE), 9))
    # 0: a failure nobody looked at; 1: investigated and punished (weighs SAL);
    # 2: covered and excused; 3: covered but punished anyway (weighs SAL for both beliefs).
    for j, w, inv in ((0, 1.0, 0.0), (1, SAL, 1.0), (2, 1.0, 1.0), (3, SAL, 1.0)):
        want[EV.risk_cases, j], want[EV.risk_investigated, j] = w, w * inv
        want[EV.risk_scrutiny, j] = w * ev.scrutiny[j]
    want[EV.tolerance_favourable, 2], want[EV.tolerance_cases, 2] = 1.0, 1.0
    want[EV.tolerance_favourable, 3], want[EV.tolerance_cases, 3] = 0.0, SAL
    # 4: an image project detected; 5: one that passed; 6: an earlier one exposed now.
    want[EV.detection_exposed, [4, 6]] = SAL
    want[EV.detection_cases, [4, 6]] = SAL
    want[EV.detection_cases, 5] = 1.0
    np.testing.assert_array_equal(rows, want)


def seen_by(pop, amounts, i, visibility):
    """What cadre i observes: its unit's total (itself included), the cases of its ties that
    had any, and a visibility share of the county's."""
    unit = pop.unit == pop.unit[i]
    seen = amounts[:, unit].sum(axis=1) + visibility * amounts.sum(axis=1)
    for j in pop.ties[i]:
        if np.any(amounts[:, j] != 0):
            seen = seen + amounts[:, j]
    return seen


def revised(b, seen, rate):
    """The three beliefs after one round, as the docstring writes them."""
    tol, risk, det = b

    def move(belief, target, k):
        return belief + (1.0 - (1.0 - rate) ** k) * (np.clip(target, 0, 1) - belief)

    if seen[EV.tolerance_cases] > 0:
        tol = move(tol, seen[EV.tolerance_favourable] / seen[EV.tolerance_cases],
                   seen[EV.tolerance_cases])
    if seen[EV.risk_cases] > 0:
        k = seen[EV.risk_cases]
        share = min(seen[EV.risk_investigated] / k, 1.0)
        mean_scrutiny = seen[EV.risk_scrutiny] / k
        # The base chance a that gives this share at this scrutiny: 1 - (1 - a) ** m = share.
        risk = move(risk, 1.0 - (1.0 - share) ** (1.0 / mean_scrutiny), k)
    if seen[EV.detection_cases] > 0:
        det = move(det, seen[EV.detection_exposed] / seen[EV.detection_cases],
                   seen[EV.detection_cases])
    return tol, risk, det


@pytest.mark.parametrize("visibility", [0.0, 0.05])
def test_m4_beliefs_move_towards_what_was_seen(visibility):
    """Units 0-3 of 15 cadres; cases in units 0 and 1 only. Cadres 40-44 (unit 2) have a tie to
    a cadre with a case; the rest of unit 2 and unit 3 see only their unit (and the county)."""
    p = params(social_learning_rate=0.15, county_visibility=visibility)
    pop = county([15, 15, 15, 15], seed=4)
    ev = events(60, failed=[0, 1, 2, 16], investigated=[1, 2, 16], qualified=[2, 16],
                excused=[2], sanctioned_innovator=[1, 16], symbolic=[3, 17],
                symbolic_detected=[17], exposed_late=[18],
                scrutiny={0: 1.4, 1: 2.2, 2: 1.4, 16: 1.9})
    rows = social_learning.evidence(ev, SAL)
    pop.ties[:] = 55  # a bystander in unit 3 without a case
    pop.ties[40:45, 2] = [0, 1, 2, 16, 17]
    before = [pop.perceived_tolerance.copy(), pop.perceived_risk.copy(),
              pop.perceived_detection.copy()]
    social_learning.update_beliefs(pop, rows, n_units=4, p=p)
    after = (pop.perceived_tolerance, pop.perceived_risk, pop.perceived_detection)
    for i in range(60):
        want = revised([b[i] for b in before], seen_by(pop, rows, i, visibility),
                       p.social_learning_rate)
        for k in range(3):
            assert after[k][i] == pytest.approx(want[k], rel=1e-12, abs=1e-15), (i, k)
    # Nobody in unit 3 saw anything without county news: its beliefs stay.
    if visibility == 0.0:
        for k in range(3):
            np.testing.assert_array_equal(after[k][45:], before[k][45:])


def test_m4_no_case_anywhere_changes_nothing():
    pop = county([20, 20], seed=1)
    before = pop.perceived_risk.copy()
    social_learning.update_beliefs(pop, np.zeros((len(EVIDENCE), 40)), 2, params())
    np.testing.assert_array_equal(pop.perceived_risk, before)


def test_m4_a_punished_peer_raises_colleagues_perceived_risk():
    """Essay 000: a punished peer raises the perceived risk of all who see it -- more than an
    investigated failure that was excused (salience), and only where it is seen."""
    p = params(county_visibility=0.0, sanction_salience=3.0)
    results = {}
    for kind in ("punished", "excused"):
        pop = county([20, 20], seed=2)
        pop.ties[:] = 39
        pop.perceived_risk[:] = 0.3
        ev = events(40, failed=[0], investigated=[0], qualified=[0], scrutiny={0: 1.2},
                    **({"sanctioned_innovator": [0]} if kind == "punished"
                       else {"excused": [0]}))
        social_learning.update_beliefs(pop, social_learning.evidence(ev, 3.0), 2, p)
        results[kind] = pop.perceived_risk.copy()
    for risk in results.values():
        assert np.all(risk[:20] > 0.3) and np.all(risk[20:] == 0.3)
    assert np.all(results["punished"][:20] > results["excused"][:20])
    # One investigated case of scrutiny 1.2: the estimate is certainty, weighed 3 cases.
    assert results["punished"][0] == pytest.approx(0.3 + (1 - 0.9 ** 3) * 0.7, rel=1e-12)


def test_m4_risk_estimate_inverts_the_mean_scrutiny():
    """Half of the failures seen were investigated, at mean scrutiny m: the estimate of the
    base chance is 1 - 0.5 ** (1 / m), below one half because scrutiny was above one."""
    p = params(county_visibility=0.0, social_learning_rate=0.5)
    pop = county([10, 10], seed=3)
    pop.ties[:] = 19
    pop.perceived_risk[:] = 0.0
    ev = events(20, failed=[0, 1], investigated=[0], scrutiny={0: 1.5, 1: 2.5})
    social_learning.update_beliefs(pop, social_learning.evidence(ev, 2.0), 2, p)
    target = 1.0 - 0.5 ** (1.0 / 2.0)
    np.testing.assert_allclose(pop.perceived_risk[:10], (1 - 0.5 ** 2) * target, rtol=1e-12)


def test_m4_promoted_innovators_are_favourable_cases_of_tolerance():
    rows = social_learning.promoted_evidence(np.array([False, True, False, True]))
    want = np.zeros((len(EVIDENCE), 4))
    want[EV.tolerance_favourable, [1, 3]] = 1.0
    want[EV.tolerance_cases, [1, 3]] = 1.0
    np.testing.assert_array_equal(rows, want)


def test_m17_own_outcomes_reinforce_with_memory():
    """propensity' = memory * propensity + (1 - memory) * (success - punished)."""
    pop = county([30], seed=5)
    p = params(reinforcement_memory=0.8)
    success = np.arange(30) % 3 == 0
    punished = np.arange(30) % 3 == 1
    before = pop.propensity.copy()
    social_learning.reinforce(pop, success, punished, p)
    np.testing.assert_allclose(pop.propensity,
                               0.8 * before + 0.2 * (success.astype(float) - punished),
                               rtol=1e-14)
