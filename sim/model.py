"""SettlementModel: builds the world from a scenario; one ``step()`` is one calendar year.

The year, in order (one module each under ``sim.processes``):

1. ``firms``, ``local_shocks`` (off by default), ``jobs``: firms start and close; jobs follow
   sector trend and local demand; hiring;
2. ``housing``: prices, rents and construction respond; renters buy (startlån helps);
3. ``moves``: domestic moves by random utility over what movers see (``destinations``), the
   education moves of the young and newcomers' onward moves among them, each with its reason;
4. ``leaving``: deaths and emigration (immigrants' stay-factors lower it);
5. ``arriving``: births to mothers still here, ageing, immigration;
6. ``local``: couples form, ties renew, services follow population, schools follow children.

Policies in force set the year's hooks before it (``sim.policies.hooks``) and book costs after
it; housing is spun up before the first year (``sim.processes.spinup``). Kommune agents hold the
1 January population and last year's components, recorded each year (DataCollector).
"""

from __future__ import annotations

import mesa
import numpy as np
from mesa.datacollection import DataCollector

from sim.agents import AGENT_CLASS, COMPONENTS, Firm, Kommune, PersonSet, set_accounts
from sim.parameters import ParameterSet
from sim.policies import PolicySet
from sim.processes import arriving, destinations, housing, jobs, leaving, local, moves, spinup
from sim.processes.firms import YoungFirms
from sim.processes.local_shocks import run_year as shock_basic_jobs
from sim.records import Records
from sim.scenario.schema import Scenario
from sim.world import focus, network
from sim.world.landscape import build_world, national_share
from sim.world.places import Places
from sim.world.population import Kind, keep_freed_memory
from sim.world.scale import Scale
from sim.world.start import build_population

NATIONAL_COLUMNS = ("population", "births", "deaths", "immigration", "emigration", "internal_moves")


