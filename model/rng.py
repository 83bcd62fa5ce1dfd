"""Common random numbers: one generator per stochastic process, all spawned from the run's seed.

Each process draws the same number of values every step whatever the parameters are, and from its
own stream, so switching one policy on does not shift the draws of unrelated processes. Paired
comparisons of scenarios on the same seed are then nearly free of noise.
"""

from __future__ import annotations

import numpy as np

#: The processes with a stream of their own; the order fixes each stream's spawn key.
STREAMS = (
    "organisation",   # unit loads
    "population",     # initial ages, traits, beliefs, ties
    "choice",         # M1 logit draws
    "outcome",        # M15 success or failure
    "accountability", # M2/M3 investigation, excusal, routine irregularities
    "verification",   # M14 detection of symbolic innovation
    "training",       # M11 who is trained, classmates
    "evaluation",     # M5 appraisal noise
    "demography",     # M16 exits, recruits' traits
    "rotation",       # M16 who rotates and where
)


def make_streams(seed: int) -> dict[str, np.random.Generator]:
    """One independent ``numpy.random.Generator`` per process, from ``seed``."""
    return {
        name: np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(i,))))
        for i, name in enumerate(STREAMS)
    }


def fresh_seed() -> int:
    """A seed from OS entropy, for runs the user did not seed (it is recorded on the model)."""
    return int(np.random.SeedSequence().entropy % (2**63))
