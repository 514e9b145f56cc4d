"""Each behavioural mechanism moves outcomes the right way in a small controlled setting.

The issue's "done when": a kommune that gains jobs gains people; a price spike pushes renters
out; ties hold people; a school closure lowers the pull of a place; an owner is less likely to
leave than a renter; immigrants who work or own are less likely to emigrate or move on; labour
immigrants go where the vacancies are.

Every test is a controlled experiment on a small made-up landscape (a city, a town and three
villages, each village its own commuting region; one agent per person, about 52,500 people):
two models are built from the same scenario and seed, so they start identical; one of them
gets the intervention (more jobs, a price spike, no ties, closed schools, a change of tenure
or work for a random half of a group); both run a few years and the outcome is compared.
Results are pooled over a few seeds and each seed must also point the right way, so a test
only passes when the mechanism works, not by chance. Runs are deterministic (seeded) and
cached, so the file takes well under a minute.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

import numpy as np
import pandas as pd

from sim.model import SettlementModel
from sim.processes import choice, destinations, moves, newcomers
from sim.processes.jobs import BASIC, S
from sim.scenario.schema import Scenario
from sim.world.population import Kind, Subtype

SEEDS = (1, 2, 3)
MORE_SEEDS = tuple(range(1, 19))   # for the immigrants' stay-factors: small groups, rare events
YEARS = 4
START = 2026


def _place_view(model: SettlementModel) -> choice.PlaceView:
    """What movers see of every kommune in the model's current year (no policy in force)."""
    return destinations.place_view(model.population, model.labour, model.housing, model.places,
                                   model.hooks.terms, model.reach, model.geo.codes,
                                   model.scale, model.params)


def _kommune(code: str, name: str, population: int, centrality: int, region: int,
             lat: float, lon: float, area_km2: float, age_profile: str = "balanced") -> dict:
    return {"kommunenummer": code, "name": name, "population": population,
            "centrality": centrality, "region": region, "lat": lat, "lon": lon,
            "area_km2": area_km2, "age_profile": age_profile}


# A city, a regional town with several schools, and three alike villages; each village is its
# own commuting region, so jobs added there are jobs in its own labour market.
LANDSCAPE = {"kind": "landscape", "kommuner": [
    _kommune("C1", "Elvby", 30_000, 2, 1, 63.43, 10.40, 300, "young"),
    _kommune("T2", "Fjordvik", 15_000, 4, 2, 63.95, 11.50, 900),
    _kommune("V3", "Lia", 2_500, 6, 3, 63.00, 11.00, 800, "old"),
    _kommune("V4", "Nesøy", 2_500, 6, 4, 63.80, 9.60, 800, "old"),
    _kommune("V5", "Skogbygd", 2_500, 6, 5, 64.30, 10.90, 800, "old"),
]}
TOWN, VILLAGE = "T2", "V3"


def scenario(seed: int, immigration: str = "main", parameters: dict | None = None
             ) -> Scenario:
    return Scenario(name="mechanisms", start_year=START, end_year=START + YEARS, seed=seed,
                    persons_per_agent=1, geography=LANDSCAPE,
                    immigration={"alternative": immigration}, parameters=parameters or {})


