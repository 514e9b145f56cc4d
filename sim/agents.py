"""Person agents: Mesa agent views (Resident, Immigrant, Returnee) over the person columns.

Person state lives in ``sim.population.Population`` (one row per person). Making 5.6 million
eager Mesa agent objects would cost ~43 s and ~2 GB before the first simulated year
(DESIGN.md), so person agents are made on demand: ``model.persons(...)`` returns a
``PersonSet`` (a Mesa ``AgentSet``) of view objects that read and write their row.
Views are not registered in ``model.agents``; the Kommune agents are.
"""

from __future__ import annotations

from collections.abc import Iterable

import mesa
import numpy as np
from mesa.agentset import AgentSet

from sim.population import Kind, Subtype


class Person(mesa.Agent):
    """A view of one person row. The id is the person's ``pid``, stable for life."""

    kind = Kind.RESIDENT

    def __init__(self, model: mesa.Model, pid: int) -> None:
        self.model = model
        self.unique_id = int(pid)
        self.pos = None

    def __hash__(self) -> int:
        return hash(self.unique_id)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Person) and other.unique_id == self.unique_id

    @property
    def row(self) -> int:
        row = self.model.population.row_of(self.unique_id)
        if row is None:
            raise LookupError(f"person {self.unique_id} has died or emigrated")
        return row

    @property
    def alive(self) -> bool:
        return self.model.population.row_of(self.unique_id) is not None

    def _col(self, name: str):
        return self.model.population.cols[name][self.row]

    @property
    def age(self) -> int:
        return int(self._col("age"))

    @property
    def sex(self) -> str:
        return "male" if self._col("sex") == 1 else "female"

    @property
    def kommune(self):
        """The Kommune agent this person lives in."""
        return self.model.kommune_agents[int(self._col("kommune"))]

    @property
    def household(self) -> int:
        return int(self._col("household"))

    def household_members(self) -> PersonSet:
        pop = self.model.population
        rows = np.flatnonzero(pop.household == self.household)
        return self.model.persons_from_rows(rows)

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(pid={self.unique_id}, age={self.age}, "
                f"kommune={self.kommune.name})")


class Resident(Person):
    """Born in Norway (including children born here to immigrant parents)."""

    kind = Kind.RESIDENT


class Immigrant(Person):
    """Born abroad. ``subtype`` is labour, refugee or family immigration."""

    kind = Kind.IMMIGRANT

    @property
    def subtype(self) -> str:
        return Subtype(int(self._col("subtype"))).name.lower()

    @property
    def arrival_year(self) -> int:
        return int(self._col("arrival_year"))


class Returnee(Person):
    """A Norwegian-born person living again in the kommune where they grew up."""

    kind = Kind.RETURNEE


AGENT_CLASS = {Kind.RESIDENT: Resident, Kind.IMMIGRANT: Immigrant, Kind.RETURNEE: Returnee}


class PersonSet(AgentSet):
    """A Mesa AgentSet of person views that keeps its views alive (AgentSet holds weak refs)."""

    def __init__(self, agents: Iterable[Person], random=None) -> None:
        self._views = list(agents)
        super().__init__(self._views, random=random)
