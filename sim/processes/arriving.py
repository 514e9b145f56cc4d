"""Arriving: births, ageing and immigration, the year's inflows to the person table (step 5).

Births follow age-specific fertility (HFD) with the shape of
``demography.fertility_shape_year`` scaled to the scenario's total fertility rate; a child is
born into its mother's household, kommune and tenure. Everyone alive on 31 December is a year
older on 1 January. Immigrants arrive in the national total of the scenario (SSB-style
alternatives, explicit yearly numbers, or the observed series for the backcast), each with a
subtype, age, sex and household, and settle where their subtype's weights send them: labour
immigrants where the vacancies are, family immigrants where earlier immigrants live, refugees
by the settlement key.
"""

from __future__ import annotations

import numpy as np

from sim import data
from sim.parameters import ParameterSet
from sim.processes import into_focus
from sim.world.households import form_households
from sim.world.population import Kind, Population, Subtype, stochastic_round
from sim.world.rows import age_values_of
from sim.world.scale import FOCUS_PERSONS_PER_AGENT, Scale

SUBTYPES = {"labour": Subtype.LABOUR, "refugee": Subtype.REFUGEE, "family": Subtype.FAMILY}
ADULT_AGE = 18   # years: SSB counts the displaced from Ukraine as children under 18
# share of boys among the displaced children (SSB 2023: "about equally each sex")
DISPLACED_CHILD_MALE_SHARE = 0.5


def run_year(pop: Population, year: int, tfr: float, alternative: str,
             yearly: dict[int, int] | None, area_share: float, scale: Scale,
             vacancies: np.ndarray, refugee_key: np.ndarray | None,
             arrival_factor: np.ndarray, n_kommuner: int, params: ParameterSet,
             rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Immigrants and births of the year, per kommune (agents). ``alternative`` and
    ``yearly`` are the scenario's immigration; mothers are those alive after deaths."""
    mothers = births(pop, year, tfr, params, rng)
    total_in = immigration_total(year, alternative, yearly, params)
    weights = settlement_weights(pop, n_kommuner, params, vacancies,
                                 refugee_key=refugee_key, arrival_factor=arrival_factor,
                                 scale=scale)
    age_one_year(pop)
    if yearly is None:
        total_in *= area_share        # national totals, scaled to the area
    shares = subtype_shares(year, alternative, params)
    if scale.focused and weights is not None:     # the focus area's part at one per person
        arrived = arrive_split(pop, year, total_in, scale, weights, params, rng, shares)
    else:
        arrived = arrive(pop, year, total_in, scale.coarse, weights, params, rng, shares)
    born = add_newborns(pop, mothers, params, rng)
    return (np.bincount(pop.kommune[arrived], minlength=n_kommuner),
            np.bincount(pop.kommune[born], minlength=n_kommuner))


def total_fertility(year: int, scenario_tfr: float | dict[int, float] | None,
                    params: ParameterSet) -> float:
    """Total fertility rate in ``year``: the scenario's value (one number, or a path by year
    interpolated between its years) or the parameter path."""
    if scenario_tfr is None:
        return params.value("demography.fertility_tfr", year)
    if isinstance(scenario_tfr, dict):
        years = sorted(scenario_tfr)
        return float(np.interp(year, years, [scenario_tfr[y] for y in years]))
    return float(scenario_tfr)


def fertility_rates(year: int, tfr: float, params: ParameterSet) -> np.ndarray:
    """Births per woman during the year by her age on 1 January, summing to ``tfr``.

    A woman aged x on 1 January is x for half the year and x+1 for the other half, so her
    rate is the mean of the single-age rates at x and x+1.
    """
    shape_year = year if year <= int(data.fertility_by_age()["year"].max()) else int(
        params.value("demography.fertility_shape_year"))
    shape = data.asfr_table(shape_year)
    shape = shape / shape.sum()
    mid = 0.5 * (shape + np.append(shape[1:], 0.0))
    return tfr * mid / mid.sum()


def births(pop: Population, year: int, tfr: float, params: ParameterSet,
           rng: np.random.Generator) -> np.ndarray:
    """Rows of the mothers who give birth during ``year`` (one child per birth).

    Each agent stands for ``persons_per_agent`` people, so one mother agent giving birth
    means that many births: the rates are the same at every scale.
    """
    rates = fertility_rates(year, tfr, params)
    women = np.flatnonzero(pop.sex == 0)
    p = age_values_of(women, pop.age, np.ascontiguousarray(rates[:data.MAX_AGE + 1]))
    return women[rng.random(len(women)) < p]


def add_newborns(pop: Population, mothers: np.ndarray, params: ParameterSet,
                 rng: np.random.Generator) -> np.ndarray:
    """Add one child aged 0 per mother row, in the mother's household and kommune."""
    n = len(mothers)
    male_share = params.value("demography.male_share_at_birth")
    kommune = pop.kommune[mothers]
    return pop.append(
        as_youngest=True,                  # the mother and the head are older
        kommune=kommune,
        home=kommune,
        age=np.zeros(n, np.int16),
        sex=(rng.random(n) < male_share).astype(np.int8),
        kind=np.full(n, Kind.RESIDENT, np.int8),
        subtype=np.full(n, Subtype.NONE, np.int8),
        household=pop.household[mothers],
        owner=pop.owner[mothers],          # born into the household's tenure
        arrival_year=np.zeros(n, np.int16),
    )


def age_one_year(pop: Population) -> None:
    """Everyone alive on 31 December is one year older on 1 January."""
    pop.cols["age"] += 1


def immigration_total(year: int, alternative: str, yearly: dict[int, int] | None,
                      params: ParameterSet) -> float:
    """Persons immigrating during ``year`` under the scenario's choice."""
    if yearly is not None:
        return float(yearly.get(year, 0))
    if alternative == "zero":
        return 0.0
    if alternative == "observed":
        return float(data.observed_flows().loc[year, "immigration"])
    return params.value(f"immigration.total_{alternative}", year)


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
                       arrival_factor: np.ndarray | None = None,
                       scale: Scale | None = None) -> dict[Subtype, np.ndarray]:
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
    def counts(c=None):                # comparable between kommuner (``sim.world.scale``)
        c = pop.count_by_kommune(n_kommuner) if c is None else c
        return c if scale is None else scale.relative(c)

    total = _share(counts())
    stock = _share(counts(pop.count_between(n_kommuner, "kind", Kind.IMMIGRANT,
                                            Kind.IMMIGRANT)))
    w = params.value("immigration.network_weight")
    by_stock = w * stock + (1 - w) * total
    labour = by_stock
    if vacancies is not None and vacancies.sum() > 0:
        v = params.value("immigration.vacancy_weight")
        labour = v * _share(vacancies) + (1 - v) * by_stock
    if arrival_factor is not None:
        by_stock, labour = _share(by_stock * arrival_factor), _share(labour * arrival_factor)
    if refugee_key is None:      # the settlement key: dispersed, small kommuner take more
        size = counts().astype(float)
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


