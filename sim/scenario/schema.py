"""The schema of a scenario file: every field, its default, and what it may hold.

A scenario is validated by pydantic before anything runs (``sim.scenario.files`` reads the
file and its ``extends:``); a bad one raises one ``ScenarioError`` (``sim.scenario.errors``)
whose message names the file, the field path and what is allowed.

The area simulated is ``geography``: all of embedded Norway (the default), a subset of it by
kommune, fylke or commuting region, or an inline landscape of made-up kommuner (classrooms,
tests). ``sim.world.landscape`` turns it into the model's geography and start population.

Every number has a plausible range with its unit (``sim.scenario.bounds``, ranges of
parameters as data in their files), checked before anything runs.
"""

from __future__ import annotations

import difflib
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    NonNegativeInt,
    PositiveFloat,
    PositiveInt,
    Tag,
    field_validator,
    model_validator,
)

from sim import parameters
from sim.policies.base import ZONES
from sim.scenario import bounds as rng
from sim.scenario.bounds import FIRST_PATH_YEAR, LAST_END_YEAR, bounded, problem
from sim.scenario.capacity import CapacityScores
from sim.scenario.codes import (
    MAX_LABEL,
    closest,
    fylke_exists,
    kommune_exists,
    quoted,
    region_exists,
)
from sim.scenario.errors import refuse, shown
from sim.scenario.overrides import is_number, value_problem

# Years a scenario can start: population by age in the embedded data on 1 January (the data
# also holds 2015 and 2025, for the validation only)
START_YEARS = (2006, 2016, 2026)
MIN_KOMMUNER = 2   # domestic moves need somewhere else to go
MAX_TEXT = 10_000  # characters of a description
__all__ = ["FIRST_PATH_YEAR", "LAST_END_YEAR"]   # imported from here by others


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


# ----- the national flows -------------------------------------------------------------------
class Immigration(Strict):
    """National immigration per year (persons)."""

    alternative: Literal["main", "low", "high", "zero", "observed"] = Field(
        "main", description="SSB-style path (parameters immigration.total_<alternative>), "
        "'zero', or 'observed' (SSB, 2006–2025, for backcasts)")
    yearly: dict[int, NonNegativeInt] | None = Field(
        None, description="explicit immigration per calendar year; overrides 'alternative'")


class Emigration(Strict):
    """National emigration: age- and origin-specific rates, or fixed yearly totals."""

    alternative: Literal["rates", "observed"] = Field(
        "rates", description="'rates' (parameters emigration.*) or 'observed' totals (SSB)")
    yearly: dict[int, NonNegativeInt] | None = Field(
        None, description="explicit emigration per calendar year; rates are scaled to it")


TFR_PARAMETER = "demography.fertility_tfr"   # its file holds the plausible range
Tfr = Annotated[PositiveFloat, bounded(*rng.tree_range(TFR_PARAMETER))]
PathYear = Annotated[int, bounded(FIRST_PATH_YEAR, LAST_END_YEAR, "", rng.YEARS_WHY)]


class Fertility(Strict):
    """Total fertility rate (children per woman); default: parameter demography.fertility_tfr."""

    tfr: Tfr | Annotated[dict[PathYear, Tfr], Field(min_length=1)] | None = None


# ----- geography: which kommuner are simulated ----------------------------------------------
KommuneNumber = Annotated[str, BeforeValidator(quoted("kommunenummer", 4, "5001")),
                          AfterValidator(kommune_exists)]
FylkeNumber = Annotated[str, BeforeValidator(quoted("fylkesnummer", 2, "50")),
                        AfterValidator(fylke_exists)]
RegionCode = Annotated[int, AfterValidator(region_exists)]


