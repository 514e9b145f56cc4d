"""Domestic migration: who considers a move, and what happens when they move.

This module owns moves between kommuner. Each year

1. households consider a move with a chance set by the age of their oldest member (families
   less), raised or lowered by push and stay factors: owning, ties where one lives, being
   without work, the rent burden, and for immigrants the stay-factors
   (docs/source-material.md#stay-factors: work, owning, children at school, meeting places,
   the kommune's attitude). The factors shift who considers a move, not how many: the
   calibrated age profile sets the number;
2. young adults living in someone else's household consider leaving home on their own;
3. each mover chooses a destination by random utility (``sim.processes.choice``; young movers of
   19–23 may be students, drawn also to study towns: ``sim.processes.students``), and the move
   records its deciding reason;
4. the household moves: an owner stays an owner where they can afford it, people who change
   commuting region leave their job (remote workers keep it), a young adult who leaves home
   keeps a tie to it, and a Norwegian-born person back in their home kommune is a Returnee.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.parameters import ParameterSet
from sim.processes import choice, housing, into_focus, move_kernels, newcomers, students
from sim.processes.housing import HousingMarket
from sim.world import focus, network
from sim.world import rows as rows_kernels
from sim.world.places import Places
from sim.world.population import NO_KOMMUNE, Kind, Population, chance
from sim.world.scale import Scale


@dataclass
class Decisions:
    """The choices of every unit (household, or young adult leaving home) that considered a
    move from one watched kommune in a year, each as the chooser saw it: its decider's person
    id, type (``sim.processes.choice``, the student draw included), whether it is a family,
    where it chose, its home kommune (-1 none), its ties by kommune (``choice.Sparse``
    slots), the ages of its members and the household's income (NOK)."""

    pid: np.ndarray
    types: np.ndarray
    family: np.ndarray
    origin: np.ndarray
    destination: np.ndarray
    home: np.ndarray
    tie_kommune: np.ndarray     # [n, slots], -1 = unused
    tie_count: np.ndarray       # [n, slots]
    member_ages: list[np.ndarray]
    income: np.ndarray


@dataclass
class Moves:
    """The moves of one year: which rows moved, from where, to where, and why; the decisions
    of the watched kommune's movers (None when none is watched); with a focus, the kommune
    whose scale each mover stood for when it moved (its origin, or for households a coarse
    agent sent into the focus area their destination: ``sim.processes.into_focus``) and the
    person ids of the coarse agents taken out for them."""

    rows: np.ndarray
    origin: np.ndarray
    destination: np.ndarray
    reason: np.ndarray      # index into sim.choice.REASONS
    decisions: Decisions | None = None
    stood_for: np.ndarray | None = None
    dropped: np.ndarray | None = None

    def __post_init__(self) -> None:
        if self.stood_for is None:
            self.stood_for = self.origin
        if self.dropped is None:
            self.dropped = np.empty(0, dtype=np.int64)


@dataclass
class MoveInputs:
    """What the year's moves need besides the person table: the destination terms and what
    their base choice probabilities are made from (``sim.processes.choice``), household
    facts, the household heads and their multiplier on the chance to move, and per kommune
    the commuting region, the price and the wage."""

    terms: dict[str, np.ndarray]
    base: choice.BaseChoice
    cum_row: np.ndarray         # each mover type's row of ``base`` (``choice.distinct_types``)
    facts: HouseholdFacts
    heads: np.ndarray
    multiplier: np.ndarray
    region: np.ndarray
    price: np.ndarray
    wage: np.ndarray
    year: int
    watch: int | None = None    # a kommune whose movers' decisions are kept (``Decisions``)
    scale: Scale | None = None  # with a focus, coarse movers are split (``into_focus``)


