"""The bygdekalkulator: what a household weighs when it compares kommuner, in the model's own
terms.

A household is described by the user (``Household``: ages, work, income, tenure, equity, where
it lives, where the deciding adult grew up, where family and friends live) or taken from a
simulated run (``household_of``). For a scenario and year the model is run to that year, and
the household's destination choice is laid out exactly as the model makes it
(``sim.processes.choice``): every kommune's utility split into named lines (jobs, housing,
urban amenities, nature, schools, services, other qualities of the place, homes to choose
from, immigrant community, study towns, each policy in force, family and friends, home,
moving distance, the calibrated constant of a move within one's own kommune), each line as
the gain of one home there over staying where one lives, converted to NOK a year: the income
change the model values the same, ``income x (exp(gain / b) - 1)`` with ``b`` the income coefficient
(``policies.income_utility_coefficient``; a tax relief of p % of income is worth exactly p %
of income). The number of homes a kommune holds is not a line but a size measure: twice the
homes are twice the alternatives (``homes``, a factor on the chance against staying). The
probability of each kommune is the model's logit over all kommuner; for a
young adult who may move as a student it mixes the student and the non-student choice by the
model's chance of being a student.

Startlån is shown as a fact, not a line: the model's movers do not weigh it when they choose
(it helps renters buy after they have moved), so the line would not be the model's.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from sim.parameters import ParameterSet
from sim.processes import choice
from sim.processes.housing import can_borrow

MAX_AGE = 110          # years: the oldest age a household member may be given
MAX_TIES = 1000        # persons: family and friends in one kommune (the model keeps TIE_SLOTS)

# line key: (Norwegian, English), in the order they are shown
LINES: dict[str, tuple[str, str]] = {
    "job": ("Jobbmuligheter", "jobs"),
    "housing": ("Boligkostnad og ledige boliger", "housing cost and free homes"),
    "amenity": ("Byliv og tilbud", "urban amenities"),
    "nature": ("Natur og plass", "nature and room"),
    "school": ("Skoler", "schools"),
    "service": ("Kommunale tjenester", "kommune services"),
    "place_effect": ("Andre stedskvaliteter", "other qualities of the place"),
    "community": ("Innvandrermiljø", "immigrant community"),
    "study": ("Studiested", "place of study"),
    "ties": ("Familie og venner", "family and friends"),
    "home": ("Der du vokste opp", "where you grew up"),
    "distance": ("Flytteavstand", "moving distance"),
    "stay": ("Flytting innen kommunen (kalibrert)", "a move within one's kommune (calibrated)"),
}
POLICY_LABELS: dict[str, tuple[str, str]] = {
    "income_tax_relief": ("Lavere inntektsskatt", "income tax relief"),
    "arbeidsgiveravgift": ("Arbeidsgiveravgift (lønn)", "payroll tax (wages)"),
    "flyttepremie": ("Flyttepremie", "relocation bonus"),
    "remote_work": ("Kontorfellesskap for fjernarbeid", "remote-work hub"),
}

# the lines in a few groups (a short table): group key: (Norwegian, English, its lines; the
# policies' lines are ``policy:<name>``)
GROUPS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "job": ("Jobb", "jobs", ("job",)),
    "housing": ("Bolig", "housing", ("housing",)),
    "place": ("Sted", "place", ("amenity", "nature", "school", "service", "place_effect",
                                "study")),
    "people": ("Folk", "people", ("ties", "home", "community")),
    "policies": ("Tiltak", "policies", ()),
    "moving": ("Flytting", "moving", ("distance", "stay")),
}


class ExplainError(ValueError):
    """A household or request the calculator cannot use; the message says which field."""


class Household(BaseModel):
    """A household as the user describes it. The first adult decides the life stage: with
    children the household is a family; else young up to 29, a senior from 67."""

    model_config = ConfigDict(extra="forbid")

    adults: list[int] = Field(min_length=1, max_length=6)
    children: list[int] = Field(default_factory=list, max_length=12)
    employed: bool = True                # the first adult has a job
    sector: str | None = None            # where the first adult works (not weighed in the
                                         # choice; a move out of the commuting region loses it)
    income_nok: float | None = Field(default=None, ge=0, le=1e9)  # household gross income
    owner: bool = False
    equity_nok: float | None = Field(default=None, ge=0, le=1e10)
    lives_in: str
    grew_up_in: str | None = None
    immigrant: bool = False
    ties: dict[str, int] = Field(default_factory=dict)   # kommune: family and friends there
    # whose preferences the choice holds (choice.SEX_GROUPS): adults of both sexes (also when
    # not told), women only or men only
    sexes: Literal["both", "women", "men"] = "both"


@dataclass
class Explanation:
    """One household's choice in one year: per kommune the lines (gain over staying, utility
    and NOK a year), the total, the probability, and facts; plus notes."""

    household: Household
    year: int
    scenario: str
    income_nok: float
    coefficient: float              # utility of log income (NOK = income x (exp(u / b) - 1))
    table: pd.DataFrame             # one row per kommune, sorted by probability
    lines: dict[str, tuple[str, str]]   # line key: (Norwegian, English), in table order
    notes: list[str] = field(default_factory=list)
    chose: str | None = None        # a simulated household: the kommune it chose


def check_household(h: Household, codes: list[str], params: ParameterSet) -> None:
    """Refuse what the model cannot represent, naming the field."""
    child_max = int(params.value("households.child_max_age"))
    known = set(codes)
    for name, ages, lo, hi in (("adults", h.adults, child_max + 1, MAX_AGE),
                               ("children", h.children, 0, child_max)):
        bad = [a for a in ages if not lo <= a <= hi]
        if bad:
            raise ExplainError(f"{name}: ages must be {lo}–{hi} years, got {bad[0]}")
    for name, code in (("lives_in", h.lives_in), ("grew_up_in", h.grew_up_in)):
        if code is not None and code not in known:
            raise ExplainError(f"{name}: no kommune {code!r} in this scenario's area")
    for code, n in h.ties.items():
        if code not in known:
            raise ExplainError(f"ties: no kommune {code!r} in this scenario's area")
        if not 0 <= n <= MAX_TIES:
            raise ExplainError(f"ties: {code}: 0–{MAX_TIES} persons, got {n}")
    if h.immigrant and h.grew_up_in is not None:
        raise ExplainError("grew_up_in: the model gives a home kommune only to the "
                           "Norwegian-born (leave it out for an immigrant)")
    if h.sector is not None:
        from sim.processes.jobs import SECTORS
        if h.sector not in SECTORS:
            raise ExplainError(f"sector: one of {', '.join(SECTORS)}, got {h.sector!r}")


def household_type(h: Household, student: bool) -> int:
    """The model's mover type of the household (``choice.type_index``)."""
    age = np.array([h.adults[0]])
    family = np.array([bool(h.children)])
    stage = choice.life_stage(age, family, np.array([student]))
    return int(choice.type_index(stage, np.array([h.owner]), np.array([h.employed]),
                                 int(h.immigrant), choice.SEX_GROUPS.index(h.sexes))[0])


