"""SettlementModel: builds the world from a scenario and runs the yearly cycle.

One ``step()`` is one calendar year, in this order:

1. labour market: jobs change by sector trend and local demand, then matching within
   commuting regions; housing: prices, rents and construction respond, renters buy;
2. domestic moves (``sim.migration``, choices in ``sim.choice``) with their reasons, the
   education moves of the young among them (``sim.education``);
3. deaths (life tables, by age on 1 January) and emigration (immigrants' stay-factors lower
   it), taken out of the person table together; births to mothers still here; ageing;
   immigration (labour immigrants go where the vacancies are, refugees by a settlement key);
4. kommune feedback: ties renew, services follow population, schools follow children;
5. accounts and data collection.

Policies in force (``sim.policies``) set their hooks at the start of the year and book
their costs at the end of it. Before the first year the housing market is spun up
(``sim.spinup``); newly arrived immigrants' chance to move on is set by ``sim.newcomers``.

The Kommune agents hold the population on 1 January of ``model.year`` and the components of
the year just simulated; the DataCollector records them once at the start and after every
year (``sim.run.tables`` lines them up by calendar year).
"""

from __future__ import annotations

from types import SimpleNamespace

import mesa
import numpy as np
from mesa.datacollection import DataCollector

from sim import (
    choice,
    demography,
    education,
    immigration,
    labour,
    migration,
    network,
    newcomers,
    spinup,
)
from sim.agents import AGENT_CLASS, PersonSet
from sim.households import form_couples, form_households
from sim.housing import HousingMarket
from sim.kommune import COMPONENTS, Kommune, Places, set_accounts
from sim.landscape import build_world, national_share
from sim.parameters import ParameterSet
from sim.policies import PolicySet
from sim.population import (
    Kind,
    Population,
    build_stock,
    immigrant_factors,
    initial_home,
    initial_kinds,
    keep_freed_memory,
)
from sim.records import Records
from sim.scenario import Scenario

NATIONAL_COLUMNS = ("population", "births", "deaths", "immigration", "emigration",
                    "internal_moves")


