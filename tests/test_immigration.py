"""Who arrives: the age and sex mix of immigrants (sim.processes.arriving)."""

from __future__ import annotations

import numpy as np

from sim import data
from sim.parameters import ParameterSet
from sim.processes import arriving
from sim.world.geography import Geography
from sim.world.population import Population, immigrant_factors

REFUGEES_ONLY = {"labour": 0.0, "refugee": 1.0, "family": 0.0}


def _arrivals(year: int) -> tuple[np.ndarray, np.ndarray]:
    """Ages and sexes of 40,000 refugees arriving in ``year`` in a one-kommune country."""
    pop = Population()
    rows = arriving.arrive(pop, year, 40_000, 1, {st: np.ones(1) for st in
                                                      arriving.SUBTYPES.values()},
                              ParameterSet(), np.random.default_rng(3), shares=REFUGEES_ONLY)
    return pop.age[rows], pop.sex[rows]


def test_refugees_displaced_from_ukraine_are_mostly_women_and_children():
    """Refugees arriving in 2023 (eight in ten displaced from Ukraine) are about one in three
    children and their adults about one in three men (SSB: 29 % of the 2022 arrivals' adults);
    in 2019 about one in five refugees were children and their adults mostly men
    (``immigration.male_share``: 57 %)."""
    age, sex = _arrivals(2023)
    assert 0.29 < (age < 18).mean() < 0.34
    assert 0.30 < sex[age >= 18].mean() < 0.37
    age, sex = _arrivals(2019)
    assert 0.19 < (age < 18).mean() < 0.23
    assert 0.54 < sex[age >= 18].mean() < 0.60


