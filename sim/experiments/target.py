"""Target mode: the smallest level of a policy lever (``sim.experiments.sweep.parse_lever``)
at which the scenario meets a goal for the population of an area.

A goal (``parse_goal``; ``GOAL_GRAMMAR``) compares the population on 1 January of a year with
that of another year or with a number: ``population 2040 >= population 2026``,
``population 2040 >= 120000``, or the same with ``<=``. The area is ``target`` (the places
the scenario's policies and shocks name), ``norway`` (the whole simulated area) or one
kommunenummer. The goal is judged on the scenario's own runs, without a baseline: per seed
its margin is the left side minus the right (the right minus the left for ``<=``; persons,
0 or more when the seed meets it), and a level meets the goal when the median margin over
the seeds is 0 or more.

The search (``search``) assumes that a level that meets the goal is followed by higher
levels that meet it too (monotone). It evaluates both ends of the range first (by default
the lever's bounds, ``bounds:`` in ``sim/params/policies/<type>.yaml``); if the low end
meets the goal that is the answer, if the high end does not then no level in the range
does; else it halves the interval between the highest level known to miss and the lowest
known to meet until the interval is narrower than the tolerance (by default
``DEFAULT_TOLERANCE_SHARE`` of the range), at most ``MAX_SEARCH_STEPS`` times. Every level
runs the same seeds (common random numbers), so levels differ by the lever, not by chance.

Written (atomically; it replaces only a previous target folder, one with ``target.json``):
``target.json`` (the goal, the lever, the outcome, the level found with its margin, band
over seeds and seeds meeting the goal, and every evaluated level in the order evaluated) and
``levels.csv`` (the evaluated levels, by level).
"""

from __future__ import annotations

import json
import math
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sim.experiments.compare import RunSummary, run_all
from sim.experiments.seeds import BAND, band, seed_numbers
from sim.experiments.sensitivity import output_codes
from sim.experiments.sweep import Lever, level_scenarios
from sim.output.out_folder import build_and_swap, check
from sim.scenario.errors import ScenarioError
from sim.scenario.schema import Scenario

TARGET = "target"           # the kind of result a target folder holds (sim.output.out_folder)
AT_LEAST, AT_MOST = ">=", "<="
GOAL = re.compile(r"population\s+(\d{4})\s*(>=|<=)\s*(?:population\s+(\d{4})|(\d+(?:\.\d+)?))",
                  re.IGNORECASE)
GOAL_GRAMMAR = ('"population YEAR >= population YEAR" or "population YEAR >= NUMBER" (or <=), '
                'e.g. "population 2040 >= population 2026"')
DEFAULT_TOLERANCE_SHARE = 0.02   # of the range: the search stops below this interval
MAX_SEARCH_STEPS = 16            # bisection steps at most (the range / 65,536)
FOUND, NONE, LOWEST = "found", "none", "lowest"


@dataclass(frozen=True)
class Goal:
    """``population year op population other_year`` or ``population year op number``."""

    year: int
    op: str
    other_year: int | None = None
    number: float | None = None

    def __str__(self) -> str:
        right = (f"population {self.other_year}" if self.other_year is not None
                 else f"{self.number:g}")
        return f"population {self.year} {self.op} {right}"

    @property
    def years(self) -> list[int]:
        return [self.year] + ([self.other_year] if self.other_year is not None else [])

    def sides(self, population: dict[int, float]) -> tuple[float, float]:
        """The left and the right side (persons) for the area's population by year."""
        right = population[self.other_year] if self.other_year is not None else self.number
        return population[self.year], float(right)

    def margin(self, population: dict[int, float]) -> float:
        """How far the goal is met (persons; negative: missed by that much)."""
        left, right = self.sides(population)
        return left - right if self.op == AT_LEAST else right - left


@dataclass(frozen=True)
class Point:
    """The goal at one level of the lever, over the seeds."""

    level: float
    margins: tuple[float, ...]   # per seed, persons
    left: float                  # median over seeds of the goal's left side, persons
    right: float                 # and of its right side

    @property
    def margin(self) -> float:
        return float(np.median(self.margins))

    @property
    def met(self) -> bool:
        return self.margin >= 0

    def record(self) -> dict:
        median, p05, p95 = band(np.asarray(self.margins, float))
        return {"level": self.level, "met": self.met, "margin_median": round(float(median), 1),
                "margin_p05": round(float(p05), 1), "margin_p95": round(float(p95), 1),
                "seeds_meeting": sum(m >= 0 for m in self.margins),
                "left_median": round(self.left, 1), "right_median": round(self.right, 1)}


