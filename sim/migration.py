"""Domestic migration: who considers a move, where they go, and why.

This module owns moves between kommuner. Each year

1. households consider a move with a chance set by the age of their oldest member, and young
   adults living in someone else's household consider leaving home on their own;
2. each mover chooses a destination kommune by random utility (a multinomial logit):
   destination size (a stand-in for jobs and amenities) and distance as a moving cost;
3. the whole household moves; a Norwegian-born person who moves back to the kommune they grew
   up in becomes a Returnee.

The move decision is the extension point for the behavioural model: ``destination_utility``
returns the utility terms by name, so each move can record the term that decided it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.geography import Geography
from sim.parameters import ParameterSet
from sim.population import NO_KOMMUNE, Kind, Population


@dataclass
class Moves:
    """The moves of one year: which rows moved, from where, to where."""

    rows: np.ndarray
    origin: np.ndarray
    destination: np.ndarray


def destination_utility(geo: Geography, population: np.ndarray,
                        params: ParameterSet) -> dict[str, np.ndarray]:
    """Utility terms U[origin, destination] by name (gravity placeholder)."""
    size = params.value("migration.size_coefficient") * np.log(np.maximum(population, 1.0))
    dist = -params.value("migration.distance_coefficient") * np.log1p(
        geo.distance_km / params.value("migration.distance_scale_km"))
    return {"size": np.broadcast_to(size[None, :], dist.shape), "distance": dist}


def choice_probabilities(terms: dict[str, np.ndarray]) -> np.ndarray:
    """Logit probabilities over destinations for each origin; staying is not a choice."""
    u = sum(terms.values())
    u = np.array(u, dtype=float)
    np.fill_diagonal(u, -np.inf)
    u -= u.max(axis=1, keepdims=True)
    p = np.exp(u)
    return p / p.sum(axis=1, keepdims=True)


def draw_destinations(origins: np.ndarray, probs: np.ndarray,
                      rng: np.random.Generator) -> np.ndarray:
    """One destination per origin entry, drawn from that origin's row of ``probs``."""
    dest = np.empty(len(origins), dtype=np.int64)
    cum = np.cumsum(probs, axis=1)
    u = rng.random(len(origins))
    order = np.argsort(origins, kind="stable")
    sorted_o = origins[order]
    bounds = np.flatnonzero(np.diff(sorted_o)) + 1
    for part in np.split(order, bounds):
        if len(part):
            row = cum[origins[part[0]]]
            dest[part] = np.minimum(np.searchsorted(row, u[part] * row[-1]), len(row) - 1)
    return dest


def select_movers(pop: Population, params: ParameterSet,
                  rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Rows that move this year and the unit (household or leaving young adult) of each.

    Returns ``(rows, unit)`` where rows sharing a ``unit`` value move to the same place.
    """
    heads = pop.household_heads()
    head_rows = np.flatnonzero(heads)
    rate = params.by_age("migration.household_move_rate", pop.age[head_rows])
    with_children = np.zeros(pop.next_household, dtype=bool)
    with_children[pop.household[pop.age <= params.value("households.child_max_age")]] = True
    rate = np.where(with_children[pop.household[head_rows]],
                    rate * params.value("migration.family_move_factor"), rate)
    moving_hh = head_rows[rng.random(len(head_rows)) < rate]
    lo, hi = params.value("migration.leave_home_ages")
    young = np.flatnonzero(~heads & (pop.age >= lo) & (pop.age <= hi))
    leaving = young[rng.random(len(young)) <
                    params.by_age("migration.leave_home_rate", pop.age[young])]
    flag = np.zeros(pop.next_household, dtype=bool)
    flag[pop.household[moving_hh]] = True
    stay_behind = np.zeros(len(pop), dtype=bool)
    stay_behind[leaving] = True
    hh_rows = np.flatnonzero(flag[pop.household] & ~stay_behind)
    rows = np.concatenate([hh_rows, leaving])
    unit = np.concatenate([pop.household[hh_rows], -1 - np.arange(len(leaving))])
    return rows, unit


def move(pop: Population, geo: Geography, params: ParameterSet,
         rng: np.random.Generator) -> Moves:
    """Run one year of domestic moves and update the person columns."""
    rows, unit = select_movers(pop, params, rng)
    if len(rows) == 0:
        empty = np.empty(0, dtype=np.int64)
        return Moves(empty, empty, empty)
    population = pop.count_by_kommune(geo.size).astype(float)
    probs = choice_probabilities(destination_utility(geo, population, params))
    _, first, inverse = np.unique(unit, return_index=True, return_inverse=True)
    unit_dest = draw_destinations(pop.kommune[rows[first]].astype(np.int64), probs, rng)
    origin = pop.kommune[rows].astype(np.int64)
    dest = unit_dest[inverse]
    # young adults leaving home start a household of their own
    solo = unit < 0
    pop.household[rows[solo]] = pop.new_household_ids(int(solo.sum()))
    pop.kommune[rows] = dest
    update_returnees(pop, rows)
    return Moves(rows, origin, dest)


def update_returnees(pop: Population, rows: np.ndarray) -> None:
    """Norwegian-born movers back in their home kommune are Returnees; others Residents."""
    native = pop.kind[rows] != Kind.IMMIGRANT
    home = (pop.home[rows] == pop.kommune[rows]) & (pop.home[rows] != NO_KOMMUNE)
    pop.kind[rows[native & home]] = Kind.RETURNEE
    pop.kind[rows[native & ~home]] = Kind.RESIDENT


def settle_home(pop: Population, params: ParameterSet) -> None:
    """Children's home kommune follows them until they are grown (``migration.home_fixed_age``)."""
    young = (pop.age <= params.value("migration.home_fixed_age")) & (pop.kind != Kind.IMMIGRANT)
    pop.home[young] = pop.kommune[young]
