"""Housing market: dwellings, prices, rents, construction and who owns.

This module owns each kommune's housing stock (dwellings, vacancy), its price per dwelling and
yearly rent, construction that responds to price, and tenure: households rent or own, and
renters buy when their income and credit allow. The credit rule follows the lending
regulation (a loan of at most ``housing.max_loan_to_income`` times gross income and an
equity requirement); a household lacking equity can still buy when the kommune's startlån
covers it (``credit_relief``, set by the startlån policy).

Prices and rents respond to occupancy (households per dwelling) relative to a normal level,
so a kommune that gains households sees prices and rents rise, and construction follows when
the price exceeds the cost of building: the building at its centrality class's cost, and the
land (``housing.land_share_of_cost``) at what the kommune's own market settled at in the
spin-up (``settle_land_cost``); how much is built at a given price follows the kommune's land
and zoning (``housing.planning_capacity``: no plots or permits, nothing built).
"""

from __future__ import annotations

import numpy as np

from sim.parameters import ParameterSet
from sim.world import kernels, rows
from sim.world.geography import Geography
from sim.world.population import Kind, Population, chance, stochastic_round

AVERAGE_PLANNING = 1.0   # planning capacity of a kommune housing.planning_capacity leaves out


def _by_centrality(params: ParameterSet, name: str, geo: Geography) -> np.ndarray:
    table = params.value(name)
    return np.array([float(table[c]) for c in geo.centrality])


def household_income(pop: Population, wage: np.ndarray) -> np.ndarray:
    """Yearly gross income per household id: employed members times the local wage."""
    return kernels.income_by_household(pop.household, pop.employed, pop.kommune,
                                       np.asarray(wage, dtype=np.float64), pop.next_household)


def can_borrow(price: np.ndarray, income: np.ndarray, params: ParameterSet) -> np.ndarray:
    """The lending rule: the loan (price less the equity share) is within
    ``housing.max_loan_to_income`` times gross income."""
    return price * (1 - params.value("housing.equity_share")) <= (
        params.value("housing.max_loan_to_income") * income)


def run_year(market: HousingMarket, pop: Population, wage: np.ndarray,
             extra_construction: np.ndarray, credit_relief: np.ndarray,
             rng: np.random.Generator) -> None:
    """Step 2 of the year: prices, rents and construction respond (policies build
    ``extra_construction`` on top), then renters buy (``credit_relief``: households per
    kommune that startlån lets buy, agents)."""
    market.update_prices_and_build(pop, extra_construction)
    market.renters_buy(pop, wage, credit_relief, rng)


