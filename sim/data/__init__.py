"""Embedded Norway: loading the copied data pack (kommuner, population, demography tables).

This module owns reading the CSV files that ship inside the package. Nothing here touches
the network. Sources, licences and caveats are in ``DATA.md`` beside this file.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources

import numpy as np
import pandas as pd

AGE_GROUPS = ["0-5", "6-15", "16-19", "20-24", "25-29", "30-39", "40-49",
              "50-59", "60-66", "67-79", "80+"]
SEXES = ["female", "male"]          # sex code 0 = female, 1 = male everywhere in the model
MAX_AGE = 106                       # the last age of SSB's life table 07902 (qx = 1 there)
LATEST_YEAR = 2026                  # latest 1 January population in the pack
FIRST_YEAR = 2006                   # earliest 1 January population in the pack


def _path(name: str):
    return resources.files(__name__).joinpath(name)


def _read_csv(name: str, **kwargs) -> pd.DataFrame:
    with _path(name).open("r", encoding="utf-8") as fh:
        return pd.read_csv(fh, **kwargs)


@cache
def kommuner() -> pd.DataFrame:
    """The 357 kommuner of 2024, one row each, sorted by kommunenummer."""
    df = _read_csv("kommuner.csv", dtype={"kommunenummer": str, "fylkesnummer": str,
                                          "kommunenummer_2020": str})
    return df.sort_values("kommunenummer").reset_index(drop=True)


@cache
def population_by_year() -> pd.DataFrame:
    """Population on 1 January 2006–2026 by kommune (2024 borders)."""
    return _read_csv("population_by_year.csv", dtype={"kommunenummer": str})


@cache
def population_by_age() -> pd.DataFrame:
    """Population by kommune, age group and sex on 1 January 2006, 2015, 2016, 2025 and
    2026 (sim/data/DATA.md)."""
    return _read_csv("population_by_age.csv", dtype={"kommunenummer": str})


@cache
def national_components() -> pd.DataFrame:
    """National births, deaths, immigration, emigration per calendar year 2006–2025."""
    return _read_csv("national_components.csv").set_index("year")


@cache
def observed_flows() -> pd.DataFrame:
    """Observed national immigration and emigration per year 2006–2025 (persons).

    The data pack has net immigration for 2006–2024 and gross flows for ten of those years.
    Missing emigration is interpolated linearly between the known years (flat before the
    first), and immigration = net immigration + emigration, so the net figure is always the
    observed one. 2025 has no published flows in the pack: its net immigration is estimated as
    population growth in 2025 minus the natural increase of 2024. The column ``estimated``
    marks the years that use any of these estimates.
    """
    nc = national_components()
    years = nc.index.to_numpy()
    emig = nc["emigration"].astype(float)
    known = emig.notna().to_numpy()
    emig_filled = np.interp(years, years[known], emig.to_numpy()[known])
    net = nc["net_immigration"].astype(float).copy()
    last = int(years.max())
    if np.isnan(net.loc[last]):
        natural_prev = nc.loc[last - 1, "births"] - nc.loc[last - 1, "deaths"]
        net.loc[last] = nc.loc[last, "population_growth"] - natural_prev
    out = pd.DataFrame({"emigration": emig_filled, "net_immigration": net.to_numpy()},
                       index=years)
    out["immigration"] = out["net_immigration"] + out["emigration"]
    out["estimated"] = (~known) | nc["net_immigration"].isna().to_numpy()
    return out


@cache
def fertility_by_age() -> pd.DataFrame:
    """Age-specific fertility per 1,000 women, single years 12–55, 2006–2022 (HFD)."""
    df = _read_csv("fertility_by_age.csv", dtype={"age": str})
    df["age"] = df["age"].str.replace("-", "").str.replace("+", "").astype(int)
    return df


@cache
def fertility_tfr() -> pd.Series:
    """Total fertility rate by year, 2006–2024."""
    return _read_csv("fertility_tfr.csv").set_index("year")["tfr"]


@cache
def mortality() -> pd.DataFrame:
    """Life-table probability of death qx by year, sex and single age 0–106 (SSB 07902)."""
    return _read_csv("mortality_by_age_sex.csv")


def geojson_path():
    """Simplified 2024 kommune polygons (Kartverket, CC BY 4.0) for maps."""
    return _path("kommuner_2024.geojson")


@cache
def kommune_rings() -> tuple[list[str], list[np.ndarray]]:
    """The outer ring (lon, lat) of every polygon of the 2024 kommuner, with each one's
    kommunenummer (a kommune of several islands has several)."""
    with geojson_path().open("r", encoding="utf-8") as fh:
        features = json.load(fh)["features"]
    codes, rings = [], []
    for f in features:
        geom = f["geometry"]
        polys = geom["coordinates"] if geom["type"] == "MultiPolygon" else [geom["coordinates"]]
        for poly in polys:
            codes.append(str(f["properties"]["kommunenummer"]))
            rings.append(np.asarray(poly[0], dtype=float))
    return codes, rings


@dataclass(frozen=True)
class AgeGroup:
    """One of the pack's 11 age groups, both ends included."""

    label: str
    lo: int
    hi: int


def age_groups() -> list[AgeGroup]:
    out = []
    for label in AGE_GROUPS:
        if label.endswith("+"):
            out.append(AgeGroup(label, int(label[:-1]), MAX_AGE))
        else:
            lo, hi = label.split("-")
            out.append(AgeGroup(label, int(lo), int(hi)))
    return out


def qx_table(year: int, smooth_from: int = 100) -> np.ndarray:
    """qx[sex, age] for one year (nearest available year), ages 0..MAX_AGE.

    Above ``smooth_from`` the yearly values rest on few deaths (DATA.md caveat), so those ages
    take the mean over all years and both sexes, which rises smoothly towards 1 at age 106.
    """
    return _qx_table(year, smooth_from).copy()


@cache
def _qx_table(year: int, smooth_from: int) -> np.ndarray:
    df = mortality()
    years = df["year"].unique()
    y = int(years[np.argmin(np.abs(years - year))])
    out = np.zeros((2, MAX_AGE + 1))
    sub = df[df["year"] == y]
    for s, sex in enumerate(SEXES):
        rows = sub[sub["sex"] == sex].sort_values("age")
        out[s, :] = rows["qx"].to_numpy()
    old = df[df["age"] >= smooth_from].groupby("age")["qx"].mean()
    out[:, smooth_from:] = old.to_numpy()[None, :]
    out[:, MAX_AGE] = 1.0
    return out


def asfr_table(year: int) -> np.ndarray:
    """Births per woman by single age 0..MAX_AGE for one year (nearest available HFD year)."""
    return _asfr_table(year).copy()


@cache
def _asfr_table(year: int) -> np.ndarray:
    df = fertility_by_age()
    years = df["year"].unique()
    y = int(years[np.argmin(np.abs(years - year))])
    sub = df[df["year"] == y]
    out = np.zeros(MAX_AGE + 1)
    out[sub["age"].to_numpy()] = sub["asfr_per_1000"].to_numpy() / 1000.0
    return out


def survivorship(year: int) -> np.ndarray:
    """lx[sex, age]: share surviving from birth to each age in the life table of ``year``."""
    q = qx_table(year)
    lx = np.ones_like(q)
    lx[:, 1:] = np.cumprod(1.0 - q[:, :-1], axis=1)
    return lx