class NorwayArea(Strict):
    """Embedded Norway: all 357 kommuner, or the union of the kommuner, fylker and
    commuting regions given."""

    kind: Literal["norway"] = "norway"
    kommuner: list[KommuneNumber] | None = Field(
        None, description="kommunenummer (quoted 4-digit strings, 2024 borders)")
    fylker: list[FylkeNumber] | None = Field(
        None, description="fylkesnummer (quoted 2-digit strings)")
    regions: list[RegionCode] | None = Field(
        None, description="commuting (BA) region codes (integers, SSB 2020 regions)")

    @model_validator(mode="after")
    def _selects_enough(self) -> NorwayArea:
        from sim.world.landscape import selected_kommuner

        if all(x is None for x in (self.kommuner, self.fylker, self.regions)):
            return self
        chosen = selected_kommuner(self)
        if len(chosen) == 0:
            raise refuse("", "the area selects no kommune: give at least one kommunenummer, "
                         "fylkesnummer or region, or leave all three out for all of Norway")
        if len(chosen) < MIN_KOMMUNER:
            k = chosen.iloc[0]
            raise refuse("", f"the area selects only {k['kommunenummer']} {k['name']}; "
                         f"domestic moves need at least {MIN_KOMMUNER} kommuner, so add its "
                         f"neighbours, e.g. regions: [{k['baregion_code']}] or "
                         f"fylker: ['{k['fylkesnummer']}']")
        return self


def _free_code(v: Any) -> Any:
    if not isinstance(v, str) or not v.strip() or len(v) > MAX_LABEL:
        raise ValueError(f"must be a non-empty string of at most {MAX_LABEL} characters (in "
                         f"quotes if it looks like a number), got {shown(v)}")
    return v


class LandscapeKommune(Strict):
    """One made-up kommune of an inline landscape."""

    kommunenummer: Annotated[str, BeforeValidator(_free_code)] = Field(
        description="any unique label, e.g. 'K01'")
    name: str = Field(min_length=1, max_length=MAX_LABEL)
    population: Annotated[PositiveInt, bounded(1, rng.MAX_KOMMUNE_POPULATION, "persons",
                                               rng.KOMMUNE_POPULATION_WHY)] = Field(
        description="persons on 1 January of start_year")
    lat: Annotated[float, bounded(-90, 90, "degrees north")] = Field(
        description="latitude of the centre, degrees north")
    lon: Annotated[float, bounded(-180, 180, "degrees east")] = Field(
        description="longitude of the centre, degrees east")
    centrality: int = Field(ge=1, le=6, description="SSB centrality class, 1 most central")
    region: Annotated[NonNegativeInt, bounded(0, rng.MAX_REGION_LABEL, "",
                                              rng.REGION_WHY)] = Field(
        description="commuting region: kommuner sharing a number form one labour market")
    area_km2: Annotated[PositiveFloat, bounded(*rng.AREA_KM2, "km2", rng.AREA_WHY)]
    age_profile: Literal["young", "balanced", "old"] = Field(
        "balanced", description="tilt of the national age structure (parameter "
        "geography.age_profile_tilt)")


class Landscape(Strict):
    """An inline landscape of made-up kommuner, for classrooms and tests."""

    kind: Literal["landscape"]
    kommuner: list[LandscapeKommune] = Field(
        max_length=rng.MAX_LANDSCAPE_KOMMUNER, description=f"at least {MIN_KOMMUNER} made-up "
        f"kommuner (at most {rng.MAX_LANDSCAPE_KOMMUNER}; Norway has 357)")

    @model_validator(mode="after")
    def _enough_unique_kommuner(self) -> Landscape:
        if len(self.kommuner) < MIN_KOMMUNER:
            raise refuse("kommuner", f"a landscape needs at least {MIN_KOMMUNER} kommuner "
                         f"(domestic moves need somewhere to go), got {len(self.kommuner)}")
        seen: dict[str, int] = {}
        for i, k in enumerate(self.kommuner):
            if k.kommunenummer in seen:
                raise refuse(f"kommuner.{i}.kommunenummer",
                             f"'{k.kommunenummer}' is already used by kommuner"
                             f"[{seen[k.kommunenummer]}]; each kommunenummer must be unique")
            seen[k.kommunenummer] = i
        total = sum(k.population for k in self.kommuner)
        bad = problem(total, 0, rng.MAX_LANDSCAPE_POPULATION, "persons",
                      rng.LANDSCAPE_POPULATION_WHY)
        if bad:
            raise refuse("kommuner", f"the landscape's population {bad}")
        return self


def _geography_kind(v: Any) -> str | None:
    if isinstance(v, dict):
        return v.get("kind", "norway")
    return getattr(v, "kind", None)