class HousingMarket:
    """Arrays over kommuner: dwellings (agents' households), price (NOK), rent (NOK/year)."""

    def __init__(self, geo: Geography, params: ParameterSet) -> None:
        self.geo, self.params = geo, params
        self.price = _by_centrality(params, "housing.price_by_centrality", geo)
        self.rent = _by_centrality(params, "housing.rent_by_centrality", geo)
        self.price0, self.rent0 = self.price.copy(), self.rent.copy()
        self.cost = _by_centrality(params, "housing.construction_cost_by_centrality", geo)
        self.normal_vacancy = _by_centrality(params, "housing.normal_vacancy", geo)
        self.planning = params.by_kommune("housing.planning_capacity", geo.codes,
                                          AVERAGE_PLANNING)
        self.dwellings = np.zeros(geo.size)
        self.built = np.zeros(geo.size)            # dwellings built last year (agents)
        self.startlan_loans = np.zeros(geo.size)
        self.income: np.ndarray | None = None      # per household id, when renters last bought

    def households(self, pop: Population) -> np.ndarray:
        """Households living in each kommune (counted by their oldest member)."""
        return pop.count_by_kommune(self.geo.size, pop.household_heads()).astype(float)

    def build(self, pop: Population, rng: np.random.Generator) -> None:
        """Dwellings for every household plus normal vacancy; tenure by age and origin."""
        self.dwellings = self.households(pop) / (1.0 - self.normal_vacancy)
        heads = pop.head_rows()
        p_own = self.params.by_age("housing.ownership_by_age", pop.age[heads])
        p_own = np.where(pop.kind[heads] == Kind.IMMIGRANT,
                         p_own * self.params.value("housing.immigrant_ownership_factor"), p_own)
        owns = np.zeros(pop.next_household, dtype=bool)
        owns[pop.household[heads[rng.random(len(heads)) < p_own]]] = True
        pop.owner[:] = owns[pop.household]

    def settle_land_cost(self, price_ratio: np.ndarray) -> None:
        """The land part of the building cost (``housing.land_share_of_cost``) follows each
        kommune's price relative to its class level where its market settled."""
        land = self.params.value("housing.land_share_of_cost")
        self.cost = self.cost * (1.0 - land + land * price_ratio)

    def occupancy_gap(self, pop: Population) -> np.ndarray:
        """Households per dwelling minus the normal level (positive = tight market)."""
        occ = self.households(pop) / np.maximum(self.dwellings, 1.0)
        limit = self.params.value("housing.max_occupancy_gap")
        return np.clip(occ - (1.0 - self.normal_vacancy), -limit, limit)

    def vacancy(self, pop: Population) -> np.ndarray:
        return np.clip(1.0 - self.households(pop) / np.maximum(self.dwellings, 1.0), 0.0, 1.0)

    def update_prices_and_build(self, pop: Population, extra_construction: np.ndarray) -> None:
        """Prices and rents respond to the occupancy gap and drift back towards their long-run
        level (``housing.price_reversion``); construction responds to price over cost, and
        ``extra_construction`` (agents' dwellings per kommune, policies) is built on top; the
        response is the kommune's planning capacity times the national one."""
        p = self.params
        gap = self.occupancy_gap(pop)
        floor = p.value("housing.price_floor_share")
        back = p.value("housing.price_reversion")
        self.price = np.maximum(self.price * np.exp(p.value("housing.price_response") * gap
                                                    - back * np.log(self.price / self.price0)),
                                floor * self.price0)
        self.rent = np.maximum(self.rent * np.exp(p.value("housing.rent_response") * gap
                                                  - back * np.log(self.rent / self.rent0)),
                               floor * self.rent0)
        margin = np.maximum(self.price / self.cost - 1.0, 0.0)
        response = p.value("housing.construction_response") * self.planning
        self.built = self.dwellings * response * margin + extra_construction
        # empty dwellings beyond the normal vacancy leave the stock faster (become holiday
        # homes, fall into disrepair)
        excess = np.maximum(-gap, 0.0)
        removed = self.dwellings * (p.value("housing.demolition_rate")
                                    + p.value("housing.excess_removal_rate") * excess)
        self.dwellings += self.built - removed

    def renters_buy(self, pop: Population, wage: np.ndarray, credit_relief: np.ndarray,
                    rng: np.random.Generator) -> np.ndarray:
        """Renter households that buy this year; returns the count per kommune (agents).

        A renter household whose oldest member is old enough considers buying with a chance
        by age; it can buy when the price is within ``max_loan_to_income`` times its income
        plus equity, and it has the equity (chance by age) or the kommune's startlån covers
        the equity for it (``credit_relief``: households per kommune, agents)."""
        p = self.params
        heads = np.flatnonzero(pop.household_heads() & (pop.owner == 0))
        k = pop.kommune[heads]
        self.income = household_income(pop, wage)      # the year's, kept for the moves
        income = rows.of_households(heads, pop.household, self.income)
        affordable = can_borrow(self.price[k], income, p)
        wants = chance(rng, p.by_age("housing.buy_rate_by_age", pop.age[heads]))
        equity = chance(rng, p.by_age("housing.equity_by_age", pop.age[heads]))
        buyers = heads[wants & affordable & equity]
        helped = self._startlan(pop, heads[wants & affordable & ~equity], credit_relief, rng)
        new_owner = np.zeros(pop.next_household, dtype=bool)
        new_owner[pop.household[np.concatenate([buyers, helped])]] = True
        rows.set_in_flagged(pop.owner, pop.household, new_owner, np.int8(1))
        self.startlan_loans = np.bincount(pop.kommune[helped], minlength=self.geo.size)
        return np.bincount(pop.kommune[buyers], minlength=self.geo.size)

    def _startlan(self, pop: Population, candidates: np.ndarray, credit_relief: np.ndarray,
                  rng: np.random.Generator) -> np.ndarray:
        """Households without equity that the kommune's startlån lets buy, up to the number
        of loans its budget allows this year (``credit_relief``, agents per kommune)."""
        if len(candidates) == 0 or not credit_relief.any():
            return candidates[:0]
        cand = candidates[rng.permutation(len(candidates))]
        k = pop.kommune[cand].astype(np.int64)
        order = np.argsort(k, kind="stable")
        ks = k[order]
        rank = np.arange(len(ks)) - np.searchsorted(ks, ks, side="left")
        budget = stochastic_round(credit_relief, rng)
        return cand[order][rank < budget[ks]]

    def housing_cost(self, owner: bool) -> np.ndarray:
        """Yearly housing cost per kommune: rent, or the owner's user cost of the price."""
        if owner:
            return self.price * self.params.value("housing.owner_user_cost_rate")
        return self.rent
