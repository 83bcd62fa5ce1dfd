"""model/mesa_adapter.py, the one place that touches Mesa's internals: a cohort of agents
registered at once must be indistinguishable from agents made one by one with
``CadreAgent(model, row)`` (ids, ``model.agents``, ``agents_by_type``, removal, counts), a
retired cohort must leave the registries as ``Agent.remove`` would, a finished model must be
freed, and another Mesa release line must be refused at import.
"""

from __future__ import annotations

import gc
import importlib
import weakref

import mesa
import numpy as np
import pytest

from model import CadreAgent, CadreModel, mesa_adapter

ROWS = list(range(10))


def bare(seed: int = 1) -> CadreModel:
    return CadreModel(seed=seed, n_cadres=100, with_agents=False)


def registry(model) -> tuple:
    """Everything a Mesa user can see of a model's agents."""
    return ([(type(a).__name__, a.unique_id, a.row, a.pos, a.model is model)
             for a in model.agents],
            {cls.__name__: [a.unique_id for a in agents]
             for cls, agents in model.agents_by_type.items()},
            len(model.agents))


@pytest.fixture
def pair():
    """Model a with a cohort enrolled at once, model b with the same agents made one by one."""
    a, b = bare(), bare()
    cohort = CadreAgent.enrol(a, ROWS)
    singles = [CadreAgent(b, row) for row in ROWS]
    return a, cohort, b, singles


def test_a_cohort_is_registered_as_agents_made_one_by_one(pair):
    a, cohort, b, singles = pair
    assert registry(a) == registry(b)
    assert [x.unique_id for x in cohort] == [x.unique_id for x in singles] == list(range(1, 11))
    assert list(a.agents) == cohort and list(a.agents_by_type[CadreAgent]) == cohort
    assert [x.skill for x in cohort] == [x.skill for x in singles]  # views on the same rows
    # The model holds its agents: they outlive every outside reference.
    probe = weakref.ref(cohort[4])
    del cohort
    gc.collect()
    assert probe() is not None and len(a.agents) == 10
    # Mesa's AgentSet API works the same on both.
    for m in (a, b):
        assert len(m.agents.select(lambda x: x.row % 2 == 0)) == 5
        assert m.agents.agg("row", sum) == sum(ROWS)


def test_removal_and_later_agents_match(pair):
    """Mesa's own deregistration (``Agent.remove``; CadreAgent.remove adds the cadre's leaving,
    tested in test_model.py) on an enrolled agent and on one made one by one."""
    a, cohort, b, singles = pair
    mesa.Agent.remove(cohort[3])
    mesa.Agent.remove(singles[3])
    assert registry(a) == registry(b)
    assert cohort[3] not in a.agents and cohort[3] not in a.agents_by_type[CadreAgent]
    later_a = CadreAgent.enrol(a, [20, 21])
    later_b = [CadreAgent(b, 20), CadreAgent(b, 21)]
    assert [x.unique_id for x in later_a] == [x.unique_id for x in later_b] == [11, 12]
    assert registry(a) == registry(b) and len(a.agents) == 11


def test_a_retired_cohort_leaves_the_registries_as_agent_remove_would(pair):
    a, cohort, b, singles = pair
    table = {name: np.zeros(4) for name in ("skill", "row")}
    CadreAgent.retire(a, cohort[:4], lambda held: table)
    for agent in singles[:4]:
        mesa.Agent.remove(agent)
    assert registry(a) == registry(b) and len(a.agents) == 6
    mesa_adapter.retire_cohort(a, cohort[:5])  # already retired ones are skipped
    assert len(a.agents) == 5 and cohort[4] not in a.agents


def test_only_leavers_held_outside_the_model_have_their_last_state_copied():
    """A leaver nobody holds is freed as it leaves, so its row is not copied; one held (here by
    ``kept``) is detached and reads its copy. If the count of the model's own references were
    one too high, ``kept`` would stay on its row and read whoever takes the row next; one too
    low, every row would be copied."""
    a = bare()
    leaving = CadreAgent.enrol(a, ROWS)  # held, as in the model, by the registry and this list
    kept = leaving[3]
    asked = []

    def last_state(held):
        asked.append(list(held))
        return {"skill": np.full(len(held), 0.25)}

    probe = weakref.ref(leaving[5])
    CadreAgent.retire(a, leaving, last_state)
    assert asked == [[3]] and kept.row is None and kept.skill == 0.25
    assert len(a.agents) == 0
    del leaving
    assert probe() is None  # freed as it left (reference counting; no collector needed)


