"""Held-back dwellings: homes that stand empty but are not on the market, and a policy that
brings some back.

Much of the rural stock is empty but not for sale: farm houses kept in the family, left
unlived in or used as holiday homes (docs/source-material.md#housing). The housing market's
stock (``HousingMarket.dwellings``) is the stock *on the market*: the homes households live in
plus the normal vacancy movers can find. Beside it each kommune holds a held-back stock,
``housing.held_back_share_by_centrality`` of all its dwellings, which no mover sees. Without
this policy the held-back stock does nothing, so runs without it are unchanged.

``HeldBackDwellings`` (``type: held_back_dwellings``: a residence obligation, boplikt, or
grants for renovating and letting or selling an empty house) brings ``release_share_per_year``
of the area's held-back stock onto the market each year (times the kommune's delivery share):
the homes join the market's stock (hook ``extra_construction``), so vacancy rises, prices and
rents ease, and movers find homes where housing binds. Cost (payer kommune): the grant per
home brought back.
"""

from __future__ import annotations

import numpy as np

from sim.policies.base import Policy, persons

SHARE = "housing.held_back_share_by_centrality"


def held_back_stock(model) -> np.ndarray:
    """Held-back dwellings per kommune (agents' households, like ``housing.dwellings``) for
    the market stock now: a held-back share ``s`` of all dwellings is ``s / (1 - s)`` of the
    stock on the market."""
    table = model.params.value(SHARE)
    share = np.array([float(table[c]) for c in model.geo.centrality])
    return model.housing.dwellings * share / (1.0 - share)


class HeldBackDwellings(Policy):
    """Brings ``release_share_per_year`` of the held-back dwellings in the area onto the
    market each year, at ``grant_nok_per_dwelling`` each."""

    kind = "held_back_dwellings"
    kommune_run = True
    payer = "kommune"
    channels = ("housing",)

    def setup(self, model) -> None:
        self.pool: np.ndarray | None = None    # held-back dwellings left (agents)
        self.released = np.zeros(model.geo.size)

    def apply(self, model, year: int) -> None:
        self.released = np.zeros(model.geo.size)
        if not self.on(model, "housing"):
            return
        if self.pool is None:                  # the stock when the policy starts
            self.pool = held_back_stock(model) * self.mask
        self.released = self.pool * self.p["release_share_per_year"] * self.strength(model)
        self.pool = self.pool - self.released
        model.hooks.extra_construction += self.released

    def cost(self, model, year: int) -> list[tuple[str, float]]:
        homes = persons(model, self.released).sum()
        return [(self.payer, float(homes * self.p["grant_nok_per_dwelling"]))]