def student_chance(h: Household, year: int, params: ParameterSet) -> float:
    """The model's chance that this household's mover moves as a student this year."""
    if h.children:
        return 0.0
    shares = params.sex_age_table("education.student_share")[:, min(h.adults[0], MAX_AGE)]
    share = {"women": shares[0], "men": shares[1]}.get(h.sexes, shares.mean())
    return float(share * params.value("education.student_share_trend", year))


# ----- the lines of the choice ---------------------------------------------------------------
class Lines:
    """The model's utility terms in the year it simulated last (``model.seen``), computed
    once; ``of(h, t)`` lays them out for one household."""

    def __init__(self, model) -> None:
        self.model = model
        self.terms = choice.dense_terms(model.seen, model.params)
        self.parts = choice.place_parts(model.seen, model.params)
        self.availability = choice.availability_term(model.seen.vacancy, model.params)

    def of(self, h: Household, t: int) -> dict[str, np.ndarray]:
        """Per line, the utility of every kommune for mover type ``t``; the lines sum to the
        model's utility."""
        model, terms = self.model, self.terms
        params, geo = model.params, model.geo
        origin, k = geo.index(h.lives_in), geo.size
        # a stayer keeps their home: free dwellings count only elsewhere
        housing = terms["housing"][t].copy()
        housing[origin] -= self.availability[origin]
        out = {"job": terms["job"][t], "housing": housing,
               **{name: np.broadcast_to(part[min(t, len(part) - 1)], (k,))
                  for name, part in self.parts.items()},
               "size": terms["size"][t], "community": terms["community"][t],
               "study": terms["study"][t]}
        for policy in model.policy_set.in_order():
            u = model.policy_set.utility_by_policy.get(policy.name)
            if u is not None:
                out[f"policy:{policy.name}"] = u[t]
        counts = np.zeros(k)
        for code, n in h.ties.items():
            counts[geo.index(code)] += n
        out["ties"] = params.value("migration.ties_coefficient") * np.log1p(counts)
        home = np.zeros(k)
        if h.grew_up_in is not None and not h.immigrant:
            home[geo.index(h.grew_up_in)] = 1.0
        out["home"] = params.value("migration.home_coefficient") * home
        out["distance"] = choice.distance_cost(geo.distance_km[origin], params)
        stay = np.zeros(k)
        stay[origin] = params.value("migration.stay_utility")
        out["stay"] = stay
        return {name: np.asarray(v, dtype=float) for name, v in out.items()}


