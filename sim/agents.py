"""The Mesa agents: Kommune (its yearly accounts), Firm (a view of the labour market's firm
arrays), and person views (Resident, Immigrant, Returnee) over the person columns.

Person state lives in ``sim.population.Population`` (one row per person). Making 5.6 million
eager Mesa agent objects would cost ~43 s and ~2 GB before the first simulated year
(docs/source-material.md#performance), so person agents are made on demand:
``model.persons(...)`` returns a ``PersonSet`` (a Mesa ``AgentSet``) of view objects that
read and write their row.
Views are not registered in ``model.agents``; the Kommune agents are.
"""

from __future__ import annotations

from collections.abc import Iterable

import mesa
import numpy as np
from mesa.agentset import AgentSet

from sim.processes.jobs import SECTORS, LabourMarket
from sim.world.population import Kind, Subtype

COMPONENTS = ("births", "deaths", "in_domestic", "out_domestic", "immigration", "emigration")



class Kommune(mesa.Agent):
    """A kommune. ``index`` is its position in the model's geography arrays."""

    def __init__(self, model: mesa.Model, index: int, code: str, name: str) -> None:
        super().__init__(model)
        self.index = index
        self.kommunenummer = code
        self.name = name
        self.population = 0
        self.reset_components()

    def reset_components(self) -> None:
        for c in COMPONENTS:
            setattr(self, c, 0)

    def __repr__(self) -> str:
        return f"Kommune({self.kommunenummer} {self.name}, population={self.population})"



def set_accounts(kommuner: list[Kommune], population: np.ndarray,
                 components: dict[str, np.ndarray] | None) -> None:
    """Write the 1 January population and the last year's components (persons, or None
    before the first year) onto the agents."""
    for k in kommuner:
        k.population = int(population[k.index])
        for c in COMPONENTS:
            setattr(k, c, None if components is None else int(components[c][k.index]))



class Firm(mesa.Agent):
    """A firm: the jobs of one sector in one kommune, or a single cornerstone employer.

    State lives in the labour market's arrays (``index`` is the firm's row there), so the
    yearly processes stay vectorised; the agent reads and writes through them.
    """

    def __init__(self, model: mesa.Model, market: LabourMarket, index: int) -> None:
        super().__init__(model)
        self.market = market
        self.index = index

    @property
    def kommune(self):
        return self.model.kommune_agents[int(self.market.firm_kommune[self.index])]

    @property
    def sector(self) -> str:
        return SECTORS[int(self.market.firm_sector[self.index])]

    @property
    def jobs(self) -> float:
        """Jobs (persons) at this firm."""
        k = int(self.market.firm_kommune[self.index])
        return float(self.market.firm_jobs[self.index]) * float(self.model.scale.weight[k])

    @property
    def cornerstone(self) -> bool:
        return bool(self.market.cornerstone[self.index])

    @property
    def immigrant_owned(self) -> bool:
        return bool(self.market.immigrant_owned[self.index])

    @property
    def wage(self) -> float:
        """Yearly wage per job, NOK."""
        return float(self.market.wage[self.market.firm_kommune[self.index]])

    @property
    def labour_cost(self) -> float:
        """Yearly labour cost per job incl. arbeidsgiveravgift, NOK."""
        k = self.market.firm_kommune[self.index]
        return self.wage * (1.0 + float(self.market.aga_rate[k]))

    def __repr__(self) -> str:
        kind = "cornerstone " if self.cornerstone else ""
        return f"Firm({kind}{self.sector} in {self.kommune.name}, jobs={self.jobs:.0f})"


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
