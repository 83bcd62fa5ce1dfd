"""M13 -- routine workload, compliance burden of strict management, free time and stress.

Routine tasks take ``workload`` of working time, scaled by the unit's load (townships carry more)
and the post's own load (``post_load``, lognormal with spread ``post_load_sd``), less what digital
tools remove (``digital_relief``); inspection and reporting take ``compliance_burden`` more at full
accountability. What is left is the time to prepare an innovation or to learn. Stress moves towards
the level the load implies and jumps when a cadre is sanctioned; it lowers the utility of
innovating and the speed of learning.

Every response to load is smooth (no threshold at which a small change of workload flips
behaviour): free time ends softly at full load (``TIME_SOFTNESS``), preparation saturates
exponentially in free time, ``1 - exp(-time / diligence_time)``, and the stress a sustained load
leads to is logistic around ``stress_threshold`` with width ``STRESS_WIDTH``.
"""

from __future__ import annotations

import numpy as np

from .jit import kernel
from .population import clip
from .vecmath import exp_in_place, log_in_place

SANCTION_STRESS = 0.3  # stress added by a sanction
#: Softness of the end of free time: an overloaded post keeps a sliver of it (softplus of
#: 1 - load at this scale) rather than hitting zero at a corner, where workload would stop
#: mattering to the cadres who hold it.
TIME_SOFTNESS = 0.05
#: Width of the logistic stress response: a load one width above the threshold gives 73%
#: of full stress, two widths 88%. Burnout builds over a range of loads, not at a line.
STRESS_WIDTH = 0.15


@kernel
def cadre_load(workload, unit_load, post_load, digital_relief, compliance_burden,
               accountability_intensity):
    """Share of working time taken by routine work and compliance (one cadre)."""
    return (workload * unit_load * post_load * (1.0 - digital_relief)
            + compliance_burden * accountability_intensity)


@kernel
def _budget_kernel(unit, post_load, unit_load, pr, load, time, prep, target):
    """Every cadre's load (``cadre_load``), free time, preparation and stress target, with
    their exponentials and logarithm taken in vectorised batches (vecmath.py; the output arrays
    serve as scratch space until they hold their results):

    * free time, in (0, 1]: ``TIME_SOFTNESS * softplus((1 - load) / TIME_SOFTNESS)``, at most 1
      -- ``1 - load`` where there is room, a smooth sliver when the post is full or overloaded;
      softplus(x) = log1p(e) with e = exp(x), and log1p(e) = log(u) * e / (u - 1), u = 1 + e,
      exact to a few units in the last place however small e is (x itself above 30);
    * preparation of an attempt with due diligence, in [0, 1): ``1 - exp(-time / diligence_time)``;
    * the stress a sustained load leads to, in (0, 1):
      ``1 / (1 + exp(-(load - stress_threshold) / STRESS_WIDTH))``.
    """
    q = pr[0]
    bits = np.empty(unit.size, dtype=np.int64)
    for i in range(unit.size):
        load[i] = cadre_load(q.workload, unit_load[unit[i]], post_load[i], q.digital_relief,
                             q.compliance_burden, q.accountability_intensity)
        time[i] = (1.0 - load[i]) / TIME_SOFTNESS
        target[i] = -(load[i] - q.stress_threshold) / STRESS_WIDTH
    exp_in_place(time, bits)  # e = exp(x), x the scaled room left
    exp_in_place(target, bits)
    for i in range(unit.size):
        prep[i] = 1.0 + time[i]
    log_in_place(prep, bits)
    for i in range(unit.size):
        x = (1.0 - load[i]) / TIME_SOFTNESS
        e, u = time[i], 1.0 + time[i]
        soft = x if x > 30.0 else (prep[i] * e / (u - 1.0) if u != 1.0 else e)  # softplus
        time[i] = min(TIME_SOFTNESS * soft, 1.0)
        prep[i] = -time[i] / q.diligence_time
        target[i] = 1.0 / (1.0 + target[i])
    exp_in_place(prep, bits)
    for i in range(unit.size):
        prep[i] = 1.0 - prep[i]


def time_budget(pop, unit_load: np.ndarray, pr: np.ndarray) -> tuple:
    """(load, free time, preparation, the stress the load leads to) of every cadre, from the
    parameter record ``pr``. They change only when a policy or a cadre's post does, so the model
    keeps them until then."""
    load, time, prep, target = (np.empty(pop.n) for _ in range(4))
    _budget_kernel(pop.unit, pop.post_load, unit_load, pr, load, time, prep, target)
    return load, time, prep, target


def update_stress(pop, target: np.ndarray, sanctioned: np.ndarray, p) -> None:
    """Stress relaxes towards its target (of the load, from ``time_budget``)
    and rises with a sanction."""
    _stress_kernel(pop.stress, target, sanctioned, p.stress_rate)


@kernel
def _stress_kernel(stress, target, sanctioned, rate):
    for i in range(stress.size):
        s = stress[i] + rate * (target[i] - stress[i])
        if sanctioned[i]:
            s += SANCTION_STRESS
        stress[i] = clip(s, 0.0, 1.0)