@dataclass
class Search:
    outcome: str                    # FOUND, NONE or LOWEST
    point: Point                    # the level found, the high end (NONE), the low end (LOWEST)
    points: list[Point]             # every level evaluated, in order
    interval: tuple[float, float]   # the highest level known to miss, the lowest known to meet
    capped: bool = False            # stopped after MAX_SEARCH_STEPS, interval above tolerance


@dataclass
class Target:
    meta: dict                 # target.json
    levels: pd.DataFrame       # levels.csv
    out_dir: Path | None = None


# ----- the goal, the range, the area ---------------------------------------------------------
def parse_goal(text: str) -> Goal:
    """The goal written as ``GOAL_GRAMMAR`` says; anything else is refused."""
    match = GOAL.fullmatch(text.strip())
    if match is None:
        raise ScenarioError(f"--goal {text!r}: not a goal; write {GOAL_GRAMMAR}")
    year, op, other, number = match.groups()
    return Goal(int(year), op, int(other) if other else None,
                float(number) if number else None)


def parse_range(lever: Lever, text: str | None) -> tuple[float, float]:
    """``LOW:HIGH`` as two numbers; without a text, the lever's bounds."""
    if text is None:
        return lever.allowed
    try:
        low, high = (float(x) for x in text.split(":"))
    except ValueError:
        raise ScenarioError(f"--range {text}: give it as LOW:HIGH, e.g. "
                            f"{lever.typed(lever.allowed[0])}:{lever.typed(lever.allowed[1])}"
                            ) from None
    return low, high


def check_search(scenario: Scenario, lever: Lever, goal: Goal, area: str, low: float,
                 high: float, tolerance: float) -> list[str] | None:
    """Refuse (ScenarioError) a search that cannot run; return the area's kommuner (None:
    the whole simulated area)."""
    if not low < high:
        raise ScenarioError(f"--range: the low end ({lever.shown(low)}) must be below the high "
                            f"end ({lever.shown(high)})")
    if not tolerance > 0:
        raise ScenarioError(f"--tolerance must be above 0, got {tolerance:g}")
    for year in goal.years:
        if not scenario.start_year <= year <= scenario.end_year:
            raise ScenarioError(f"--goal {goal}: the run has the population on 1 January of "
                                f"{scenario.start_year}–{scenario.end_year}, not {year}")
    codes = output_codes(scenario, area, "--area")
    level_scenarios(scenario, lever, [low, high])     # both ends within the lever's bounds
    return codes


def _area_population(run: RunSummary, codes: list[str] | None) -> dict[int, float]:
    """The area's population (persons) on 1 January of each year of one run."""
    pop = run.population
    if codes is not None:
        pop = pop[pop["kommunenummer"].astype(str).isin(codes)]
    return {int(y): float(v) for y, v in pop.groupby("year")["population"].sum().items()}


def planned_levels(low: float, high: float, tolerance: float) -> int:
    """The most levels a search evaluates: both ends and the bisection steps."""
    span = (high - low) / tolerance
    halvings = math.floor(math.log2(span)) + 1 if span >= 1 else 0
    return 2 + min(MAX_SEARCH_STEPS, halvings)


# ----- the search ----------------------------------------------------------------------------
def search(evaluate: Callable[[list[float]], list[Point]], low: float, high: float,
           tolerance: float, integer: bool = False) -> Search:
    """The smallest level in ``low``–``high`` whose point ``evaluate`` says meets the goal,
    to within ``tolerance`` (see the module docstring; levels rounded if ``integer``)."""
    bottom, top = evaluate([low, high])
    points = [bottom, top]
    if bottom.met:
        return Search(LOWEST, bottom, points, (low, low))
    if not top.met:
        return Search(NONE, top, points, (high, high))
    miss, meet = bottom, top
    for _ in range(MAX_SEARCH_STEPS):
        if meet.level - miss.level < tolerance:
            break
        middle = (miss.level + meet.level) / 2
        middle = round(middle) if integer else middle
        if middle in (miss.level, meet.level):
            break
        (point,) = evaluate([middle])
        points.append(point)
        miss, meet = (miss, point) if point.met else (point, meet)
    capped = meet.level - miss.level >= tolerance and len(points) - 2 == MAX_SEARCH_STEPS
    return Search(FOUND, meet, points, (miss.level, meet.level), capped)


