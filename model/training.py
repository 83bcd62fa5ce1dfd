"""M11 -- skill and training.

Skill sets the chance that an innovation succeeds (decision.py). It grows by

* training: each quarter a quarter of ``training_coverage`` attends a course; a course adds
  ``training_effect * (0.5 + training_quality) * sqrt(30 / class_size) * sqrt(days / 7)`` times the
  distance to full skill, as a *training boost* -- classmates become cross-unit ties;
* transfer: the boost fades at ``transfer_decay`` per quarter unless the workplace supports its use
  (``transfer_support`` and a supportive leader); each attempt at innovation consolidates half of it
  into lasting skill;
* learning by doing and from successful colleagues in the unit, both slowed by stress;

and it decays at ``skill_decay`` in quarters without innovative practice.
"""

from __future__ import annotations

import numpy as np

CONSOLIDATION = 0.5  # share of the training boost made lasting by one attempt
REFERENCE_CLASS, REFERENCE_DAYS = 30.0, 7.0  # the course the training_effect refers to


def course_gain(p) -> float:
    """Share of the gap to full skill that one course closes."""
    return (p.training_effect * (0.5 + p.training_quality)
            * np.sqrt(REFERENCE_CLASS / p.training_class_size)
            * np.sqrt(p.training_days / REFERENCE_DAYS))


def train(pop, p, u_train: np.ndarray, u_class: np.ndarray, tie_slot: int) -> np.ndarray:
    """Send this quarter's trainees on a course; returns the boolean mask of trainees."""
    trainees = pop.active & (u_train < p.training_coverage / 4.0)
    idx = np.flatnonzero(trainees)
    if idx.size:
        gain = min(course_gain(p), 1.0)
        pop.training_boost[idx] += gain * (1.0 - pop.skill_effective()[idx])
        # Classmates: trainees seated in random order; each befriends its neighbour.
        order = idx[np.argsort(u_class[idx], kind="stable")]
        pop.ties[order[1:], tie_slot] = order[:-1]
        pop.ties[order[0], tie_slot] = order[-1]
    return trainees


def practise(pop, p, attempted: np.ndarray, success: np.ndarray, support: np.ndarray,
             n_units: int) -> None:
    """Learning by doing, from peers, consolidation and fading of training, and decay of skill."""
    room = (1.0 - pop.skill) * (1.0 - 0.5 * pop.stress)
    succ_unit = np.bincount(pop.unit, weights=success, minlength=n_units + 1)
    peers = np.minimum((succ_unit[pop.unit] - success) / 3.0, 1.0)
    pop.skill += p.learning_by_doing * attempted * room + p.peer_learning * peers * room
    pop.skill -= p.skill_decay * pop.skill * ~attempted
    moved = CONSOLIDATION * pop.training_boost * attempted
    pop.skill += moved
    pop.training_boost -= moved
    pop.training_boost *= 1.0 - p.transfer_decay * (1.0 - support)
    np.clip(pop.skill, 0.0, 1.0, out=pop.skill)


def transfer_support(p, stance: np.ndarray) -> np.ndarray:
    """Workplace support for using what was trained: follow-up policy plus a supportive leader."""
    return np.clip(p.transfer_support + 0.5 * np.maximum(stance, 0.0), 0.0, 1.0)