GeographySpec = Annotated[
    Annotated[NorwayArea, Tag("norway")] | Annotated[Landscape, Tag("landscape")],
    Discriminator(_geography_kind, custom_error_type="geography_kind",
                  custom_error_message="must be a mapping with kind: norway (the default; "
                  "optionally kommuner, fylker, regions) or kind: landscape (with kommuner)"),
]


# ----- policies and shocks ------------------------------------------------------------------
SHOCK_FIRMS = ("cornerstone", "largest", "primary", "manufacturing", "construction", "visitor",
               "household_services", "knowledge", "public")


def _policy_types() -> dict:
    from sim.policies import REGISTRY

    return REGISTRY


def _known_policy_type(v: str) -> str:
    types = _policy_types()
    if v not in types:
        close = difflib.get_close_matches(str(v), list(types), n=1)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        raise ValueError(f"unknown policy type '{v}'{hint}; allowed: {', '.join(types)}")
    return v


class Where(Strict):
    """The kommuner a policy touches: the union of those given (at least one)."""

    kommuner: list[Annotated[str, BeforeValidator(quoted("kommunenummer", 4, "5014"))]] | None \
        = Field(None, description="kommunenummer (quoted), or a landscape's kommune labels")
    fylker: list[FylkeNumber] | None = Field(None, description="fylkesnummer (quoted)")
    zone: Literal[ZONES] | None = Field(
        None, description="a named zone: finnmark-nord-troms (the tiltakssone), or an "
                          "arbeidsgiveravgift zone aga-I, aga-Ia, aga-II, aga-III, aga-IV, "
                          "aga-IVa or aga-V")
    centrality: list[Annotated[int, Field(ge=1, le=6)]] | None = Field(
        None, description="SSB centrality classes 1 (most central) to 6")


class PolicySpec(Strict):
    """One policy: its type, where and when it is in force, and its parameters."""

    type: Annotated[str, AfterValidator(_known_policy_type)] = Field(
        description="the policy (see sim/params/policies for each type's parameters)")
    where: Where = Field(description="kommuner, fylker, zone or centrality classes")
    from_year: int | None = Field(None, description="first year in force (default start_year)")
    to_year: int | None = Field(None, description="last year in force (default end_year - 1)")
    parameters: dict[str, Any] = Field(
        default_factory=dict, description="overrides of the type's default parameters")
    from_kommune: Annotated[str, BeforeValidator(quoted("kommunenummer", 4, "0301"))] | None \
        = Field(None, exclude_if=lambda v: v is None, description="state_jobs: the kommune "
                "the jobs move from (it loses them); leave out for new jobs")

    @model_validator(mode="after")
    def _known_policy_parameters(self) -> PolicySpec:
        from sim.policies.base import defaults, units

        known, unit = defaults(self.type), units(self.type)
        for name, value in self.parameters.items():
            if name not in known:
                close = difflib.get_close_matches(name, list(known), n=1)
                hint = f" (did you mean '{close[0]}'?)" if close else ""
                raise refuse(("parameters", name), f"unknown parameter of {self.type}{hint}; "
                             "allowed: " + ", ".join(f"{k} ({unit.get(k, '')})" for k in known))
            if not (is_number(value) or isinstance(value, bool)):   # yes/no counts as 1/0
                raise refuse(("parameters", name), f"must be a number ({unit.get(name, '')}); "
                             f"got {shown(value)}")
            bad = rng.policy_problem(self.type, name, value)
            if bad:
                raise refuse(("parameters", name), bad)
        return self


class ShockSpec(Strict):
    """A firm in a kommune closes (jobs < 0) or opens (jobs > 0) jobs in one year."""

    kommune: Annotated[str, BeforeValidator(quoted("kommunenummer", 4, "1836"))] = Field(
        description="kommunenummer (quoted), or a landscape's kommune label")
    year: int = Field(description="the calendar year it happens")
    jobs: int = Field(description="jobs (persons) opened, negative = closed")
    firm: Literal[SHOCK_FIRMS] = Field(  # type: ignore[valid-type]
        "cornerstone", description="the cornerstone firm (else the largest basic-sector firm), "
        "the largest basic-sector firm, or a sector's firm")
    description: str = ""


