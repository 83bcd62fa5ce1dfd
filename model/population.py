"""The cadres' state, held as columns: one NumPy array per state variable, one row per cadre.

Rows are post-holders: a row whose cadre retires or leaves is inactive until a recruit takes it.
Every mechanism reads and writes these arrays in passes over all cadres (compiled, see jit.py);
``CadreAgent`` objects are thin views on their row (see agents.py).
"""

from __future__ import annotations

import numpy as np

from .jit import kernel
from .organisation import COUNTY, DEPUTY, HEAD, N_RANKS, STAFF, Organisation

# Actions (M1, M15) and the outcome of the last action.
ROUTINE, INCREMENTAL, BOLD, SYMBOLIC = 0, 1, 2, 3
ACTION_NAMES = ("routine", "incremental innovation", "bold innovation", "symbolic innovation")
OUTCOME_NAMES = (
    "none", "success", "failure unnoticed", "failure excused", "sanctioned",
    "symbolic credited", "symbolic detected",
)
NONE, SUCCESS, FAIL_UNNOTICED, EXCUSED, SANCTIONED, SYM_CREDITED, SYM_DETECTED = range(7)
# Barriers (the essays' four words); NO_BARRIER for cadres who innovate genuinely.
BARRIER_NAMES = ("afraid", "unwilling", "unaccustomed", "unable")
NO_BARRIER = -1

N_TIES = 4  # cross-unit acquaintances per cadre (rotation, training classmates)

#: name -> (dtype, meaning). Every column is a per-agent attribute of CadreAgent.
COLUMNS: dict[str, tuple[type, str]] = {
    "active": (bool, "row holds a serving cadre"),
    "unit": (np.int64, "unit index (townships, then departments, then county leadership)"),
    "rank": (np.int64, "0 staff, 1 deputy, 2 head of unit, 3 county leader"),
    "age": (np.float64, "years"),
    "tenure": (np.float64, "years in current rank"),
    "service": (np.float64, "years of service"),
    "risk_aversion": (np.float64, "0-1"),
    "ambition": (np.float64, "0-1 career ambition"),
    "motivation": (np.float64, "public-service motivation (utility of a successful innovation)"),
    "skill": (np.float64, "0-1 consolidated innovation skill"),
    "training_boost": (np.float64, "skill from training not yet consolidated by use"),
    "conformity_threshold": (np.float64, "share of innovating peers needed to be at ease"),
    "perceived_tolerance": (np.float64, "belief that an investigated honest failure is excused"),
    "propensity": (np.float64, "-1..1 reinforcement from own past outcomes"),
    "stress": (np.float64, "0-1"),
    "routine_performance": (np.float64, "0-1 appraised routine work"),
    "innovation_record": (np.float64, "appraisal credit from recent (claimed) innovations"),
    "demerit_until": (np.float64, "model year until which a sanction bars promotion"),
    "attempts_year": (np.float64, "genuine attempts in the current appraisal year"),
    "recent_innovation": (np.float64, "genuine attempts, discounted by 1/4 a quarter"),
    "n_attempts": (np.int64, "genuine innovations attempted in career"),
    "n_successes": (np.int64, "successful genuine innovations in career"),
    "n_sanctions": (np.int64, "sanctions received in career"),
    "n_promotions": (np.int64, "promotions in career"),
    "last_action": (np.int8, "0 routine, 1 incremental, 2 bold, 3 symbolic"),
    "last_outcome": (np.int8, "see OUTCOME_NAMES"),
    "barrier": (np.int8, "binding barrier of last decision, -1 if innovating genuinely"),
    "score": (np.float64, "last appraisal score"),
}


class Population:
    """Columns of cadre state; ``pop.skill[i]`` is cadre row i's skill."""

    def __init__(self, n: int):
        self.n = n
        for name, (dtype, _) in COLUMNS.items():
            setattr(self, name, np.zeros(n, dtype=dtype))
        self.ties = np.zeros((n, N_TIES), dtype=np.int64)

    def skill_effective(self) -> np.ndarray:
        """Skill in use: consolidated skill plus training gains not yet faded, capped at 1."""
        return np.minimum(self.skill + self.training_boost, 1.0)


def clipped_normal(mean: float, sd: float, z: np.ndarray, lo=0.01, hi=0.99) -> np.ndarray:
    """Trait values from standard normal draws ``z``: monotone in the mean (for common random
    numbers, raising a mean shifts every cadre the same way)."""
    return np.clip(mean + sd * z, lo, hi)


def draw_traits(pop: Population, rows: np.ndarray, p, z: np.ndarray) -> None:
    """Individual traits for ``rows`` from a (5, n) block of standard normal draws, each a
    ``clipped_normal``."""
    _traits_kernel(rows, z, p.risk_aversion_mean, p.risk_aversion_sd, p.ambition_mean,
                   p.skill_mean, p.skill_sd, p.conformity_threshold_mean, p.intrinsic_motivation,
                   pop.risk_aversion, pop.ambition, pop.skill, pop.conformity_threshold,
                   pop.motivation)


@kernel
def _traits_kernel(rows, z, risk_mean, risk_sd, ambition_mean, skill_mean, skill_sd,
                   threshold_mean, motivation_mean, risk_aversion, ambition, skill, threshold,
                   motivation):
    for i in rows:
        risk_aversion[i] = min(max(risk_mean + risk_sd * z[0, i], 0.01), 0.99)
        ambition[i] = min(max(ambition_mean + 0.2 * z[1, i], 0.01), 0.99)
        skill[i] = min(max(skill_mean + skill_sd * z[2, i], 0.01), 0.99)
        threshold[i] = min(max(threshold_mean + 0.1 * z[3, i], 0.01), 0.99)
        motivation[i] = min(max(motivation_mean + 0.2 * z[4, i], 0.0), 2.0)


def populate(org: Organisation, p, rng: np.random.Generator) -> Population:
    """Fill every post of ``org`` with a cadre: ranks, units, ages, traits and beliefs."""
    cap = org.capacity
    n = int(cap.sum())
    pop = Population(n)
    units, ranks = np.nonzero(cap)
    counts = cap[units, ranks]
    pop.unit[:] = np.repeat(units, counts)
    pop.rank[:] = np.repeat(ranks, counts)
    pop.active[:] = True
    # Ages rise with rank; nobody starts at or past retirement.
    lo = np.array([22.0, 28.0, 32.0, 38.0])[pop.rank]
    top = p.retirement_age - 0.25
    pop.age[:] = lo + rng.random(n) * (top - lo)
    pop.service[:] = pop.age - 22.0
    pop.tenure[:] = rng.random(n) * np.minimum(pop.service, 8.0)
    draw_traits(pop, np.arange(n), p, rng.standard_normal((5, n)))
    pop.perceived_tolerance[:] = np.clip(p.prior_tolerance_belief + 0.1 * rng.standard_normal(n),
                                         0.0, 1.0)
    pop.routine_performance[:] = np.clip(0.5 + 0.15 * rng.standard_normal(n), 0.0, 1.0)
    pop.ties[:] = rng.integers(0, n, size=(n, pop.ties.shape[1]))
    pop.barrier[:] = NO_BARRIER
    return pop


__all__ = [
    "Population", "COLUMNS", "populate", "draw_traits", "ACTION_NAMES", "OUTCOME_NAMES",
    "BARRIER_NAMES", "ROUTINE", "INCREMENTAL", "BOLD", "SYMBOLIC", "STAFF", "DEPUTY", "HEAD",
    "COUNTY", "N_RANKS",
]
