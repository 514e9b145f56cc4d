"""The attractiveness accounts: each kommune's population change over a period split into
structural growth, business attractiveness, residential attractiveness and a residual, the
way Telemarksforsking's attractiveness model splits it (Vareide and Nygaard 2014, "Måling av
attraktivitet", TF-notat 32/2014; docs/attractiveness.md has the method and its sources).

This module owns the method and the run folder's ``attractiveness.csv``. For a period from
1 January ``year_from`` to 1 January ``year_to`` and kommune *i* with population P₀ at the
start:

* **expected natural increase**: the area's births and deaths of each year shared out by the
  kommune's age and sex structure on 1 January, weighted by the national births per woman of
  each age group and deaths per person of each age group and sex (``group_rates``): what
  national rates predict from its age mix;
* **relative net migration** m = net migration (domestic and international) / P₀ minus the
  area's; **relative job growth** g = job growth / jobs at the start minus the area's. A
  cross-kommune least-squares fit per period, m = a + b·g + c·(log P₀ − its mean) + d·gₙ + ε
  (gₙ: relative job growth in the rest of the kommune's commuting region, its neighbours),
  gives the net migration that job growth and the structural controls predict;
* the job growth splits by shift-share into the **expected job growth** (each sector's
  jobs at the start times the area's growth of that sector), the **basic sectors' growth
  above it** (``sim.processes.jobs.BASIC``) and the local sectors' growth above it.

The parts (persons; they add up to the actual change exactly, row by row):

* ``structural`` = expected natural increase + P₀ × the area's net migration rate
  + P₀ × (a + b × the industry mix's relative job growth + c × size + d × gₙ);
* ``business`` = P₀ × b × basic sectors' growth above the mix / jobs at the start;
* ``residential`` = P₀ × ε: net migration above what job growth and structure predict;
* ``residual`` = the actual change minus the three: births and deaths unlike national
  rates, migration drawn by local-sector jobs above the mix (those follow the population),
  and any change the components do not hold (none in the model).

Without jobs (observed history: the data pack has no employment by kommune) the fit is
m = a + c·size + ε, ``business`` is NaN, and structural + residential + residual is the
change. Without births and deaths the natural increase is the expected one and net migration
the change less it (``Series.population_only``).

Periods: every single year, and every run of ``attractiveness.window_years`` (3) consecutive
years, as the published regional analyses report both. An area with fewer than
``attractiveness.min_kommuner_for_fit`` kommuner uses the published slope
(``attractiveness.job_slope_fallback``) with no intercept or controls; a period whose own fit
finds no positive slope uses the published slope too, the other coefficients fitted (the
published relation is positive; in the model, jobs of the local sectors follow the
population of 1 January, so one year's job growth and net migration are nearly unrelated,
and a slope of either sign would be chance). ``job_slope`` holds the slope used. Kommuner
are ranked by residential attractiveness per inhabitant (1 = the most attractive), as the
published rankings rank.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cache

import numpy as np
import pandas as pd

from sim import data
from sim.parameters import ParameterSet
from sim.processes.jobs import BASIC, SECTORS

PARTS = ("structural", "business", "residential", "residual")
COLUMNS = ("kommunenummer", "period", "year_from", "year_to", "population_start", "change",
           "natural_increase", "expected_natural_increase", "net_migration", "jobs_start",
           "job_growth", "expected_job_growth", "basic_job_growth_above_mix", "job_slope",
           *PARTS, "residential_per_1000", "rank_residential")
PER = 1000.0            # residential attractiveness is reported per 1,000 inhabitants
DECIMALS = 3            # parts are rounded; the residual takes the rounding, so sums stay exact
TINY = 1e-12            # a denominator's floor: an empty area divides by this, not by zero


@dataclass
class Series:
    """What the accounts need, per kommune and year (1 January stocks; flows over the year,
    NaN in the last year)."""

    codes: list[str]
    years: list[int]
    population: np.ndarray          # [kommune, year]
    natural: np.ndarray             # births − deaths over the year
    expected_natural: np.ndarray    # the same by national rates (see the module docstring)
    net_migration: np.ndarray       # in − out, domestic and international
    region: np.ndarray              # commuting (BA) region of each kommune
    jobs: np.ndarray | None = None  # [kommune, sector, year] (persons), or None

    def population_only(self) -> Series:
        """The series as observed history has it: no jobs, natural increase by national
        rates, net migration the change less that."""
        change = np.diff(self.population, axis=1)
        mig = np.full_like(self.population, np.nan)
        mig[:, :-1] = change - self.expected_natural[:, :-1]
        return replace(self, natural=self.expected_natural.copy(), net_migration=mig,
                       jobs=None)


# ----- expected natural increase ------------------------------------------------------------
def _group_of_age() -> np.ndarray:
    lows = np.array([g.lo for g in data.age_groups()])
    return np.searchsorted(lows, np.arange(data.MAX_AGE + 1), side="right") - 1


@cache
def group_rates(year: int) -> tuple[np.ndarray, np.ndarray]:
    """Births per woman [age group] and deaths per person [age group, sex] in ``year``'s
    national tables (nearest year available), each single age weighted by the life table's
    survivors, the stationary population of the group."""
    g, n = _group_of_age(), len(data.AGE_GROUPS)
    lx, q, f = data.survivorship(year), data.qx_table(year), data.asfr_table(year)
    weight = [np.bincount(g, lx[s], minlength=n) for s in range(len(data.SEXES))]
    fert = np.bincount(g, lx[0] * f, minlength=n) / weight[0]
    mort = np.stack([np.bincount(g, lx[s] * q[s], minlength=n) / weight[s]
                     for s in range(len(data.SEXES))], axis=1)
    return fert, mort


def age_cube(table: pd.DataFrame, codes: list[str], years: list[int],
             value: str = "persons") -> np.ndarray:
    """Persons [year, kommune, age group, sex] from an age-structure table (missing: 0)."""
    index = pd.MultiIndex.from_product([years, codes, data.AGE_GROUPS, data.SEXES])
    keys = ["year", "kommunenummer", "age_group", "sex"]
    t = table.assign(kommunenummer=table["kommunenummer"].astype(str))
    cells = t.set_index(keys)[value].astype(float).groupby(level=keys).sum()
    return cells.reindex(index, fill_value=0.0).to_numpy().reshape(
        len(years), len(codes), len(data.AGE_GROUPS), len(data.SEXES))


def expected_natural(cube: np.ndarray, years: list[int], births: np.ndarray,
                     deaths: np.ndarray) -> np.ndarray:
    """[kommune, year]: the area's ``births`` and ``deaths`` of each year shared out by each
    kommune's age-sex structure (``cube``) weighted by the national rates of the year."""
    out = np.full((cube.shape[1], len(years)), np.nan)
    for i, year in enumerate(years):
        if not (np.isfinite(births[i]) and np.isfinite(deaths[i])):
            continue
        fert, mort = group_rates(int(year))
        w_births = cube[i, :, :, 0] @ fert
        w_deaths = (cube[i] * mort[None]).sum(axis=(1, 2))
        out[:, i] = (births[i] * w_births / max(w_births.sum(), TINY)
                     - deaths[i] * w_deaths / max(w_deaths.sum(), TINY))
    return out