@dataclass
class HouseholdFacts:
    """Per household id: facts the move decision needs (``sex_group``: index into
    ``choice.SEX_GROUPS`` of its adults; a household without adults counts as both)."""

    with_children: np.ndarray
    with_pupils: np.ndarray
    income: np.ndarray
    sex_group: np.ndarray

    def up_to(self, n_households: int) -> HouseholdFacts:
        """The facts for household ids below ``n_households``: households formed since they
        were computed (young adults who just left home) have no children and no counted
        income. Moves change households only that way, so the facts stay true after them."""
        pad = n_households - len(self.income)
        if pad <= 0:
            return self
        return HouseholdFacts(*(np.pad(a, (0, pad)) for a in
                                (self.with_children, self.with_pupils, self.income,
                                 self.sex_group)))


def household_facts(pop: Population, wage: np.ndarray, params: ParameterSet,
                    income: np.ndarray | None = None) -> HouseholdFacts:
    """Per household id: with children, with pupils, the sexes of its adults, and its
    income (``income`` when given, as ``housing.household_income(pop, wage)`` computed this
    year, else computed)."""
    child_max = int(params.value("households.child_max_age"))
    lo, hi = params.value("kommune.school_age")
    bits = move_kernels.household_bits(pop.household, pop.age, pop.sex, child_max, int(lo),
                                       int(hi), pop.next_household)
    if income is None:
        income = housing.household_income(pop, wage)
    return HouseholdFacts((bits & move_kernels.CHILD) != 0, (bits & move_kernels.PUPIL) != 0,
                          income, SEX_GROUP_OF_BITS[bits & move_kernels.ADULT_SEXES])


# ``move_kernels.household_bits`` adult-sex bits (none, women, men, both) -> index into
# choice.SEX_GROUPS
SEX_GROUP_OF_BITS = np.array([choice.SEX_GROUPS.index(g) for g in
                              ("both", "women", "men", "both")], dtype=np.int8)


def stay_multiplier(pop: Population, heads: np.ndarray, facts: HouseholdFacts,
                    rent: np.ndarray, service: np.ndarray, attitude: np.ndarray,
                    params: ParameterSet) -> np.ndarray:
    """exp(sum of centred push and stay terms) for each head's household: owning, the share
    of ties living here, being without work at working age, and the rent burden (rent over
    income, renters only), each centred among the heads."""
    c = params.value("migration.stay_coefficients")
    lo, hi = choice.WORKING_AGES
    parts = move_kernels.stay_parts(
        heads, pop.owner, pop.ties, network.kommune_of_pid(pop), pop.kommune, pop.age,
        pop.employed, pop.household, facts.income, np.asarray(rent, np.float64),
        float(params.value("migration.income_floor")), lo, hi)
    means = np.array([part.mean() for part in parts]) if len(heads) else np.zeros(4)
    coefficients = np.array([float(c[name]) for name in
                             ("owner", "ties_here", "jobless", "rent_burden")])
    immigrant = immigrant_stay_terms(pop, heads, facts, service, attitude, params)
    return np.exp(move_kernels.stay_exponent(parts, means, coefficients, immigrant, 20.0))


def immigrant_stay_terms(pop: Population, heads: np.ndarray, facts: HouseholdFacts,
                         service: np.ndarray, attitude: np.ndarray,
                         params: ParameterSet) -> np.ndarray:
    """Stay-factors of immigrants (negative = more likely to stay), centred among them;
    used for onward moves and for emigration. Zero for Norwegian-born heads: employed,
    owner, children at school, meeting places and the attitude where they live."""
    c = params.value("migration.immigrant_stay_coefficients")
    imm = immigrant_heads(pop, heads)
    out = np.zeros(len(heads))
    if not len(imm):
        return out
    parts = move_kernels.immigrant_parts(
        heads[imm], pop.employed, pop.owner, pop.household, facts.with_pupils, pop.kommune,
        np.asarray(service, np.float64), np.asarray(attitude, np.float64))
    names = ("employed", "owner", "children_at_school", "meeting_places", "attitude")
    out[imm] = move_kernels.centred_sum(parts, np.array([part.mean() for part in parts]),
                                        np.array([float(c[name]) for name in names]))
    return out


