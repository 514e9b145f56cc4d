"""International flows: emigration from Norway and immigration to it.

This module owns the national totals (from the scenario: SSB-style alternatives, explicit
yearly numbers, or the observed series for the backcast), who emigrates (households, by the
age and origin of their oldest member), and who arrives (age, sex, subtype, household and the
kommune they settle in).
"""

from __future__ import annotations

from functools import cache

import numpy as np
import pandas as pd

from sim import data
from sim.households import form_households
from sim.parameters import ParameterSet
from sim.population import Kind, Population, Subtype, chance, stochastic_round

SUBTYPES = {"labour": Subtype.LABOUR, "refugee": Subtype.REFUGEE, "family": Subtype.FAMILY}
ADULT_AGE = 18   # years: SSB counts the displaced from Ukraine as children under 18
# share of boys among the displaced children (SSB 2023: "about equally each sex")
DISPLACED_CHILD_MALE_SHARE = 0.5


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
    nc = data.national_components()
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


def immigration_total(year: int, alternative: str, yearly: dict[int, int] | None,
                      params: ParameterSet) -> float:
    """Persons immigrating during ``year`` under the scenario's choice."""
    if yearly is not None:
        return float(yearly.get(year, 0))
    if alternative == "zero":
        return 0.0
    if alternative == "observed":
        return float(observed_flows().loc[year, "immigration"])
    return params.value(f"immigration.total_{alternative}", year)


def emigration_target(year: int, alternative: str, yearly: dict[int, int] | None
                      ) -> float | None:
    """Persons emigrating during ``year`` when the scenario fixes the total, else None."""
    if yearly is not None:
        return float(yearly.get(year, 0))
    if alternative == "observed":
        return float(observed_flows().loc[year, "emigration"])
    return None


def emigrate(pop: Population, year: int, target_persons: float | None,
             persons_per_agent: int, params: ParameterSet, rng: np.random.Generator,
             stay: np.ndarray | None = None) -> np.ndarray:
    """Mask of persons who emigrate. Households leave together.

    A household's yearly chance is the rate for the age and origin of its oldest member
    (``emigration.rate_native``, ``emigration.rate_immigrant``); for immigrants it falls with
    the years since arrival (``emigration.immigrant_duration_factor``). With a fixed target, the
    rates are scaled so that the expected number of persons leaving equals the target.
    """
    heads = np.flatnonzero(pop.household_heads())
    age = pop.age[heads]
    immigrant = pop.kind[heads] == Kind.IMMIGRANT
    years_here = np.maximum(year - pop.arrival_year[heads], 0)
    rate = np.where(immigrant,
                    params.by_age("emigration.rate_immigrant", age)
                    * params.by_age("emigration.immigrant_duration_factor", years_here),
                    params.by_age("emigration.rate_native", age))
    if stay is not None:                       # immigrants' stay-factors, per head row
        rate = rate * stay[heads]
    if target_persons is not None:
        size = pop.household_sizes()[pop.household[heads]]
        expected = float((rate * size).sum()) * persons_per_agent
        rate = rate * (target_persons / expected if expected > 0 else 0.0)
    leaving = heads[chance(rng, rate)]
    gone = np.zeros(pop.next_household, dtype=bool)
    gone[pop.household[leaving]] = True
    return gone[pop.household]


def _share(x: np.ndarray) -> np.ndarray:
    x = np.maximum(np.asarray(x, dtype=float), 0.0)
    return x / x.sum() if x.sum() > 0 else np.full(len(x), 1.0 / len(x))


def arrival_factors(codes: list[str], params: ParameterSet,
                    place_effect: np.ndarray | None = None) -> np.ndarray:
    """Each kommune's factor on where labour and family immigrants land: the listed factor
    where ``immigration.arrival_factor_by_kommune`` has one (set on where SSB counts the
    arrivals), else the kommune's calibrated ``place_effect`` as immigrants weigh it
    (``immigration.place_effect_weight``: what draws or keeps domestic movers beyond the
    model's named terms draws immigrants too), or 1 without one."""
    listed = params.by_kommune("immigration.arrival_factor_by_kommune", codes, np.nan)
    weight = params.value("immigration.place_effect_weight")
    own = np.ones(len(codes)) if place_effect is None else np.exp(weight * place_effect)
    return np.where(np.isnan(listed), own, listed)


def settlement_weights(pop: Population, n_kommuner: int, params: ParameterSet,
                       vacancies: np.ndarray | None = None,
                       refugee_key: np.ndarray | None = None,
                       arrival_factor: np.ndarray | None = None) -> dict[Subtype, np.ndarray]:
    """Where each subtype of immigrant settles, as probabilities over kommuner.

    Labour immigrants go where the vacancies are (``immigration.vacancy_weight``) and
    otherwise where earlier immigrants live; family immigrants join the immigrant stock
    (``immigration.network_weight`` mixes stock with population); both are weighted by each
    kommune's ``arrival_factor`` (``arrival_factors``: the capital draws more first arrivals
    than its jobs and immigrants alone explain). Refugees are settled by a
    settlement key — by default population to the power ``immigration.refugee_size_elasticity``
    (IMDi settles refugees all over the country, small kommuner more per inhabitant than big
    ones), or the key a scenario gives.
    """
    total = _share(pop.count_by_kommune(n_kommuner))
    stock = _share(pop.count_by_kommune(n_kommuner, pop.kind == Kind.IMMIGRANT))
    w = params.value("immigration.network_weight")
    by_stock = w * stock + (1 - w) * total
    labour = by_stock
    if vacancies is not None and vacancies.sum() > 0:
        v = params.value("immigration.vacancy_weight")
        labour = v * _share(vacancies) + (1 - v) * by_stock
    if arrival_factor is not None:
        by_stock, labour = _share(by_stock * arrival_factor), _share(labour * arrival_factor)
    if refugee_key is None:      # the settlement key: dispersed, small kommuner take more
        size = pop.count_by_kommune(n_kommuner).astype(float)
        refugees = _share(size ** params.value("immigration.refugee_size_elasticity"))
    else:
        refugees = _share(refugee_key)
    return {Subtype.LABOUR: labour, Subtype.FAMILY: by_stock, Subtype.REFUGEE: refugees}


