"""M9 -- leaders (leaders.py; docs/ODD.md 7.9): each unit's head, the stance formula of both
signs, insecurity (an active demerit or a last appraisal below zero), and what subordinates,
heads and county leaders see.

stance = clip(STANCE_OWN * min(recent_innovation / RECENT_FULL, 1)
              + STANCE_RISK * (0.5 - risk_aversion) - STANCE_GUARD * insecure, -1, 1)
"""

from __future__ import annotations

import numpy as np
import pytest
from handmade import county

from model import leaders
from model.leaders import RECENT_FULL, STANCE_GUARD, STANCE_OWN, STANCE_RISK
from model.organisation import COUNTY, DEPUTY, HEAD, STAFF

YEAR = 4.0


def stance_of(recent, risk, demerit_until, score):
    insecure = (demerit_until > YEAR) | (score < 0.0)
    return np.clip(STANCE_OWN * np.minimum(recent / RECENT_FULL, 1.0)
                   + STANCE_RISK * (0.5 - risk) - STANCE_GUARD * insecure, -1.0, 1.0)


def organised_county():
    """Units 0-3 with a head, two deputies and staff; unit 4 the county leadership (5 posts)."""
    sizes = [10, 10, 10, 10, 5]
    ranks = []
    for size in sizes[:-1]:
        ranks += [HEAD, DEPUTY, DEPUTY] + [STAFF] * (size - 3)
    ranks += [COUNTY] * sizes[-1]
    pop = county(sizes, seed=5, ranks=np.array(ranks))
    pop.demerit_until[:] = np.random.default_rng(1).uniform(0, 8, pop.n)
    return pop


def test_m9_leader_rows_are_the_serving_heads():
    pop = organised_county()
    pop.active[20] = False  # unit 2's head left
    rows = leaders.leader_rows(pop, n_units=4)
    np.testing.assert_array_equal(rows, [0, 10, -1, 30, -1])


def test_m9_stance_formula_both_signs_and_what_each_cadre_sees():
    pop = organised_county()
    # Unit 0: a head who innovates and takes risks; unit 1: a cautious, threatened one who does
    # not innovate; unit 2: vacant; unit 3: in between.
    pop.recent_innovation[[0, 10, 30]] = [3.0, 0.0, 0.7]
    pop.risk_aversion[[0, 10, 30]] = [0.2, 0.8, 0.45]
    pop.demerit_until[[0, 10, 30]] = [0.0, YEAR + 1.0, YEAR]  # a demerit ending now is over
    pop.score[[0, 10, 30]] = [0.4, 0.1, -0.2]  # unit 3's head was appraised below zero
    pop.active[20] = False
    rows = leaders.leader_rows(pop, n_units=4)
    seen = leaders.subordinate_stance(pop, rows, county_unit=4, year=YEAR)
    own = stance_of(pop.recent_innovation, pop.risk_aversion, pop.demerit_until, pop.score)
    county_mean = own[40:45].mean()
    for u, head in ((0, 0), (1, 10), (3, 30)):
        below = (pop.unit == u) & (pop.rank < HEAD)
        assert np.all(seen[below] == own[head])
    assert np.all(seen[(pop.unit == 2) & (pop.rank < HEAD)] == 0.0)  # nobody above: neutral
    heads_and_county = pop.rank >= HEAD
    np.testing.assert_allclose(seen[heads_and_county], county_mean, rtol=1e-14)
    assert own[0] == 1.0 and own[10] == -1.0  # both signs, clipped
    assert own[30] == pytest.approx(STANCE_OWN * 0.7 / RECENT_FULL + STANCE_RISK * 0.05
                                    - STANCE_GUARD)


@pytest.mark.parametrize("recent, risk, demerit, score", [
    (0.0, 0.5, 0.0, 0.0), (1.0, 0.5, 0.0, 0.0), (5.0, 0.5, 0.0, 0.0), (0.0, 0.3, 0.0, 0.0),
    (0.0, 0.7, 0.0, 0.0), (0.5, 0.6, YEAR + 0.25, 0.0), (0.5, 0.6, 0.0, -1.0),
    (2.0, 0.01, 9.0, -3.0), (0.0, 0.99, 9.0, -3.0),
])
def test_m9_one_head_stance_by_hand(recent, risk, demerit, score):
    pop = organised_county()
    pop.recent_innovation[0], pop.risk_aversion[0] = recent, risk
    pop.demerit_until[0], pop.score[0] = demerit, score
    seen = leaders.subordinate_stance(pop, leaders.leader_rows(pop, 4), 4, YEAR)
    want = float(stance_of(np.array(recent), np.array(risk), np.array(demerit),
                           np.array(score)))
    assert seen[5] == pytest.approx(want, abs=1e-15)


def test_m9_no_county_leadership_is_neutral_for_heads():
    pop = organised_county()
    pop.active[40:] = False
    seen = leaders.subordinate_stance(pop, leaders.leader_rows(pop, 4), 4, YEAR)
    assert np.all(seen[pop.rank == HEAD] == 0.0)
