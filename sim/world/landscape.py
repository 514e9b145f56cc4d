"""Building the world a scenario asks for: its kommune table and its start population.

A scenario's ``geography`` is all of embedded Norway, a subset of it (kommuner, fylker,
commuting regions), or an inline landscape of made-up kommuner. ``build_world`` turns it into
a ``sim.geography.Geography`` and the start population by kommune, age group and sex, in the
format of ``sim.population.age_sex_counts``.

An inline landscape has no data of its own, so it is synthesised:

- the table: fylkesnummer ``"00"``, the commuting region and centrality class as given, and
  the SSB centrality index as the median index of the embedded kommuner of the same class;
- the people: the national age × sex structure of the start year (all kommuner summed),
  tilted by the kommune's ``age_profile`` (parameter ``geography.age_profile_tilt``) and
  scaled to its population. Counts are rounded by largest remainders so each kommune's total
  is exactly its given population; no randomness is used.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from sim import data
from sim.parameters import ParameterSet
from sim.world.geography import Geography
from sim.world.population import age_sex_counts

if TYPE_CHECKING:
    from sim.scenario.schema import Landscape, NorwayArea

LANDSCAPE_FYLKE = "00"
TABLE_COLUMNS = ["kommunenummer", "name", "fylkesnummer", "baregion_code",
                 "sentralitetsklasse", "sentralitetsindeks", "centroid_lat", "centroid_lon",
                 "area_km2", "population"]

Counts = dict[tuple[int, int, int], int]


def selected_kommuner(area: NorwayArea) -> pd.DataFrame:
    """The rows of the embedded kommune table in the area (all of Norway if none given)."""
    df = data.kommuner()
    if area.kommuner is None and area.fylker is None and area.regions is None:
        return df
    mask = (df["kommunenummer"].isin(area.kommuner or [])
            | df["fylkesnummer"].isin(area.fylker or [])
            | df["baregion_code"].isin(area.regions or []))
    return df[mask].reset_index(drop=True)


def landscape_table(area: Landscape) -> pd.DataFrame:
    """A kommune table with the columns of the data pack's kommuner.csv for made-up kommuner."""
    index_by_class = data.kommuner().groupby("sentralitetsklasse")["sentralitetsindeks"].median()
    rows = [{
        "kommunenummer": k.kommunenummer,
        "name": k.name,
        "fylkesnummer": LANDSCAPE_FYLKE,
        "baregion_code": k.region,
        "sentralitetsklasse": k.centrality,
        "sentralitetsindeks": float(index_by_class[k.centrality]),
        "centroid_lat": k.lat,
        "centroid_lon": k.lon,
        "area_km2": k.area_km2,
        "population": k.population,
    } for k in area.kommuner]
    return pd.DataFrame(rows, columns=TABLE_COLUMNS)


@lru_cache(maxsize=8)
def national_structure(year: int) -> np.ndarray:
    """Persons by [age group, sex] in all of Norway on 1 January ``year`` (read-only: the
    table is kept for later calls)."""
    df = data.population_by_age()
    df = df[df["year"] == year]
    if df.empty:
        from sim.scenario.errors import ScenarioError

        raise ScenarioError(f"no population by age for {year} in the embedded data")
    table = df.groupby(["age_group", "sex"])["population"].sum().unstack("sex")
    structure = table.reindex(index=data.AGE_GROUPS, columns=data.SEXES).to_numpy(float)
    structure.flags.writeable = False
    return structure


def tilt_factors(profile: str, params: ParameterSet) -> np.ndarray:
    """Factors by age group for one age profile (parameter geography.age_profile_tilt)."""
    table = params.value("geography.age_profile_tilt")
    try:
        factors = table[profile]
        return np.array([float(factors[g]) for g in data.AGE_GROUPS])
    except (KeyError, TypeError, ValueError) as err:
        from sim.scenario.errors import ScenarioError

        raise ScenarioError(
            f"parameter geography.age_profile_tilt: needs a number for every age group "
            f"({', '.join(data.AGE_GROUPS)}) under '{profile}'; missing or bad: {err}"
        ) from None


def largest_remainder(expected: np.ndarray, total: int) -> np.ndarray:
    """Integers with the given ``total``, each the floor or ceiling of ``expected``."""
    flat = expected.ravel()
    base = np.floor(flat).astype(np.int64)
    short = int(total - base.sum())
    if short > 0:
        order = np.argsort(-(flat - base), kind="stable")
        base[order[:short]] += 1
    return base.reshape(expected.shape)


def landscape_counts(area: Landscape, year: int, params: ParameterSet) -> Counts:
    """(kommune index, age-group index, sex) -> persons for an inline landscape."""
    national = national_structure(year)
    counts: Counts = {}
    for k, kommune in enumerate(area.kommuner):
        weights = national * tilt_factors(kommune.age_profile, params)[:, None]
        persons = largest_remainder(kommune.population * weights / weights.sum(),
                                    kommune.population)
        for (g, s), n in np.ndenumerate(persons):
            counts[(k, g, s)] = int(n)
    return counts


def area_table(geography: NorwayArea | Landscape) -> pd.DataFrame:
    """The kommune table of the area (columns of kommuner.csv, at least TABLE_COLUMNS)."""
    if geography.kind == "landscape":
        return landscape_table(geography)
    return selected_kommuner(geography)


def national_share(geography: NorwayArea | Landscape, year: int) -> float:
    """The area's share of Norway's population on 1 January ``year`` (1.0 for all of Norway).

    National totals in a scenario (immigration, emigration targets) are for all of Norway;
    a run on a smaller area can scale them by this share.
    """
    table = area_table(geography)
    national = float(national_structure(year).sum())
    if geography.kind == "landscape":
        return float(table["population"].sum()) / national
    pop = data.population_by_year()
    pop = pop[pop["year"] == year]
    return float(pop[pop["kommunenummer"].isin(table["kommunenummer"])]["population"].sum()
                 ) / national


def describe_area(geography: NorwayArea | Landscape) -> tuple[str, int]:
    """A short label of the area ("Norway", "part of Norway", "landscape") and its size."""
    n = len(area_table(geography))
    if geography.kind == "landscape":
        return "landscape", n
    return ("Norway" if n == len(data.kommuner()) else "part of Norway"), n


def build_world(geography: NorwayArea | Landscape, start_year: int,
                params: ParameterSet | None = None) -> tuple[Geography, Counts]:
    """The model's geography and start population (persons by kommune, age group and sex)."""
    params = params or ParameterSet()
    table = area_table(geography)
    geo = Geography.from_table(table)
    if geography.kind == "landscape":
        return geo, landscape_counts(geography, start_year, params)
    return geo, age_sex_counts(start_year, geo.codes)
