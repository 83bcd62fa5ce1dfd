"""The cadres' state, held as columns: one NumPy array per state variable, one row per cadre.

Rows are post-holders: a row whose cadre retires or leaves is inactive until a recruit takes it.
Every mechanism reads and writes these arrays in passes over all cadres (compiled, see jit.py);
``CadreAgent`` objects are thin views on their row (see agents.py).
"""

from __future__ import annotations

from collections import namedtuple

import numpy as np

from .calendar import QUARTER
from .jit import kernel
from .organisation import COUNTY, DEPUTY, HEAD, N_RANKS, STAFF, Organisation

# Actions (M1, M15) and the outcome of the last action.
ROUTINE, INCREMENTAL, BOLD, SYMBOLIC = 0, 1, 2, 3
ACTION_NAMES = ("routine", "incremental innovation", "bold innovation", "symbolic innovation")
OUTCOME_NAMES = (
    "none", "success", "failure unnoticed", "failure excused", "sanctioned",
    "symbolic credited", "symbolic detected", "symbolic exposed later",
)
(NONE, SUCCESS, FAIL_UNNOTICED, EXCUSED, SANCTIONED, SYM_CREDITED, SYM_DETECTED,
 SYM_EXPOSED) = range(8)
#: Size of an incremental and of a bold innovation (M15); value and reward scale with size.
SIZES = (0.4, 1.0)
#: Size an image project is claimed at: undetected, it earns the appraisal credit of a bold
#: success (image projects are announced as big).
SYMBOLIC_CLAIM = 1.0
#: Working time an image project takes, as a share of a full-size innovation's.
SYMBOLIC_TIME = 0.4
# Barriers (the essays' four words); NO_BARRIER for cadres who innovate genuinely.
BARRIER_NAMES = ("afraid", "unwilling", "unaccustomed", "unable")
NO_BARRIER = -1

N_TIES = 4  # cross-unit acquaintances per cadre (rotation, training classmates)
HEAD_TIE = 0  # the slot of the tie to a former head (rotation); classmates take the others

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
    "perceived_tolerance": (np.float64, "belief that a failure the rules cover is excused"),
    "perceived_risk": (np.float64, "belief about the base chance that a failure is investigated"),
    "perceived_detection": (np.float64, "belief that an image project is exposed, now or later"),
    "propensity": (np.float64, "-1..1 reinforcement from own past outcomes"),
    "stress": (np.float64, "0-1"),
    "post_load": (np.float64, "routine load of the cadre's post relative to its unit's"),
    "competence": (np.float64, "routine competence: the cadre's own part of its routine work"),
    "routine_performance": (np.float64, "0-1 appraised routine work"),
    "innovation_record": (np.float64, "appraisal credit from recent (claimed) innovations"),
    "demerit_until": (np.float64, "model year until which a sanction bars promotion"),
    "attempts_year": (np.float64, "genuine attempts in the current appraisal year"),
    "recent_innovation": (np.float64, "genuine attempts, discounted by RECENT_MEMORY a quarter"),
    "sham_record": (np.float64, "undetected symbolic projects still on record (discounted)"),
    "n_attempts": (np.int64, "genuine innovations attempted in career"),
    "n_successes": (np.int64, "successful genuine innovations in career"),
    "n_sanctions": (np.int64, "sanctions received in career"),
    "n_promotions": (np.int64, "promotions in career"),
    "last_action": (np.int8, "0 routine, 1 incremental, 2 bold, 3 symbolic"),
    "last_outcome": (np.int8, "see OUTCOME_NAMES"),
    "barrier": (np.int8, "binding barrier of the last decision (largest single-removal gain), "
                         "-1 if innovating genuinely"),
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
        """Skill in use (``effective_skill``) of every row."""
        out = np.empty(self.n)
        _effective_kernel(self.skill, self.training_boost, out)
        return out


#: Spreads of traits whose spread is not a research question here (design constants).
AMBITION_SD, THRESHOLD_SD, MOTIVATION_SD = 0.2, 0.1, 0.2
COMPETENCE_SD = 0.1  # routine competence differs between cadres about as much as their work
TRAIT_LO, TRAIT_HI = 0.01, 0.99  # traits on a 0-1 scale never reach the ends
MOTIVATION_MAX = 2.0
BELIEF_SD = 0.1  # spread of initial beliefs around their priors
#: Routine performance of a new cadre (recruits; the mean at the start, spread ROUTINE_START_SD).
ROUTINE_START, ROUTINE_START_SD = 0.5, 0.15
MAX_START_TENURE = 8.0  # years in rank at the start are drawn up to this (or the service)
#: Lowest age of each rank at the start (older cadres hold higher ranks); recruits' ages.
START_AGE = (22.0, 28.0, 32.0, 38.0)
RECRUIT_AGE, RECRUIT_AGE_SPAN = 22.0, 8.0
#: Row of each trait's standard normal draw in ``draw_traits``'s block, by name.
TRAIT_DRAW = namedtuple("TraitDraw", ("risk_aversion", "ambition", "skill",
                                      "conformity_threshold", "motivation", "post_load",
                                      "competence"))(*range(7))