# ----- a run that remembers who moved -------------------------------------------------------
class Trace:
    """A model run that keeps, per simulated year, every person alive on 1 January with their
    state then and where they were at the end of the year (``people``), the immigrants who
    arrived (``arrivals``) and each kommune's accounts (``accounts``). Only the model's public
    columns and ``step()`` are used, so the tests do not depend on its internals. ``close()``
    keeps the end state the tests read and lets the model go (runs are cached)."""

    def __init__(self, model: SettlementModel) -> None:
        self.model: SettlementModel | None = model
        self.seed = model.spec.seed
        self.codes = list(model.geo.codes)
        self.start = self._persons()
        self._people: list[pd.DataFrame] = []
        self._arrivals: list[pd.DataFrame] = []
        self._accounts: list[pd.DataFrame] = []

    def index(self, code: str) -> int:
        return self.codes.index(code)

    def _persons(self) -> pd.DataFrame:
        """The person table now, with the household facts the tests group by."""
        m = self.model
        pop = m.population
        child = pop.age <= m.params.value("households.child_max_age")
        family = np.zeros(pop.next_household, dtype=bool)
        family[pop.household[child]] = True
        return pd.DataFrame({
            "pid": pop.pid.copy(), "household": pop.household.copy(),
            "kommune": pop.kommune.astype(np.int16), "age": pop.age.astype(np.int16),
            "owner": pop.owner.astype(bool), "employed": pop.employed.astype(bool),
            "kind": pop.kind.astype(np.int8), "subtype": pop.subtype.astype(np.int8),
            "head": pop.household_heads().copy(), "family": family[pop.household],
        })

    def step(self) -> None:
        m = self.model
        year, first_new_pid = m.year, m.population.next_pid
        before = self._persons()
        m.step()
        pop = m.population
        pids = before["pid"].to_numpy()
        pos = np.minimum(np.searchsorted(pop.pid, pids), len(pop) - 1)
        here = pop.pid[pos] == pids                  # pids are sorted with the rows
        where = np.where(here, pop.kommune[pos], -1)
        before["year"] = np.int16(year)
        before["gone"] = ~here                       # died or emigrated during the year
        before["moved"] = here & (where != before["kommune"].to_numpy())
        before["dest"] = where.astype(np.int16)
        self._people.append(before)
        new = (pop.pid >= first_new_pid) & (pop.kind == Kind.IMMIGRANT)
        self._arrivals.append(pd.DataFrame({"year": year, "kommune": pop.kommune[new],
                                            "subtype": pop.subtype[new]}))
        self._accounts.append(pd.DataFrame([
            {"year": year, "kommune": k.kommunenummer, "population": k.population,
             "in_domestic": k.in_domestic, "out_domestic": k.out_domestic}
            for k in m.kommune_agents]))

    def close(self) -> None:
        m = self.model
        pop = m.population
        self.final = pd.DataFrame({
            "population": [k.population for k in m.kommune_agents],
            "employed": np.bincount(pop.kommune[pop.employed == 1], minlength=len(self.codes)),
        }, index=self.codes)
        self.moves_by_reason = m.records.tables()["moves_by_reason"]
        self.model = None

    @property
    def people(self) -> pd.DataFrame:
        return pd.concat(self._people, ignore_index=True)

    @property
    def arrivals(self) -> pd.DataFrame:
        return pd.concat(self._arrivals, ignore_index=True)

    @property
    def accounts(self) -> pd.DataFrame:
        return pd.concat(self._accounts, ignore_index=True)

    def net_domestic(self, code: str) -> int:
        """Persons moving into ``code`` from other kommuner minus those moving out, all years
        (the model's own accounts)."""
        a = self.accounts
        a = a[a["kommune"] == code]
        return int(a["in_domestic"].sum() - a["out_domestic"].sum())

    def population(self, code: str) -> int:
        """Population of ``code`` on 1 January after the last simulated year."""
        return int(self.final.loc[code, "population"])

    def came_for(self, code: str, reason: str) -> int:
        """Persons who moved into ``code`` with ``reason`` as the deciding term, all years."""
        m = self.moves_by_reason
        return int(m.loc[(m["kommunenummer"] == code) & (m["direction"] == "in")
                         & (m["reason"] == reason), "persons"].sum())


Change = Callable[[SettlementModel, pd.DataFrame], None]


def run(seed: int, immigration: str = "main", change: Change | None = None,
        years: int = YEARS, parameters: dict | None = None) -> Trace:
    model = SettlementModel(scenario(seed, immigration, parameters))
    trace = Trace(model)
    if change is not None:
        change(model, trace.start)
    for _ in range(years):
        trace.step()
    trace.close()
    return trace


# ----- interventions ------------------------------------------------------------------------
def half_of_households(start: pd.DataFrame, heads: pd.Series, seed: int) -> np.ndarray:
    """Household ids of a random half (fixed by ``seed``, not the model's generator) of the
    households whose head matches ``heads``."""
    ids = np.unique(start.loc[heads & start["head"], "household"].to_numpy())
    return ids[np.random.default_rng([seed, 2026]).random(len(ids)) < 0.5]


