"""Newcomers' onward moves: how long immigrants stay in the kommune they first settle in.

The push and stay factors of ``sim.processes.moves`` are sized for people who have lived somewhere
for years. A newly arrived immigrant has them all at once — renting, no job yet, no ties
where they live — and without this module would consider a move several times as often as a
Norwegian-born person of the same age, so that only about half of a year's arrivals still
lived in their first kommune four years on. Three documented facts hold them:

* **the introduction programme**: since 2005 refugees (and the family who join them) take
  part in a two-year introduction programme in the kommune that settled them, and lose its
  benefit if they move without the kommune's agreement; in those years they consider a move
  only ``immigration.introduction_move_factor`` times as often. People displaced from
  Ukraine (most refugees arriving from 2022) have a programme of about one year;
* **newcomers' mobility**: immigrants' chance to consider a move is scaled by
  ``migration.immigrant_move_factor`` (calibrated so that about three in four refugees still
  live in their settlement kommune five years on, as SSB measured for those settled in 2005);
* **refugees leave the periphery**: after the programme, a refugee's chance to move on is
  scaled by ``immigration.refugee_onward_factor_by_centrality`` of the kommune they live in
  (SSB's secondary-migration monitor: most leave the smallest, least central kommuner, most
  stay in the largest and most central ones).

All three act on the household head's chance to consider a move (``SettlementModel``), like a
policy's move factor; the age profile of all moves stays the one calibrated on SSB data.
"""

from __future__ import annotations

import numpy as np

from sim.parameters import ParameterSet
from sim.processes import move_kernels
from sim.world.population import Population


def programme_years(arrival_year: np.ndarray, params: ParameterSet) -> np.ndarray:
    """Years of the introduction programme for refugees arriving in each ``arrival_year``
    (``immigration.introduction_years``, a path by year of arrival)."""
    years, where = np.unique(arrival_year, return_inverse=True)
    path = params["immigration.introduction_years"]
    return np.array([path.at(int(y)) for y in years])[where]


def move_factor(pop: Population, heads: np.ndarray, year: int, params: ParameterSet,
                centrality: np.ndarray) -> np.ndarray:
    """Factor on each head's chance to consider moving (1 for Norwegian-born heads);
    ``centrality`` is each kommune's SSB centrality class (1..6)."""
    table = params.value("immigration.refugee_onward_factor_by_centrality")
    by_kommune = np.array([float(table[c]) for c in centrality])
    # no programme is longer than its longest year: refugees who arrived before ``first``
    # have finished theirs, so only the years since need a look-up
    path = params["immigration.introduction_years"].values
    longest = max(map(float, path.values())) if isinstance(path, dict) else float(path)
    first = year - int(np.ceil(max(longest, 0.0)))
    programme = programme_years(np.arange(first, year + 1), params).astype(np.float64)
    return move_kernels.newcomer_factor(
        heads, pop.kind, pop.subtype, pop.arrival_year, pop.kommune, year,
        float(params.value("migration.immigrant_move_factor")), programme, first,
        float(params.value("immigration.introduction_move_factor")), by_kommune)
