"""The destination choice of movers: utility terms, the random-utility draw, and the reason.

A mover (a household, or a young adult leaving home) chooses among all other kommuner by a
multinomial logit. The utility of destination d has named terms:

* ``job``: job prospects in d's commuting region (its size and how many jobs are open),
  weighted by life stage and by whether the mover has a job;
* ``housing``: the cost of housing for the mover's tenure (rent, or the owner's user cost of
  the price) and whether dwellings are available;
* ``place``: urban amenities (the young), nature and room, schools (families), services
  (the old), and the kommune's calibrated place effect;
* ``policy``: what policies in force in d add (tax relief, relocation bonus, …);
* ``ties``: the mover's social ties living in d;
* ``home``: the pull of the kommune a Norwegian-born mover grew up in;
* ``study`` (students only, ``sim.processes.students``): the pull of a study town;
* ``community`` (immigrant movers only): how many earlier immigrants live within reach of
  d (for families and adults the city region around it, for the young d itself), the
  communities and networks immigrants move to (counted as a ``ties`` reason);
* distance from the origin is a moving cost, and the number of dwellings a size measure (how
  many places to live a kommune holds); neither is a reason.

Staying is one of the choices (a move within the kommune), so ties and home hold people too.

Movers are grouped into types (sex group × origin × life stage × tenure × employment, origin
being Norwegian-born or immigrant; students are a life stage that weighs places as the young
do; the sex group says whose preferences the choice holds: a woman or women alone, a man or
men alone, or a household with adults of both sexes, whose weights are the mean of the two,
so neither partner's preferences drop out of the household's choice); the dense terms are
arrays
``[type, kommune]``. Ties and home touch only a few kommuner per mover, so they are added as
sparse corrections to the type's base probabilities: exact, and fully vectorised.

The reason recorded for a move is the named term with the largest utility gain from origin to
destination, or ``other`` when no named term improves (the move came from personal taste,
the random part of utility).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.parameters import ParameterSet
from sim.processes import choice_kernels

STAGES = ("young", "family", "adult", "senior", "student")
WEIGHS_AS = {"student": "young"}   # students weigh places as other young movers do
# years: a mover without children is young up to this age (docs/source-material.md#model-shape)
YOUNG_MAX_AGE = 29
SENIOR_MIN_AGE = 67   # years: and a senior from this one (the general retirement age, NAV)
# years: the working ages, from the end of most education to retirement (being without work
# pushes a move at these ages)
WORKING_AGES = (20, SENIOR_MIN_AGE - 1)
REASONS = ("job", "housing", "ties", "place", "home", "policy", "study", "other")
# whose preferences a mover's choice holds: adults of both sexes, women only, men only
SEX_GROUPS = ("both", "women", "men")
# sex group x origin (Norwegian-born, immigrant) x stage x tenure (renter, owner) x
# employment (no, yes)
N_TYPES = len(SEX_GROUPS) * 2 * len(STAGES) * 2 * 2


def life_stage(age: np.ndarray, family: np.ndarray,
               student: np.ndarray | None = None) -> np.ndarray:
    """Index into STAGES: ``family`` when the mover has children with them, ``student`` for
    students (``sim.education.is_student``), else by age."""
    stage = np.where(family, 1, np.where(age <= YOUNG_MAX_AGE, 0,
                                         np.where(age >= SENIOR_MIN_AGE, 3, 2)))
    return stage if student is None else np.where(student & ~family,
                                                  STAGES.index("student"), stage)


def weighs_as(stage: str) -> str:
    """The life stage whose weights (parameter tables by stage) ``stage`` uses."""
    return WEIGHS_AS.get(stage, stage)


def type_index(stage: np.ndarray, owner: np.ndarray, employed: np.ndarray,
               immigrant: np.ndarray | int = 0, sex_group: np.ndarray | int = 0
               ) -> np.ndarray:
    group_origin = (np.asarray(sex_group).astype(np.int64) * 2
                    + np.asarray(immigrant).astype(np.int64))
    return ((group_origin * len(STAGES) + stage) * 2 + owner.astype(np.int64)) * 2 + (
        employed.astype(np.int64))


def type_parts(t: np.ndarray | int):
    """(stage, owner, employed) of type index ``t``."""
    return (t // 4) % len(STAGES), (t // 2) % 2, t % 2


def immigrant_type(t: np.ndarray | int):
    """1 where type index ``t`` is an immigrant mover's type, else 0."""
    return (t // (4 * len(STAGES))) % 2


def sex_group_of_type(t: np.ndarray | int):
    """Index into SEX_GROUPS of type index ``t``."""
    return t // (8 * len(STAGES))


@dataclass
class PlaceView:
    """What movers see of every kommune this year (arrays over kommuner)."""

    job_size: np.ndarray        # log jobs in the commuting region
    job_tightness: np.ndarray   # open jobs per job in the region
    cost_renter: np.ndarray     # NOK per year
    cost_owner: np.ndarray      # NOK per year
    vacancy: np.ndarray         # share of dwellings empty
    dwellings: np.ndarray       # dwellings (agents' households)
    amenity: np.ndarray         # 0..1
    nature: np.ndarray          # 0..1
    school_access: np.ndarray   # log schools open relative to the start
    service: np.ndarray         # service level, 1 = as at the start
    place_effect: np.ndarray    # calibrated utility
    place_effect_young: np.ndarray  # calibrated utility young movers add to it
    place_effect_family: np.ndarray  # calibrated utility families add to it
    policy: np.ndarray          # [type, kommune] utility from policies in force
    community: np.ndarray       # [stage, kommune] log immigrants within reach, relative
    study: np.ndarray           # utility a student gets from a study town (0 elsewhere)


def stage_weight(params: ParameterSet, name: str) -> np.ndarray:
    """The weight ``migration.stage_weights[name]`` of each mover type, [type, 1], times
    the sex factor ``migration.sex_weight_factors[name]`` for the stages it names (women or
    men alone their own factor, both sexes the mean of the two)."""
    t = np.arange(N_TYPES)
    stage, _, _ = type_parts(t)
    w = params.value("migration.stage_weights")
    base = np.array([float(w[name][weighs_as(STAGES[s])]) for s in stage])
    return (base * sex_factor(params, name)[sex_group_of_type(t), stage])[:, None]


def sex_factor(params: ParameterSet, name: str) -> np.ndarray:
    """[sex group, stage]: the factor on the weight ``name`` (1 where the parameter does not
    name the stage or the term)."""
    f = params.value("migration.sex_weight_factors")
    out = np.ones((len(SEX_GROUPS), len(STAGES)))
    for s, stage in enumerate(STAGES):
        by_sex = f.get(name, {}).get(weighs_as(stage))
        if by_sex:
            women, men = float(by_sex["women"]), float(by_sex["men"])
            out[:, s] = ((women + men) / 2, women, men)
    return out


def dense_terms(view: PlaceView, params: ParameterSet) -> dict[str, np.ndarray]:
    """Utility terms by name as arrays [type, kommune] (destination side only)."""
    t = np.arange(N_TYPES)
    stage, owner, employed = type_parts(t)
    job_w = np.where(employed == 1, stage_weight(params, "job_employed")[:, 0],
                     stage_weight(params, "job_seeking")[:, 0])[:, None]
    job = job_w * (params.value("migration.job_size_coefficient") * view.job_size
                   + params.value("migration.job_tightness_coefficient") * view.job_tightness)
    cost = np.where(owner[:, None] == 1, view.cost_owner[None, :], view.cost_renter[None, :])
    availability = availability_term(view.vacancy, params)
    housing = (-params.value("migration.housing_cost_coefficient")
               * np.log(cost / np.mean(view.cost_renter)) + availability[None, :])
    parts = place_parts(view, params)
    place = (parts["amenity"] + parts["nature"] + parts["school"] + parts["service"]
             + parts["place_effect"])
    # the number of dwellings measures how many elementary alternatives a kommune holds
    # (a size measure, coefficient 1 in theory); it is not a reason for moving
    size = params.value("migration.size_coefficient") * np.log(np.maximum(view.dwellings, 1.0))
    community = (immigrant_type(t)[:, None]
                 * params.value("migration.community_coefficient") * view.community[stage])
    study = (stage == STAGES.index("student"))[:, None] * view.study[None, :]
    return {"job": job, "housing": housing, "place": place, "policy": view.policy,
            "study": study,
            "size": np.broadcast_to(size[None, :], job.shape), "community": community}


def place_parts(view: PlaceView, params: ParameterSet) -> dict[str, np.ndarray]:
    """The parts of the ``place`` term by name, [type, kommune]: urban amenities, nature and
    room, schools, services, and the calibrated place effect (with its young part for the
    types that weigh places as the young do, its family part for families); ``dense_terms``
    adds them in this order."""
    stage, _, _ = type_parts(np.arange(N_TYPES))
    young = np.array([weighs_as(STAGES[s]) == "young" for s in stage])
    family = stage == STAGES.index("family")
    return {"amenity": stage_weight(params, "amenity") * view.amenity,
            "nature": stage_weight(params, "nature") * view.nature,
            "school": stage_weight(params, "school") * view.school_access,
            "service": (stage_weight(params, "service")
                        * np.log(np.maximum(view.service, 1e-3))),
            "place_effect": (view.place_effect[None, :]
                             + young[:, None] * view.place_effect_young[None, :]
                             + family[:, None] * view.place_effect_family[None, :])}


def distinct_types(terms: dict[str, np.ndarray]) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Mover types whose utilities are the same share one row of the choice table: returns
    each type's row and the terms of one type per row (for ``base_cumulative``). Types differ
    by sex only where a weight does, so most sex groups share their rows. Rows are numbered
    in the order their first type comes (types whose utilities are equal to the bit share
    one; a dictionary of each type's bytes, where a sort of the rows took milliseconds)."""
    total = np.ascontiguousarray(sum(terms.values()))
    number: dict[bytes, int] = {}
    row = np.array([number.setdefault(t.tobytes(), len(number)) for t in total], np.int64)
    first = np.unique(row, return_index=True)[1]           # the first type of each row
    return row, {name: np.asarray(v)[first] for name, v in terms.items()}


def availability_term(vacancy: np.ndarray, params: ParameterSet) -> np.ndarray:
    """Utility of free dwellings in a kommune (per kommune); a mover who stays keeps their
    home, so staying does not count it (see ``base_cumulative``)."""
    return params.value("migration.vacancy_coefficient") * np.log(
        vacancy + params.value("migration.vacancy_floor"))


def distance_cost(distance_km: np.ndarray, params: ParameterSet) -> np.ndarray:
    return -params.value("migration.distance_coefficient") * np.log1p(
        distance_km / params.value("migration.distance_scale_km"))


def base_cumulative(terms: dict[str, np.ndarray], distance: np.ndarray,
                    stay_utility: float, availability: np.ndarray,
                    rows: np.ndarray | None = None) -> np.ndarray:
    """Cumulative base choice probabilities (no ties, no home): [type, origin, destination],
    or, given ``rows`` (type * k + origin), only those rows, [row, destination] (a year's
    movers need a fraction of the table; each row is the same either way).

    Staying (moving within one's own kommune) is one of the choices, with the origin's own
    utility plus ``stay_utility``, less the availability of free dwellings (a stayer keeps
    their home): with few or poor alternatives most movers stay, so a small landscape does
    not empty its city into its villages, and a full housing market does not push people
    out of homes they have."""
    total = np.ascontiguousarray(sum(terms.values()), dtype=np.float64)   # [type, dest]
    n_t, k = total.shape
    stay = np.ascontiguousarray(stay_utility - availability, dtype=np.float64)
    wanted = np.arange(n_t * k) if rows is None else np.asarray(rows, dtype=np.int64)
    p = choice_kernels.exp_utilities(total, np.ascontiguousarray(distance, np.float64), stay,
                                     wanted)
    cum = choice_kernels.cumulative(p, p.sum(axis=1, keepdims=True))
    return cum.reshape(n_t, k, k) if rows is None else cum


@dataclass
class BaseChoice:
    """What the base choice probabilities of a year are made from (``base_cumulative``): the
    terms of one mover type per row (``distinct_types``), the distance cost, the stay utility
    and the availability of free dwellings."""

    terms: dict[str, np.ndarray]
    distance: np.ndarray
    stay_utility: float
    availability: np.ndarray

    def for_movers(self, row_of_type: np.ndarray, types: np.ndarray, origins: np.ndarray
                   ) -> tuple[np.ndarray, np.ndarray]:
        """The cumulative base probabilities of the rows (type, origin) the movers need, each
        computed once, and each mover's row in them: a year's movers use a fraction of the
        table (a sixth in a focus run), and each row is the same as in the whole table."""
        k = self.distance.shape[0]
        ids = row_of_type[types].astype(np.int64) * k + origins
        needed = np.zeros(len(next(iter(self.terms.values()))) * k, dtype=bool)
        needed[ids] = True
        wanted = np.flatnonzero(needed)
        position = np.zeros(len(needed), dtype=np.int64)
        position[wanted] = np.arange(len(wanted))
        flat = base_cumulative(self.terms, self.distance, self.stay_utility,
                               self.availability, wanted)
        return flat, position[ids]


@dataclass
class Sparse:
    """Per mover: the few kommuner with an extra pull (ties, home) and its size in utility."""

    kommune: np.ndarray   # [n, slots], -1 = unused
    delta: np.ndarray     # [n, slots] utility added in that kommune
    ties: np.ndarray      # [n, slots] ties counted in that kommune (for reasons)


def sparse_pulls(tie_runs: tuple[np.ndarray, np.ndarray], home: np.ndarray,
                 params: ParameterSet) -> Sparse:
    """Each mover's tie kommuner (one slot per kommune, with its number of ties; from
    ``sim.network.tie_kommune_runs``) and home kommune (in the same slot if ties live there
    too, else in an extra slot)."""
    tie_kommune, counts = tie_runs
    kommune, delta, ties = choice_kernels.sparse_slots(
        tie_kommune, counts, home, _log1p_table(counts),
        float(params.value("migration.ties_coefficient")),
        float(params.value("migration.home_coefficient")))
    return Sparse(kommune, delta, ties)


def _log1p_table(counts: np.ndarray) -> np.ndarray:
    """``np.log1p(c)`` for every count c up to the largest row total of ``counts``."""
    most = int(counts.sum(axis=1).max(initial=0)) if counts.ndim == 2 else 0
    return np.log1p(np.arange(most + 1, dtype=np.int64))


def draw(flat: np.ndarray, rows: np.ndarray, sparse: Sparse, rng: np.random.Generator
         ) -> np.ndarray:
    """Destination per mover from softmax(base + sparse pulls), exactly and vectorised;
    ``flat[rows]`` are the movers' cumulative base probabilities (``base_cumulative``).

    With base probabilities p and extra pulls delta_s in a few kommuner s, the choice is a
    mixture: the base distribution with weight 1/Z, kommune s with weight p_s (e^delta_s - 1)/Z,
    where Z = 1 + sum_s p_s (e^delta_s - 1)."""
    rows = np.asarray(rows, dtype=np.int64)
    extra = choice_kernels.slot_extras(flat, rows, sparse.kommune, sparse.delta)
    z = 1.0 + extra.sum(axis=1)
    u = rng.random(len(rows)) * z
    base = u < 1.0
    dest = np.empty(len(rows), dtype=np.int64)
    dest[base] = choice_kernels.base_destination(flat, rows[base], u[base])
    pick = ((u[~base] - 1.0)[:, None] > np.cumsum(extra[~base], axis=1)).sum(axis=1)
    dest[~base] = sparse.kommune[~base][np.arange(int((~base).sum())),
                                        np.minimum(pick, sparse.kommune.shape[1] - 1)]
    return dest


def reasons(terms: dict[str, np.ndarray], types: np.ndarray, origins: np.ndarray,
            dest: np.ndarray, sparse: Sparse, home: np.ndarray,
            params: ParameterSet) -> np.ndarray:
    """Index into REASONS of the term with the largest utility gain from origin to dest."""
    stacked = np.zeros((len(REASONS), N_TYPES, terms["job"].shape[1]))
    community = np.zeros(stacked.shape[1:])
    for i, name in enumerate(REASONS):
        if name in terms:
            stacked[i] = terms[name]
    if "community" in terms:      # immigrants' networks count as ties
        community[:] = terms["community"]
    return choice_kernels.reason_gains(
        stacked, np.asarray(types, np.int64), np.asarray(origins, np.int64),
        np.asarray(dest, np.int64), sparse.kommune, sparse.ties, np.asarray(home, np.int64),
        _log1p_table(sparse.ties), float(params.value("migration.ties_coefficient")),
        float(params.value("migration.home_coefficient")), community,
        REASONS.index("ties"), REASONS.index("home"), REASONS.index("other"))