def working_age(start: pd.DataFrame) -> pd.Series:
    return start["age"].between(25, 59)


def renter_group(start: pd.DataFrame, seed: int) -> np.ndarray:
    return half_of_households(start, ~start["owner"] & working_age(start), seed)


def immigrant_renter_group(start: pd.DataFrame, seed: int) -> np.ndarray:
    immigrant = start["kind"] == Kind.IMMIGRANT
    return half_of_households(start, immigrant & ~start["owner"] & working_age(start), seed)


def immigrant_jobless_group(start: pd.DataFrame, seed: int) -> np.ndarray:
    immigrant = start["kind"] == Kind.IMMIGRANT
    return half_of_households(start, immigrant & ~start["employed"] & working_age(start), seed)


def add_jobs(model: SettlementModel, start: pd.DataFrame) -> None:
    """Triple the jobs of the village's basic-sector firms (these follow a national trend,
    not local demand, so the new jobs stay)."""
    lab = model.labour
    basic = np.isin(lab.firm_sector, [S[s] for s in BASIC])
    lab.firm_jobs[(lab.firm_kommune == model.geo.index(VILLAGE)) & basic] *= 3.0


def price_spike(model: SettlementModel, start: pd.DataFrame) -> None:
    """Rents and prices in the town double overnight."""
    k = model.geo.index(TOWN)
    model.housing.rent[k] *= 2.0
    model.housing.price[k] *= 2.0


def cut_ties(model: SettlementModel, start: pd.DataFrame) -> None:
    """Everyone living in the village loses their social ties."""
    pop = model.population
    pop.ties[pop.kommune == model.geo.index(VILLAGE)] = -1


def close_schools(model: SettlementModel, start: pd.DataFrame) -> None:
    """The town closes all schools but one."""
    model.places.schools[model.geo.index(TOWN)] = 1.0


def owners_of(group: Callable[[pd.DataFrame, int], np.ndarray]) -> Change:
    """The households of ``group`` become owners."""
    def change(model: SettlementModel, start: pd.DataFrame) -> None:
        pop = model.population
        pop.owner[np.isin(pop.household, group(start, model.spec.seed))] = 1
    return change


def employ(model: SettlementModel, start: pd.DataFrame) -> None:
    """Jobless working-age members of ``immigrant_jobless_group`` get a job in manufacturing
    in their kommune (and the firm gets the job, so nobody is laid off to make room)."""
    pop, lab = model.population, model.labour
    rows = np.flatnonzero(np.isin(pop.household, immigrant_jobless_group(start, model.spec.seed))
                          & (pop.employed == 0) & (pop.age >= 25) & (pop.age <= 59))
    pop.employed[rows] = 1
    pop.sector[rows] = S["manufacturing"]
    for k, n in zip(*np.unique(pop.kommune[rows], return_counts=True), strict=True):
        firm = np.flatnonzero((lab.firm_kommune == k) & (lab.firm_sector == S["manufacturing"])
                              & ~lab.cornerstone)[0]
        lab.change_firm_jobs(int(firm), float(n))


# name: (change, immigration alternative, years the treated run needs, seeds)
CHANGES: dict[str, tuple[Change, str, int, tuple[int, ...]]] = {
    "jobs": (add_jobs, "main", YEARS, SEEDS),
    "jobs, no immigration": (add_jobs, "zero", YEARS, SEEDS),
    "price spike": (price_spike, "main", 2, SEEDS),
    "no ties": (cut_ties, "main", 1, SEEDS),
    "schools closed": (close_schools, "main", YEARS, SEEDS),
    "owners": (owners_of(renter_group), "main", 2, SEEDS),
    "immigrant owners": (owners_of(immigrant_renter_group), "main", 2, MORE_SEEDS),
    "immigrants employed": (employ, "main", 2, MORE_SEEDS),
}


@cache
def control(seed: int, immigration: str = "main") -> Trace:
    return run(seed, immigration)