def male_shares(subtype: np.ndarray, age: np.ndarray, year: int,
                params: ParameterSet) -> np.ndarray:
    """Per arrival, the chance to be a man: adults by their reason for coming
    (``immigration.male_share``, a yearly path per subtype), children as at birth."""
    p = params["immigration.male_share"]
    by_subtype = np.zeros(max(SUBTYPES.values()) + 1)
    for name, path in p.values.items():       # each subtype's path read as a parameter's
        by_subtype[SUBTYPES[name]] = p.with_values(path).at(year)
    return np.where(age >= ADULT_AGE, by_subtype[subtype],
                    params.value("demography.male_share_at_birth"))


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


def arrive_split(pop: Population, year: int, total_persons: float, scale: Scale,
                 weights: dict[Subtype, np.ndarray], params: ParameterSet,
                 rng: np.random.Generator, shares: dict[str, float] | None) -> np.ndarray:
    """``arrive`` with a focus: of each subtype, the part its settlement weights send into the
    focus area arrives there at one agent per person, the rest at the coarse scale
    (``sim.processes.into_focus``); returns the rows of both."""
    shares = shares or params.value("immigration.subtype_shares")
    inside_share, inside, outside = into_focus.split_weights(weights, scale.in_focus)
    total = sum(float(s) for s in shares.values())
    outside_share = {st: 1.0 - f for st, f in inside_share.items()}
    arrived = []
    for persons_per_agent, part, w in ((FOCUS_PERSONS_PER_AGENT, inside_share, inside),
                                       (scale.coarse, outside_share, outside)):
        own = {name: float(s) * part[SUBTYPES[name]] for name, s in shares.items()}
        persons = total_persons * sum(own.values()) / total
        arrived.append(arrive(pop, year, persons, persons_per_agent, w, params, rng, own))
    return np.concatenate(arrived)


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
    sex = (rng.random(n) < male_shares(subtype, age, year, params)).astype(np.int8)
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