def _arrival_ages(n: int, params: ParameterSet, rng: np.random.Generator,
                  youngest: int = 0) -> np.ndarray:
    """Ages from ``immigration.age_distribution``; with ``youngest``, only its ages from there
    on (a band across it keeps the share of its ages at or above it)."""
    bands = [(int(k.split("-")[0]), int(k.split("-")[1]), float(v))
             for k, v in params.value("immigration.age_distribution").items()]
    lo = np.array([max(a, youngest) for a, _, _ in bands])
    hi = np.array([b for _, b, _ in bands])
    shares = np.array([v * max(b - max(a, youngest) + 1, 0) / (b - a + 1) for a, b, v in bands])
    g = rng.choice(len(bands), size=n, p=shares / shares.sum())
    return (lo[g] + np.floor(rng.random(n) * (hi[g] - lo[g] + 1))).astype(np.int16)


def displaced_ages_and_sexes(age: np.ndarray, sex: np.ndarray, displaced: np.ndarray,
                             params: ParameterSet, rng: np.random.Generator) -> None:
    """Redraw the age and sex of people displaced from Ukraine (in place): a third children
    (``immigration.displaced_child_share``, half of them boys), adults mostly women."""
    rows = np.flatnonzero(displaced)
    child = rng.random(len(rows)) < params.value("immigration.displaced_child_share")
    age[rows[child]] = rng.integers(0, ADULT_AGE, child.sum())
    age[rows[~child]] = _arrival_ages(int((~child).sum()), params, rng, youngest=ADULT_AGE)
    male = np.where(child, DISPLACED_CHILD_MALE_SHARE,
                    params.value("immigration.displaced_adult_male_share"))
    sex[rows] = (rng.random(len(rows)) < male).astype(sex.dtype)


def subtype_shares(year: int, alternative: str, params: ParameterSet) -> dict[str, float]:
    """Shares of arrivals by reason. The backcast (``observed``) follows the observed share
    of refugees each year (``immigration.refugee_share_observed``: the waves of 2015–2016
    and 2022–2024 were settled all over the country); labour and family immigrants keep
    their relative shares. Projections use the long-run mix."""
    shares = {k: float(v) for k, v in params.value("immigration.subtype_shares").items()}
    if alternative != "observed":
        return shares
    refugee = params.value("immigration.refugee_share_observed", year)
    rest = sum(v for k, v in shares.items() if k != "refugee")
    return {k: (refugee if k == "refugee" else (1 - refugee) * v / rest)
            for k, v in shares.items()}


def arrive(pop: Population, year: int, total_persons: float, persons_per_agent: int,
           weights: dict[Subtype, np.ndarray] | None, params: ParameterSet,
           rng: np.random.Generator, shares: dict[str, float] | None = None) -> np.ndarray:
    """Add immigrant agents for ``total_persons`` arrivals; returns their rows.

    Each arrival gets a subtype (``immigration.subtype_shares``), an age
    (``immigration.age_distribution``) and a sex; refugees displaced from Ukraine (from 2022,
    ``immigration.displaced_share_of_refugees``) have their own mix of ages and sexes.
    Arrivals of one subtype in one kommune form households together; children arrive with a
    parent.
    """
    n = int(stochastic_round(np.array([total_persons / persons_per_agent]), rng)[0])
    if n == 0 or weights is None:
        return np.empty(0, dtype=np.int64)
    shares = shares or params.value("immigration.subtype_shares")
    names = list(shares)
    p = np.array([float(shares[k]) for k in names])
    subtype = np.array([SUBTYPES[k] for k in names], np.int8)[
        rng.choice(len(names), size=n, p=p / p.sum())]
    age = _arrival_ages(n, params, rng)
    sex = (rng.random(n) < params.value("immigration.male_share")).astype(np.int8)
    displaced_share = params.value("immigration.displaced_share_of_refugees", year)
    if displaced_share > 0:      # (no draw otherwise: the years before 2022 stay as they were)
        displaced = (subtype == Subtype.REFUGEE) & (rng.random(n) < displaced_share)
        displaced_ages_and_sexes(age, sex, displaced, params, rng)
    household = form_households(subtype.astype(np.int64), age, sex,
                                pop.new_household_ids(n), rng, params)
    # a household settles in one kommune, drawn by its subtype's settlement weights
    kommune = np.empty(n, np.int16)
    for st in np.unique(subtype):
        idx = np.flatnonzero(subtype == st)
        ids, inverse = np.unique(household[idx], return_inverse=True)
        w = weights[Subtype(st)]
        kommune[idx] = rng.choice(len(w), size=len(ids), p=w)[inverse]
    return pop.append(
        kommune=kommune, home=np.full(n, -1, np.int16), age=age, sex=sex,
        kind=np.full(n, Kind.IMMIGRANT, np.int8), subtype=subtype, household=household,
        arrival_year=np.full(n, year, np.int16),
    )
