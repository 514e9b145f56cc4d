"""The start state: the person table of a scenario's first 1 January.

``build_population`` turns the start counts (persons by kommune, age group and sex) into
person rows at the scenario's scale, gives each person a kind (Resident, Immigrant,
Returnee: immigrants by their share by age and kommune), groups them into households and sets
where the Norwegian-born grew up.
"""

from __future__ import annotations

import numpy as np

from sim.parameters import ParameterSet
from sim.world.geography import Geography
from sim.world.households import form_households
from sim.world.population import (
    Kind,
    Population,
    build_stock,
    immigrant_factors,
    initial_home,
    initial_kinds,
)
from sim.world.scale import Scale


def build_population(counts: dict[tuple[int, int, int], int], geo: Geography,
                     scale: Scale, year: int, params: ParameterSet,
                     rng: np.random.Generator) -> Population:
    """The start population as a person table (one row per agent)."""
    cols = build_stock(counts, geo.size, scale.weight, year,
                       params.value("population.oldest_cohort_growth"), rng)
    factors = immigrant_factors(geo.codes, geo.centrality, year, params)
    cols.update(initial_kinds(cols["age"], cols["kommune"], factors, year, params, rng))
    pop = Population()
    group = cols["kommune"].astype(np.int64) * 2 + (cols["kind"] == Kind.IMMIGRANT)
    cols["household"] = form_households(group, cols["age"], cols["sex"],
                                        pop.new_household_ids(len(group)), rng, params)
    persons = scale.relative(np.bincount(cols["kommune"], minlength=geo.size).astype(float))
    cols["home"] = initial_home(cols["kommune"], cols["age"], cols["kind"],
                                geo.distance_km, persons, params, rng)
    pop.append(**cols)
    return pop