# ----- one period ---------------------------------------------------------------------------
def _job_terms(jobs: np.ndarray, region: np.ndarray, t0: int, t1: int) -> dict:
    """Shift-share of each kommune's job growth from year index t0 to t1, as jobs and as
    rates relative to the area's growth (see the module docstring)."""
    j0, j1 = jobs[:, :, t0], jobs[:, :, t1]
    area0, area1 = j0.sum(axis=0), j1.sum(axis=0)
    g_sector = np.divide(area1, area0, out=np.ones_like(area0), where=area0 > 0) - 1.0
    above = j1 - j0 * (1.0 + g_sector)
    basic = np.isin(np.array(SECTORS), BASIC)
    tot0, tot1 = j0.sum(axis=1), j1.sum(axis=1)
    g_area = tot1.sum() / max(tot0.sum(), TINY) - 1.0
    expected = j0 @ g_sector
    has = tot0 > 0

    def rate(x: np.ndarray) -> np.ndarray:
        return np.divide(x, tot0, out=np.zeros_like(x), where=has)

    _, reg = np.unique(region, return_inverse=True)
    rest0 = np.bincount(reg, tot0)[reg] - tot0
    rest1 = np.bincount(reg, tot1)[reg] - tot1
    near = np.divide(rest1, rest0, out=np.ones_like(rest0), where=rest0 > 0) - 1.0 - g_area
    return {"jobs_start": tot0, "job_growth": tot1 - tot0, "expected_job_growth": expected,
            "basic_above": above[:, basic].sum(axis=1), "has": has,
            "rel_growth": np.where(has, rate(tot1 - tot0) - g_area, 0.0),
            "rel_mix": np.where(has, rate(expected) - g_area, 0.0),
            "rel_basic": rate(above[:, basic].sum(axis=1)),
            "rel_near": np.where(rest0 > 0, near, 0.0)}


