"""The one place that touches Mesa's internals.

A county enrols a thousand cadres at the start and dozens every year; registering them one by one
through ``Agent.__init__`` (three method calls and a formatted log message each) costs about three
times as much as registering a cohort at once. Doing that means writing the registries that
``Model.register_agent`` writes -- ``model._agents`` (hard references), ``model._agents_by_type``
and ``model._all_agents`` (weak agent sets) -- and drawing ids from ``Agent._ids``. Those are
private to Mesa and may change between releases, so they are touched here only, the version is
checked at import, and tests/test_mesa_adapter.py checks that a cohort registered here is
indistinguishable from agents made with ``CadreAgent(model, row)``.

The weak agent sets are ``weakref.WeakKeyDictionary`` objects; their Python-level ``update`` and
``pop`` cost about a microsecond per agent, so cohorts are written into the dictionary behind
them (``.data``), as Mesa's own ``AgentSet.shuffle`` does. The keys are plain weak references,
one per agent shared by both sets, without the callback that would drop an agent from a set when
it dies: a registered agent cannot die, because the model holds it (``model._agents``) until it
is deregistered, and deregistering -- here or by Mesa's ``deregister_agent`` -- takes it out of
both sets first. (Two weak references with callbacks were a third of the cost of enrolling.)
"""

from __future__ import annotations

import itertools
import weakref

import mesa
import numpy as np
from mesa.agent import AgentSet

#: The Mesa release line whose internals this module was written against.
SUPPORTED_MESA = "3.3"

if not mesa.__version__.startswith(SUPPORTED_MESA + "."):  # pragma: no cover - install check
    raise ImportError(
        f"cadresim needs Mesa {SUPPORTED_MESA}.x (found {mesa.__version__}); install the pinned "
        "version with: pip install 'mesa==3.3.1'")


def reserve_ids(model, count: int) -> np.ndarray:
    """The next ``count`` ids of Mesa's counter for ``model``, taken now for agents made later:
    the counter moves on as if ``count`` agents had been made (ids are never reused)."""
    if count <= 0:
        return np.zeros(0, dtype=np.int64)
    first = next(mesa.Agent._ids[model])
    mesa.Agent._ids[model] = itertools.count(first + count)
    return np.arange(first, first + count, dtype=np.int64)


def enrol_cohort(model, cls, count: int, ids: list[int] | None = None) -> list:
    """Create ``count`` agents of ``cls`` in ``model`` and register them as ``cls(model, ...)``
    would: ids from Mesa's counter in order (or ``ids``, reserved earlier with
    ``reserve_ids``), in ``model.agents`` and ``model.agents_by_type``. The caller sets the
    agents' own attributes."""
    if ids is None:
        counter = mesa.Agent._ids[model]
        ids = [next(counter) for _ in range(count)]
    new = cls.__new__
    agents = [new(cls) for _ in range(count)]
    for agent, unique_id in zip(agents, ids, strict=True):
        agent.model, agent.unique_id, agent.pos = model, unique_id, None
    if cls not in model._agents_by_type:
        model._agents_by_type[cls] = AgentSet([], random=model.random)
    model._agents.update(dict.fromkeys(agents))
    keys = dict.fromkeys([weakref.ref(a) for a in agents])
    model._agents_by_type[cls]._agents.data.update(keys)
    model._all_agents._agents.data.update(keys)
    return agents


def retire_cohort(model, agents: list) -> None:
    """Deregister ``agents`` from ``model`` as ``Agent.remove`` would (agents already removed are
    skipped)."""
    registry, everyone = model._agents, model._all_agents._agents.data
    for agent in agents:
        if registry.pop(agent, False) is not False:
            key = weakref.ref(agent)  # equal to the registered one (the same, if enrolled here)
            model._agents_by_type[type(agent)]._agents.data.pop(key, None)
            everyone.pop(key, None)


def drop_agents(model) -> None:
    """Drop the model's hard references to its agents (its agent sets hold weak ones), so a
    finished model and its agents are freed at once by reference counting. The weak sets are
    emptied first, so that the dying agents do not call back into them one by one."""
    for agent_set in (model._all_agents, *model._agents_by_type.values()):
        agent_set._agents.data.clear()
    model._agents.clear()


def forget_model(model) -> None:
    """Release Mesa's class-level id counter for ``model`` (``Agent._ids`` is keyed by model and
    would otherwise keep every finished model, and its agents, alive)."""
    ids = getattr(mesa.Agent, "_ids", None)
    if isinstance(ids, dict):
        ids.pop(model, None)
