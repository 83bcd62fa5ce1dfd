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

from .calendar import QUARTERS_PER_YEAR
from .jit import kernel
from .population import clip, effective_skill

CONSOLIDATION = 0.5  # share of the training boost made lasting by one attempt
REFERENCE_CLASS, REFERENCE_DAYS = 30.0, 7.0  # the course the training_effect refers to
#: A course of quality 0 still teaches something (lectures): half of one of quality 0.5.
METHOD_BASE = 0.5
PEERS_FULL = 3.0  # successful colleagues that give the full peer-learning rate
STRESS_LEARNING = 0.5  # share of learning lost at full stress
LEADER_TRANSFER = 0.5  # support for using trained skills from a fully supportive head


def method_factor(quality: float) -> float:
    """How much a course of this method quality teaches (and costs to teach), relative to
    ``training_effect``'s course of quality 0.5: ``METHOD_BASE + quality``."""
    return METHOD_BASE + quality


def course_gain(p) -> float:
    """Share of the gap to full skill that one course closes."""
    return (p.training_effect * method_factor(p.training_quality)
            * np.sqrt(REFERENCE_CLASS / p.training_class_size)
            * np.sqrt(p.training_days / REFERENCE_DAYS))


def train(pop, p, u_train: np.ndarray, u_class: np.ndarray, tie_slot: int) -> np.ndarray:
    """Send this quarter's trainees on a course; returns the boolean mask of trainees."""
    trainees = np.zeros(pop.n, dtype=np.bool_)
    _train_kernel(pop.active, pop.skill, pop.training_boost, pop.ties, u_train, u_class,
                  p.training_coverage / QUARTERS_PER_YEAR, min(course_gain(p), 1.0), tie_slot,
                  trainees)
    return trainees


@kernel
def _train_kernel(active, skill, boost, ties, u_train, u_class, share, gain, tie_slot, trainees):
    idx = np.flatnonzero(active & (u_train < share))
    if idx.size == 0:
        return
    for i in idx:
        trainees[i] = True
        boost[i] += gain * (1.0 - effective_skill(skill[i], boost[i]))
    # Classmates: trainees seated in random order; each befriends its neighbour.
    order = idx[np.argsort(u_class[idx], kind="mergesort")]
    for k in range(1, order.size):
        ties[order[k], tie_slot] = order[k - 1]
    ties[order[0], tie_slot] = order[-1]


def practise(pop, p, attempted: np.ndarray, success: np.ndarray, support: np.ndarray,
             n_units: int) -> None:
    """Learning by doing, from peers, consolidation and fading of training, and decay of skill."""
    _practise_kernel(pop.unit, pop.skill, pop.training_boost, pop.stress, attempted, success,
                     support, n_units, p.learning_by_doing, p.peer_learning, p.skill_decay,
                     p.transfer_decay)


@kernel
def _practise_kernel(unit, skill, boost, stress, attempted, success, support, n_units,
                     learning_by_doing, peer_learning, skill_decay, transfer_decay):
    succ_unit = np.zeros(n_units + 1)
    for i in range(unit.size):
        succ_unit[unit[i]] += success[i]
    for i in range(unit.size):
        room = (1.0 - skill[i]) * (1.0 - STRESS_LEARNING * stress[i])
        # Successful colleagues teach; PEERS_FULL of them are as good as it gets.
        peers = min((succ_unit[unit[i]] - success[i]) / PEERS_FULL, 1.0)
        s = skill[i] + (learning_by_doing * attempted[i] * room + peer_learning * peers * room)
        if not attempted[i]:
            s -= skill_decay * s
        moved = CONSOLIDATION * boost[i] * attempted[i]
        s += moved
        boost[i] = (boost[i] - moved) * (1.0 - transfer_decay * (1.0 - support[i]))
        skill[i] = clip(s, 0.0, 1.0)


def transfer_support(p, stance: np.ndarray) -> np.ndarray:
    """Workplace support for using what was trained: follow-up policy plus a supportive leader."""
    out = np.empty(stance.size)
    _support_kernel(stance, p.transfer_support, out)
    return out


@kernel
def _support_kernel(stance, policy, out):
    for i in range(stance.size):
        out[i] = clip(policy + LEADER_TRANSFER * max(stance[i], 0.0), 0.0, 1.0)