def _fit(y: np.ndarray, x: np.ndarray, sample: np.ndarray, params: ParameterSet,
         jobs: bool) -> np.ndarray:
    """Least-squares coefficients of ``y`` on the columns of ``x`` over ``sample``. With
    too few kommuner: the published slope on job growth (column 1) and nothing else; when
    the fit finds no positive slope: the published slope, the other coefficients fitted."""
    published = params.value("attractiveness.job_slope_fallback")
    coef = np.zeros(x.shape[1])
    if sample.sum() < params.value("attractiveness.min_kommuner_for_fit"):
        if jobs:
            coef[1] = published
        return coef
    coef, *_ = np.linalg.lstsq(x[sample], y[sample], rcond=None)
    if jobs and not coef[1] > 0:
        rest = np.delete(np.arange(x.shape[1]), 1)
        fixed, *_ = np.linalg.lstsq(x[sample][:, rest], (y - published * x[:, 1])[sample],
                                    rcond=None)
        coef = np.insert(fixed, 1, published)
    return coef


def period_accounts(s: Series, t0: int, t1: int, params: ParameterSet) -> pd.DataFrame:
    """The accounts of every kommune from year index ``t0`` to ``t1`` (module docstring)."""
    p0 = s.population[:, t0]
    change = s.population[:, t1] - p0
    natural = s.natural[:, t0:t1].sum(axis=1)
    expected = s.expected_natural[:, t0:t1].sum(axis=1)
    mig = s.net_migration[:, t0:t1].sum(axis=1)
    alive = p0 > 0
    m_area = mig[alive].sum() / max(p0[alive].sum(), TINY)
    rel_m = np.where(alive, mig / np.where(alive, p0, 1.0) - m_area, 0.0)
    log_p = np.log(np.where(alive, p0, 1.0))
    size = np.where(alive, log_p - log_p[alive].mean(), 0.0)
    out = {"population_start": p0, "change": change, "natural_increase": natural,
           "expected_natural_increase": expected, "net_migration": mig}
    if s.jobs is None:
        x = np.column_stack([np.ones_like(p0), size])
        coef = _fit(rel_m, x, alive, params, jobs=False)
        fitted_structure = x @ coef
        business = np.full_like(p0, np.nan)
        out.update({k: np.full_like(p0, np.nan) for k in (
            "jobs_start", "job_growth", "expected_job_growth", "basic_job_growth_above_mix",
            "job_slope")})
    else:
        j = _job_terms(s.jobs, s.region, t0, t1)
        x = np.column_stack([np.ones_like(p0), j["rel_growth"], size, j["rel_near"]])
        coef = _fit(rel_m, x, alive & j["has"], params, jobs=True)
        structure = x.copy()
        structure[:, 1] = j["rel_mix"]                 # the industry mix's part only
        fitted_structure = structure @ coef
        business = np.round(p0 * coef[1] * j["rel_basic"], DECIMALS)
        out.update({"jobs_start": j["jobs_start"], "job_growth": j["job_growth"],
                    "expected_job_growth": j["expected_job_growth"],
                    "basic_job_growth_above_mix": j["basic_above"],
                    "job_slope": np.full_like(p0, coef[1])})
    eps = np.where(alive, rel_m - x @ coef, 0.0)
    structural = np.round(expected + p0 * (m_area + fitted_structure), DECIMALS)
    residential = np.round(p0 * eps, DECIMALS)
    residual = change - structural - np.nan_to_num(business) - residential
    out.update({"structural": structural, "business": business, "residential": residential,
                "residual": residual})
    return pd.DataFrame(out).assign(kommunenummer=s.codes)