def immigrant_heads(pop: Population, heads: np.ndarray) -> np.ndarray:
    """The positions in ``heads`` of the immigrants among them."""
    return np.flatnonzero(move_kernels.of_kind(heads, pop.kind, int(Kind.IMMIGRANT)))


def select_movers(pop: Population, multiplier: np.ndarray, heads: np.ndarray,
                  facts: HouseholdFacts, params: ParameterSet,
                  rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Households and young adults who move this year, as (rows, unit); rows sharing a unit
    move together, negative units are young adults leaving home."""
    rate = move_kernels.move_rates(heads, pop.age, pop.household, facts.with_children,
                                   params.age_table("migration.household_move_rate"),
                                   float(params.value("migration.family_move_factor")),
                                   facts.sex_group, alone_factors(params))
    # push and stay factors shift who considers a move, not how many: the expected number
    # stays that of the calibrated age profile
    scaled = rate * multiplier
    if scaled.sum() > 0:
        scaled *= rate.sum() / scaled.sum()
    moving_hh = heads[chance(rng, scaled)]
    lo, hi = params.value("migration.leave_home_ages")
    young = np.flatnonzero(move_kernels.young_at_home(pop.household_heads(), pop.age, lo, hi))
    leaving = young[rng.random(len(young)) <
                    params.by_age("migration.leave_home_rate", pop.age[young])
                    * params.by_sex_age("migration.move_sex_factor", pop.sex[young],
                                        pop.age[young])]
    flag = np.zeros(pop.next_household, dtype=bool)
    flag[pop.household[moving_hh]] = True
    in_moving = rows_kernels.in_flagged(pop.household, flag)
    in_moving[leaving] = False                     # they leave home on their own
    hh_rows = np.flatnonzero(in_moving)
    rows = np.concatenate([hh_rows, leaving])
    unit = np.concatenate([pop.household[hh_rows], -1 - np.arange(len(leaving))])
    return rows, unit


def alone_factors(params: ParameterSet) -> np.ndarray:
    """[sex group, age]: the factor ``migration.move_sex_factor`` on a household's chance to
    consider a move by its ``choice.SEX_GROUPS`` index and its head's age (1 for both)."""
    by_sex = params.sex_age_table("migration.move_sex_factor")        # [women, men]
    return np.vstack([np.ones(by_sex.shape[1]), by_sex])


def unit_types(pop: Population, deciders: np.ndarray, leaving: np.ndarray,
               facts: HouseholdFacts, year: int, params: ParameterSet,
               rng: np.random.Generator) -> np.ndarray:
    """Mover type (sex group x origin x life stage x tenure x employment) from each unit's
    deciding person; young movers are students by chance (``sim.processes.students``); a
    young adult leaving home decides alone, a household for its adults."""
    age = pop.age[deciders]
    sex = pop.sex[deciders]
    family = facts.with_children[pop.household[deciders]] & ~leaving
    stage = choice.life_stage(age, family, students.is_student(age, sex, family, year,
                                                                params, rng))
    owner = np.where(leaving, 0, pop.owner[deciders])
    immigrant = pop.kind[deciders] == Kind.IMMIGRANT
    alone = np.where(sex == 1, choice.SEX_GROUPS.index("men"), choice.SEX_GROUPS.index("women"))
    group = np.where(leaving, alone, facts.sex_group[pop.household[deciders]])
    return choice.type_index(stage, owner, pop.employed[deciders], immigrant, group)


def run_year(pop: Population, view: choice.PlaceView, facts: HouseholdFacts,
             distance_cost: np.ndarray, region: np.ndarray, housing: HousingMarket,
             wage: np.ndarray, places: Places, centrality: np.ndarray,
             move_factor: np.ndarray | None, year: int, params: ParameterSet,
             rng: np.random.Generator, watch: int | None = None,
             scale: Scale | None = None) -> Moves:
    """Step 3 of the year: who considers a move (push and stay factors, newcomers' onward
    moves, ``move_factor`` per person row from policies, None = all ones), where they go,
    and why (and the decisions of the movers from kommune ``watch``). ``distance_cost`` is
    ``choice.distance_cost`` of the kommuner's distances (the same every year of a run)."""
    terms = choice.dense_terms(view, params)
    cum_row, distinct = choice.distinct_types(terms)
    base = choice.BaseChoice(distinct, distance_cost,
                             params.value("migration.stay_utility"),
                             choice.availability_term(view.vacancy, params))
    heads = pop.head_rows()
    multiplier = stay_multiplier(pop, heads, facts, housing.rent, places.service_level,
                                 places.attitude, params)
    multiplier = multiplier * newcomers.move_factor(pop, heads, year, params, centrality)
    if move_factor is not None:
        multiplier = multiplier * move_factor[heads]
    inputs = MoveInputs(terms=terms, base=base, cum_row=cum_row, facts=facts, heads=heads,
                        multiplier=multiplier, region=region, price=housing.price,
                        wage=wage, year=year, watch=watch, scale=scale)
    return move(pop, inputs, params, rng)


def move(pop: Population, v: MoveInputs, params: ParameterSet, rng: np.random.Generator
         ) -> Moves:
    """Run one year of domestic moves and update the person columns (remote workers,
    ``pop.remote``, keep their job when they change commuting region)."""
    rows, unit = select_movers(pop, v.multiplier, v.heads, v.facts, params, rng)
    n_leaving = int((unit < 0).sum())           # the last units (select_movers)
    first, inverse = move_kernels.unique_units(unit[:len(unit) - n_leaving], n_leaving,
                                               pop.next_household)
    deciders = rows[first]
    leaving = unit[first] < 0
    origin_u = pop.kommune[deciders].astype(np.int64)
    types = unit_types(pop, deciders, leaving, v.facts, v.year, params, rng)
    home = np.where(pop.kind[deciders] == Kind.IMMIGRANT, -1, pop.home[deciders]).astype(
        np.int64)
    sparse = choice.sparse_pulls(network.tie_kommune_runs(pop, deciders), home, params)
    flat, row_u = v.base.for_movers(v.cum_row, types, origin_u)
    dest_u = choice.draw(flat, row_u, sparse, rng)
    split = None
    if v.scale is not None and v.scale.focused:
        split = into_focus.split_units(flat, row_u, origin_u, sparse, dest_u, v.scale, rng)
        dest_u = split.dest
    reason_u = choice.reasons(v.terms, types, origin_u, dest_u, sparse, home, params)
    decisions = None if v.watch is None else _decisions(
        pop, np.flatnonzero(origin_u == v.watch), rows, inverse, deciders, leaving, types,
        dest_u, home, sparse, v)
    # young adults leave home whether or not they leave the kommune
    solo = np.flatnonzero(leaving)
    network.keep_family_tie(pop, deciders[solo])
    pop.left_home(deciders[solo])
    pop.owner[deciders[solo]] = 0
    moved_u = dest_u != origin_u
    moved = moved_u[inverse]
    if split is not None:
        sent = _send_copies(pop, rows, inverse, split, types, origin_u, sparse, home, v,
                            params)
        dropped = pop.pid[rows[split.dropped[inverse]]]
    rows, origin, dest = rows[moved], origin_u[inverse][moved], dest_u[inverse][moved]
    _settle_in(pop, rows, origin, dest, v, params)
    result = Moves(rows, origin, dest, reason_u[inverse][moved], decisions)
    if split is None:
        return result
    rows, origin, dest, reason, stood_for = (np.concatenate([a, b]) for a, b in zip(
        (result.rows, result.origin, result.destination, result.reason, result.origin),
        sent, strict=True))
    return Moves(rows, origin, dest, reason, decisions, stood_for, dropped)


def _send_copies(pop: Population, rows: np.ndarray, inverse: np.ndarray,
                 split: into_focus.Split, types: np.ndarray, origin_u: np.ndarray,
                 sparse: choice.Sparse, home: np.ndarray, v: MoveInputs,
                 params: ParameterSet) -> tuple[np.ndarray, ...]:
    """Add and settle the households coarse units send into the focus area (``split``;
    ``rows`` and ``inverse``: every moving unit's members); returns their rows, origins,
    destinations, reasons and the kommune whose scale they stand for (their destination)."""
    senders = np.flatnonzero(split.copies)
    members = np.flatnonzero(split.copies[inverse] > 0)
    local = np.searchsorted(senders, inverse[members])
    households = np.repeat(pop.household[rows[members]], split.copies[senders][local])
    added, copy = focus.clone(pop, rows[members], local, split.copies[senders])
    unit = split.copy_unit[copy]
    dest = split.copy_dest[copy]
    reason = choice.reasons(v.terms, types[split.copy_unit], origin_u[split.copy_unit],
                            split.copy_dest, into_focus.subset(sparse, split.copy_unit),
                            home[split.copy_unit], params)[copy]
    _settle_in(pop, added, origin_u[unit], dest, v, params, households)
    return added, origin_u[unit], dest, reason, dest


def _decisions(pop: Population, units: np.ndarray, rows: np.ndarray, inverse: np.ndarray,
               deciders: np.ndarray, leaving: np.ndarray, types: np.ndarray,
               dest: np.ndarray, home: np.ndarray, sparse: choice.Sparse,
               v: MoveInputs) -> Decisions:
    """The decisions of ``units`` (indices into this year's units), before anyone moved; a
    young adult leaving home has their own wage as income, a household the facts' income."""
    d = deciders[units]
    hh = pop.household[d]
    solo = leaving[units]
    own = pop.employed[d] * v.wage[pop.kommune[d]]
    return Decisions(pid=pop.pid[d].copy(), types=types[units],
                     family=v.facts.with_children[hh] & ~solo,
                     origin=pop.kommune[d].astype(np.int64), destination=dest[units],
                     home=home[units], tie_kommune=sparse.kommune[units, :-1],
                     tie_count=sparse.ties[units, :-1],
                     member_ages=[pop.age[rows[inverse == u]].copy() for u in units],
                     income=np.where(solo, own, v.facts.income[hh]))


def _settle_in(pop: Population, rows: np.ndarray, origin: np.ndarray, dest: np.ndarray,
               v: MoveInputs, params: ParameterSet, households: np.ndarray | None = None
               ) -> None:
    """Apply moves: kommune, tenure, jobs, Returnee status (``households``: whose facts
    hold for each row, its own household's unless given)."""
    pop.set_kommune(rows, dest)
    hh = pop.household[rows] if households is None else households
    known = hh < len(v.facts.income)          # young adults who just left home are not
    own = pop.employed[rows] * v.wage[origin]
    income = np.where(known, v.facts.income[np.minimum(hh, len(v.facts.income) - 1)], own)
    pop.owner[rows] = (pop.owner[rows] == 1) & housing.can_borrow(v.price[dest], income, params)
    new_region = v.region[dest] != v.region[origin]
    lose_job = new_region & (pop.employed[rows] == 1) & ~pop.remote[rows]
    pop.employed[rows[lose_job]] = 0
    pop.sector[rows[lose_job]] = -1
    update_returnees(pop, rows)


def update_returnees(pop: Population, rows: np.ndarray) -> None:
    """Norwegian-born movers back in their home kommune are Returnees; others Residents."""
    native = pop.kind[rows] != Kind.IMMIGRANT
    home = (pop.home[rows] == pop.kommune[rows]) & (pop.home[rows] != NO_KOMMUNE)
    pop.kind[rows[native & home]] = Kind.RETURNEE
    pop.kind[rows[native & ~home]] = Kind.RESIDENT