def _evaluate(scenario: Scenario, lever: Lever, goal: Goal, codes: list[str] | None,
              levels: list[float], seed_list: list[int], persons_per_agent: int | None,
              on_run, engine: dict) -> list[Point]:
    """The goal at each level, over the seeds (the runs go to ``compare.run_all``)."""
    specs = level_scenarios(scenario, lever, levels)
    at_levels = run_all(specs, seed_list, persons_per_agent, codes or [], on_run, **engine)
    points = []
    for level, runs in zip(levels, at_levels, strict=True):
        pops = [_area_population(run, codes) for run in runs]
        sides = np.array([goal.sides(p) for p in pops])
        points.append(Point(level, tuple(goal.margin(p) for p in pops),
                            float(np.median(sides[:, 0])), float(np.median(sides[:, 1]))))
    return points


def run_target(scenario: Scenario, lever: Lever, goal: Goal, *, area: str = "target",
               seeds: int, low: float, high: float, tolerance: float | None = None,
               persons_per_agent: int | None = None, out_dir: Path | None = None,
               on_run=None, **engine) -> Target:
    """Search the smallest level of ``lever`` in ``low``–``high`` that meets ``goal`` in
    ``area`` over ``seeds`` seeds (see the module docstring); ``engine`` goes to
    ``run_jobs`` (e.g. ``workers``) and ``on_run()`` is called as each run finishes."""
    t0 = time.perf_counter()
    if out_dir is not None:
        check(out_dir, TARGET)
    if lever.factor.integer:
        low, high = round(low), round(high)
    tolerance = DEFAULT_TOLERANCE_SHARE * (high - low) if tolerance is None else tolerance
    codes = check_search(scenario, lever, goal, area, low, high, tolerance)
    seed_list = seed_numbers(scenario.seed, seeds)
    found = search(lambda levels: _evaluate(scenario, lever, goal, codes, levels, seed_list,
                                            persons_per_agent, on_run, engine),
                   low, high, tolerance, lever.factor.integer)
    meta = {"scenario": scenario.name, "lever": lever.name, "unit": lever.unit,
            "goal": str(goal), "area": area, "area_kommuner": codes or "all",
            "range": [low, high], "allowed_range": list(lever.allowed),
            "tolerance": tolerance, "seeds": seed_list,
            "persons_per_agent": persons_per_agent or scenario.persons_per_agent,
            "band_percentiles": list(BAND), "outcome": found.outcome,
            "level": None if found.outcome == NONE else found.point.level,
            "at": found.point.record(), "interval": list(found.interval),
            "capped": found.capped, "runs": len(found.points) * len(seed_list),
            "evaluations": [p.record() for p in found.points],
            "wall_time_s": round(time.perf_counter() - t0, 1)}
    table = pd.DataFrame(meta["evaluations"]).sort_values("level", kind="stable")
    result = Target(meta, table)
    if out_dir is not None:
        result.out_dir = write_target(result, Path(out_dir))
    return result


# ----- reporting -----------------------------------------------------------------------------
def write_target(result: Target, out_dir: Path) -> Path:
    """target.json and levels.csv, built beside ``out_dir`` and swapped in."""
    def fill(tmp: Path) -> None:
        result.levels.to_csv(tmp / "levels.csv", index=False)
        (tmp / "target.json").write_text(json.dumps(result.meta, indent=2), encoding="utf-8")

    return build_and_swap(out_dir, TARGET, fill)


def describe(result: Target, lever: Lever) -> list[str]:
    """The outcome in a few plain lines (persons)."""
    m, at = result.meta, result.meta["at"]
    lo, hi = BAND
    where = f"{m['area']}" + ("" if m["area_kommuner"] == "all" else
                               f" ({len(m['area_kommuner'])} kommuner)")
    margin = (f"margin {at['margin_median']:+,.0f} persons (band {lo}–{hi} % over seeds: "
              f"{at['margin_p05']:+,.0f} to {at['margin_p95']:+,.0f}); {at['seeds_meeting']} "
              f"of {len(m['seeds'])} seeds meet it")
    first = f"goal: {m['goal']} in {where}, {m['scenario']}, {len(m['seeds'])} seeds"
    low, high = (lever.shown(x) for x in m["range"])
    span = ("its allowed range" if m["range"] == m["allowed_range"] else "the range given")
    if m["outcome"] == LOWEST:
        return [first, f"the lowest level, {m['lever']} = {low} {m['unit']}, already meets "
                       f"the goal: {margin}"]
    if m["outcome"] == NONE:
        return [first, f"no level of {m['lever']} within {span} ({low}–{high} {m['unit']}) "
                       f"reaches the goal: at the top, {high}, {margin}"]
    below, level = (lever.shown(x) for x in m["interval"])
    return [first, f"smallest level meeting it: {m['lever']} = {level} {m['unit']} "
                   f"({below} misses it); {margin}"
                   + (f"; stopped after {MAX_SEARCH_STEPS} steps, above the tolerance"
                      if m["capped"] else "")]
