"""Reports: the run's plots and its closing summary table.

This module owns what a person reads after a run: ``population.png`` (national population
and the share living in the five largest cities) and the summary rows the CLI prints.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pandas as pd

from sim.parameters import ParameterSet


def largest_city_share(kommuner: pd.DataFrame, params: ParameterSet | None = None
                       ) -> pd.Series:
    """Share of the population living in the five largest cities, by year."""
    cities = (params or ParameterSet()).value("geography.largest_cities")
    by_year = kommuner.groupby("year")["population"].sum()
    in_cities = kommuner[kommuner["kommunenummer"].isin(cities)].groupby("year")[
        "population"].sum()
    return (in_cities / by_year).astype(float)


def population_plot(result, path: Path) -> None:
    """Two panels: national population, and the share in the five largest cities."""
    nat = result.national
    share = largest_city_share(result.kommuner, ParameterSet(result.scenario.parameters))
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 4), constrained_layout=True)
    ax1.plot(nat["year"], nat["population"].astype(float) / 1e6, color="#1f5f8b", lw=2)
    ax1.set_title("Population of Norway / Folketall")
    ax1.set_ylabel("million persons, 1 January")
    ax2.plot(share.index, 100 * share.to_numpy(), color="#b5452b", lw=2)
    ax2.set_title("Share in the five largest cities / Andel i de fem største byene")
    ax2.set_ylabel("% of population")
    for ax in (ax1, ax2):
        ax.set_xlabel("year")
        ax.grid(alpha=0.3)
    fig.suptitle(f"Scenario: {result.scenario.name}")
    fig.savefig(path, dpi=110)
    plt.close(fig)


def summary_rows(result, every: int = 5) -> list[dict]:
    """Selected years of the national table with the five-cities share, for printing."""
    nat = result.national
    share = largest_city_share(result.kommuner, ParameterSet(result.scenario.parameters))
    years = nat["year"].tolist()
    keep = {years[0], years[-1], *[y for y in years if y % every == 0]}
    rows = []
    for rec in nat.to_dict("records"):
        if rec["year"] in keep:
            rec["five_cities_share"] = float(share.loc[rec["year"]])
            rows.append(rec)
    return rows