def test_all_agents_removed_then_the_model_runs_on_with_new_agents():
    m = CadreModel(seed=2, n_cadres=150)
    for _ in range(2):
        m.step()
    first = max(a.unique_id for a in m.agents)
    m.remove_all_agents()
    assert len(m.agents) == 0 and not m.population.active.any()
    for _ in range(6):  # through a year end: recruits fill the empty staff posts
        m.step()
    assert len(m.agents) == int(m.population.active.sum()) > 0
    assert min(a.unique_id for a in m.agents) > first  # ids never reused
    assert all(a.row is not None and m.population.active[a.row] for a in m.agents)


def test_a_finished_model_is_freed_once_its_ids_are_forgotten():
    """Mesa's class-level id counter is keyed by model: without ``forget_model`` every finished
    model (and its agents, through the model) would stay alive."""
    refs = []
    for forget in (False, True):
        m = CadreModel(seed=3, n_cadres=100)
        m.step()
        refs.append(weakref.ref(m))
        m.dispose()
        if forget:
            mesa_adapter.forget_model(m)
        del m
    gc.collect()
    kept, freed = refs
    assert kept() is not None and freed() is None
    mesa_adapter.forget_model(kept())


def test_another_mesa_release_line_is_refused_at_import(monkeypatch):
    monkeypatch.setattr(mesa, "__version__", "3.4.0")
    try:
        with pytest.raises(ImportError, match=r"needs Mesa 3\.3\.x \(found 3\.4\.0\)"):
            importlib.reload(mesa_adapter)
    finally:
        monkeypatch.undo()
        importlib.reload(mesa_adapter)
    assert mesa.__version__.startswith(mesa_adapter.SUPPORTED_MESA + ".")


def test_a_removed_head_leaves_its_post_vacant_for_its_subordinates():
    """ODD 7.9: staff below a head who leaves see no stance (0) at once, not from the year end."""
    from model import leaders

    m = CadreModel(seed=3, n_cadres=600)
    for _ in range(6):
        m.step()
    pop = m.population
    head = next(a for a in m.agents if pop.rank[a.row] == leaders.HEAD)
    unit = pop.unit[head.row]
    head.remove()
    seen = leaders.subordinate_stance(pop, m.leaders, m.organisation.county_unit, m.year)
    below = pop.active & (pop.unit == unit) & (pop.rank < leaders.HEAD)
    others = pop.active & (pop.unit != unit) & (pop.rank < leaders.HEAD)
    assert below.any() and np.all(seen[below] == 0.0)
    assert np.any(seen[others] != 0.0)


def test_agents_made_on_first_use_are_those_made_as_cadres_joined():
    """The agent objects are made when first asked for: a model read at the start, one read
    halfway and one read only at the end have the same agents (ids, order, rows, states) and
    Mesa's id counter stands at the same place -- through three year ends of leavers and
    recruits. Until then no agent object exists."""
    models = [CadreModel(seed=7, n_cadres=200) for _ in range(3)]
    early, halfway, late = models
    assert len(early.agents) == 200
    for step in range(12):
        if step == 6:
            assert len(halfway._agents) == 0  # nothing made yet
            assert CadreAgent in halfway.agents_by_type  # made here
        for m in models:
            m.step()
    assert len(late._agents) == 0
    views = [(registry(m), [(a.row, a.skill, a.rank) for a in m.agents]) for m in models]
    assert views[0] == views[1] == views[2]
    ids = {next(mesa.Agent._ids[m]) for m in models}
    assert len(ids) == 1 and ids.pop() > 200  # recruits took ids
    np.testing.assert_array_equal(late._id_of_row, early._id_of_row)


def test_an_agent_added_before_the_cadres_are_made_comes_after_them():
    m = CadreModel(seed=3, n_cadres=100)
    m.step()
    other = mesa.Agent(m)
    assert list(m.agents)[-1] is other and len(m.agents) == 101
    assert [a.unique_id for a in m.agents] == list(range(1, 102))
    assert m.agent_types == [CadreAgent, mesa.Agent]


def test_removing_all_agents_before_any_was_read_removes_every_cadre():
    m = CadreModel(seed=4, n_cadres=100)
    m.step()
    m.remove_all_agents()  # the agents are made first, then each one's cadre leaves
    assert len(m.agents) == 0 and not m.population.active.any()
    assert (m._id_of_row == -1).all()