def test_an_arrival_factor_draws_labour_and_family_immigrants_but_not_refugees():
    """Oslo draws more first arrivals than its jobs and immigrants alone explain
    (``immigration.arrival_factor_by_kommune``): with a factor of 1.5 on the first of two
    equal kommuner, it gets 60 % of labour and family immigrants; refugees follow the key."""
    pop = Population()
    n = 100
    pop.append(kommune=np.repeat([0, 1], n // 2), home=np.full(n, -1), age=np.full(n, 30),
               sex=np.zeros(n), kind=np.ones(n), subtype=np.ones(n), household=np.arange(n),
               arrival_year=np.full(n, 2000))
    factor = arriving.arrival_factors(["0301", "4601"], ParameterSet())
    assert factor[0] > 1.0 and factor[1] == 1.0
    w = arriving.settlement_weights(pop, 2, ParameterSet(), vacancies=np.array([5., 5.]),
                                       arrival_factor=np.array([1.5, 1.0]))
    assert np.allclose(w[arriving.Subtype.LABOUR], [0.6, 0.4])
    assert np.allclose(w[arriving.Subtype.FAMILY], [0.6, 0.4])
    assert np.allclose(w[arriving.Subtype.REFUGEE], [0.5, 0.5])


def _oslo_share_of_immigrants(year: int) -> float:
    """Oslo's expected share of the country's immigrants at a start in ``year``: each
    kommune's relative immigrant share times its observed population (ages alike)."""
    geo = Geography.from_table(data.kommuner())
    pop = data.population_by_year().query("year == @year").set_index("kommunenummer")
    people = pop["population"].reindex(geo.codes).to_numpy(float)
    weight = immigrant_factors(geo.codes, geo.centrality, year, ParameterSet()) * people
    return weight[geo.index("0301")] / weight.sum()


def test_the_2006_start_puts_three_in_ten_immigrants_in_oslo():
    """SSB 2002: a third of the country's immigrant population lived in Oslo, three times its
    share of the people; by 2024 immigrants had spread (Oslo about 35 % immigrant background against
    21 % nationally). A 2006 start holds close to SSB's 2002 share, a 2026 start its class's."""
    assert 0.27 < _oslo_share_of_immigrants(2006) < 0.34
    assert 0.16 < _oslo_share_of_immigrants(2026) < 0.20


def test_a_kommunes_place_effect_draws_immigrants_unless_its_arrival_factor_is_listed():
    """Immigrants weigh a kommune's calibrated place effect by
    ``immigration.place_effect_weight``: at 0.5 an effect of +1 multiplies its arrival factor
    by e^0.5, −1 divides it by as much; Oslo keeps its listed factor, set on where SSB counts
    the arrivals. The default, 0 (set on SSB's net immigration by centrality class), leaves
    every unlisted kommune at 1."""
    effect = np.array([1.0, 0.0, -1.0, -1.0])
    codes = ["X1", "X2", "X3", "0301"]
    params = ParameterSet({"immigration.place_effect_weight": 0.5})
    factors = arriving.arrival_factors(codes, params, place_effect=effect)
    assert np.allclose(factors[:3], np.exp(0.5 * np.array([1.0, 0.0, -1.0])))
    assert factors[3] == params.value("immigration.arrival_factor_by_kommune")["0301"]
    default = arriving.arrival_factors(codes, ParameterSet(), place_effect=effect)
    assert np.allclose(default[:3], 1.0) and default[3] == factors[3]


def test_a_kommunes_emigration_factor_sends_more_abroad_and_keeps_the_national_total():
    """A kommune that sends more people abroad than its people's ages and origins explain
    (``emigration.factor_by_kommune``; Oslo in SSB's emigration by landsdel, 2011): of two
    equal kommuner, the one with a factor of 2 loses twice as many emigrants, and the
    national total is kept, whether the scenario fixes it or the rates set it (the factor
    moves emigrants, it does not add any); with every factor at 1 nothing changes."""
    from types import SimpleNamespace

    from sim.processes import leaving
    from sim.world.scale import Scale

    n = 40_000
    pop = Population()
    pop.append(kommune=np.repeat([0, 1], n // 2), home=np.repeat([0, 1], n // 2),
               age=np.full(n, 30), sex=np.tile([0, 1], n // 2), kind=np.zeros(n),
               subtype=np.zeros(n), household=pop.new_household_ids(n),
               arrival_year=np.zeros(n))
    places = SimpleNamespace(service_level=np.ones(2), attitude=np.ones(2),
                             emigration_factor=np.array([2.0, 1.0]))
    params = ParameterSet()
    stay, without = leaving._stay_factors(pop, None, places, None, params)
    scale = Scale.of(1, np.zeros(2, int), np.array([]))
    gone = leaving.emigrate(pop, 2011, 1_500.0, scale, params, np.random.default_rng(3),
                            stay=stay)
    lost = np.bincount(pop.kommune[gone], minlength=2)
    assert 1_350 < lost.sum() < 1_650
    assert 1.7 < lost[0] / lost[1] < 2.3
    # by the rates alone: as many leave as without the factor, twice as many from the first
    by_rates = [np.bincount(pop.kommune[leaving.emigrate(
        pop, 2011, None, scale, params, np.random.default_rng(seed), stay=stay,
        without_place=without)], minlength=2) for seed in range(4)]
    plain_rates = [leaving.emigrate(pop, 2011, None, scale, params,
                                    np.random.default_rng(seed), stay=without).sum()
                   for seed in range(4)]
    total, plain_total = sum(b.sum() for b in by_rates), sum(plain_rates)
    assert 0.93 < total / plain_total < 1.07, (total, plain_total)
    assert 1.7 < sum(b[0] for b in by_rates) / sum(b[1] for b in by_rates) < 2.3
    assert params.value("emigration.factor_by_kommune")["0301"] > 1.0
    plain, plain_without = leaving._stay_factors(pop, None, SimpleNamespace(
        service_level=np.ones(2), attitude=np.ones(2), emigration_factor=np.ones(2)),
        None, params)
    assert np.array_equal(plain, np.ones(len(pop.head_rows())))
    assert np.array_equal(plain_without, plain)
