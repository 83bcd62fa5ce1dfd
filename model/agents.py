"""CadreAgent -- a real Mesa agent that is a view on its row of the population's columns.

Every state variable of ``population.COLUMNS`` is an attribute that reads and writes the agent's
row, so ``model.agents.select(lambda a: a.rank == 2)``, ``model.agents.agg("skill", np.mean)``,
``groupby("unit")`` and agent reporters work as Mesa users expect, while the model itself updates
all cadres at once in compiled passes over the columns.
"""

from __future__ import annotations

import mesa

from .organisation import RANK_NAMES
from .population import ACTION_NAMES, BARRIER_NAMES, COLUMNS, OUTCOME_NAMES


def _column_property(name: str, doc: str) -> property:
    def get(self):
        if self.row is None:  # the cadre has left; its last state was kept
            table, i = self._final
            return table[name][i].item()
        return getattr(self.model.population, name)[self.row].item()

    def set_(self, value):
        if self.row is None:
            raise AttributeError(f"cadre {self.unique_id} has left the county")
        getattr(self.model.population, name)[self.row] = value

    return property(get, set_, doc=doc)


class CadreAgent(mesa.Agent):
    """A grassroots cadre. Its state lives in row ``row`` of ``model.population``."""

    def __init__(self, model, row: int):
        super().__init__(model)
        self.row: int | None = row
        self._final: tuple | None = None

    # ------------------------------------------------------------------ readable views
    @property
    def rank_name(self) -> str:
        return RANK_NAMES[self.rank]

    @property
    def unit_name(self) -> str:
        return self.model.organisation.unit_name(self.unit)

    @property
    def action_name(self) -> str:
        return ACTION_NAMES[self.last_action]

    @property
    def outcome_name(self) -> str:
        return OUTCOME_NAMES[self.last_outcome]

    @property
    def barrier_name(self) -> str | None:
        """The binding barrier of the last decision, or None if the cadre innovated genuinely."""
        return None if self.barrier < 0 else BARRIER_NAMES[self.barrier]

    def state(self) -> dict:
        """Every state variable of this cadre."""
        return {name: getattr(self, name) for name in COLUMNS}

    def explain(self) -> dict:
        """The terms of this cadre's last decision and its binding barrier.

        Utilities are relative to routine work (0). ``barrier_gains`` holds, for each barrier, how
        much removing it would raise the chance of innovating genuinely.
        """
        if self.row is None:
            raise RuntimeError(f"cadre {self.unique_id} has left the county; nothing to explain")
        d, i = self.model.decision, self.row
        terms = {name: float(getattr(d, name)[i]) for name in d.fields}
        gains = {b: terms.pop(f"gain_{b}") for b in BARRIER_NAMES}
        return {
            "cadre": self.unique_id, "unit": self.unit_name, "rank": self.rank_name,
            "age": round(self.age, 2), "action": self.action_name, "outcome": self.outcome_name,
            "barrier": self.barrier_name, "barrier_gains": gains,
            "skill": self.skill, "risk_aversion": self.risk_aversion, "ambition": self.ambition,
            "perceived_tolerance": self.perceived_tolerance, "stress": self.stress, **terms,
        }

    # ------------------------------------------------------------------ many at once
    # A county enrols a thousand cadres at the start and dozens every year. Mesa registers an
    # agent with three method calls and a formatted log message; doing the same registration for
    # a whole cohort at once is three times faster. The result is the same: the agents have ids
    # from Mesa's counter, and are in ``model.agents`` and ``model.agents_by_type``.
    @classmethod
    def enrol(cls, model, rows: list[int]) -> list[CadreAgent]:
        """Create and register one agent per row, as ``CadreAgent(model, row)`` would."""
        if not rows:
            return []
        first = cls(model, rows[0])  # Mesa's own path: creates the model's agent set if needed
        ids = mesa.Agent._ids[model]
        agents = [first]
        for row in rows[1:]:
            agent = cls.__new__(cls)
            agent.model, agent.unique_id, agent.pos = model, next(ids), None
            agent.row, agent._final = row, None
            agents.append(agent)
        cohort = dict.fromkeys(agents[1:])
        model._agents.update(cohort)
        model._agents_by_type[cls]._agents.update(cohort)
        model._all_agents._agents.update(cohort)
        return agents

    @staticmethod
    def retire(model, agents: list[CadreAgent], table: dict) -> None:
        """Detach cadres who left (retirement, exit, dismissal) from their rows and remove them
        from the Mesa model, as ``Agent.remove`` would; agent ``k`` keeps its last state as entry
        ``k`` of ``table`` (column name -> the leavers' values)."""
        by_type, everyone, registry = (model._agents_by_type[CadreAgent]._agents,
                                       model._all_agents._agents, model._agents)
        for k, agent in enumerate(agents):
            agent._final, agent.row = (table, k), None
            del registry[agent]
            del by_type[agent]
            del everyone[agent]


for _name, (_dtype, _doc) in COLUMNS.items():
    setattr(CadreAgent, _name, _column_property(_name, _doc))
