"""SettlementModel: builds the world from a scenario and runs the yearly cycle.

One ``step()`` is one calendar year, in this order: deaths → domestic moves → emigration →
births (to mothers still here) → ageing → immigration, and newborns join at age 0 → kommune
accounts and data collection. The Kommune agents hold the population on 1 January of
``model.year`` and the components of the year just simulated; the DataCollector records them
once at the start and after every year (``sim.run.tables`` lines them up by calendar year).
"""

from __future__ import annotations

import mesa
import numpy as np
from mesa.datacollection import DataCollector

from sim import demography, immigration, migration
from sim.agents import AGENT_CLASS, PersonSet
from sim.households import form_households
from sim.kommune import COMPONENTS, Kommune, set_accounts
from sim.landscape import build_world
from sim.parameters import ParameterSet
from sim.population import Kind, Population, build_stock, initial_kinds
from sim.scenario import Scenario

NATIONAL_COLUMNS = ("population", "births", "deaths", "immigration", "emigration",
                    "internal_moves")


class SettlementModel(mesa.Model):
    """An agent-based model of where people in Norway live, year by year."""

    def __init__(self, scenario: Scenario | None = None) -> None:
        spec = scenario or Scenario(name="default")
        super().__init__(rng=spec.seed)
        self.spec = spec
        self.params = ParameterSet(spec.parameters)
        self.persons_per_agent = spec.persons_per_agent
        self.year = spec.start_year
        self.geo, start_counts = build_world(spec.geography, spec.start_year, self.params)
        self.population = self._build_population(start_counts)
        self.kommune_agents = [Kommune(self, i, c, n) for i, (c, n) in
                               enumerate(zip(self.geo.codes, self.geo.names, strict=True))]
        self.national: dict[str, int | None] = {}
        self.datacollector = DataCollector(
            model_reporters={"year": "year", **{c: self._national_reporter(c)
                                                for c in NATIONAL_COLUMNS}},
            agenttype_reporters={Kommune: {"year": lambda a: a.model.year,
                                           "kommunenummer": "kommunenummer",
                                           "population": "population",
                                           **{c: c for c in COMPONENTS}}},
        )
        self._book(components=None, internal_moves=None)
        self.datacollector.collect(self)

    # ----- building the world -------------------------------------------------------------
    def _build_population(self, counts: dict[tuple[int, int, int], int]) -> Population:
        geo, params, rng = self.geo, self.params, self.rng
        cols = build_stock(counts, geo.size, self.persons_per_agent, self.year,
                           params.value("population.oldest_cohort_growth"), rng)
        cols.update(initial_kinds(cols["age"], cols["kommune"], geo.centrality, self.year,
                                  params, rng))
        pop = Population()
        group = cols["kommune"].astype(np.int64) * 2 + (cols["kind"] == Kind.IMMIGRANT)
        cols["household"] = form_households(group, cols["age"], cols["sex"],
                                            pop.new_household_ids(len(group)), rng, params)
        cols["home"] = np.where(cols["kind"] == Kind.IMMIGRANT, -1, cols["kommune"])
        pop.append(**cols)
        return pop

    @staticmethod
    def _national_reporter(column: str):
        return lambda m: m.national[column]

    # ----- the yearly cycle ---------------------------------------------------------------
    def step(self) -> None:
        """Simulate the calendar year ``self.year`` and move to 1 January of the next."""
        pop, geo, params, rng, year = self.population, self.geo, self.params, self.rng, self.year
        ppa, k = self.persons_per_agent, geo.size
        dying = demography.deaths(pop, year, params, rng)
        deaths = pop.count_by_kommune(k, dying)
        pop.keep(~dying)

        moves = migration.move(pop, geo, params, rng)
        out_dom = np.bincount(moves.origin, minlength=k)
        in_dom = np.bincount(moves.destination, minlength=k)

        spec = self.spec
        leaving = immigration.emigrate(
            pop, year, immigration.emigration_target(year, spec.emigration.alternative,
                                               spec.emigration.yearly), ppa, params, rng)
        emig = pop.count_by_kommune(k, leaving)
        pop.keep(~leaving)

        mothers = demography.births(pop, year, self.tfr(year), params, rng)
        total_in = immigration.immigration_total(year, spec.immigration.alternative,
                                                 spec.immigration.yearly, params)
        weights = immigration.settlement_weights(pop, k, params)
        demography.age_one_year(pop)
        arrived = immigration.arrive(pop, year, total_in, ppa, weights, params, rng)
        immig = np.bincount(pop.kommune[arrived], minlength=k)
        born = demography.add_newborns(pop, mothers, params, rng)
        births = np.bincount(pop.kommune[born], minlength=k)
        migration.settle_home(pop, params)

        components = {"births": births, "deaths": deaths, "in_domestic": in_dom,
                      "out_domestic": out_dom, "immigration": immig, "emigration": emig}
        self.year += 1
        self._book(components, internal_moves=len(moves.rows))
        self.datacollector.collect(self)
        if self.year >= spec.end_year:
            self.running = False

    def tfr(self, year: int) -> float:
        """Total fertility rate in ``year``: the scenario's value or the parameter path."""
        tfr = self.spec.fertility.tfr
        if tfr is None:
            return self.params.value("demography.fertility_tfr", year)
        if isinstance(tfr, dict):
            years = sorted(tfr)
            return float(np.interp(year, years, [tfr[y] for y in years]))
        return float(tfr)

    def _book(self, components: dict[str, np.ndarray] | None,
              internal_moves: int | None) -> None:
        """Put the current population and last year's components (persons) on the agents."""
        ppa = self.persons_per_agent
        population = self.population.count_by_kommune(self.geo.size) * ppa
        scaled = None if components is None else {c: v * ppa for c, v in components.items()}
        set_accounts(self.kommune_agents, population, scaled)
        self.national = {
            "population": int(population.sum()),
            **{c: None if scaled is None else int(scaled[c].sum())
               for c in ("births", "deaths", "immigration", "emigration")},
            "internal_moves": None if internal_moves is None else internal_moves * ppa,
        }

    def run(self, on_year=None) -> None:
        """Run from start_year to end_year; ``on_year(model)`` is called after each year."""
        while self.running:
            self.step()
            if on_year is not None:
                on_year(self)

    # ----- person agents on demand --------------------------------------------------------
    def persons_from_rows(self, rows: np.ndarray) -> PersonSet:
        pop = self.population
        views = [AGENT_CLASS[Kind(int(kd))](self, int(pid))
                 for pid, kd in zip(pop.pid[rows], pop.kind[rows], strict=True)]
        return PersonSet(views, random=self.random)

    def persons(self, kind: str | None = None, kommune: str | None = None,
                limit: int | None = 1000) -> PersonSet:
        """Person agents as a Mesa AgentSet, filtered by kind ('Resident', 'Immigrant',
        'Returnee') and kommunenummer; at most ``limit`` of them (None: all)."""
        pop = self.population
        mask = np.ones(len(pop), dtype=bool)
        if kind is not None:
            mask &= pop.kind == Kind[kind.upper()]
        if kommune is not None:
            mask &= pop.kommune == self.geo.index(kommune)
        rows = np.flatnonzero(mask)
        if limit is not None and len(rows) > limit:
            rows = np.sort(self.rng.choice(rows, size=limit, replace=False))
        return self.persons_from_rows(rows)

    def kommune(self, code: str) -> Kommune:
        return self.kommune_agents[self.geo.index(code)]
