"""Random local labour-demand shocks: a fish plant opens, a cornerstone firm grows or leaves.

This module owns the yearly random shift of each kommune's basic-sector jobs (primary,
manufacturing, visitor, knowledge; ``jobs.BASIC``) when ``labour.local_shocks.on`` is 1. Each
year each kommune, with chance ``labour.local_shocks.probability``, has all its basic firms'
jobs multiplied by ``exp(x)``, ``x`` normal with a standard deviation σ that shrinks in
proportion to the kommune's population at the start (``log_sd`` at ``reference_population``
persons, at most ``max_log_sd``) and mean −σ²/2, so that a shock keeps the expected number of
jobs (with mean 0 a shock of σ = 0.5 would add 13 % on average). The shift persists: the jobs
stay shifted, and the usual matching (layoffs, hiring within the BA region) and moves follow.

The data pack has no employment by kommune and year, so the size and frequency are fitted on
2006–2015 populations (the parameter files say how). The draws come from the model's own
generator, a fixed number each year (two per kommune), so a seed reproduces a run; with the
switch off nothing is drawn and runs are as before.
"""

from __future__ import annotations

import numpy as np

from sim.parameters import ParameterSet
from sim.processes.jobs import BASIC, LabourMarket, S

BASIC_SECTORS = np.array([S[s] for s in BASIC])


def shock_sd(population: np.ndarray, params: ParameterSet) -> np.ndarray:
    """The standard deviation of a shock's log shift per kommune of ``population`` persons."""
    ref = params.value("labour.local_shocks.reference_population")
    sd = params.value("labour.local_shocks.log_sd") * ref / np.maximum(population, 1.0)
    return np.minimum(sd, params.value("labour.local_shocks.max_log_sd"))


def run_year(market: LabourMarket, params: ParameterSet, rng: np.random.Generator) -> None:
    """Shift this year's shocked kommuner's basic-sector jobs (nothing when switched off)."""
    if not params.value("labour.local_shocks.on"):
        return
    k = market.geo.size
    hit = rng.random(k) < params.value("labour.local_shocks.probability")
    sd = shock_sd(market.kommune_population_at_build, params)
    shift = np.where(hit, rng.standard_normal(k) * sd - sd ** 2 / 2, 0.0)
    basic = np.isin(market.firm_sector, BASIC_SECTORS)
    market.firm_jobs[basic] *= np.exp(shift[market.firm_kommune[basic]])
