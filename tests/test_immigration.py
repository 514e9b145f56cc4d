"""Who arrives: the age and sex mix of immigrants (sim.immigration)."""

from __future__ import annotations

import numpy as np

from sim import immigration
from sim.parameters import ParameterSet
from sim.population import Population

REFUGEES_ONLY = {"labour": 0.0, "refugee": 1.0, "family": 0.0}


def _arrivals(year: int) -> tuple[np.ndarray, np.ndarray]:
    """Ages and sexes of 40,000 refugees arriving in ``year`` in a one-kommune country."""
    pop = Population()
    rows = immigration.arrive(pop, year, 40_000, 1, {st: np.ones(1) for st in
                                                      immigration.SUBTYPES.values()},
                              ParameterSet(), np.random.default_rng(3), shares=REFUGEES_ONLY)
    return pop.age[rows], pop.sex[rows]


def test_refugees_displaced_from_ukraine_are_mostly_women_and_children():
    """Refugees arriving in 2023 (eight in ten displaced from Ukraine) are about one in three
    children and their adults about one in three men (SSB: 29 % of the 2022 arrivals' adults);
    in 2019 refugees had the general arrivals' mix: about one in five children, half men."""
    age, sex = _arrivals(2023)
    assert 0.29 < (age < 18).mean() < 0.34
    assert 0.30 < sex[age >= 18].mean() < 0.37
    age, sex = _arrivals(2019)
    assert 0.19 < (age < 18).mean() < 0.23
    assert 0.47 < sex[age >= 18].mean() < 0.53