class SettlementModel(mesa.Model):
    """An agent-based model of where people in Norway live, year by year."""

    def __init__(self, scenario: Scenario | None = None) -> None:
        spec = scenario or Scenario(name="default")
        keep_freed_memory()
        super().__init__(rng=spec.seed)
        self.spec = spec
        self.params = ParameterSet(spec.parameters)
        self.persons_per_agent = spec.persons_per_agent
        self.year = spec.start_year
        self.geo, start_counts = build_world(spec.geography, spec.start_year, self.params)
        self.area_share = national_share(spec.geography, spec.start_year)
        self.population = self._build_population(start_counts)
        self.kommune_agents = [Kommune(self, i, c, n) for i, (c, n) in
                               enumerate(zip(self.geo.codes, self.geo.names, strict=True))]
        self._build_economy()
        self.policy_terms = np.zeros((choice.N_TYPES, self.geo.size))
        self.remote = np.zeros(len(self.population), dtype=bool)
        # per person row, set by policies each year (None = no effect)
        self.seeker_boost: np.ndarray | None = None   # job-search weight multiplier
        self.move_factor: np.ndarray | None = None    # chance to move on / emigrate
        self.refugee_key: np.ndarray | None = None    # settlement key over kommuner
        self.arrival_factor = immigration.arrival_factors(self.geo.codes, self.params,
                                                          self.places.place_effect)
        self.facts: migration.HouseholdFacts | None = None  # households' facts this year
        self._community_reach: list | None = None  # per life stage: kommune x kommune
        spinup.spin_up(self, int(self.params.value("spinup.years")))
        self.policy_set = PolicySet(self)
        self.records = Records(self)
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
        factors = immigrant_factors(geo.codes, geo.centrality, self.year, params)
        cols.update(initial_kinds(cols["age"], cols["kommune"], factors, self.year,
                                  params, rng))
        pop = Population()
        group = cols["kommune"].astype(np.int64) * 2 + (cols["kind"] == Kind.IMMIGRANT)
        cols["household"] = form_households(group, cols["age"], cols["sex"],
                                            pop.new_household_ids(len(group)), rng, params)
        persons = np.bincount(cols["kommune"], minlength=geo.size).astype(float)
        cols["home"] = initial_home(cols["kommune"], cols["age"], cols["kind"],
                                    geo.distance_km, persons, params, rng)
        pop.append(**cols)
        return pop

    def _build_economy(self) -> None:
        """Jobs and firms, housing and tenure, places, and social ties."""
        pop, geo, params, rng = self.population, self.geo, self.params, self.rng
        self.labour = labour.LabourMarket(geo, params, self.persons_per_agent)
        self.labour.build(pop, rng)
        self.firms = [labour.Firm(self, self.labour, f)
                      for f in range(len(self.labour.firm_jobs))]
        self.housing = HousingMarket(geo, params)
        self.housing.build(pop, rng)
        self.places = Places(geo, params, geo.codes, rng)
        self.places.start(*self._persons_and_pupils())
        network.form_initial_ties(pop, self.labour.region, params, rng)

    def _persons_and_pupils(self) -> tuple[np.ndarray, np.ndarray]:
        pop, ppa = self.population, self.persons_per_agent
        lo, hi = self.params.value("kommune.school_age")
        pupils = pop.count_by_kommune(self.geo.size, (pop.age >= lo) & (pop.age <= hi))
        return pop.count_by_kommune(self.geo.size) * ppa, pupils * ppa

    @staticmethod
    def _national_reporter(column: str):
        return lambda m: m.national[column]

    # ----- the yearly cycle ---------------------------------------------------------------
    def step(self) -> None:
        """Simulate the calendar year ``self.year`` and move to 1 January of the next."""
        k = self.geo.size
        self.policy_set.apply(self)
        self._labour_and_housing()
        moves = self._domestic_moves()
        self.records.add_moves(moves)
        self.policy_set.after_moves(self, moves)
        deaths, emig = self._deaths_and_emigration()
        immig, births = self._births_and_immigration()
        self._kommune_feedback()
        components = {"births": births, "deaths": deaths,
                      "in_domestic": np.bincount(moves.destination, minlength=k),
                      "out_domestic": np.bincount(moves.origin, minlength=k),
                      "immigration": immig, "emigration": emig}
        self.records.arrivals_by_year[self.year] = immig * self.persons_per_agent
        self.policy_set.account(self)
        self.year += 1
        self.records.snapshot()
        self._book(components, internal_moves=len(moves.rows))
        self.datacollector.collect(self)
        if self.year >= self.spec.end_year:
            self.running = False

    def _labour_and_housing(self) -> None:
        pop, rng = self.population, self.rng
        self.labour.update_jobs(pop, self.year)
        weights = labour.seeker_weights(pop, self.params)
        if self.seeker_boost is not None:
            weights = weights * self.seeker_boost
        self.labour.match(pop, weights, rng)
        self.housing.update_prices_and_build(pop)
        self.housing.renters_buy(pop, self.labour.wage, rng)

    def place_view(self) -> choice.PlaceView:
        """What movers see of every kommune this year."""
        pop, places = self.population, self.places
        size, tight = self.labour.job_prospects()
        persons, _ = self._persons_and_pupils()
        return choice.PlaceView(
            job_size=size, job_tightness=tight,
            cost_renter=self.housing.housing_cost(owner=False),
            cost_owner=self.housing.housing_cost(owner=True),
            vacancy=self.housing.vacancy(pop), dwellings=self.housing.dwellings,
            amenity=places.amenity,
            nature=places.nature(persons), school_access=places.school_access(),
            service=places.service_level, place_effect=places.place_effect,
            policy=self.policy_terms, community=self._immigrant_community(),
            study=education.study_pull(self.geo.codes, self.housing.dwellings,
                                       self.persons_per_agent, self.params))

    def _immigrant_community(self) -> np.ndarray:
        """Per life stage and kommune: log of the immigrants within that stage's reach,
        relative to the mean kommune (earlier immigrants' communities, which draw immigrant
        movers). A family's network, shops and places of worship may be a city region away;
        a young newcomer wants the city's own community
        (``migration.community_distance_scale_km``, 0 km = the kommune itself)."""
        pop, k = self.population, self.geo.size
        imm = pop.count_by_kommune(k, pop.kind == Kind.IMMIGRANT).astype(float) + 1.0
        if self._community_reach is None:
            scales = self.params.value("migration.community_distance_scale_km")
            self._community_reach = [
                np.exp(-self.geo.distance_km / float(scales[s])) if float(scales[s]) > 0
                else np.eye(k) for s in map(choice.weighs_as, choice.STAGES)]
        within_reach = np.array([reach @ imm for reach in self._community_reach])
        return np.log(within_reach / within_reach.mean(axis=1, keepdims=True))

    def _domestic_moves(self) -> migration.Moves:
        pop, params = self.population, self.params
        view = self.place_view()
        terms = choice.dense_terms(view, params)
        cum = choice.base_cumulative(terms, choice.distance_cost(self.geo.distance_km, params),
                                     params.value("migration.stay_utility"),
                                     choice.availability_term(view.vacancy, params))
        facts = self.facts = migration.household_facts(pop, self.labour.wage, params)
        heads = np.flatnonzero(pop.household_heads())
        multiplier = migration.stay_multiplier(pop, heads, facts, self.housing.rent,
                                               self.places.service_level,
                                               self.places.attitude, params)
        multiplier = multiplier * newcomers.move_factor(pop, heads, self.year, params,
                                                        self.geo.centrality)
        if self.move_factor is not None:
            multiplier = multiplier * self.move_factor[heads]
        view = SimpleNamespace(terms=terms, cum=cum, facts=facts, heads=heads,
                               multiplier=multiplier, region=self.labour.region,
                               price=self.housing.price, wage=self.labour.wage,
                               remote=self.remote, year=self.year)
        return migration.move(pop, view, params, self.rng)

    def _deaths_and_emigration(self) -> tuple[np.ndarray, np.ndarray]:
        """Deaths and emigrants of the year, per kommune; both leave the table in one pass
        (copying the table once instead of twice)."""
        pop, k = self.population, self.geo.size
        dying = demography.deaths(pop, self.year, self.params, self.rng)
        leaving = self._emigrants() & ~dying
        deaths, emig = pop.count_by_kommune(k, dying), pop.count_by_kommune(k, leaving)
        stay = ~(dying | leaving)
        pop.keep(stay)
        self.remote = self.remote[stay]
        return deaths, emig

    def _emigrants(self) -> np.ndarray:
        pop, params, spec = self.population, self.params, self.spec
        facts = self.facts.up_to(pop.next_household)     # as before the moves
        heads = np.flatnonzero(pop.household_heads())
        terms = migration.immigrant_stay_terms(pop, heads, facts, self.places.service_level,
                                               self.places.attitude, params)
        imm = pop.kind[heads] == Kind.IMMIGRANT
        stay = np.ones(len(pop))
        if imm.any():   # relative to the mean immigrant, so the calibrated total is kept
            stay[heads[imm]] = np.exp(terms[imm]) / np.exp(terms[imm]).mean()
        if self.move_factor is not None:
            stay = stay * self.move_factor
        target = immigration.emigration_target(self.year, spec.emigration.alternative,
                                               spec.emigration.yearly)
        if target is not None and spec.emigration.yearly is None:
            target *= self.area_share          # national totals, scaled to the area
        return immigration.emigrate(pop, self.year, target, self.persons_per_agent, params,
                                    self.rng, stay=stay)

    def _births_and_immigration(self) -> tuple[np.ndarray, np.ndarray]:
        pop, params, spec, rng, k = (self.population, self.params, self.spec, self.rng,
                                     self.geo.size)
        mothers = demography.births(pop, self.year, self.tfr(self.year), params, rng)
        total_in = immigration.immigration_total(self.year, spec.immigration.alternative,
                                                 spec.immigration.yearly, params)
        weights = immigration.settlement_weights(pop, k, params,
                                                 self.labour.vacancies_by_kommune(),
                                                 refugee_key=self.refugee_key,
                                                 arrival_factor=self.arrival_factor)
        demography.age_one_year(pop)
        if spec.immigration.yearly is None:
            total_in *= self.area_share        # national totals, scaled to the area
        shares = immigration.subtype_shares(self.year, spec.immigration.alternative, params)
        arrived = immigration.arrive(pop, self.year, total_in,
                                     self.persons_per_agent, weights, params, rng, shares)
        born = demography.add_newborns(pop, mothers, params, rng)
        self.remote = np.concatenate([self.remote, np.zeros(len(pop) - len(self.remote),
                                                            dtype=bool)])
        return (np.bincount(pop.kommune[arrived], minlength=k),
                np.bincount(pop.kommune[born], minlength=k))

    def _kommune_feedback(self) -> None:
        form_couples(self.population, self.params, self.rng)
        network.renew_ties(self.population, self.places.service_level, self.params, self.rng)
        self.places.update(*self._persons_and_pupils())
        migration.settle_home(self.population, self.params)

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