# ----- all periods ----------------------------------------------------------------------------
def periods(years: list[int], window: int) -> list[tuple[int, int]]:
    """Every single year, then every run of ``window`` consecutive years, as (from, to)."""
    single = [(y, y + 1) for y in years if y + 1 in years]
    runs = [(y, y + window) for y in years if y + window in years] if window > 1 else []
    return single + runs


def accounts(s: Series, params: ParameterSet,
             spans: list[tuple[int, int]] | None = None) -> pd.DataFrame:
    """The accounts of ``s`` over ``spans`` (default: ``periods``), in ``COLUMNS``."""
    years = [int(y) for y in s.years]
    if spans is None:
        spans = periods(years, int(params.value("attractiveness.window_years")))
    frames = []
    for y0, y1 in spans:
        t = period_accounts(s, years.index(y0), years.index(y1), params)
        frames.append(t.assign(period=f"{y1 - y0}y", year_from=y0, year_to=y1))
    if not frames:
        return pd.DataFrame(columns=list(COLUMNS))
    out = pd.concat(frames, ignore_index=True)
    p0 = out["population_start"].to_numpy(float)
    per = np.where(p0 > 0, PER * out["residential"] / np.where(p0 > 0, p0, 1.0), np.nan)
    out["residential_per_1000"] = np.round(per, DECIMALS)
    out["rank_residential"] = (out.groupby(["year_from", "year_to"])["residential_per_1000"]
                               .rank(ascending=False, method="min").astype("Int64"))
    return out[list(COLUMNS)]


# ----- from a run ---------------------------------------------------------------------------
def _wide(table: pd.DataFrame, column: str, codes: list[str], years: list[int]) -> np.ndarray:
    t = table.assign(kommunenummer=table["kommunenummer"].astype(str))
    wide = t.pivot(index="kommunenummer", columns="year", values=column)
    return wide.reindex(index=codes, columns=years).astype("float64").to_numpy()


def run_series(result) -> Series:
    """The series of a run (a ``RunResult``: kommuner, age structure, jobs by sector)."""
    from sim.world.landscape import area_table

    kom = result.kommuner
    codes = list(dict.fromkeys(kom["kommunenummer"].astype(str)))
    years = sorted(int(y) for y in kom["year"].unique())
    flows = {c: _wide(kom, c, codes, years) for c in (
        "births", "deaths", "in_domestic", "out_domestic", "immigration", "emigration")}
    births, deaths = flows["births"], flows["deaths"]
    cube = age_cube(result.age_structure, codes, years)
    area_b = np.where(np.isnan(births).all(axis=0), np.nan, np.nansum(births, axis=0))
    area_d = np.where(np.isnan(deaths).all(axis=0), np.nan, np.nansum(deaths, axis=0))
    table = area_table(result.scenario.geography)
    region = table.set_index(table["kommunenummer"].astype(str))["baregion_code"]
    jobs = None
    if getattr(result, "jobs_by_sector", None) is not None:
        t = result.jobs_by_sector.assign(kommunenummer=lambda d: d["kommunenummer"].astype(str))
        index = pd.MultiIndex.from_product([codes, list(SECTORS), years])
        cells = t.set_index(["kommunenummer", "sector", "year"])["jobs"].astype(float)
        jobs = cells.reindex(index, fill_value=0.0).to_numpy().reshape(
            len(codes), len(SECTORS), len(years))
    return Series(codes, years, _wide(kom, "population", codes, years), births - deaths,
                  expected_natural(cube, years, area_b, area_d),
                  flows["in_domestic"] - flows["out_domestic"] + flows["immigration"]
                  - flows["emigration"], region.reindex(codes).to_numpy(), jobs)


def run_accounts(result) -> pd.DataFrame:
    """``attractiveness.csv`` of a run (``RunResult``) with its scenario's parameters."""
    return accounts(run_series(result), ParameterSet(result.scenario.parameters))