@cache
def treated(name: str, seed: int) -> Trace:
    change, immigration, years, _ = CHANGES[name]
    return run(seed, immigration, change, years)


def pairs(name: str) -> list[tuple[Trace, Trace]]:
    """(control, treated) for every seed of the experiment."""
    _, immigration, _, seeds = CHANGES[name]
    return [(control(s, immigration), treated(name, s)) for s in seeds]


def rate(people: pd.DataFrame, mask: pd.Series, outcome: str = "moved") -> tuple[int, int]:
    """(events, persons at risk) of ``outcome`` (a boolean column) among ``mask``."""
    return int(people.loc[mask, outcome].sum()), int(mask.sum())


def pooled(counts: list[tuple[int, int]]) -> float:
    events, at_risk = np.sum(counts, axis=0)
    return events / at_risk


# ----- jobs ---------------------------------------------------------------------------------
def test_a_kommune_that_gains_jobs_gains_people():
    """A village whose firms triple their basic-sector jobs has clearly more people after four
    years than the same village without the jobs, in every seed, and more of its residents
    work: the policy analyst's "create jobs and people come" holds, with immigration on."""
    for ctl, trt in pairs("jobs"):
        assert trt.population(VILLAGE) > ctl.population(VILLAGE) + 0.05 * 2_500, (
            ctl.seed, ctl.population(VILLAGE), trt.population(VILLAGE))
        employed = [int(t.final.loc[VILLAGE, "employed"]) for t in (ctl, trt)]
        assert employed[1] > employed[0] * 1.1, (ctl.seed, employed)


def test_jobs_draw_domestic_movers():
    """Without immigration (so only people already in Norway can take the jobs), a village
    that gains jobs has a clearly higher net domestic in-migration than without them, in
    every seed; the extra movers say they came for the job."""
    diffs, extra_for_job = [], []
    for ctl, trt in pairs("jobs, no immigration"):
        diffs.append(trt.net_domestic(VILLAGE) - ctl.net_domestic(VILLAGE))
        job = [t.came_for(VILLAGE, "job") for t in (ctl, trt)]
        assert job[1] > job[0], (ctl.seed, job)
        extra_for_job.append(job[1] - job[0])
    assert np.sum(extra_for_job) >= 20, extra_for_job
    assert min(diffs) > 0 and np.mean(diffs) >= 50, diffs


def test_labour_immigrants_go_where_the_vacancies_are():
    """Labour immigrants settle where jobs are open: after the village's jobs triple, it
    receives several times as many labour immigrants, far above its share of the population,
    while refugees (settled by a key by population) do not follow the jobs. (Every region
    has open jobs from ordinary turnover, so the village's extra unfilled jobs add to a base
    that all kommuner share: about two and a half to five times as many, not ten.) Refugee
    households are few and settle together, so their share is compared over all seeds."""
    refugees_here = {"ctl": [], "trt": []}
    for ctl, trt in pairs("jobs"):
        k = ctl.index(VILLAGE)
        arrived = []
        for t in (ctl, trt):
            a = t.arrivals
            labour = a["subtype"] == Subtype.LABOUR
            arrived.append((int((labour & (a["kommune"] == k)).sum()), int(labour.sum())))
        (ctl_here, _), (trt_here, trt_all) = arrived
        assert trt_here >= 2 * ctl_here + 20, arrived
        share_of_people = 2_500 / 52_500
        assert trt_here / trt_all > 2 * share_of_people, arrived
        for arm, t in (("ctl", ctl), ("trt", trt)):
            refugees = t.arrivals[t.arrivals["subtype"] == Subtype.REFUGEE]
            refugees_here[arm].append((int((refugees["kommune"] == k).sum()), len(refugees)))
    share = {arm: pooled(counts) for arm, counts in refugees_here.items()}
    assert share["trt"] < 1.5 * share["ctl"] + 0.02, refugees_here


