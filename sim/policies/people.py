"""Policies for people: mentoring of newcomers, remote work, refugee settlement, services."""

from __future__ import annotations

import numpy as np

from sim.policies.base import Policy, persons, persons_of_rows
from sim.processes import choice
from sim.processes.jobs import S
from sim.world.population import Kind, Subtype

WEEKS_PER_YEAR = 52


class Mentoring(Policy):
    """A mentor for a ``share`` of the immigrants arriving in the area (times the kommune's
    delivery share), for ``years`` years. A mentee's job-search weight is multiplied by
    ``search_factor`` (hook ``seeker_boost``), the chance that the household moves on or
    emigrates by ``stay_factor`` (hook ``move_factor``), and the mentee's chance to start a
    firm by ``startup_factor`` (hook ``startup_boost``, ``sim.processes.firms``). Cost (payer
    kommune): mentees times hours a week times 52 times the hourly rate."""

    kind = "mentoring"
    kommune_run = True
    payer = "kommune"
    channels = ("jobs", "staying")

    def setup(self, model) -> None:
        self.pids = np.empty(0, dtype=np.int64)
        self.start = np.empty(0, dtype=np.int64)

    def apply(self, model, year: int) -> None:
        pop = model.population
        new = np.flatnonzero((pop.kind == Kind.IMMIGRANT) & (pop.arrival_year == year - 1)
                             & self.mask[pop.kommune])
        chance = self.p["share"] * self.strength(model)[pop.kommune[new]]
        chosen = new[model.rng.random(len(new)) < chance]
        self.pids = np.concatenate([self.pids, pop.pid[chosen]])
        self.start = np.concatenate([self.start, np.full(len(chosen), year)])
        rows = pop.rows_of(self.pids)
        current = (rows >= 0) & (year - self.start < self.p["years"])
        self.pids, self.start, rows = self.pids[current], self.start[current], rows[current]
        self.mentees = persons_of_rows(model, rows)
        n = len(model.population)
        if len(rows) and self.on(model, "jobs"):
            model.hooks.scale("seeker_boost", rows, self.p["search_factor"], n)
        if len(rows) and self.on(model, "staying"):
            model.hooks.scale("move_factor", rows, self.p["stay_factor"], n)
        if len(rows) and self.on(model, "jobs"):
            model.hooks.scale("startup_boost", rows, self.p["startup_factor"], n)

    def cost(self, model, year: int) -> list[tuple[str, float]]:
        hours = self.p["hours_per_week"] * WEEKS_PER_YEAR * self.p["nok_per_hour"]
        return [(self.payer, float(self.mentees * hours))]


class RemoteWork(Policy):
    """Remote work: a ``remote_share`` of knowledge-sector workers (all of the simulated
    area) can work from anywhere and keep their job when they move region (the person column
    ``remote``);
    coworking hubs in the policy's kommuner add ``hub_utility * remote_share`` for employed
    movers. Cost (payer kommune): ``nok_per_hub`` per kommune with a hub per year."""

    kind = "remote_work"
    payer = "kommune"
    channels = ("remote",)

    def apply(self, model, year: int) -> None:
        if not self.on(model, "remote"):
            return
        pop = model.population
        emp = pop.employed.astype(bool)
        remote = pop.remote                # the person column, changed in place
        remote &= emp
        knowledge = emp & (pop.sector == S["knowledge"])
        have = (remote & knowledge).sum()
        want = self.p["remote_share"] * knowledge.sum()
        cand = np.flatnonzero(knowledge & ~remote)
        if want > have and len(cand):
            remote[cand[model.rng.random(len(cand)) < (want - have) / len(cand)]] = True

    def utility(self, model, year: int) -> np.ndarray | None:
        """Coworking hubs draw employed movers to the policy's kommuner."""
        if not self.on(model, "remote"):
            return None
        _, _, employed = choice.type_parts(np.arange(choice.N_TYPES))
        hub = self.p["hub_utility"] * self.p["remote_share"]
        return np.where((employed == 1)[:, None] & self.mask[None, :], hub, 0.0)

    def cost(self, model, year: int) -> list[tuple[str, float]]:
        return [(self.payer, float(self.mask.sum() * self.p["nok_per_hub"]))]


class RefugeeSettlement(Policy):
    """The settlement key sends ``area_share`` of refugees to the area, spread by population
    inside it, and the rest outside by population (hook ``refugee_key``). Cost (payer state):
    the integration grant for refugees settled in the area (it follows the refugee, so it
    moves cost between kommuner more than it adds to the state's)."""

    kind = "refugee_settlement"
    channels = ("settlement",)

    def apply(self, model, year: int) -> None:
        if not self.on(model, "settlement"):
            return
        inhabitants = model.scale.relative(
            model.population.count_by_kommune(model.geo.size).astype(float))
        inside = inhabitants * self.mask
        outside = inhabitants * ~self.mask
        share = self.p["area_share"]
        key = share * inside / max(inside.sum(), 1.0)
        if outside.sum() > 0:
            key = key + (1 - share) * outside / outside.sum()
        model.hooks.refugee_key = key

    def cost(self, model, year: int) -> list[tuple[str, float]]:
        pop = model.population
        new = np.flatnonzero((pop.subtype == Subtype.REFUGEE) & (pop.arrival_year == year)
                             & self.mask[pop.kommune])
        return [(self.payer, float(persons_of_rows(model, new)
                                   * self.p["grant_nok_per_refugee"]))]


class ServiceInvestment(Policy):
    """The kommune spends ``nok_per_inhabitant`` more on services and meeting places: the
    service level rises by that over ``spending_per_inhabitant`` (times the delivery share),
    which draws the old and keeps immigrants (meeting places); with ``keep_schools_open`` no
    school in the area closes. Cost (payer kommune): the spending."""

    kind = "service_investment"
    kommune_run = True
    payer = "kommune"
    channels = ("services",)

    def apply(self, model, year: int) -> None:
        if not self.on(model, "services"):
            return
        boost = self.p["nok_per_inhabitant"] / self.p["spending_per_inhabitant"]
        model.hooks.service_boost += boost * self.strength(model)
        if self.p["keep_schools_open"]:
            model.hooks.keep_schools_open |= self.mask

    def cost(self, model, year: int) -> list[tuple[str, float]]:
        inhabitants = persons(model, model.population.count_by_kommune(model.geo.size))
        return [(self.payer, float(inhabitants[self.mask].sum()
                                   * self.p["nok_per_inhabitant"]))]
