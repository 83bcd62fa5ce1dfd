"""Common random numbers: one generator per stochastic process, all spawned from the run's seed.

Each process draws the same number of values every step whatever the parameters are, and from its
own stream, so switching one policy on does not shift the draws of unrelated processes. A process
whose number of draws varies (recruitment: as many as there are vacancies) starts each year at a
fixed place of its stream instead, for the same reason. Paired comparisons of scenarios on the
same seed are then nearly free of noise.
"""

from __future__ import annotations

import numpy as np

#: The processes with a stream of their own; the order fixes each stream's spawn key.
STREAMS = (
    "organisation",   # unit loads
    "population",     # initial ages, traits, beliefs, ties
    "choice",         # M1 logit draws
    "outcome",        # M15 success or failure; routine irregularities of those not attempting
    "accountability", # M2/M3 investigation, excusal; M14 late exposure
    "verification",   # M14 detection of symbolic innovation
    "training",       # M11 who is trained, classmates
    "evaluation",     # M5 appraisal noise
    "demography",     # M16 exits
    "rotation",       # M16 who rotates and where
)


#: The bit generator of every stream: NumPy's PCG64 with the DXSM output function, its
#: recommended successor of PCG64 (same period and state, better mixing) and here about a third
#: faster per draw, which matters when ten thousand values are drawn a quarter.
BIT_GENERATOR = np.random.PCG64DXSM


def make_streams(seed: int) -> dict[str, np.random.Generator]:
    """One independent ``numpy.random.Generator`` per process, from ``seed``."""
    return {
        name: np.random.Generator(BIT_GENERATOR(np.random.SeedSequence(seed, spawn_key=(i,))))
        for i, name in enumerate(STREAMS)
    }


#: Processes that draw a varying number of values: each year starts at a fixed place of the
#: process's own stream, so how many values one year takes shifts no draw of any other year or
#: process.
YEARLY_STREAMS = (
    "recruits",       # M16 recruits' traits, ages and ties: drawn for the recruits only
)


class YearlyStream:
    """Process ``name``'s generator for each model year: year ``y`` draws from ``y * STRIDE``
    values into the process's stream, however many earlier years drew (jumping there costs a
    couple of microseconds; seeding a fresh generator each year cost ten times that)."""

    STRIDE = 2**64  # values a year may draw; the stream's period is 2**128

    def __init__(self, seed: int, name: str):
        key = len(STREAMS) + YEARLY_STREAMS.index(name)
        self._bits = BIT_GENERATOR(np.random.SeedSequence(seed, spawn_key=(key,)))
        self._start = self._bits.state
        self._generator = np.random.Generator(self._bits)  # keeps no state of its own

    def year(self, year: int) -> np.random.Generator:
        """The generator of model year ``year`` (a whole number >= 0), at its start (the same
        object each year: a year's generator is used up before the next year's is asked for)."""
        self._bits.state = self._start
        self._bits.advance(year * self.STRIDE)
        return self._generator


def fresh_seed() -> int:
    """A seed from OS entropy, for runs the user did not seed (it is recorded on the model)."""
    return int(np.random.SeedSequence().entropy % (2**63))
