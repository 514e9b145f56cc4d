"""The plausible range of every number a scenario holds, and the one message a number outside
it gets: ``must be between LOW and HIGH UNIT (WHY); got VALUE``. Non-finite numbers (``.nan``,
``.inf``) are refused everywhere.

Ranges that belong to a parameter are data, next to its unit and source: each policy's file
``sim/params/policies/<type>.yaml`` has ``bounds: {parameter: {min, max, why}}``, and any
parameter file of the tree may have ``bounds: {min, max, why}`` for all its numbers. A tree
parameter without one gets a rule from its unit and default (``tree_range``): shares 0–1,
calendar years ``FIRST_PATH_YEAR``–``LAST_END_YEAR``, else the sign of the default and at
most ``DEFAULT_FACTOR`` times its largest magnitude. The scenario's own fields have their
ranges here, as named constants with their reasons; those that depend on the simulated area
(persons per agent, yearly flows, shock jobs) are checked by ``area_problem``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from typing import Any

from pydantic import AfterValidator

from sim import parameters
from sim.scenario.errors import refuse, shown

FIRST_PATH_YEAR = 1900  # a parameter whose keys are all years from here is a yearly path
LAST_END_YEAR = 2100
YEARS_WHY = "years of a path"
MAX_SEED = 2**31 - 1        # the largest seed a run, ensemble or comparison may use
SEED_WHY = ("seeds are kept as 32-bit integers; an ensemble's or a comparison's seeds (seed, "
            "seed + 1, …) must stay within the same range")
MAX_PERSONS_PER_AGENT = 10_000
MAX_FOCUS = 357          # kommuner in a focus (all of Norway's)
PPA_WHY = "an agent must stand for fewer persons than the smallest simulated kommune has"
MAX_FLOW_SHARE = 0.10   # yearly immigration or emigration, share of the area's population
FLOW_WHY = ("at most {share:.0%} of the area's {population:,} inhabitants a year; Norway's "
            "immigration is under 1.5 %")
MAX_KOMMUNE_POPULATION = 1_000_000
KOMMUNE_POPULATION_WHY = "Norway's largest kommune, Oslo, has about 720,000"
MAX_LANDSCAPE_POPULATION = 6_000_000
LANDSCAPE_POPULATION_WHY = "about all of Norway (5.6 million), the most the model is made for"
MAX_LANDSCAPE_KOMMUNER = 400     # Norway has 357
AREA_KM2 = (1.0, 50_000.0)
AREA_WHY = "Norway's kommuner range from about 6 to 9,700 km2"
MAX_REGION_LABEL = 9_999
REGION_WHY = "a label of at most four digits"
SHOCK_JOBS_WHY = "a firm cannot close or open more jobs than {name} has inhabitants"
DEFAULT_FACTOR = 10     # a tree parameter without bounds: at most this times its default
SHARE_UNITS = ("share", "index 0..1")
NAME_CHARACTERS = re.compile(r"[\w-][\w.-]{0,99}")   # letters, digits, _ . -; not a leading .
NAME_WHY = ("letters, digits, '.', '_' and '-', not starting with '.', at most 100 characters "
            "(the run folder is runs/<name>)")


def _number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def _fmt(x: float) -> str:
    return f"{int(x):,}" if float(x).is_integer() and abs(x) < 1e15 else f"{x:g}"


def problem(value: Any, low: float, high: float, unit: str, why: str = "") -> str | None:
    """Why ``value`` is outside ``low``–``high`` (or not finite), or None if it is inside (or
    not a number: a wrong type is refused elsewhere)."""
    if not (_number(value) or isinstance(value, bool)):
        return None
    if math.isfinite(value) and low <= value <= high:
        return None
    allowed = f"{_fmt(low)} and {_fmt(high)}{f' {unit}' if unit else ''}"
    reason = f" ({why})" if why else ""
    if math.isfinite(value) and value < 0 <= low:
        return f"must not be negative (allowed: between {allowed}{reason}); got {shown(value)}"
    return f"must be between {allowed}{reason}; got {shown(value)}"


def bounded(low: float, high: float, unit: str = "", why: str = "") -> AfterValidator:
    """A pydantic validator refusing a number outside ``low``–``high`` (or not finite)."""
    def check(value: Any) -> Any:
        message = problem(value, low, high, unit, why)
        if message:
            raise refuse((), message)
        return value
    return AfterValidator(check)


def name_problem(name: str) -> str | None:
    """Why ``name`` cannot name a run folder, or None."""
    if NAME_CHARACTERS.fullmatch(name):
        return None
    return f"must be {NAME_WHY}; got {shown(name)}"


# ----- the parameter tree and the policies --------------------------------------------------
def _numbers(value: Any) -> Iterator[float]:
    """Every number in a value (a scalar, or nested mappings and lists)."""
    if _number(value) or isinstance(value, bool):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _numbers(v)
    elif isinstance(value, list):
        for v in value:
            yield from _numbers(v)


def tree_range(name: str) -> tuple[float, float, str, str] | None:
    """``(low, high, unit, why)`` of every number of tree parameter ``name`` (None if its
    default holds no number)."""
    p = parameters._defaults()[name]
    b = p.extra.get("bounds")
    if b and "min" in b:
        return b["min"], b["max"], p.unit, b["why"]
    numbers = list(_numbers(p.values))
    if not numbers:
        return None
    low, high = min(numbers), max(numbers)
    if p.unit.startswith(SHARE_UNITS):
        return (-1.0 if low < 0 else 0.0), 1.0, p.unit, "a share"
    if p.unit == "calendar year":
        return FIRST_PATH_YEAR, LAST_END_YEAR, p.unit, ""
    big = DEFAULT_FACTOR * max(abs(low), abs(high))
    return ((-big if low < 0 else 0), (big if high > 0 else 0), p.unit,
            f"the default's sign, at most {DEFAULT_FACTOR} times its largest value")


def policy_range(kind: str, name: str) -> tuple[float, float, str, str]:
    """``(low, high, unit, why)`` of parameter ``name`` of policy type ``kind``."""
    p = parameters._defaults()[f"policies.{kind}"]
    b = p.extra["bounds"][name]
    return b["min"], b["max"], p.extra.get("units", {}).get(name, ""), b["why"]


def policy_problem(kind: str, name: str, value: Any) -> str | None:
    return problem(value, *policy_range(kind, name))


def parameter_problem(name: str, value: Any) -> str | None:
    """Why an override of tree parameter ``name`` is out of its range (None if it is not;
    its shape is checked by the schema)."""
    p = parameters._defaults()[name]
    yearly = isinstance(p.values, dict) and all(
        isinstance(y, int) and y >= FIRST_PATH_YEAR for y in p.values)
    for year in value if yearly and isinstance(value, dict) else ():
        bad = problem(year, FIRST_PATH_YEAR, LAST_END_YEAR, "", YEARS_WHY)
        if bad:
            return f"[{shown(year)}]: {bad}"
    per_key = p.extra.get("bounds")
    if per_key and "min" not in per_key:         # a policy's defaults: one range per key
        items = value.items() if isinstance(value, dict) else []
        return next((f"[{shown(k)}]: {m}" for k, v in items if k in per_key
                     and (m := policy_problem(name.removeprefix("policies."), k, v))), None)
    limits = tree_range(name)
    if limits is None:
        return None
    return next((m for v in _numbers(value) if (m := problem(v, *limits))), None)


# ----- the fields that depend on the simulated area -----------------------------------------
def area_problem(spec, table) -> tuple[tuple, str] | None:
    """The first of persons per agent, yearly flows and shock jobs out of range for the area
    in ``table`` (``sim.world.landscape.area_table``), as ``(path, message)``, or None."""
    pops = table["population"].to_numpy()
    smallest = int(pops.argmin())
    name = f"{table['kommunenummer'].iloc[smallest]} {table['name'].iloc[smallest]}"
    most = min(MAX_PERSONS_PER_AGENT, int(pops[smallest]))
    bad = problem(spec.persons_per_agent, 1, most, "persons per agent",
                  f"{name} has {int(pops[smallest]):,} inhabitants; {PPA_WHY}")
    if bad:
        return ("persons_per_agent",), bad
    total = int(pops.sum())
    for label in ("immigration", "emigration"):
        why = FLOW_WHY.format(share=MAX_FLOW_SHARE, population=total)
        for year, n in (getattr(spec, label).yearly or {}).items():
            bad = problem(n, 0, int(MAX_FLOW_SHARE * total), "persons", why)
            if bad:
                return (label, "yearly", year), bad
    population = dict(zip(table["kommunenummer"].astype(str), pops, strict=True))
    names = dict(zip(table["kommunenummer"].astype(str), table["name"], strict=True))
    for i, shock in enumerate(spec.shocks):
        n = int(population.get(shock.kommune, 0))
        bad = problem(shock.jobs, -n, n, "jobs", SHOCK_JOBS_WHY.format(
            name=f"{shock.kommune} {names.get(shock.kommune, '')} ({n:,})"))
        if bad:
            return ("shocks", i, "jobs"), bad
    return None