def probabilities(lines: dict[str, np.ndarray]) -> np.ndarray:
    """The logit over kommuner of the summed lines."""
    u = sum(lines.values())
    p = np.exp(u - u.max())
    return p / p.sum()


def policy_labels(model) -> dict[str, tuple[str, str]]:
    """Labels of the policy lines (``policy:<name>``); the regime's say "in force today"."""
    out = {}
    for p in model.policy_set.in_order():
        no, en = POLICY_LABELS.get(p.kind, (p.kind, p.kind))
        if p.regime:
            no, en = f"{no} (i dag)", f"{en} (in force today)"
        out[f"policy:{p.name}"] = (no, en)
    return out


# ----- one household's explanation --------------------------------------------------------
def income_of(model, h: Household) -> float:
    """The household's gross income: as given, else the local wage for each adult in work
    (the other adults are taken to work), at least ``migration.income_floor``."""
    if h.income_nok is not None:
        return float(h.income_nok)
    wage = float(model.labour.wage[model.geo.index(h.lives_in)])
    working = len(h.adults) - (0 if h.employed else 1)
    return max(wage * working, float(model.params.value("migration.income_floor")))


def chances(lines_of: Lines, h: Household, student: bool | None = None
            ) -> tuple[np.ndarray, dict[str, np.ndarray], float]:
    """The model's probability of each kommune for the household, its lines (the
    non-student's unless it surely moves as a student) and its chance of moving as a
    student: with that chance the choice is the student's (``student``: given)."""
    model = lines_of.model
    chance = (student_chance(h, model.year - 1, model.params) if student is None
              else float(student))
    lines = lines_of.of(h, household_type(h, student=chance == 1.0))
    p = probabilities(lines)
    if 0.0 < chance < 1.0:
        p = (1 - chance) * p + chance * probabilities(
            lines_of.of(h, household_type(h, student=True)))
    return p, lines, chance


def explain_model(model, h: Household, student: bool | None = None, scenario: str = "",
                  lines_of: Lines | None = None) -> Explanation:
    """The household's choice in the year ``model`` simulated last (``model.year - 1``).
    ``student``: whether the mover moves as a student (None: by the model's chance);
    ``lines_of``: the year's ``Lines`` when several households are explained."""
    params, geo = model.params, model.geo
    lines_of = lines_of or Lines(model)
    check_household(h, geo.codes, params)
    year = model.year - 1
    p, lines, chance = chances(lines_of, h, student)
    notes = []
    if 0.0 < chance < 1.0:
        notes.append(f"Sjansen for å flytte som student er {chance:.0%} / the chance of "
                     f"moving as a student is {chance:.0%}: the chances mix both; the lines "
                     "are the non-student's")
    income = income_of(model, h)
    origin = geo.index(h.lives_in)
    gains = {name: v - v[origin] for name, v in lines.items()}
    b = float(params.value("policies.income_utility_coefficient"))
    table = pd.DataFrame({"kommunenummer": geo.codes, "name": geo.names, "probability": p})
    # the number of homes is a size measure, not a quality: a kommune with twice the homes is
    # twice the alternatives; it weighs the chance (``homes``, as a factor), not the NOK
    table["homes"] = np.exp(gains.pop("size"))
    total = sum(gains.values())
    table["gain"] = total
    table["nok"] = income * np.expm1(total / b)
    for name, g in gains.items():
        table[f"u:{name}"] = g
        table[f"nok:{name}"] = income * np.expm1(g / b)
    for name, v in facts(model, h, income, year).items():
        table[name] = v
    labels = {**LINES, **policy_labels(model)}
    order = {name: labels[name] for name in lines if name != "size"}
    notes += fact_notes(model, h)
    return Explanation(h, year, scenario, income, b,
                       table.sort_values("probability", ascending=False, kind="stable")
                       .reset_index(drop=True), order, notes)