def test_immigrants_are_drawn_where_the_place_effect_draws_movers():
    """What draws movers to a kommune beyond the named terms (its calibrated place effect)
    draws labour and family immigrants too, as far as ``immigration.place_effect_weight``
    says (0 by default; 0.5 here): with a place effect of +1 the village receives clearly
    more of them than the same village without it, pooled over the seeds, while refugees
    keep to the settlement key."""
    arrived = {"ctl": [], "trt": []}
    refugees = {"ctl": [], "trt": []}
    weight = {"immigration.place_effect_weight": 0.5}
    effect = {**weight, "kommune.place_effect": {VILLAGE: 1.0}}
    for seed in SEEDS:
        for arm, t in (("ctl", run(seed, parameters=weight)),
                       ("trt", run(seed, parameters=effect))):
            a = t.arrivals
            here = a["kommune"] == t.index(VILLAGE)
            chosen = a["subtype"].isin([Subtype.LABOUR, Subtype.FAMILY])
            arrived[arm].append((int((chosen & here).sum()), int(chosen.sum())))
            settled = a["subtype"] == Subtype.REFUGEE
            refugees[arm].append((int((settled & here).sum()), int(settled.sum())))
    assert pooled(arrived["trt"]) > 1.3 * pooled(arrived["ctl"]), arrived
    assert pooled(refugees["trt"]) < 1.5 * pooled(refugees["ctl"]) + 0.02, refugees


def _movers_into_village(parameter: str) -> dict[str, dict[str, list[tuple[int, int]]]]:
    """Per group (``young``: aged 20–29 without children; ``family``: with children) and
    arm (``ctl``, and ``trt`` with ``parameter`` at +1 for the village): per seed, (movers
    into the village, persons at risk)."""
    counts = {group: {"ctl": [], "trt": []} for group in ("young", "family")}
    effect = {parameter: {VILLAGE: 1.0}}
    for seed in SEEDS:
        for arm, t in (("ctl", run(seed)), ("trt", run(seed, parameters=effect))):
            p = t.people
            came = p["moved"] & (p["dest"] == t.index(VILLAGE))
            alone = p["age"].between(20, 29) & ~p["family"]
            counts["young"][arm].append((int((came & alone).sum()), int(alone.sum())))
            counts["family"][arm].append((int((came & p["family"]).sum()),
                                          int(p["family"].sum())))
    return counts


def _draws_its_stage_only(counts: dict, drawn: str, other: str) -> None:
    """The ``drawn`` group comes clearly more often, in each seed and pooled; ``other``
    no more often."""
    ctl, trt = counts[drawn]["ctl"], counts[drawn]["trt"]
    for c, t in zip(ctl, trt, strict=True):
        assert pooled([t]) > pooled([c]), counts[drawn]
    assert pooled(trt) > 1.5 * pooled(ctl), counts[drawn]
    assert pooled(counts[other]["trt"]) < 1.15 * pooled(counts[other]["ctl"]), counts[other]


def test_the_young_part_of_a_place_effect_draws_the_young_and_not_families():
    """A kommune's young place effect (``kommune.place_effect_young``) is what young movers
    see in it beyond what everyone sees: at +1 the village draws clearly more movers in
    their twenties without children than the same village without it, pooled over the seeds
    and in each, and no more families."""
    _draws_its_stage_only(_movers_into_village("kommune.place_effect_young"),
                          drawn="young", other="family")


def test_the_family_part_of_a_place_effect_draws_families_and_not_the_young():
    """A kommune's family place effect (``kommune.place_effect_family``) is what movers with
    children see in it beyond what everyone sees: at +1 the village draws clearly more
    families than the same village without it, pooled over the seeds and in each, and no
    more movers in their twenties without children."""
    _draws_its_stage_only(_movers_into_village("kommune.place_effect_family"),
                          drawn="family", other="young")


