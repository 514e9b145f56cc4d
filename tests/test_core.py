"""Core model behaviour a user relies on: accounts add up, same seed same result, ranges
that match SSB, an ageing population, Mesa agents that can be inspected."""

from __future__ import annotations

import numpy as np
import pandas as pd
from conftest import coarse_norway

from sim import data
from sim.agents import Immigrant, Kommune, Resident
from sim.model import SettlementModel
from sim.output.run_folder import simulate


def test_start_population_is_the_real_one(coarse_run):
    first = coarse_run.national.iloc[0]
    # 20 persons per agent with stochastic rounding: within 0.1 % of SSB's 5,627,400
    assert abs(first["population"] - 5_627_400) / 5_627_400 < 0.001
    k0 = coarse_run.kommuner[coarse_run.kommuner["year"] == 2026].set_index("kommunenummer")
    real = data.kommuner().set_index("kommunenummer")["population"]
    assert abs(k0.loc["0301", "population"] - real["0301"]) / real["0301"] < 0.01


def test_kommune_accounts_add_up(coarse_run):
    k = coarse_run.kommuner.sort_values(["kommunenummer", "year"])
    for _, g in k.groupby("kommunenummer"):
        g = g.reset_index(drop=True)
        flows = (g["births"] - g["deaths"] + g["in_domestic"] - g["out_domestic"]
                 + g["immigration"] - g["emigration"])
        expected = (g["population"] + flows).iloc[:-1].to_numpy()
        assert (g["population"].iloc[1:].to_numpy() == expected).all()
    nat = coarse_run.national
    assert (k.groupby("year")["population"].sum().to_numpy() == nat["population"]).all()
    moves = k.groupby("year")[["in_domestic", "out_domestic"]].sum().iloc[:-1]
    assert (moves["in_domestic"] == moves["out_domestic"]).all()


def test_last_row_has_population_only(coarse_run):
    last = coarse_run.national.iloc[-1]
    assert last["year"] == 2029
    assert pd.isna(last["births"]) and pd.isna(last["internal_moves"])


def test_same_seed_same_result_different_seed_different():
    a = simulate(coarse_norway(end_year=2028, persons_per_agent=50))
    b = simulate(coarse_norway(end_year=2028, persons_per_agent=50))
    c = simulate(coarse_norway(end_year=2028, persons_per_agent=50, seed=8))
    pd.testing.assert_frame_equal(a.kommuner, b.kommuner)
    pd.testing.assert_frame_equal(a.national, b.national)
    assert not a.kommuner["population"].equals(c.kommuner["population"])


def test_one_year_of_the_baseline_is_in_ssb_ranges(coarse_run):
    """Ranges: SSB, 2020–2024 (sim/data/national_components.csv): births 51,480–56,060;
    deaths 40,611–45,774; immigration 38,071–86,589; emigration 26,744–34,011. The baseline
    year 2026 should be in these ranges, widened by 5 % for sampling noise at 20 persons
    per agent and for the trend since 2024 (SSB projects 64,000 immigrants in 2025)."""
    y = coarse_run.national.iloc[0]
    assert 51_480 * 0.95 <= y["births"] <= 56_060 * 1.05
    assert 40_611 * 0.95 <= y["deaths"] <= 45_774 * 1.05
    assert 38_071 * 0.95 <= y["immigration"] <= 86_589 * 1.05
    assert 26_744 * 0.95 <= y["emigration"] <= 34_011 * 1.05
    # SSB: about 4.5 % of the population moves between kommuner in a year (2020: 4.6 %)
    assert 0.035 <= y["internal_moves"] / y["population"] <= 0.055


def test_the_population_pyramid_ages():
    model = SettlementModel(coarse_norway(end_year=2046, persons_per_agent=50))
    age0 = model.population.age.copy()
    model.run()
    age1 = model.population.age
    assert age1.mean() > age0.mean() + 1.0            # SSB: the population keeps ageing
    assert (age1 >= 80).mean() > 1.4 * (age0 >= 80).mean()
    assert (age1 < 16).mean() < (age0 < 16).mean() + 0.01


def test_a_cohort_moves_up_one_year_of_age_each_year():
    model = SettlementModel(coarse_norway(end_year=2027, persons_per_agent=20))
    pop = model.population
    born_1976 = set(pop.pid[pop.age == 50].tolist())
    model.run()
    pop = model.population
    still_here = pop.pid[np.isin(pop.pid, list(born_1976))]
    assert len(still_here) > 0.97 * len(born_1976)   # few deaths and emigrants at 50
    assert (pop.age[np.isin(pop.pid, still_here)] == 51).all()


def test_persons_are_mesa_agents_and_kommuner_are_registered():
    model = SettlementModel(coarse_norway(persons_per_agent=100))
    assert len(model.agents_by_type[Kommune]) == 357
    oslo = model.kommune("0301")
    immigrants = model.persons(kind="Immigrant", kommune="0301", limit=25)
    assert len(immigrants) == 25
    assert all(isinstance(p, Immigrant) and p.kommune is oslo for p in immigrants)
    assert all(p.subtype in {"labour", "refugee", "family"} for p in immigrants)
    ages = immigrants.get("age")
    assert all(0 <= a <= 106 for a in ages)
    young = immigrants.select(lambda p: p.age < 30)
    assert all(p.age < 30 for p in young)
    residents = model.persons(kind="Resident", limit=5)
    member = residents.to_list()[0]
    assert isinstance(member, Resident)
    assert member in member.household_members()


def test_household_heads_kept_up_to_date_match_a_fresh_count():
    """Heads are updated incrementally as people die, move out, pair up and arrive; the
    result must equal counting them again from scratch (movers and emigrants are chosen by
    their household's head)."""
    model = SettlementModel(coarse_norway(end_year=2029, persons_per_agent=50))
    pop = model.population
    for _ in range(3):
        model.step()
        assert np.array_equal(pop.household_heads(), pop._household_heads())


def test_household_sizes_kept_up_to_date_match_a_fresh_count():
    """Household sizes are kept as people die, emigrate, leave home, pair up, are born and
    immigrate (emigration and partnering read them); they must equal a fresh count, also
    with a focus area, where households are cloned and aggregated."""
    for focus in ({}, {"focus": ["5014"]}):
        model = SettlementModel(coarse_norway(end_year=2029, persons_per_agent=50, **focus))
        pop = model.population
        pop.household_sizes()
        for _ in range(3):
            model.step()
            assert np.array_equal(pop.household_sizes(),
                                  np.bincount(pop.household, minlength=pop.next_household))
