"""M13 -- routine workload, compliance burden of strict management, free time and stress.

Routine tasks take ``workload`` of working time (more in townships), less what digital tools remove
(``digital_relief``); inspection and reporting take ``compliance_burden`` more at full
accountability. What is left is the time to prepare an innovation or to learn. Stress moves towards
the level the load implies and jumps when a cadre is sanctioned; it lowers the utility of innovating
and the speed of learning.
"""

from __future__ import annotations

import numpy as np

from .jit import kernel

SANCTION_STRESS = 0.3  # stress added by a sanction


def load(unit_load_of_cadre: np.ndarray, p) -> np.ndarray:
    """Share of working time taken by routine work and compliance."""
    routine = p.workload * unit_load_of_cadre * (1.0 - p.digital_relief)
    return routine + p.compliance_burden * p.accountability_intensity


def free_time(total_load: np.ndarray) -> np.ndarray:
    """Time left for innovation and learning, in [0, 1]."""
    return np.clip(1.0 - total_load, 0.0, 1.0)


def preparation(time: np.ndarray, p) -> np.ndarray:
    """How well an attempt can be prepared: 1 once ``diligence_time`` of free time is available."""
    return np.minimum(time / p.diligence_time, 1.0)


def stress_target(total_load: np.ndarray, p) -> np.ndarray:
    """The stress a sustained load leads to."""
    return _stress_level(total_load, p.stress_threshold, _stress_span(p))


def _stress_span(p) -> float:
    return max(1.0 - p.stress_threshold, 1e-6)


@kernel
def _stress_level(total_load, threshold, span):
    """``stress_target`` for scalars (inside the stress loop) or arrays."""
    return np.minimum(np.maximum((total_load - threshold) / span, 0.0), 1.0)


def update_stress(pop, total_load: np.ndarray, sanctioned: np.ndarray, p) -> None:
    """Stress relaxes towards its target and rises with a sanction."""
    _stress_kernel(pop.stress, total_load, sanctioned, p.stress_rate, p.stress_threshold,
                   _stress_span(p))


@kernel
def _stress_kernel(stress, total_load, sanctioned, rate, threshold, span):
    for i in range(stress.size):
        target = _stress_level(total_load[i], threshold, span)
        s = stress[i] + rate * (target - stress[i])
        if sanctioned[i]:
            s += SANCTION_STRESS
        stress[i] = min(max(s, 0.0), 1.0)