# ----- housing ------------------------------------------------------------------------------
def test_a_price_spike_pushes_renters_out():
    """When rents and prices in the town double, more of its renters move to another kommune
    in the next two years than without the spike, in every seed; renters are hit harder than
    owners (they pay the rent)."""
    renters, owners = {"ctl": [], "trt": []}, {"ctl": [], "trt": []}
    for ctl, trt in pairs("price spike"):
        k = ctl.index(TOWN)
        for arm, t in (("ctl", ctl), ("trt", trt)):
            p = t.people
            here = (p["kommune"] == k) & (p["year"] <= START + 1)
            renters[arm].append(rate(p, here & ~p["owner"]))
            owners[arm].append(rate(p, here & p["owner"]))
        assert pooled(renters["trt"][-1:]) > pooled(renters["ctl"][-1:]), renters
    r_ctl, r_trt = pooled(renters["ctl"]), pooled(renters["trt"])
    assert r_trt > 1.2 * r_ctl, (r_ctl, r_trt)
    assert r_trt - r_ctl > pooled(owners["trt"]) - pooled(owners["ctl"]), (renters, owners)


def test_builders_pay_for_land_what_the_place_is_worth():
    """Two alike villages at the same price: where the market settled dearer than its class
    (the land part of the building cost follows it), builders add fewer dwellings."""
    model = SettlementModel(scenario(SEEDS[0]))
    h, pop = model.housing, model.population
    dear, plain = model.geo.codes.index("V3"), model.geo.codes.index("V4")
    settled = np.ones(model.geo.size)
    settled[dear] = 1.5
    h.settle_land_cost(settled)
    assert h.cost[dear] > h.cost[plain]
    h.price[[dear, plain]] = 1.3 * h.cost[plain]
    h.price0[[dear, plain]] = h.price[[dear, plain]]
    h.update_prices_and_build(pop, extra_construction=np.zeros(len(h.price)))
    built = h.built / h.dwellings
    assert built[plain] > 0
    assert built[dear] < 0.6 * built[plain], built[[dear, plain]]


def test_an_owner_is_less_likely_to_leave_than_a_renter():
    """Owning holds people: when a random half of renter households (head aged 25-59) become
    owners, those households move out of their kommune much less often in the next two years
    than the same households did as renters; and in an ordinary run owner households move
    less than renter households of the same age."""
    group_rates = {"ctl": [], "trt": []}
    for ctl, trt in pairs("owners"):
        members = np.isin(ctl.start["household"], renter_group(ctl.start, ctl.seed))
        pids = ctl.start.loc[members, "pid"]
        for arm, t in (("ctl", ctl), ("trt", trt)):
            p = t.people
            group_rates[arm].append(rate(p, p["pid"].isin(pids) & p["head"]
                                         & (p["year"] <= START + 1)))
        assert pooled(group_rates["trt"][-1:]) < pooled(group_rates["ctl"][-1:]), group_rates
    assert pooled(group_rates["trt"]) < 0.7 * pooled(group_rates["ctl"]), group_rates
    people = pd.concat([control(s).people for s in SEEDS])
    heads = people[people["head"]]
    for lo, hi in ((25, 39), (40, 54), (55, 66)):
        band = heads["age"].between(lo, hi)
        own = heads.loc[band & heads["owner"], "moved"].mean()
        rent = heads.loc[band & ~heads["owner"], "moved"].mean()
        assert own < rent, (lo, hi, own, rent)


def test_a_household_shares_one_tenure():
    """A household owns or rents as one: children born into an owner household live in an
    owned home, so no household has members of both tenures in any year (the owner share of
    persons, SSB's 82 %, is counted over persons)."""
    for seed in SEEDS:
        people = control(seed).people
        tenures = people.groupby(["year", "household"])["owner"].nunique()
        assert (tenures == 1).all(), (seed, int((tenures > 1).sum()))


def test_owning_lowers_a_households_push_to_move():
    """The consideration hazard, all else equal: turning a random half of renter households
    into owners lowers their stay/push multiplier relative to everyone else's, for every one
    of them (owning is a stay-factor, and owners pay no rent)."""
    model = SettlementModel(scenario(SEEDS[0]))
    pop, params = model.population, model.params
    heads = np.flatnonzero(pop.household_heads())
    start = Trace(model).start

    def multiplier() -> np.ndarray:
        facts = moves.household_facts(pop, model.labour.wage, params)
        return moves.stay_multiplier(pop, heads, facts, model.housing.rent,
                                         model.places.service_level, model.places.attitude,
                                         params)

    before = multiplier()
    flipped = np.isin(pop.household, renter_group(start, SEEDS[0]))
    pop.owner[flipped] = 1
    after = multiplier()
    change = after / before
    was_flipped = flipped[heads]
    assert was_flipped.sum() > 100
    others = np.median(change[~was_flipped])
    assert (change[was_flipped] < 0.9 * others).all()


