"""The attractiveness accounts of observed history 2006–2026, and the backcast's next to them.

This module owns the observed accounts and their comparison with a backcast. The method is
the run folder's (``sim.output.attractiveness``), but the data pack limits it:

* no births or deaths by kommune: the natural increase is the expected one, Norway's births
  and deaths of each year (SSB/HMD, ``sim.data.national_components``) shared out by each
  kommune's age and sex structure weighted by the national rates, and net migration is the
  change less it;
* the age structure is embedded for 2006, 2015, 2016, 2025 and 2026 only: the years between
  are interpolated linearly, cell by cell (APPROXIMATION: the structure changes slowly; it
  only weights the national births and deaths);
* 2025's births and deaths are not in the pack: 2024's are used (APPROXIMATION, as
  ``sim.data.observed_flows`` does for 2025's net immigration);
* no employment by kommune: no job growth, so no business part (NaN), and the residential
  part is net migration above what size alone predicts (m = a + c·size + ε), the job-driven
  migration included.

``backcast_comparison`` sets a backcast's accounts for one period beside the observed ones:
its residential part per inhabitant with the model's own births, deaths and jobs, and by the
observed method (population only, ``Series.population_only``), both against the observed.
"""

from __future__ import annotations

import math
from functools import cache

import numpy as np
import pandas as pd

from sim import data
from sim.output.attractiveness import Series, accounts, age_cube, expected_natural, run_series
from sim.parameters import ParameterSet
from sim.validation.uncertainty import pearson

SPAN = (2011, 2018)      # the period docs/validation.md compares (1 January to 1 January)


def _interpolated(cube: np.ndarray, known: list[int], years: list[int]) -> np.ndarray:
    """[year, ...] of ``years`` from the cube of the ``known`` years, linear between them
    (flat beyond the ends)."""
    out = np.empty((len(years), *cube.shape[1:]))
    for i, y in enumerate(years):
        j = int(np.searchsorted(known, y))
        if j < len(known) and known[j] == y:
            out[i] = cube[j]
        elif j == 0 or j == len(known):
            out[i] = cube[min(j, len(known) - 1)]
        else:
            w = (y - known[j - 1]) / (known[j] - known[j - 1])
            out[i] = (1 - w) * cube[j - 1] + w * cube[j]
    return out


def _national_natural(years: list[int]) -> tuple[np.ndarray, np.ndarray]:
    """Norway's births and deaths of each year (NaN for the last, a stock-only year); a year
    missing from the pack takes the latest earlier one."""
    nc = data.national_components()[["births", "deaths"]].dropna()
    births, deaths = np.full(len(years), np.nan), np.full(len(years), np.nan)
    for i, y in enumerate(years[:-1]):
        row = nc.loc[max(nc.index[nc.index <= y], default=nc.index.min())]
        births[i], deaths[i] = row["births"], row["deaths"]
    return births, deaths


@cache
def observed_series() -> Series:
    """Observed population 2006–2026 as the accounts' series (population only)."""
    pop = data.population_by_year()
    codes = data.kommuner()["kommunenummer"].astype(str).tolist()
    years = sorted(int(y) for y in pop["year"].unique())
    wide = pop.pivot(index="kommunenummer", columns="year", values="population")
    population = wide.reindex(index=codes, columns=years).to_numpy(float)
    ages = data.population_by_age()
    known = sorted(int(y) for y in ages["year"].unique())
    cube = _interpolated(age_cube(ages, codes, known, value="population"), known, years)
    expected = expected_natural(cube, years, *_national_natural(years))
    region = data.kommuner()["baregion_code"].to_numpy()
    nothing = np.full_like(population, np.nan)
    return Series(codes, years, population, nothing, expected, nothing, region).population_only()


def observed_accounts(spans: list[tuple[int, int]] | None = None,
                      params: ParameterSet | None = None) -> pd.DataFrame:
    """The observed accounts (``sim.output.attractiveness.COLUMNS``; business NaN) over
    ``spans`` (default: every year and every three-year run, as a run folder's)."""
    return accounts(observed_series(), params or ParameterSet(), spans)


def _per_1000(table: pd.DataFrame, column: str) -> pd.Series:
    p0 = table["population_start"].astype(float)
    return (1000.0 * table[column] / p0.where(p0 > 0)).set_axis(
        table["kommunenummer"].astype(str).to_numpy())


def _mean_over_runs(tables: list[pd.DataFrame], column: str) -> pd.Series:
    return pd.concat([_per_1000(t, column) for t in tables], axis=1).mean(axis=1)


