"""M10 -- conformity (conformity.py; docs/ODD.md 7.10): the share of a cadre's unit colleagues,
itself excluded, who innovated last quarter. (The pressure it exerts,
``conformity_strength * min(share - threshold, 0)``, is checked with the decision's terms in
test_pass_decision.py.)"""

from __future__ import annotations

import numpy as np
from handmade import county

from model import conformity


def test_m10_peer_share_excludes_self_and_counts_serving_colleagues_only():
    pop = county([12, 8, 20, 1], seed=1)
    rng = np.random.default_rng(3)
    attempted = rng.random(pop.n) < 0.35
    pop.active[[2, 15, 30]] = False
    attempted[[2, 15, 30]] = False  # vacant rows do routine work
    share = conformity.peer_share(pop, attempted, n_units=3)
    for i in range(pop.n):
        if not pop.active[i]:
            continue
        mates = (pop.unit == pop.unit[i]) & pop.active
        mates[i] = False
        want = attempted[mates].sum() / max(mates.sum(), 1)
        assert share[i] == want, i
    assert share[-1] == 0.0  # alone in its unit: no peers, no pressure from them


def test_m10_a_whole_unit_innovating_gives_each_member_a_share_of_one():
    pop = county([10, 10], seed=2)
    attempted = pop.unit == 0
    share = conformity.peer_share(pop, attempted, n_units=1)
    np.testing.assert_array_equal(share, np.where(pop.unit == 0, 1.0, 0.0))
