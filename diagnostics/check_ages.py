"""Who lives where, by age: a diagnostic of the backcast's age structure against SSB.

Reads the runs of a ``livskraft validate`` report folder (``backcast*/age_structure.csv``, their
mean) and prints, for 2015 (the end of the calibration window) and 2025 (out of sample), the
simulated population of each age group over the observed one, less 1, in per cent: summed by
centrality class, and for Oslo, its suburbs and the next largest cities. A model that puts the
right total in each kommune can still put people in their twenties in Oslo's suburbs and keep
families in Oslo; this shows it.

    .venv/bin/python diagnostics/check_ages.py runs/validation
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd
from check_growth_components import mean_run

from sim import data

GROUPS = ["0-5", "6-15", "16-19", "20-24", "25-29", "30-39", "40-49", "50-59", "60-66",
          "67-79", "80+"]
# Oslo, four suburbs, and the next three cities
NAMED = ["0301", "3201", "3222", "3205", "3203", "4601", "5001", "1103"]
YEARS = (2015, 2025)


def simulated(folder: Path) -> pd.Series:
    """Persons by kommune, year and age group: the mean of the folder's runs."""
    keys = ("kommunenummer", "year", "age_group", "sex")
    return mean_run(folder, "age_structure.csv", keys)["persons"].groupby(
        level=list(keys[:3])).sum()


def gaps(sim: pd.Series, obs: pd.Series, year: int, by: pd.Series | None = None
         ) -> pd.DataFrame:
    """Simulated over observed less 1, per cent, by kommune (or summed by ``by``)."""
    s = sim.xs(year, level="year").unstack()[GROUPS]
    o = obs.xs(year, level="year").unstack()[GROUPS].reindex(s.index)
    if by is not None:
        s, o = s.groupby(by.reindex(s.index)).sum(), o.groupby(by.reindex(o.index)).sum()
    return ((s / o - 1) * 100).round(1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, help="a livskraft validate report folder")
    folder = parser.parse_args().folder
    sim = simulated(folder)
    obs = (data.population_by_age()
           .groupby(["kommunenummer", "year", "age_group"])["population"].sum())
    kommuner = data.kommuner().set_index("kommunenummer")
    for year in YEARS:
        print(f"\n{year}: simulated / observed - 1 (%), by centrality class")
        print(gaps(sim, obs, year, kommuner["sentralitetsklasse"]).to_string())
        named = gaps(sim, obs, year).loc[NAMED]
        named.index = [f"{c} {kommuner.loc[c, 'name']}" for c in NAMED]
        print(f"\n{year}: Oslo, its suburbs and the next cities")
        print(named.to_string())


if __name__ == "__main__":
    main()