class SettlementModel(mesa.Model):
    """An agent-based model of where people in Norway live, year by year."""

    def __init__(self, scenario: Scenario | None = None, places_only: bool = False) -> None:
        """``places_only``: stop once the places (and their capacity) are built; no run."""
        spec = scenario or Scenario(name="default")
        keep_freed_memory()
        super().__init__(rng=spec.seed)
        self.spec, self.params = spec, ParameterSet(spec.parameters)
        spinup.begin(type(self), spec, self.params)     # in a thread while the world builds
        self.persons_per_agent, self.year = spec.persons_per_agent, spec.start_year
        self.geo, start_counts = build_world(spec.geography, spec.start_year, self.params)
        self.area_share = national_share(spec.geography, spec.start_year)
        self.scale = Scale.of(spec.persons_per_agent, self.geo.region, self.geo.indices(spec.focus))
        self.population = build_population(start_counts, self.geo, self.scale,
                                           self.year, self.params, self.rng)
        self.kommune_agents = [Kommune(self, i, c, n) for i, (c, n) in
                               enumerate(zip(self.geo.codes, self.geo.names, strict=True))]
        self._build_economy(places_only)
        if places_only:
            return
        self.arrival_factor = arriving.arrival_factors(self.geo.codes, self.params,
                                                       self.places.place_effect)
        self.reach, self.distance_cost = destinations.distance_terms(self.geo.distance_km,
                                                                     self.params)
        spinup.spin_up(self, int(self.params.value("spinup.years")))
        self.young_firms = YoungFirms(self.labour, self.params, self.scale, spec.seed, self)
        self.policy_set = PolicySet(self)
        self.hooks = self.policy_set.neutral_hooks()
        self.records = Records(self)
        # what movers saw last year; ``watch`` a kommune whose movers' decisions are kept
        self.seen, self.watch, self.decisions = None, None, None
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

    def _build_economy(self, places_only: bool = False) -> None:
        """Jobs and firms, housing and tenure, places, and social ties."""
        pop, geo, params, rng = self.population, self.geo, self.params, self.rng
        self.labour = jobs.LabourMarket(geo, params, self.scale)
        self.labour.build(pop, rng)
        self.firms = [Firm(self, self.labour, f) for f in range(len(self.labour.firm_jobs))]
        self.housing = housing.HousingMarket(geo, params)
        self.housing.build(pop, rng)
        self.places = Places(geo, params, geo.codes, rng,
                             {c: s.model_dump() for c, s in self.spec.capacity.items()})
        if places_only:
            return
        self.places.start(*destinations.persons_and_pupils(pop, geo.size, self.scale.weight,
                                                           params))
        network.form_initial_ties(pop, self.labour.region, params, rng)

    @staticmethod
    def _national_reporter(column: str):
        return lambda m: m.national[column]

    # ----- the yearly cycle ---------------------------------------------------------------
    def step(self) -> None:
        """Simulate the calendar year ``self.year`` and move to 1 January of the next."""
        pop, params, rng, year, spec = (self.population, self.params, self.rng, self.year,
                                        self.spec)
        k, scale, geo, lab = self.geo.size, self.scale, self.geo, self.labour
        hooks = self.policy_set.apply(self)
        self.young_firms.run_year(pop, year, hooks.startup_boost)
        shock_basic_jobs(lab, params, rng)
        jobs.run_year(lab, pop, year, hooks.aga_rate, hooks.seeker_boost, params, rng)
        housing.run_year(self.housing, pop, lab.wage, hooks.extra_construction,
                         hooks.credit_relief, rng)
        facts = moves.household_facts(pop, lab.wage, params, self.housing.income)
        view = destinations.place_view(pop, lab, self.housing, self.places, hooks.terms,
                                       self.reach, geo.codes, scale, params)
        moved = moves.run_year(pop, view, facts, self.distance_cost, lab.region, self.housing,
                               lab.wage, self.places, geo.centrality, hooks.move_factor, year,
                               params, rng, watch=self.watch, scale=scale)
        self.seen, self.decisions = view, moved.decisions
        self.records.add_moves(moved)
        self.policy_set.after_moves(self, moved)
        crossed = focus.crossing(pop, moved, scale)        # converted once the year's leavers
        deaths, emigration = leaving.run_year(              # have left the table
            pop, year, spec.emigration.alternative, spec.emigration.yearly, self.area_share,
            scale, facts, self.places, hooks.move_factor, k, params, rng)
        focus.convert(pop, crossed, scale, rng)
        immigration, births = arriving.run_year(
            pop, year, arriving.total_fertility(year, spec.fertility.tfr, params),
            spec.immigration.alternative, spec.immigration.yearly, self.area_share, scale,
            scale.relative(lab.vacancies_by_kommune()), hooks.refugee_key,
            self.arrival_factor, k, params, rng)
        local.run_year(pop, self.places, scale.weight, hooks.service_boost,
                       hooks.keep_schools_open, params, rng)
        self._close_year(moved, {"births": births, "deaths": deaths, "immigration": immigration,
                                 "emigration": emigration})

    def _close_year(self, moved, agents: dict[str, np.ndarray]) -> None:
        """Book the year's costs and components (``agents`` per kommune, and the moves), move
        to 1 January and collect the data."""
        self.policy_set.account(self)
        self.year += 1
        self.records.snapshot()
        k, scale = self.geo.size, self.scale
        persons = {c: scale.persons(v) for c, v in agents.items()}
        persons["in_domestic"] = scale.moved(moved.destination, moved.stood_for, k)
        persons["out_domestic"] = scale.moved(moved.origin, moved.stood_for, k)
        self._book(persons, scale.total(moved.stood_for))
        self.datacollector.collect(self)
        if self.year >= self.spec.end_year:
            self.running = False

    def _book(self, components: dict[str, np.ndarray] | None, internal_moves: int | None):
        """Put the current population and last year's components (persons) on the agents."""
        population = self.scale.persons(self.population.count_by_kommune(self.geo.size))
        set_accounts(self.kommune_agents, population, components)
        self.national = {
            "population": int(population.sum()),
            **{c: None if components is None else int(components[c].sum())
               for c in ("births", "deaths", "immigration", "emigration")},
            "internal_moves": internal_moves,
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
