"""CadreAgent -- a real Mesa agent that is a view on its row of the population's columns.

Every state variable of ``population.COLUMNS`` is an attribute that reads and writes the agent's
row, so ``model.agents.select(lambda a: a.rank == 2)``, ``model.agents.agg("skill", np.mean)``,
``groupby("unit")`` and agent reporters work as Mesa users expect, while the model itself updates
all cadres at once in compiled passes over the columns.
"""

from __future__ import annotations

import sys

import mesa

from . import mesa_adapter
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
        """The terms of this cadre's last decision and what holds it back.

        Utilities are relative to routine work (0). ``barrier_shares`` splits the chance of a
        genuine attempt the cadre lacks (``barrier_gap``: its chance with all four barriers
        removed, ``p_without_barriers``, minus ``p_innovate``) among the four barriers (Shapley
        values, as shares summing to 1). ``barrier`` is the *binding* barrier -- the single
        removal that would help most -- and ``barrier_gains`` what each single removal would
        add (None and the gains of an innovator are reported all the same).
        """
        if self.row is None:
            raise RuntimeError(f"cadre {self.unique_id} has left the county; nothing to explain")
        d, i = self.model.decision, self.row
        terms = {name: float(getattr(d, name)[i]) for name in d.fields}
        gains = {b: terms.pop(f"gain_{b}") for b in BARRIER_NAMES}
        parts = {b: terms.pop(f"shapley_{b}") for b in BARRIER_NAMES}
        gap = terms["p_without_barriers"] - terms["p_innovate"]
        shares = {b: (v / gap if gap > 0 else 0.0) for b, v in parts.items()}
        return {
            "cadre": self.unique_id, "unit": self.unit_name, "rank": self.rank_name,
            "age": round(self.age, 2), "action": self.action_name, "outcome": self.outcome_name,
            "barrier": self.barrier_name, "barrier_gains": gains, "barrier_gap": gap,
            "barrier_parts": parts, "barrier_shares": shares,
            "skill": self.skill, "risk_aversion": self.risk_aversion, "ambition": self.ambition,
            "perceived_tolerance": self.perceived_tolerance,
            "perceived_risk": self.perceived_risk,
            "perceived_detection": self.perceived_detection, "stress": self.stress, **terms,
        }

    def remove(self) -> None:
        """Remove the agent from the model: its cadre leaves the county (its post falls vacant
        and is filled at the next year end), keeping its last state."""
        if self.row is not None:
            self.model.cadre_left(self)
        super().remove()

    # ------------------------------------------------------------------ many at once
    @classmethod
    def enrol(cls, model, rows: list[int], ids: list[int] | None = None) -> list[CadreAgent]:
        """Create and register one agent per row, as ``CadreAgent(model, row)`` would (a
        cohort at once, see mesa_adapter); ``ids``: ids reserved for them earlier."""
        agents = mesa_adapter.enrol_cohort(model, cls, len(rows), ids)
        for agent, row in zip(agents, rows, strict=True):
            agent.row, agent._final = row, None
        return agents

    @staticmethod
    def retire(model, agents: list[CadreAgent], last_state) -> None:
        """Detach cadres who left (retirement, exit, dismissal) from their rows and remove them
        from the Mesa model, as ``Agent.remove`` would.

        An agent held outside the model (in a user's list or variable) keeps its last state:
        ``last_state(positions)`` gives the leavers' columns at those positions of ``agents``
        (column name -> values) and the agent reads entry ``j`` of them. An agent that nobody
        holds is freed as it leaves -- nothing can read it again -- so its row is not copied
        (at a year end most are not held: the copy was about a quarter of the cost of leaving).
        """
        held = [k for k, count in enumerate(_refcounts(agents)) if count > _UNHELD]
        if held:
            table = last_state(held)
            for j, k in enumerate(held):
                agent = agents[k]
                agent._final, agent.row = (table, j), None
        mesa_adapter.retire_cohort(model, agents)


def _refcounts(agents: list) -> list[int]:
    return list(map(sys.getrefcount, agents))


def _unheld_refcount() -> int:
    """``_refcounts`` of a leaving agent that only the model holds: one reference from the
    model's registry (``model._agents``), one from the list of leavers and getrefcount's own --
    counted on a stand-in held the same way, so that the figure is right on any CPython. A
    higher count means somebody else holds the agent."""
    leaving = [object()]
    registry = dict.fromkeys(leaving)  # holds the stand-in as model._agents holds an agent
    count = _refcounts(leaving)[0]
    del registry
    return count


_UNHELD = _unheld_refcount()


for _name, (_dtype, _doc) in COLUMNS.items():
    setattr(CadreAgent, _name, _column_property(_name, _doc))