# ----- ties ---------------------------------------------------------------------------------
def test_ties_hold_people():
    """When everyone in a village loses their social ties, clearly more of them move away in
    the first year (before new ties form) than when they keep them, in every seed."""
    out = {"ctl": [], "trt": []}
    for ctl, trt in pairs("no ties"):
        k = ctl.index(VILLAGE)
        for arm, t in (("ctl", ctl), ("trt", trt)):
            p = t.people
            out[arm].append(rate(p, (p["kommune"] == k) & (p["year"] == START)))
        assert pooled(out["trt"][-1:]) > pooled(out["ctl"][-1:]), out
    assert pooled(out["trt"]) > 1.5 * pooled(out["ctl"]), out


# ----- schools ------------------------------------------------------------------------------
def test_a_school_closure_lowers_the_pull_of_a_place_for_families():
    """Closing the town's schools lowers what families see in it (their place utility of the
    town falls, nothing changes elsewhere); then fewer family members move to the town over four
    years, and its net family migration falls in every seed."""
    model = SettlementModel(scenario(SEEDS[0]))
    k = model.geo.index(TOWN)
    assert model.places.schools0[k] >= 4
    place0 = choice.dense_terms(_place_view(model), model.params)["place"].copy()
    close_schools(model, pd.DataFrame())
    place1 = choice.dense_terms(_place_view(model), model.params)["place"]
    family = choice.type_parts(np.arange(choice.N_TYPES))[0] == choice.STAGES.index("family")
    assert (place1[family, k] < place0[family, k] - 0.2).all()
    assert np.allclose(np.delete(place1, k, axis=1), np.delete(place0, k, axis=1))

    came, net = {"ctl": [], "trt": []}, {"ctl": [], "trt": []}
    for ctl, trt in pairs("schools closed"):
        for arm, t in (("ctl", ctl), ("trt", trt)):
            p = t.people
            moved_family = p["moved"] & p["family"]
            came[arm].append(int((moved_family & (p["dest"] == k)).sum()))
            net[arm].append(came[arm][-1] - int((moved_family & (p["kommune"] == k)).sum()))
        assert net["trt"][-1] < net["ctl"][-1], net
    assert sum(came["trt"]) < 0.85 * sum(came["ctl"]), came


# ----- immigrants' stay-factors -------------------------------------------------------------
def _immigrant_leaving(name: str, group: Callable[[pd.DataFrame, int], np.ndarray]
                       ) -> dict[str, list[tuple[int, int]]]:
    """Per arm and seed: (left, at risk) among the group's heads over the first two years,
    where leaving is moving to another kommune or leaving Norway; and (gone, at risk), gone
    being emigrated or died (deaths at 25-59 are few and do not depend on the change)."""
    left = {"ctl": [], "trt": [], "ctl_emigrated": [], "trt_emigrated": []}
    for ctl, trt in pairs(name):
        members = np.isin(ctl.start["household"], group(ctl.start, ctl.seed))
        pids = ctl.start.loc[members, "pid"]
        for arm, t in (("ctl", ctl), ("trt", trt)):
            p = t.people.copy()
            p["left"] = p["moved"] | p["gone"]
            at_risk = p["pid"].isin(pids) & p["head"]
            first_two = at_risk & (p["year"] <= START + 1)
            left[arm].append(rate(p, first_two, "left"))
            left[f"{arm}_emigrated"].append(rate(p, first_two, "gone"))
    return left


