"""Policies and shocks: one class per policy, the registry, and the set in force in a model.

``REGISTRY`` maps a scenario's ``type:`` to its class. ``PolicySet`` is built by the model
from the policies really in force (``policies.regime`` in the parameter tree: the status quo
every scenario, the backcast included, starts from) and the scenario's ``policies:`` and
``shocks:``; at the start of every year it builds a neutral set of hooks
(``sim.policies.hooks.PolicyHooks``, the model's ``hooks``), lets each policy in force set
them (``apply``) and applies the year's shocks; after the year it books what each policy
cost (``account``). ``table()`` gives the costs as rows of year, policy, payer (state or
kommune) and NOK. Besides the hooks, a policy may change firms' jobs (arbeidsgiveravgift,
shocks) and the person column ``remote`` (remote work) directly.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.policies.base import Policy, aga_zones
from sim.policies.founders import FounderSupport
from sim.policies.held_back import HeldBackDwellings
from sim.policies.hooks import PolicyHooks
from sim.policies.housing import HousingConstruction, Startlan
from sim.policies.income import Arbeidsgiveravgift, Flyttepremie, IncomeTaxRelief
from sim.policies.people import Mentoring, RefugeeSettlement, RemoteWork, ServiceInvestment
from sim.policies.state_jobs import StateJobs
from sim.processes import choice
from sim.processes.jobs import BASIC, SECTORS, S

REGISTRY: dict[str, type[Policy]] = {cls.kind: cls for cls in (
    Startlan, Mentoring, IncomeTaxRelief, Arbeidsgiveravgift, Flyttepremie,
    HousingConstruction, RemoteWork, RefugeeSettlement, ServiceInvestment, StateJobs,
    HeldBackDwellings, FounderSupport)}

COST_COLUMNS = ["year", "policy", "payer", "nok"]


@dataclass(frozen=True)
class RegimeWhere:
    """Where a policy of the regime is in force (as a scenario's ``where``)."""

    kommuner: list[str] | None = None
    fylker: list[str] | None = None
    zone: str | None = None
    centrality: list[int] | None = None


@dataclass(frozen=True)
class RegimeEntry:
    """A policy really in force (``policies.regime``), shaped like a scenario's entry."""

    type: str
    where: RegimeWhere
    from_year: int | None
    to_year: int | None
    parameters: dict

    @classmethod
    def of(cls, entry: dict) -> RegimeEntry:
        return cls(entry["type"], RegimeWhere(**entry.get("where", {})),
                   entry.get("from_year"), entry.get("to_year"),
                   dict(entry.get("parameters") or {}))


def find_firm(labour, kommune: int, which: str) -> list[int]:
    """Firms in ``kommune`` for a shock, the chosen one first: its cornerstone firm (else the
    largest basic-sector firm), the largest basic-sector firm, or the firm of a sector."""
    in_k = np.flatnonzero(labour.firm_kommune == kommune)
    basic = in_k[np.isin(labour.firm_sector[in_k], [S[s] for s in BASIC])]
    by_size = basic[np.argsort(-labour.firm_jobs[basic], kind="stable")]
    if which == "cornerstone":
        corner = in_k[labour.cornerstone[in_k]]
        corner = corner[np.argsort(-labour.firm_jobs[corner], kind="stable")]
        return [*corner, *[f for f in by_size if f not in corner]]
    if which == "largest":
        return list(by_size)
    sector = in_k[labour.firm_sector[in_k] == SECTORS.index(which)]
    return list(sector[np.argsort(-labour.firm_jobs[sector], kind="stable")])


class PolicySet:
    """The policies and shocks of one model run, and their costs."""

    def __init__(self, model) -> None:
        spec, params, geo = model.spec, model.params, model.geo
        rates = params.value("policies.aga_zone_rates")
        self.zones = aga_zones(geo.codes, geo.fylke, geo.centrality, params)
        self.zone_rate = np.array([float(rates[z]) for z in self.zones])
        model.labour.aga_rate[:] = self.zone_rate
        self.channels_off = frozenset(params.value("policies.channels_off"))
        self.regime: list[Policy] = []        # the policies really in force
        self.policies: list[Policy] = []      # the scenario's
        model.policy_set = self               # policies may read zone rates in setup
        for entry in params.value("policies.regime"):
            policy = REGISTRY[entry["type"]](model, RegimeEntry.of(entry), 0)
            policy.name = f"regime:{entry['name']}"
            policy.regime = True
            if policy.mask.any():             # in force somewhere in the simulated area
                self.regime.append(policy)
        seen: dict[str, int] = {}
        for entry in spec.policies:
            n = seen.get(entry.type, 0)
            seen[entry.type] = n + 1
            self.policies.append(REGISTRY[entry.type](model, entry, n))
        self.shocks = list(spec.shocks)
        self.rows: list[tuple[int, str, str, float]] = []
        self.utility_by_policy: dict[str, np.ndarray] = {}   # this year's, [type, kommune]
        self.shock_log: list[dict] = []

    def in_order(self) -> list[Policy]:
        """The regime's policies, then the scenario's: the order they act in each year."""
        return [*self.regime, *self.policies]

    def neutral_hooks(self) -> PolicyHooks:
        """The hooks with no policy in force (the zone rates of arbeidsgiveravgift)."""
        return PolicyHooks.neutral(choice.N_TYPES, self.zone_rate)

    def apply(self, model) -> PolicyHooks:
        """This year's hooks: neutral, then set by every policy in force; and the shocks."""
        year = model.year
        model.hooks = self.neutral_hooks()
        self.utility_by_policy = {}
        for p in self.in_order():
            if p.active(year):
                u = p.utility(model, year)
                if u is not None:
                    model.hooks.terms += u
                    self.utility_by_policy[p.name] = u
                p.apply(model, year)
        for shock in self.shocks:
            if shock.year == year:
                self._shock(model, shock)
        return model.hooks

    def _shock(self, model, shock) -> None:
        lab = model.labour
        k = model.geo.index(shock.kommune)
        delta = shock.jobs / model.scale.weight[k]
        firms = find_firm(lab, k, shock.firm)
        if not firms:
            return
        if delta >= 0:
            lab.change_firm_jobs(firms[0], delta)
        else:
            for f in firms:                  # close from the chosen firm, then the next
                take = min(-delta, float(lab.firm_jobs[f]))
                lab.change_firm_jobs(f, -take)
                self._lay_off_locally(model, k, int(lab.firm_sector[f]), take)
                delta += take
                if delta >= 0:
                    break
        self.shock_log.append({"year": model.year, "kommunenummer": shock.kommune,
                               "jobs": shock.jobs})

    @staticmethod
    def _lay_off_locally(model, k: int, sector: int, agents: float) -> None:
        """The workers of a closing firm live in its kommune: lay off that many residents
        of the kommune working in the firm's sector (the labour market otherwise spreads a
        region's job losses over all its kommuner)."""
        pop = model.population
        rows = np.flatnonzero((pop.kommune == k) & (pop.employed == 1) & (pop.sector == sector))
        n = min(len(rows), int(np.rint(agents)))
        out = model.rng.choice(rows, size=n, replace=False) if n else rows[:0]
        pop.employed[out] = 0
        pop.sector[out] = -1

    def after_moves(self, model, moves) -> None:
        for p in self.in_order():
            p.after_moves(model, moves)

    def account(self, model) -> None:
        """Book what the year ``model.year`` cost (called before the year advances)."""
        for p in self.in_order():
            if p.active(model.year):
                for payer, nok in p.cost(model, model.year):
                    self.rows.append((model.year, p.name, payer, float(nok)))

    def table(self) -> pd.DataFrame:
        """Costs per year, policy and payer, NOK (empty with its columns if none)."""
        df = pd.DataFrame(self.rows, columns=COST_COLUMNS)
        if len(df):
            df = df.groupby(["year", "policy", "payer"], as_index=False)["nok"].sum()
            df["nok"] = df["nok"].round(0)
        return df


__all__ = ["COST_COLUMNS", "REGISTRY", "Policy", "PolicySet"]
