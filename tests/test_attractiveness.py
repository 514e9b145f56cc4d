"""The attractiveness accounts users read: the parts add up to the change in every row of every
run folder, a closed firm shows as negative business attractiveness where and when it closed,
and the observed history is accounted from population alone."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import short_classroom
from typer.testing import CliRunner

from sim import data
from sim.cli import app
from sim.output.attractiveness import COLUMNS, PARTS, group_rates, periods
from sim.output.run_folder import simulate
from sim.scenario.files import load_scenario
from sim.validation.attractiveness import observed_accounts

YEARS = 5


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("accounts")
    out = tmp / "run"
    result = CliRunner().invoke(app, ["run", str(short_classroom(tmp, YEARS)), "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out


def test_every_run_folder_has_the_accounts_and_they_add_up_exactly(folder):
    table = pd.read_csv(folder / "attractiveness.csv", dtype={"kommunenummer": str})
    assert list(table.columns) == list(COLUMNS)
    kom = pd.read_csv(folder / "kommuner.csv", dtype={"kommunenummer": str})
    years = sorted(kom["year"].unique())
    spans = periods(years, 3)
    assert len(table) == kom["kommunenummer"].nunique() * len(spans)
    assert set(table["period"]) == {"1y", "3y"}
    parts = table[list(PARTS)].sum(axis=1).to_numpy()
    np.testing.assert_allclose(parts, table["change"].to_numpy(), rtol=0, atol=1e-9)
    # the change is the population's, and the components are the run's own
    pop = kom.set_index(["kommunenummer", "year"])["population"]
    for row in table.sample(10, random_state=1).itertuples():
        assert row.change == (pop[(row.kommunenummer, row.year_to)]
                              - pop[(row.kommunenummer, row.year_from)])
        assert row.change == row.natural_increase + row.net_migration
    for _, rows in table.groupby(["year_from", "year_to"]):
        _ranked_by_residential_per_inhabitant(rows)


def test_the_jobs_by_sector_add_up_to_the_indicators_jobs(folder):
    jobs = pd.read_csv(folder / "jobs_by_sector.csv", dtype={"kommunenummer": str})
    ind = pd.read_csv(folder / "indicators.csv", dtype={"kommunenummer": str})
    total = jobs.groupby(["kommunenummer", "year"])["jobs"].sum()
    np.testing.assert_allclose(total.loc[list(zip(ind["kommunenummer"], ind["year"],
                                                  strict=True))].to_numpy(),
                               ind["jobs"].to_numpy(), atol=1.0)


def test_a_closed_firm_is_negative_business_attractiveness_in_its_year(tmp_path):
    start = load_scenario(short_classroom(tmp_path, 4)).start_year
    shock = [{"kommune": "K02", "year": start + 1, "jobs": -300, "firm": "largest"}]
    hit = simulate(load_scenario(short_classroom(tmp_path, 4, shocks=shock)))
    calm = simulate(load_scenario(short_classroom(tmp_path, 4)))

    def business(result, year):
        t = result.attractiveness
        row = t[(t["period"] == "1y") & (t["year_from"] == year)].set_index("kommunenummer")
        return row["business"], row["basic_job_growth_above_mix"]

    parts, jobs = business(hit, start + 1)
    assert jobs["K02"] < -200                       # most of the 300 jobs, beyond the mix
    assert parts["K02"] < -10 and parts["K02"] == parts.min()
    assert abs(business(calm, start + 1)[0]["K02"]) < 1
    assert abs(business(hit, start)[0]["K02"]) < 1  # the year before: nothing yet


def test_observed_accounts_of_oslo_from_population_alone():
    table = observed_accounts([(2006, 2007), (2011, 2018)])
    oslo = table[(table["kommunenummer"] == "0301") & (table["year_from"] == 2006)].iloc[0]
    assert oslo["change"] == 548617 - 538411           # population_by_year.csv
    assert np.isnan(oslo["business"]) and np.isnan(oslo["job_slope"])
    assert oslo["natural_increase"] == oslo["expected_natural_increase"] > 0   # a young city
    assert oslo["net_migration"] == pytest.approx(oslo["change"] - oslo["natural_increase"])
    parts = oslo["structural"] + oslo["residential"] + oslo["residual"]
    assert parts == pytest.approx(oslo["change"], abs=1e-9)
    first = table[table["year_from"] == 2006]
    nc = data.national_components()
    assert first["natural_increase"].sum() == pytest.approx(
        nc.loc[2006, "births"] - nc.loc[2006, "deaths"])       # Norway's own, shared out
    window = table[table["year_from"] == 2011].set_index("kommunenummer")
    assert window.loc["5014", "residential"] > 0                   # Frøya grew 15 %
    assert window.loc["5014", "rank_residential"] <= 20
    _ranked_by_residential_per_inhabitant(window)


def _ranked_by_residential_per_inhabitant(rows: pd.DataFrame) -> None:
    """Rank 1 is the most residential attractiveness per inhabitant, ties share a rank."""
    ordered = rows.sort_values("residential_per_1000", ascending=False)
    ranks = ordered["rank_residential"].to_numpy()
    assert ranks[0] == 1 and (np.diff(ranks) >= 0).all() and ranks[-1] <= len(rows)
    per = 1000 * ordered["residential"] / ordered["population_start"]
    np.testing.assert_allclose(per, ordered["residential_per_1000"], atol=1e-3)


def test_national_rates_by_age_group_have_the_shape_of_life():
    fert, mort = group_rates(2015)
    groups = data.AGE_GROUPS
    assert fert[groups.index("30-39")] > fert[groups.index("16-19")] > fert[0] == 0
    assert mort[groups.index("80+"), 1] > mort[groups.index("67-79"), 1] > mort[
        groups.index("20-24"), 1]
    assert (mort[:, 1] >= mort[:, 0]).sum() >= 9     # men die younger in most groups
