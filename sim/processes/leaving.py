"""Leaving: deaths and emigration, the year's outflows from the person table (step 4).

Deaths follow the life table (SSB 07902 qx) of the simulated year, or of the last table year
with a yearly improvement beyond it, by age on 1 January and sex. Emigration takes whole
households, by the age and origin of the oldest member; immigrants' stay-factors (work,
owning, children at school, meeting places, the kommune's attitude) lower their chance, and
a scenario's fixed national total scales the rates. Both leave the table in one pass.
"""

from __future__ import annotations

import numpy as np

from sim import data
from sim.parameters import ParameterSet
from sim.processes import move_kernels
from sim.processes.moves import HouseholdFacts, immigrant_heads, immigrant_stay_terms
from sim.world import rows
from sim.world.places import Places
from sim.world.population import Population, chance
from sim.world.scale import Scale


def run_year(pop: Population, year: int, alternative: str, yearly: dict[int, int] | None,
             area_share: float,
             scale: Scale, facts: HouseholdFacts, places: Places,
             move_factor: np.ndarray | None, n_kommuner: int, params: ParameterSet,
             rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Deaths and emigrants of the year, per kommune (agents). ``alternative`` and
    ``yearly`` are the scenario's emigration; both flows leave the table in one
    pass (copying the table once instead of twice)."""
    dying = deaths(pop, year, params, rng)
    stay, without_place = _stay_factors(pop, facts, places, move_factor, params)
    target = emigration_target(year, alternative, yearly)
    if target is not None and yearly is None:
        target *= area_share          # national totals, scaled to the area
    leaving = emigrate(pop, year, target, scale, params, rng, stay=stay,
                       without_place=without_place) & ~dying
    counts = pop.count_by_kommune(n_kommuner, dying), pop.count_by_kommune(n_kommuner, leaving)
    pop.keep(~(dying | leaving))
    return counts


def _stay_factors(pop: Population, facts: HouseholdFacts, places: Places,
                  move_factor: np.ndarray | None, params: ParameterSet
                  ) -> tuple[np.ndarray, np.ndarray]:
    """Per household head (``pop.head_rows()``): immigrants' stay-factors relative to the
    mean immigrant (so the calibrated total is kept), times the kommune's emigration factor
    (``emigration.factor_by_kommune``) and the policies' move factor; and the same without
    the kommune's factor. Households formed during the moves count as without children at
    school."""
    heads = pop.head_rows()
    terms = immigrant_stay_terms(pop, heads, facts, places.service_level, places.attitude,
                                 params)
    imm = immigrant_heads(pop, heads)
    stay = np.ones(len(heads))
    if len(imm):
        weight = np.exp(terms[imm])
        stay[imm] = weight / weight.mean()
    without_place = stay if move_factor is None else stay * move_factor[heads]
    stay = stay * places.emigration_factor[pop.kommune[heads]]
    if move_factor is not None:
        stay = stay * move_factor[heads]
    return stay, without_place


def death_probabilities(year: int, params: ParameterSet) -> np.ndarray:
    """qx[sex, age] for a calendar year, with improvement after the last observed table."""
    last = int(data.mortality()["year"].max())
    q = data.qx_table(min(year, last))
    if year > last:
        decline = params.value("demography.mortality_improvement", year)
        q = q * (1.0 - decline) ** (year - last)
        q[:, -1] = 1.0
    return q


def deaths(pop: Population, year: int, params: ParameterSet,
           rng: np.random.Generator) -> np.ndarray:
    """Mask of persons who die during ``year`` (age on 1 January, qx of that age)."""
    q = death_probabilities(year, params)
    draws = rng.random(len(pop), dtype=np.float32)      # as ``chance`` draws them
    return rows.below_by_sex_age(draws, pop.sex, pop.age, q, data.MAX_AGE)


def emigration_target(year: int, alternative: str, yearly: dict[int, int] | None
                      ) -> float | None:
    """Persons emigrating during ``year`` when the scenario fixes the total, else None."""
    if yearly is not None:
        return float(yearly.get(year, 0))
    if alternative == "observed":
        return float(data.observed_flows().loc[year, "emigration"])
    return None


def _rates(pop: Population, heads: np.ndarray, year: int, params: ParameterSet
           ) -> np.ndarray:
    """Each head's household's yearly chance to emigrate by its age and origin alone."""
    return move_kernels.emigration_rates(
        heads, pop.age, pop.kind, pop.arrival_year, year,
        params.age_table("emigration.rate_immigrant"),
        params.age_table("emigration.immigrant_duration_factor"),
        params.age_table("emigration.rate_native"), np.ones(len(heads)))


def emigrate(pop: Population, year: int, target_persons: float | None,
             scale: Scale, params: ParameterSet, rng: np.random.Generator,
             stay: np.ndarray | None = None, without_place: np.ndarray | None = None
             ) -> np.ndarray:
    """Mask of persons who emigrate. Households leave together; ``stay`` multiplies the
    chance of each household head (``pop.head_rows()``). Without a fixed total,
    ``without_place`` (``stay`` less the kommuner's emigration factors) sets the expected
    number leaving: the kommuner's factors move emigrants between kommuner, not add any.

    A household's yearly chance is the rate for the age and origin of its oldest member
    (``emigration.rate_native``, ``emigration.rate_immigrant``); for immigrants it falls with
    the years since arrival (``emigration.immigrant_duration_factor``). With a fixed target, the
    rates are scaled so that the expected number of persons leaving equals the target.
    """
    heads = pop.head_rows()
    base = _rates(pop, heads, year, params)
    rate = base if stay is None else base * stay        # immigrants' stay-factors
    if target_persons is not None or without_place is not None:
        size = rows.of_households(heads, pop.household, pop.household_sizes())
    if target_persons is None and without_place is not None:
        if scale.focused:          # persons, not agents (a constant scale cancels)
            size = size * scale.of_rows(pop.kommune[heads])
        expected = float((base * without_place * size).sum())
        placed = float((rate * size).sum())
        rate = rate * (expected / placed if placed > 0 else 0.0)
    if target_persons is not None:
        if scale.focused:          # each head's household in its kommune's persons per agent
            expected = float((rate * size * scale.of_rows(pop.kommune[heads])).sum())
        else:
            expected = float((rate * size).sum()) * scale.coarse
        rate = rate * (target_persons / expected if expected > 0 else 0.0)
    leaving = heads[chance(rng, rate)]
    gone = np.zeros(pop.next_household, dtype=bool)
    gone[pop.household[leaving]] = True
    return rows.in_flagged(pop.household, gone)
