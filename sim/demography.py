"""Natural change: deaths by age and sex, births by mother's age, and ageing.

Each function runs one step of the year vectorised over the person columns and returns the
rows it touched, so the model can book the components per kommune.

Rates: life-table qx (SSB 07902) of the simulated year, or of the last table year with a yearly
improvement beyond it; age-specific fertility (HFD) with the shape of
``demography.fertility_shape_year`` scaled to the scenario's total fertility rate.
"""

from __future__ import annotations

import numpy as np

from sim import data
from sim.parameters import ParameterSet
from sim.population import Kind, Population, Subtype, chance


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
    age = np.minimum(pop.age, data.MAX_AGE)
    return chance(rng, q[pop.sex, age])


def fertility_rates(year: int, tfr: float, params: ParameterSet) -> np.ndarray:
    """Births per woman during the year by her age on 1 January, summing to ``tfr``.

    A woman aged x on 1 January is x for half the year and x+1 for the other half, so her
    rate is the mean of the single-age rates at x and x+1.
    """
    shape_year = year if year <= int(data.fertility_by_age()["year"].max()) else int(
        params.value("demography.fertility_shape_year"))
    shape = data.asfr_table(shape_year)
    shape = shape / shape.sum()
    mid = 0.5 * (shape + np.append(shape[1:], 0.0))
    return tfr * mid / mid.sum()


def births(pop: Population, year: int, tfr: float, params: ParameterSet,
           rng: np.random.Generator) -> np.ndarray:
    """Rows of the mothers who give birth during ``year`` (one child per birth).

    Each agent stands for ``persons_per_agent`` people, so one mother agent giving birth
    means that many births: the rates are the same at every scale.
    """
    rates = fertility_rates(year, tfr, params)
    women = np.flatnonzero(pop.sex == 0)
    p = rates[np.minimum(pop.age[women], data.MAX_AGE)]
    return women[rng.random(len(women)) < p]


def add_newborns(pop: Population, mothers: np.ndarray, params: ParameterSet,
                 rng: np.random.Generator) -> np.ndarray:
    """Add one child aged 0 per mother row, in the mother's household and kommune."""
    n = len(mothers)
    male_share = params.value("demography.male_share_at_birth")
    kommune = pop.kommune[mothers]
    return pop.append(
        kommune=kommune,
        home=kommune,
        age=np.zeros(n, np.int16),
        sex=(rng.random(n) < male_share).astype(np.int8),
        kind=np.full(n, Kind.RESIDENT, np.int8),
        subtype=np.full(n, Subtype.NONE, np.int8),
        household=pop.household[mothers],
        owner=pop.owner[mothers],          # born into the household's tenure
        arrival_year=np.zeros(n, np.int16),
    )


def age_one_year(pop: Population) -> None:
    """Everyone alive on 31 December is one year older on 1 January."""
    pop.cols["age"] += 1

