"""Housing policies run by kommuner: startlån and building dwellings."""

from __future__ import annotations

import numpy as np

from sim.policies.base import Policy, persons


class Startlan(Policy):
    """Startlån: the kommune lends the equity to renter households who can carry the loan but
    lack the equity, up to the number of loans its yearly budget allows.

    Touches renter households (``sim.housing.HousingMarket.renters_buy``); the number of loans
    per kommune is ``budget / loan size`` times the kommune's delivery share. Cost (payer
    kommune): the loans actually given times the loan size times ``cost_share``."""

    kind = "startlan"
    kommune_run = True
    payer = "kommune"
    channels = ("housing",)

    def apply(self, model, year: int) -> None:
        if not self.on(model, "housing"):
            return
        inhabitants = persons(model, model.population.count_by_kommune(model.geo.size))
        budget = (self.p["budget_nok_per_inhabitant"] * inhabitants + self.p["budget_nok"])
        loans = budget / self.p["loan_nok"] / model.scale.weight
        model.hooks.credit_relief += loans * self.strength(model)

    def cost(self, model, year: int) -> list[tuple[str, float]]:
        loans = persons(model, model.housing.startlan_loans)[self.mask].sum()
        return [(self.payer, float(loans * self.p["loan_nok"] * self.p["cost_share"]))]


class HousingConstruction(Policy):
    """The kommune (or its housing company) builds ``dwellings_per_year`` dwellings a year on
    top of the market's construction. Touches the housing stock, hence vacancy, rents and
    prices. Cost (payer kommune): dwellings built times the building cost for the kommune's
    centrality class (``housing.construction_cost_by_centrality``) times ``cost_share``."""

    kind = "housing_construction"
    kommune_run = True
    payer = "kommune"
    channels = ("housing",)

    def built(self, model) -> np.ndarray:
        """Dwellings (real, not agents) built per kommune this year."""
        return self.p["dwellings_per_year"] * self.strength(model)

    def apply(self, model, year: int) -> None:
        if self.on(model, "housing"):
            model.hooks.extra_construction += self.built(model) / model.scale.weight

    def cost(self, model, year: int) -> list[tuple[str, float]]:
        table = model.params.value("housing.construction_cost_by_centrality")
        unit_cost = np.array([float(table[c]) for c in model.geo.centrality])
        return [(self.payer, float((self.built(model) * unit_cost).sum()
                                   * self.p["cost_share"]))]