def test_young_people_move_to_a_study_town_at_19_to_23():
    """Give the town a university college of 3,000 students: in every seed more movers aged
    19-23 move into it than when it has none, some giving "study" as their reason, and over
    the seeds clearly more; movers of 30-59 are drawn no more than before (the pull is the
    students' alone)."""
    college = {"education.study_places": {TOWN: 3000}}
    young, older = [], []
    for seed in SEEDS:
        ctl, trt = control(seed), run(seed, parameters=college)
        assert ctl.came_for(TOWN, "study") == 0 and trt.came_for(TOWN, "study") > 0, seed

        def into_town(t: Trace, lo: int, hi: int) -> int:
            p = t.people
            return int((p["moved"] & (p["dest"] == t.index(TOWN))
                        & p["age"].between(lo, hi)).sum())

        young.append((into_town(ctl, 19, 23), into_town(trt, 19, 23)))
        older.append((into_town(ctl, 30, 59), into_town(trt, 30, 59)))
        assert young[-1][1] > young[-1][0], (seed, young)
    c, t = np.sum(young, axis=0)
    assert t > 1.4 * c, young
    c, t = np.sum(older, axis=0)
    assert t < 1.15 * c, older


def test_refugees_displaced_from_ukraine_leave_the_programme_after_one_year():
    """The introduction programme holds refugees in the kommune that settled them for two
    years; refugees arriving from 2022 (people displaced from Ukraine, whose programme lasts
    about a year) are free to move on in their second year already."""
    model = SettlementModel(scenario(SEEDS[0]))
    pop = model.population
    heads = np.flatnonzero(pop.household_heads() & (pop.kind == Kind.IMMIGRANT))
    assert len(heads) > 50
    pop.subtype[heads] = Subtype.REFUGEE

    def factor(arrived: int, year: int) -> np.ndarray:
        pop.arrival_year[heads] = arrived
        return newcomers.move_factor(pop, heads, year, model.params, model.geo.centrality)

    assert np.allclose(factor(2016, 2016), factor(2023, 2023))      # both in the programme
    assert (factor(2016, 2017) < 0.5 * factor(2023, 2024)).all()    # only 2016's still in it
    assert np.allclose(factor(2016, 2018), factor(2023, 2025))      # both out of it


def test_employed_immigrants_are_less_likely_to_emigrate_or_move_on():
    """Work is the first stay-factor: when jobless working-age immigrants get a job, their
    households leave their kommune or Norway less often than the same households without the
    job, in every seed; and, pooled over the seeds, fewer of them emigrate."""
    left = _immigrant_leaving("immigrants employed", immigrant_jobless_group)
    for c, t in zip(left["ctl"], left["trt"], strict=True):
        assert pooled([t]) < pooled([c]), left
    assert pooled(left["trt"]) < 0.75 * pooled(left["ctl"]), left
    assert pooled(left["trt_emigrated"]) < 0.85 * pooled(left["ctl_emigrated"]), left


def test_immigrants_who_own_are_less_likely_to_emigrate_or_move_on():
    """Owning is the second stay-factor: when immigrant renter households become owners, they
    leave their kommune or Norway less often than the same households renting, in every seed;
    and, pooled over the seeds, fewer of them emigrate."""
    left = _immigrant_leaving("immigrant owners", immigrant_renter_group)
    for c, t in zip(left["ctl"], left["trt"], strict=True):
        assert pooled([t]) < pooled([c]), left
    assert pooled(left["trt"]) < 0.75 * pooled(left["ctl"]), left
    assert pooled(left["trt_emigrated"]) < 0.85 * pooled(left["ctl_emigrated"]), left


def test_an_immigrant_family_counts_the_community_within_reach():
    """A city's immigrant community pulls immigrant families to the kommuner around it too,
    while a young mover counts only a kommune's own immigrants: the family's community gap
    between the city and the kommune nearest to it is smaller than the young mover's."""
    model = SettlementModel(scenario(SEEDS[0]))
    community = destinations.immigrant_community(model.population, model.reach)
    young, family = (community[choice.STAGES.index(s)] for s in ("young", "family"))
    city = model.geo.index("C1")
    near = int(np.argsort(model.geo.distance_km[city])[1])
    assert family[city] - family[near] < young[city] - young[near] - 0.1
    own = model.population.count_by_kommune(model.geo.size,
                                            model.population.kind == Kind.IMMIGRANT) + 1.0
    assert np.allclose(young, np.log(own / own.mean()))
