"""Random local labour-demand shocks (issue #27 item 2): with them on, a kommune's basic jobs
shift by a persistent random proportion, so kommune growth spreads more across seeds; the same
seed still gives the same run; with them off nothing is drawn (the golden runs are those of
the model before the shocks existed).

The controlled setting of ``test_mechanisms`` (a city, a town and three alike villages, each
village its own commuting region). The shocks here come every year at the cap (a log sd of
0.5 in the villages; the fitted ones come in four years of ten) so that six years of them
stand out from the runs' own noise: the model's population answers a shift of a village's
basic jobs by about 4 % of it (``labour.local_shocks.log_sd``).
"""

from __future__ import annotations

from functools import cache

import numpy as np
from test_mechanisms import START, scenario

from sim.model import SettlementModel
from sim.processes import local_shocks
from sim.processes.jobs import BASIC, S

STRONG = {"labour.local_shocks.on": 1, "labour.local_shocks.probability": 1.0,
          "labour.local_shocks.log_sd": 1.0}
YEARS = 6
SEEDS = (1, 2, 3, 4, 5, 6)
VILLAGES = ("V3", "V4", "V5")


def _model(seed: int, shocks: bool, years: int = YEARS) -> SettlementModel:
    return SettlementModel(scenario(seed, parameters=STRONG if shocks else {}).model_copy(
        update={"end_year": START + years}))


@cache
def _growth(seed: int, shocks: bool) -> np.ndarray:
    """Each village's log growth over the years."""
    model = _model(seed, shocks)
    k = [model.geo.codes.index(c) for c in VILLAGES]
    start = np.bincount(model.population.kommune, minlength=model.geo.size)[k]
    for _ in range(YEARS):
        model.step()
    end = np.bincount(model.population.kommune, minlength=model.geo.size)[k]
    return np.log(end / start)


def test_local_shocks_widen_the_spread_of_kommune_growth_across_seeds():
    off = np.array([_growth(s, False) for s in SEEDS]).std(axis=0, ddof=1)
    on = np.array([_growth(s, True) for s in SEEDS]).std(axis=0, ddof=1)
    assert on.mean() > 1.5 * off.mean(), (on, off)


def _basic_jobs(model: SettlementModel) -> np.ndarray:
    return model.labour.jobs_by_kommune_sector()[:, [S[s] for s in BASIC]].sum(axis=1)


def test_a_shock_shifts_basic_jobs_by_the_drawn_proportion_and_a_seed_reproduces_it():
    shocked, calm = _model(1, True, 1), _model(1, False, 1)
    before = _basic_jobs(shocked)
    rng = np.random.default_rng(7)
    draws = np.random.default_rng(7)
    local_shocks.run_year(shocked.labour, shocked.params, rng)
    # every kommune shocked (probability 1): exp(z · sd − sd² / 2) with the same draws, the
    # expected jobs kept
    draws.random(shocked.geo.size)
    z = draws.standard_normal(shocked.geo.size)
    sd = local_shocks.shock_sd(shocked.labour.kommune_population_at_build, shocked.params)
    assert np.allclose(_basic_jobs(shocked), before * np.exp(z * sd - sd ** 2 / 2))
    assert sd[shocked.geo.codes.index("V3")] < sd[shocked.geo.codes.index("C1")] * 20
    # switched off: no draw at all, the generator untouched
    state = rng.bit_generator.state
    local_shocks.run_year(calm.labour, calm.params, rng)
    assert rng.bit_generator.state == state
    # the same seed, the same shocked run
    a, b = _model(3, True, 2), _model(3, True, 2)
    for m in (a, b):
        m.step()
        m.step()
    assert np.array_equal(a.population.kommune, b.population.kommune)
