"""Housing supply follows planning, not only price: at the same demand, a kommune whose land
and permits allow more building grows more, and one with none grows less.

The controlled setting of ``test_mechanisms``: a city, a town and three alike villages. In
every arm the village Lia (V3) draws movers and immigrants (its place effect raised by the
same amount, and immigrants weighing it), so its market tightens and its price climbs above
the cost of building; the arms differ only in
Lia's planning capacity (``housing.planning_capacity``): average (the default), three times
the average, or none. Same seeds, so the arms start identical.
"""

from __future__ import annotations

from functools import cache

import numpy as np
from test_mechanisms import SEEDS, START, VILLAGE, scenario

from sim.model import SettlementModel

# the demand: movers and immigrants drawn to Lia (immigrants weigh the place effect at 0.5,
# as movers' half; the default weight is 0), the same in every arm
DEMAND = {"kommune.place_effect": {VILLAGE: 2.0}, "immigration.place_effect_weight": 0.5}
# ten years: in four the average arm builds about 40 dwellings, a difference of about 90
# persons that the runs' noise (about ±40) can hide; in ten about 200, and every seed orders
YEARS = 10
ARMS = {"average": {}, "ample": {VILLAGE: 5.0}, "none": {VILLAGE: 0.0}}


@cache
def _run(seed: int, arm: str) -> tuple[float, float]:
    """Lia's population at the end and the dwellings built there over the years (persons,
    dwellings as agents)."""
    params = {**DEMAND, "housing.planning_capacity": ARMS[arm]} if ARMS[arm] else DEMAND
    model = SettlementModel(scenario(seed, parameters=params).model_copy(
        update={"end_year": START + YEARS}))
    k = model.geo.codes.index(VILLAGE)
    built = 0.0
    for _ in range(YEARS):
        model.step()
        built += float(model.housing.built[k])
    return float(np.sum(model.population.kommune == k)), built


def test_a_kommune_that_can_build_grows_more_and_one_that_cannot_grows_less():
    for seed in SEEDS:
        pop = {arm: _run(seed, arm)[0] for arm in ARMS}
        built = {arm: _run(seed, arm)[1] for arm in ARMS}
        assert built["none"] == 0.0 < built["average"] < built["ample"], (seed, built)
        assert pop["none"] < pop["average"] < pop["ample"], (seed, pop)