N_TRAIT_DRAWS = len(TRAIT_DRAW)


def draw_traits(pop: Population, rows: np.ndarray, p, z: np.ndarray) -> None:
    """Individual traits for ``rows`` from an (N_TRAIT_DRAWS, rows.size) block of standard normal
    draws (column k for ``rows[k]``):
    risk aversion, ambition, skill, conformity threshold, motivation, the post's load and routine
    competence, each ``mean + sd * z`` clipped to its range (monotone in the mean, so that under
    common random numbers raising a mean shifts every cadre the same way)."""
    _traits_kernel(rows, z, p.risk_aversion_mean, p.risk_aversion_sd, p.ambition_mean,
                   p.skill_mean, p.skill_sd, p.conformity_threshold_mean, p.intrinsic_motivation,
                   p.post_load_sd, pop.risk_aversion, pop.ambition, pop.skill,
                   pop.conformity_threshold, pop.motivation, pop.post_load, pop.competence)


@kernel
def clip(x, lo, hi):
    """``x`` limited to [lo, hi] (for scalars inside compiled passes)."""
    return min(max(x, lo), hi)


@kernel
def effective_skill(skill, boost):
    """Skill in use: consolidated skill plus training gains not yet faded, capped at 1."""
    return min(skill + boost, 1.0)


@kernel
def _effective_kernel(skill, boost, out):
    for i in range(skill.size):
        out[i] = effective_skill(skill[i], boost[i])


@kernel
def _traits_kernel(rows, z, risk_mean, risk_sd, ambition_mean, skill_mean, skill_sd,
                   threshold_mean, motivation_mean, load_sd, risk_aversion, ambition, skill,
                   threshold, motivation, post_load, competence):
    d = TRAIT_DRAW
    for k in range(rows.size):
        i = rows[k]
        risk_aversion[i] = clip(risk_mean + risk_sd * z[d.risk_aversion, k], TRAIT_LO, TRAIT_HI)
        ambition[i] = clip(ambition_mean + AMBITION_SD * z[d.ambition, k], TRAIT_LO, TRAIT_HI)
        skill[i] = clip(skill_mean + skill_sd * z[d.skill, k], TRAIT_LO, TRAIT_HI)
        threshold[i] = clip(threshold_mean + THRESHOLD_SD * z[d.conformity_threshold, k],
                            TRAIT_LO, TRAIT_HI)
        motivation[i] = clip(motivation_mean + MOTIVATION_SD * z[d.motivation, k], 0.0,
                             MOTIVATION_MAX)
        # A post's load is lognormal around its unit's (mean one): a few desks are far busier.
        post_load[i] = np.exp(load_sd * z[d.post_load, k] - 0.5 * load_sd * load_sd)
        competence[i] = COMPETENCE_SD * z[d.competence, k]


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
    lo = np.array(START_AGE)[pop.rank]
    top = p.retirement_age - QUARTER
    pop.age[:] = lo + rng.random(n) * (top - lo)
    pop.service[:] = pop.age - RECRUIT_AGE
    pop.tenure[:] = rng.random(n) * np.minimum(pop.service, MAX_START_TENURE)
    draw_traits(pop, np.arange(n), p, rng.standard_normal((N_TRAIT_DRAWS, n)))
    z = rng.standard_normal((3, n))
    for column, prior, k in ((pop.perceived_tolerance, p.prior_tolerance_belief, 0),
                             (pop.perceived_risk, p.prior_risk_belief, 1),
                             (pop.perceived_detection, p.prior_detection_belief, 2)):
        column[:] = np.clip(prior + BELIEF_SD * z[k], 0.0, 1.0)
    pop.routine_performance[:] = np.clip(
        ROUTINE_START + ROUTINE_START_SD * rng.standard_normal(n), 0.0, 1.0)
    pop.ties[:] = rng.integers(0, n, size=(n, pop.ties.shape[1]))
    pop.barrier[:] = NO_BARRIER
    return pop


__all__ = [
    "Population", "COLUMNS", "populate", "draw_traits", "clip", "SIZES", "SYMBOLIC_CLAIM",
    "SYMBOLIC_TIME", "ACTION_NAMES", "OUTCOME_NAMES",
    "BARRIER_NAMES", "ROUTINE", "INCREMENTAL", "BOLD", "SYMBOLIC", "STAFF", "DEPUTY", "HEAD",
    "COUNTY", "N_RANKS",
]
