"""Hand-built counties for the unit tests of the compiled passes (tests/test_pass_*.py).

The pass tests build a small population column by column (or a ``Population`` directly), call one
public pass of the model on it, and compare what the pass wrote with values the test computes
itself from the equation in the mechanism module's docstring (docs/ODD.md section 7), in plain
NumPy. Nothing here calls the model's helpers, kernels or a model's private context: what the
tests expect is written out independently of the code under test.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from model.parameters import defaults, record
from model.population import NO_BARRIER, Population


def params(**over) -> SimpleNamespace:
    """Every parameter at its default, ``over`` applied (a namespace, as the model keeps them)."""
    p = defaults()
    unknown = set(over) - set(p)
    if unknown:
        raise KeyError(f"not parameters: {sorted(unknown)}")
    p.update(over)
    return SimpleNamespace(**p)


def rec(p: SimpleNamespace) -> np.ndarray:
    """The parameter record the compiled passes read (``model.parameters.record``)."""
    return record(p)


def county(unit_sizes, seed: int = 0, ranks=None) -> Population:
    """A serving population of ``sum(unit_sizes)`` cadres, ``unit_sizes[u]`` of them in unit u,
    with traits, beliefs and histories drawn from a test generator (not the model's streams).

    ``ranks``: a rank per cadre (default: everyone staff).
    """
    rng = np.random.default_rng(seed)
    n = int(sum(unit_sizes))
    pop = Population(n)
    pop.unit[:] = np.repeat(np.arange(len(unit_sizes)), unit_sizes)
    pop.rank[:] = 0 if ranks is None else ranks
    pop.active[:] = True
    pop.age[:] = rng.uniform(23.0, 59.0, n)
    pop.tenure[:] = rng.uniform(0.0, 8.0, n)
    pop.service[:] = pop.age - 22.0
    for name in ("risk_aversion", "ambition", "skill", "conformity_threshold",
                 "perceived_tolerance", "perceived_risk", "perceived_detection", "stress",
                 "routine_performance"):
        getattr(pop, name)[:] = rng.uniform(0.02, 0.98, n)
    pop.training_boost[:] = rng.uniform(0.0, 0.2, n)
    pop.motivation[:] = rng.uniform(0.0, 1.0, n)
    pop.propensity[:] = rng.uniform(-0.8, 0.8, n)
    pop.post_load[:] = rng.uniform(0.7, 1.4, n)
    pop.competence[:] = rng.normal(0.0, 0.1, n)
    pop.innovation_record[:] = rng.uniform(0.0, 2.0, n)
    pop.recent_innovation[:] = rng.uniform(0.0, 3.0, n)
    pop.score[:] = rng.normal(0.0, 1.0, n)
    pop.ties[:] = rng.integers(0, n, size=pop.ties.shape)
    pop.barrier[:] = NO_BARRIER
    return pop


def logistic(x):
    """1 / (1 + exp(-x)), written out for the tests' own equations."""
    return 1.0 / (1.0 + np.exp(-x))