def backcast_comparison(results: list, span: tuple[int, int] = SPAN) -> dict:
    """A backcast's accounts over ``span`` (mean over the runs ``results``, each a
    ``RunResult`` or a run folder read as one) against the observed: Pearson r over kommuner
    of the residential part per 1,000 inhabitants and of net migration per 1,000; and, as a
    naive reference, the observed residential part of the years before ``span`` carried
    forward."""
    params = ParameterSet(results[0].scenario.parameters)
    first = int(data.population_by_year()["year"].min())
    before = (first, span[0]) if span[0] > first else None
    obs = observed_accounts([span, *([before] if before else [])], params)
    earlier = _per_1000(obs[obs["year_to"] == span[0]], "residential") if before else None
    obs = obs[obs["year_from"] == span[0]]
    full = [accounts(run_series(r), params, [span]) for r in results]
    same = [accounts(run_series(r).population_only(), params, [span]) for r in results]
    o_res = _per_1000(obs, "residential")
    m_full, m_same = _mean_over_runs(full, "residential"), _mean_over_runs(same, "residential")
    m_mig, o_mig = _mean_over_runs(full, "net_migration"), _per_1000(obs, "net_migration")
    nat = _mean_over_runs(full, "natural_increase")
    exp_nat = _mean_over_runs(full, "expected_natural_increase")
    return {
        "span": list(span), "runs": len(results),
        "persons_per_agent": int(results[0].scenario.persons_per_agent),
        "r_residential_model_method": pearson(m_full, o_res),
        "r_residential_observed_method": pearson(m_same, o_res),
        "r_residential_rank": _spearman(m_same, o_res),
        "r_net_migration": pearson(m_mig, o_mig),
        "r_methods_in_model": pearson(m_full, m_same),
        "r_expected_natural_in_model": pearson(exp_nat, nat),
        "r_persistence": pearson(earlier, o_res) if before else math.nan,
        "persistence_span": list(before) if before else None,
        "job_slope": float(np.mean([t["job_slope"].iloc[0] for t in full])),
        "sd_residential": {"observed": float(o_res.std()), "model": float(m_same.std())},
        "top": _top(o_res, m_same),
    }


def _spearman(a: pd.Series, b: pd.Series) -> float:
    both = pd.concat([a, b], axis=1).dropna()
    if len(both) < 2:
        return math.nan
    return pearson(both.iloc[:, 0].rank(), both.iloc[:, 1].rank())


def _top(obs: pd.Series, model: pd.Series, n: int = 5) -> list[dict]:
    """The observed ``n`` most attractive kommuner (per inhabitant) and the model's rank."""
    names = data.kommuner().set_index("kommunenummer")["name"]
    model_rank = model.rank(ascending=False, method="min")
    return [{"kommune": f"{code} {names.get(code, '')}", "observed": round(float(v), 1),
             "model_rank": int(model_rank.get(code, 0))}
            for code, v in obs.sort_values(ascending=False).head(n).items()]


def markdown(m: dict) -> list[str]:
    """The comparison as a table for docs/validation.md."""
    y0, y1 = m["span"]
    rows = [
        ("residential attractiveness per 1,000, model's own births, deaths and jobs",
         m["r_residential_model_method"]),
        ("residential attractiveness per 1,000, observed method (population only)",
         m["r_residential_observed_method"]),
        ("the same, rank correlation (Spearman)", m["r_residential_rank"]),
        ("net migration per 1,000 (model's own against observed estimate)",
         m["r_net_migration"]),
        ("in the model: residential part by its own data against by the observed method",
         m["r_methods_in_model"]),
        ("in the model: expected against its own natural increase per 1,000",
         m["r_expected_natural_in_model"]),
    ]
    if m["persistence_span"]:
        a, b = m["persistence_span"]
        rows.append((f"reference: the observed residential part per 1,000 of {a}→{b} "
                     "carried forward", m["r_persistence"]))
    out = [f"| {y0}→{y1}, {m['runs']} runs at {m['persons_per_agent']} persons per agent "
           "| r over kommuner |", "|---|---|"]
    out += [f"| {label} | {value:.3f} |" for label, value in rows]
    sd = m["sd_residential"]
    out += ["", f"Spread of the residential part per 1,000 over kommuner: observed "
            f"{sd['observed']:.1f}, model {sd['model']:.1f} (mean of the runs); the model's "
            f"slope on job growth {m['job_slope']:.3f}.", "",
            "| observed most attractive | observed per 1,000 | model's rank |", "|---|---|---|"]
    out += [f"| {t['kommune']} | {t['observed']:+.1f} | {t['model_rank']} |" for t in m["top"]]
    return out