# ----- the scenario -------------------------------------------------------------------------
class Scenario(Strict):
    """One simulation experiment."""

    extends: str | None = Field(None, exclude=True, description="another scenario file this "
                                "one builds on (path relative to this file); its fields are "
                                "overridden by this file's")
    name: str = Field(description="short name, used in outputs and as the default run folder "
                      "runs/<name>: letters, digits, '.', '_', '-'")
    description: str = Field("", max_length=MAX_TEXT)
    start_year: int = Field(2026, description="1 January the run starts from")
    end_year: int = Field(2050, description="1 January the run ends at")
    seed: Annotated[int, bounded(0, rng.MAX_SEED, "", rng.SEED_WHY)] = Field(
        1, description="seed of the model's random generator")
    persons_per_agent: Annotated[PositiveInt, bounded(1, rng.MAX_PERSONS_PER_AGENT,
                                                      "persons per agent", rng.PPA_WHY)] = Field(
        1, description="persons one agent stands for")
    geography: GeographySpec = Field(default_factory=NorwayArea,
                                     description="the area simulated")
    immigration: Immigration = Immigration()
    emigration: Emigration = Emigration()
    fertility: Fertility = Fertility()
    parameters: dict[str, Any] = Field(
        default_factory=dict, description="overrides of the parameter tree by dotted name")
    policies: list[PolicySpec] = Field(default_factory=list, description="policies in force")
    shocks: list[ShockSpec] = Field(default_factory=list, description="firm closures and "
                                    "openings")
    capacity: dict[Annotated[str, BeforeValidator(quoted("kommunenummer", 4, "5014"))],
                   CapacityScores] = Field(
        default_factory=dict, exclude_if=lambda v: not v,   # absent: files stay as they were
        description="kommuner's own capacity diamond (kommunenummer: five scores 1–5), "
                    "replacing the drawn scores that set how much of a kommune-run policy "
                    "it delivers")
    focus: list[Annotated[str, BeforeValidator(quoted("kommunenummer", 4, "5014"))]] = Field(
        default_factory=list, exclude_if=lambda v: not v, max_length=rng.MAX_FOCUS,
        description="kommuner whose commuting regions run at one agent per person, the rest "
                    "at persons_per_agent (sim/world/scale.py)")

    @field_validator("name")
    @classmethod
    def _safe_name(cls, v: str) -> str:
        bad = rng.name_problem(v)
        if bad:
            raise refuse((), bad)
        return v

    @field_validator("start_year")
    @classmethod
    def _start_year(cls, v: int) -> int:
        if v not in START_YEARS:
            raise ValueError(f"must be one of {list(START_YEARS)} (years with population by "
                             f"age in the embedded data), got {v}")
        return v

    @field_validator("parameters")
    @classmethod
    def _known_parameters(cls, v: dict[str, Any]) -> dict[str, Any]:
        known = parameters.default_names()
        for name, value in v.items():
            if name not in known:
                close = difflib.get_close_matches(name, known, n=3)
                hint = f"; did you mean {', '.join(close)}?" if close else ""
                raise refuse((name,), f"unknown parameter{hint} (the names are the files under "
                             "sim/params, with dots)")
            bad = value_problem(name, value) or rng.parameter_problem(name, value)
            if bad:
                raise refuse((name,), bad)
        return v

    @model_validator(mode="after")
    def _years(self) -> Scenario:
        if not self.start_year < self.end_year <= LAST_END_YEAR:
            raise refuse("end_year", f"must be after start_year ({self.start_year}) and at "
                         f"most {LAST_END_YEAR}, got {self.end_year}")
        first, last = self.start_year, self.end_year - 1
        for label, spec in (("immigration", self.immigration), ("emigration", self.emigration)):
            if spec.alternative == "observed" and self.end_year > 2026:
                raise refuse(f"{label}.alternative", "'observed' covers 2006–2025 only; "
                             f"end_year must be at most 2026, got {self.end_year}")
            for year in spec.yearly or {}:
                if not first <= year <= last:
                    raise refuse(f"{label}.yearly.{year}", f"year {year} is outside the run: "
                                 f"allowed {first}–{last} (start_year to end_year − 1)")
        self._check_policies()
        self._check_capacity()
        from sim.world.landscape import area_table

        bad = rng.area_problem(self, area_table(self.geography))
        if bad:
            raise refuse(*bad)
        return self

    def _check_capacity(self) -> None:
        """Own capacity scores and the focus: for kommuner of the simulated area."""
        if self.capacity or self.focus:
            from sim.world.landscape import area_table

            table = area_table(self.geography)
            names = dict(zip(table["kommunenummer"].astype(str), table["name"].astype(str),
                             strict=True))
            for code in self.capacity:
                _in_area(code, names, ("capacity", code))
            for i, code in enumerate(self.focus):
                _in_area(code, names, ("focus", i))

    def _check_policies(self) -> None:
        """Policies and shocks: places in the simulated area, years in the run, no twins."""
        from sim.policies.base import area_mask
        from sim.world.landscape import area_table

        if not self.policies and not self.shocks:
            return
        first, last = self.start_year, self.end_year - 1
        table = area_table(self.geography)
        codes = table["kommunenummer"].astype(str).tolist()
        names = dict(zip(codes, table["name"].astype(str), strict=True))
        fylker = table["fylkesnummer"].astype(str).tolist()
        centrality = table["sentralitetsklasse"].to_numpy()

        def in_run(year: int, at: tuple) -> None:
            if not first <= year <= last:
                raise refuse(at, f"year {year} is outside the run: allowed {first}–{last} "
                             "(start_year to end_year − 1)")

        placed = []
        for i, p in enumerate(self.policies):
            w = p.where
            for j, code in enumerate(w.kommuner or []):
                _in_area(code, names, ("policies", i, "where", "kommuner", j))
            p_first = first if p.from_year is None else p.from_year
            p_last = last if p.to_year is None else p.to_year
            for label, year in (("from_year", p.from_year), ("to_year", p.to_year)):
                if year is not None:
                    in_run(year, ("policies", i, label))
            if p_first > p_last:
                raise refuse(("policies", i, "to_year"), f"must not be before from_year "
                             f"({p_first}); got {p_last}")
            mask = area_mask(w, codes, fylker, centrality)
            if not mask.any():
                given = all(x is None for x in (w.kommuner, w.fylker, w.zone, w.centrality))
                raise refuse(("policies", i, "where"), "the area is empty: " + (
                    "give kommuner, fylker, zone or centrality" if given else
                    "it selects no kommune of the simulated area"))
            for j, (q, q_mask, q_first, q_last) in enumerate(placed):
                if q == p.type and (q_mask & mask).any() and q_first <= p_last \
                        and p_first <= q_last:
                    raise refuse(("policies", i), f"{p.type} is already listed at "
                                 f"policies[{j}] for some of the same kommuner and years; "
                                 "merge the two entries or make their places or years apart")
            placed.append((p.type, mask, p_first, p_last))
            _check_origin(p, i, names, codes, mask)
        for i, sh in enumerate(self.shocks):
            _in_area(sh.kommune, names, ("shocks", i, "kommune"))
            in_run(sh.year, ("shocks", i, "year"))


def _check_origin(p: PolicySpec, i: int, names: dict, codes: list[str], mask) -> None:
    """``from_kommune``: for a type that moves jobs, in the area, outside the policy's own."""
    at = ("policies", i, "from_kommune")
    if p.from_kommune is not None and not getattr(_policy_types()[p.type], "takes_origin", 0):
        raise refuse(at, f"{p.type} moves no jobs, so it takes no from_kommune (remove it)")
    if p.from_kommune is not None:
        _in_area(p.from_kommune, names, at)
        if mask[codes.index(p.from_kommune)]:
            raise refuse(at, f"'{p.from_kommune}' is inside the policy's own area (where): "
                         "the jobs would not move; name a kommune outside it")


def _in_area(code: str, names: dict[str, str], at: tuple) -> None:
    """Refuse ``code`` at ``at`` if it is not a kommune of the simulated area (``names``)."""
    if code not in names:
        hint = closest(code, names)
        raise refuse(at, f"no kommune '{code}' in the simulated area"
                     + (f"; closest: {', '.join(hint)}" if hint else ""))