def facts(model, h: Household, income: float, year: int) -> dict[str, np.ndarray]:
    """Per kommune, what the choice does not weigh but the household meets there: whether it
    can buy (the lending rule, and the equity share when the equity is given), whether the
    first adult keeps the job (same commuting region), and startlån: the kommune's loans last
    year (persons) and, for a renter who can carry the loan but lacks the equity (or did not
    say), the yearly saving of owning over renting there if it gets one (NOK)."""
    params, geo, housing = model.params, model.geo, model.housing
    borrow = can_borrow(housing.price, np.full(geo.size, income), params)
    if h.equity_nok is None:
        has_equity = np.zeros(geo.size, dtype=bool)
        can_buy = borrow
    else:
        has_equity = h.equity_nok >= params.value("housing.equity_share") * housing.price
        can_buy = borrow & has_equity
    region = model.labour.region
    keeps = (region == region[geo.index(h.lives_in)]) & h.employed
    in_force = np.zeros(geo.size, dtype=bool)
    for p in model.policy_set.in_order():
        if p.kind == "startlan" and p.active(year):
            in_force |= p.mask
    qualifies = in_force & borrow & ~has_equity & (not h.owner)
    return {"can_buy": can_buy, "keeps_job": keeps,
            "startlan_loans": housing.startlan_loans * model.scale.weight * in_force,
            "startlan_nok": np.where(qualifies, model.seen.cost_renter - model.seen.cost_owner,
                                     0.0)}


def fact_notes(model, h: Household) -> list[str]:
    notes = []
    if h.sector is not None:
        notes.append("Bransjen veies ikke i valget / the sector is not weighed in the choice: "
                     "a move out of the commuting region loses the job")
    notes.append("Startlån veies ikke i valget / startlån is not weighed in the choice: the "
                 "model's movers do not count on it; it helps renters buy after they move")
    return notes


# ----- running to the year, and simulated households ----------------------------------------
def run_to(scenario, year: int, watch: str | None = None):
    """The scenario's model after simulating ``year`` (what its movers saw is
    ``model.seen``); with ``watch`` (a kommunenummer) the decisions of that year's movers from
    it are kept (``model.decisions``)."""
    from sim.model import SettlementModel

    if not scenario.start_year <= year < scenario.end_year:
        raise ExplainError(f"year: {scenario.start_year}–{scenario.end_year - 1} for this "
                           f"scenario, got {year}")
    model = SettlementModel(scenario)
    if watch is not None and watch not in model.geo.codes:
        raise ExplainError(f"from: no kommune {watch!r} in this scenario's area")
    while model.year <= year:
        if model.year == year and watch is not None:
            model.watch = model.geo.index(watch)
        model.step()
    return model


def household_of(model, i: int) -> tuple[Household, bool, str]:
    """The ``i``-th watched decision of the year as a ``Household``, whether its mover moved
    as a student, and the kommune it chose."""
    d, codes = model.decisions, model.geo.codes
    child_max = int(model.params.value("households.child_max_age"))
    stage, owner, employed = choice.type_parts(int(d.types[i]))
    ages = [int(a) for a in d.member_ages[i]]        # the decider's first
    adults = [a for a in ages if a > child_max]
    if not adults:
        raise ExplainError("this household has no adult")
    ties = {codes[int(k)]: int(n) for k, n in zip(d.tie_kommune[i], d.tie_count[i],
                                                  strict=True) if k >= 0 and n > 0}
    home = int(d.home[i])
    h = Household(adults=adults, children=[a for a in ages if a <= child_max] if d.family[i]
                  else [], employed=bool(employed), owner=bool(owner),
                  income_nok=float(d.income[i]), lives_in=codes[int(d.origin[i])],
                  grew_up_in=codes[home] if home >= 0 else None,
                  immigrant=bool(choice.immigrant_type(int(d.types[i]))), ties=ties,
                  sexes=choice.SEX_GROUPS[int(choice.sex_group_of_type(int(d.types[i])))])
    return h, stage == choice.STAGES.index("student"), codes[int(d.destination[i])]


def grouped(e: Explanation) -> pd.DataFrame:
    """Per kommune (the table's order): probability, the total and each group of ``GROUPS``
    as a gain in utility (``u:<group>``) and in NOK a year (``nok:<group>``)."""
    out = e.table[["kommunenummer", "name", "probability", "homes", "gain", "nok"]].copy()
    for key, (_, _, members) in GROUPS.items():
        names = [n for n in e.lines if n in members
                 or (key == "policies" and n.startswith("policy:"))]
        u = e.table[[f"u:{n}" for n in names]].sum(axis=1) if names else 0.0 * out["gain"]
        out[f"u:{key}"] = u
        out[f"nok:{key}"] = e.income_nok * np.expm1(u / e.coefficient)
    return out
