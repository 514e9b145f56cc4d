"""Local life: the kommune's feedbacks at the end of the year (step 6).

Single adults pair up, social ties renew in the kommune one lives in (more meeting places,
more new ties), services follow the population and schools the children (a school closes
when too few pupils are left, unless a policy keeps it open), and children's home kommune
follows them until they are grown.
"""

from __future__ import annotations

import numpy as np

from sim.parameters import ParameterSet
from sim.processes.destinations import persons_and_pupils
from sim.world import network, rows
from sim.world.households import form_couples
from sim.world.places import Places
from sim.world.population import Kind, Population


def run_year(pop: Population, places: Places, weight: np.ndarray | int,
             service_boost: np.ndarray, keep_schools_open: np.ndarray, params: ParameterSet,
             rng: np.random.Generator) -> None:
    """Couples, ties, services and schools, home kommune. ``service_boost`` and
    ``keep_schools_open`` (per kommune) come from the policies in force."""
    form_couples(pop, params, rng)
    network.renew_ties(pop, places.service_level, params, rng)
    persons, pupils = persons_and_pupils(pop, len(places.schools), weight, params)
    places.update(persons, pupils, service_boost, keep_schools_open)
    settle_home(pop, params)


def settle_home(pop: Population, params: ParameterSet) -> None:
    """Children's home kommune follows them until they are grown (``migration.home_fixed_age``)."""
    rows.settle_home(pop.home, pop.kommune, pop.age, pop.kind,
                     int(params.value("migration.home_fixed_age")), int(Kind.IMMIGRANT))
