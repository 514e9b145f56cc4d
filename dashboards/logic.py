"""What the dashboard computes, without any user interface: scenarios built from the start
page's settings (validated by the same schema as the CLI), runs over seeds in the background
with progress and cancellation, bands over seeds, the baseline comparison, and the CSV files
to download. Everything here works on plain values and ``RunResult`` objects, so it is tested
without a browser; the Solara app (``app.py``) only holds the state of one browser session.

Whatever a browser sends is checked here, on the server, not only by the widgets: a scenario
must be one of the offered files (nothing else is read), texts have a length limit, choices
must be among the offered ones, numbers are bounded by the scenario schema (or here, for the
settings that are not scenario fields, such as seeds). A failure that is not the user's shows
a plain message (``RUN_FAILED``, ``VIEW_FAILED``) on the page and its details in the server
log only (``log_failure``); no exception text or server path reaches the page.
"""

from __future__ import annotations

import io
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from dashboards import labels
from dashboards.capacity import scores_from_texts
from dashboards.workers import Cancelled, WorkerDied, WorkerPool
from sim.experiments.compare import compare_results, split_plan
from sim.scenario.bounds import LAST_END_YEAR, MAX_PERSONS_PER_AGENT
from sim.scenario.errors import ScenarioError
from sim.scenario.files import load_scenario, parse_scenario
from sim.scenario.schema import Scenario

REPO = Path(__file__).resolve().parent.parent
SCENARIO_DIR = REPO / "scenarios"
CLASSROOM = "classroom-sentralisering.yaml"
AREAS = {key: labels.both(no, en) for key, (no, en) in labels.AREAS.items()}  # real Norway
EFFECT_YEAR = 2040          # the year the comparison reports unless the user chooses another
CSV_FILES = ("national", "kommuner", "indicators", "age_structure", "moves_by_reason",
             "movers_by_age", "leavers_by_age", "policy_costs", "attractiveness", "capacity")
MAX_SEEDS = 50              # seeds one dashboard run may ask for
MAX_TEXT_CHARS = 64         # the longest text a setting may hold (characters)
SHOWN_CHARS = 40            # how much of a refused value a message repeats (characters)
RUN_FAILED = ("Kjøringen feilet / the run failed; nothing was changed — details are in the "
              "server log")
VIEW_FAILED = ("Visningen feilet / this view could not be drawn — details are in the server "
               "log")
LOG = logging.getLogger("livskraft.dashboard")


# ----- scenarios and settings -----------------------------------------------------------------
def scenario_files() -> list[str]:
    """Scenario files in scenarios/, the classroom landscape first."""
    names = sorted(p.name for p in SCENARIO_DIR.glob("*.yaml"))
    return sorted(names, key=lambda n: n != CLASSROOM)


def _shown(value: Any) -> str:
    """A refused value as a message repeats it: its repr, cut to SHOWN_CHARS."""
    text = repr(value)
    return text if len(text) <= SHOWN_CHARS else text[:SHOWN_CHARS] + "…"


def check_scenario(name: Any) -> str:
    """``name`` if it is one of the offered scenario files (``scenario_files``); anything else
    (a path, a file elsewhere, a missing file) is refused with the same message, and nothing
    is read for it."""
    offered = scenario_files()
    if isinstance(name, str) and name in offered:
        return name
    raise ScenarioError(f"dashboard settings: the scenario must be one of the offered files "
                        f"({', '.join(offered)}), got {_shown(name)}")


def base_scenario(name: str) -> Scenario:
    """An offered scenario file (``check_scenario``) as validated by the CLI."""
    return _load_base(check_scenario(name))


@cache
def _load_base(name: str) -> Scenario:
    """A file of scenarios/ (cached: scenarios are immutable models)."""
    return load_scenario(SCENARIO_DIR / name)


def user_message(err: Exception) -> str:
    """The message of a user error (``ScenarioError``, ``WorkerDied``) as the page shows it:
    paths inside the repository relative to it, so no server path reaches the page."""
    return labels.plain(str(err)).replace(str(REPO) + "/", "")


def log_failure(what: str, err: BaseException) -> None:
    """Write ``err``, with its traceback, to the server log (never to the page)."""
    LOG.error("dashboard: %s failed", what, exc_info=err)


def failure_message(err: Exception, what: str) -> str:
    """What the page says about an exception raised by ``what``: a user error's own message
    (``user_message``), else RUN_FAILED, with the details in the server log only."""
    if isinstance(err, ScenarioError | WorkerDied):
        return user_message(err)
    log_failure(what, err)
    return RUN_FAILED


def kommune_options(scenario: Scenario) -> dict[str, str]:
    """kommunenummer -> name of the kommuner one can pick: a landscape's own, else all 357."""
    from sim import data
    from sim.world.landscape import area_table

    if scenario.geography.kind == "landscape":
        table = area_table(scenario.geography)
    else:
        table = data.kommuner()
    return dict(zip(table["kommunenummer"].astype(str), table["name"], strict=True))


def find_kommune(query: str, options: dict[str, str]) -> tuple[str | None, list[str]]:
    """The kommune a search box means (by number or name), or None and the candidates."""
    if not isinstance(query, str) or len(query) > MAX_TEXT_CHARS:
        return None, []
    q = query.strip()
    if not q:
        return None, []
    if q in options:
        return q, []
    low = q.lower()
    exact = [c for c, n in options.items() if n.lower() == low or f"{c} {n}".lower() == low]
    if len(exact) == 1:
        return exact[0], []
    hits = [c for c, n in options.items() if low in n.lower() or c.lower().startswith(low)]
    if len(hits) == 1:
        return hits[0], []
    if hits:
        return None, [f"{c} {options[c]}" for c in hits[:8]]
    from sim.scenario.codes import closest

    return None, closest(q, options, n=5)


def policy_fields() -> dict[str, list[tuple[str, Any, str]]]:
    """Per policy type: its parameters as (name, default, unit), from the parameter tree."""
    from sim.policies import REGISTRY
    from sim.policies.base import defaults, units

    out = {}
    for kind in REGISTRY:
        unit = units(kind)
        out[kind] = [(name, value, unit.get(name, "")) for name, value in defaults(kind).items()]
    return out


def _number(raw: Any) -> Any:
    """A text field's value as a number when it is one; otherwise as typed, so that the
    schema refuses it with its own message."""
    if isinstance(raw, int | float):
        return raw
    text = str(raw).strip().replace(",", ".").replace(" ", "")
    try:
        value = float(text)
    except ValueError:
        return raw
    return int(value) if value.is_integer() and "." not in text else value


@dataclass
class Settings:
    """What the start page asks for."""

    scenario: str = CLASSROOM
    kommune: str | None = None          # kommunenummer (or a landscape's label)
    area: str = "scenario"              # one of AREAS (real Norway only)
    years: int | None = None            # None = as in the file
    seeds: int = 1
    persons_per_agent: int | None = None  # None = as in the file
    keep_file_policies: bool = True
    policies: dict[str, dict[str, Any]] = field(default_factory=dict)  # type -> parameters
    baseline: bool = False              # also run the scenario without policies
    focus: bool = False                 # the chosen kommune's region at one agent per person
    split: bool = False                 # and every subset of policies and channels
    capacity: dict[str, Any] = field(default_factory=dict)  # the kommune's own: part -> score
    effect_year: Any = EFFECT_YEAR      # the year the comparison's figures are for


def check_settings(s: Settings) -> Scenario:
    """The settings' scenario file, after the checks the schema cannot make: an offered file,
    texts of at most MAX_TEXT_CHARS, an offered area, a kommune of the scenario's, known
    policy types and parameters, and 1 to MAX_SEEDS seeds (ScenarioError if not)."""
    from sim.policies import REGISTRY
    from sim.policies.base import defaults

    base = base_scenario(s.scenario)
    source = f"dashboard settings ({s.scenario})"
    texts = {"years": s.years, "seeds": s.seeds, "persons per agent": s.persons_per_agent,
             "kommune": s.kommune, "area": s.area}
    if not isinstance(s.policies, dict) or not all(
            isinstance(p, dict) for p in s.policies.values()):
        raise ScenarioError(f"{source}: the policies are not a set of parameters")
    for kind, params in s.policies.items():
        if kind not in REGISTRY:
            raise ScenarioError(f"{source}: unknown policy type {_shown(kind)} (allowed: "
                                f"{', '.join(REGISTRY)})")
        known = defaults(kind)
        unknown = [name for name in params if name not in known]
        if unknown:
            raise ScenarioError(f"{source}: {kind} has no parameter {_shown(unknown[0])} "
                                f"(allowed: {', '.join(known)})")
        texts.update({f"{kind}.{name}": value for name, value in params.items()})
    for name, value in texts.items():
        if value is not None and len(str(value)) > MAX_TEXT_CHARS:
            raise ScenarioError(f"{source}: {name} is longer than {MAX_TEXT_CHARS} characters")
    if not isinstance(s.area, str) or s.area not in AREAS:
        raise ScenarioError(f"{source}: the area must be one of {', '.join(AREAS)}, got "
                            f"{_shown(s.area)}")
    if s.kommune is not None and (not isinstance(s.kommune, str)
                                  or s.kommune not in kommune_options(base)):
        raise ScenarioError(f"{source}: {_shown(s.kommune)} is not a kommune of this scenario")
    if s.capacity:
        if not s.kommune:
            raise ScenarioError(f"{source}: choose a kommune for its capacity scores")
        scores_from_texts(s.capacity, source)
    seeds = _number(s.seeds)
    if not isinstance(seeds, int) or not 1 <= seeds <= MAX_SEEDS:
        raise ScenarioError(f"{labels.field('seeds')}: seeds must be a whole number from 1 to "
                            f"{MAX_SEEDS} / et helt tall fra 1 til {MAX_SEEDS}; got "
                            f"{_shown(s.seeds)}")
    return base


def build_scenario(s: Settings) -> Scenario:
    """The scenario the settings describe, validated like a file (ScenarioError if not);
    ``check_settings`` first."""
    from sim import data

    base = check_settings(s)
    source = f"dashboard settings ({s.scenario})"
    raw = base.model_dump(exclude_none=True)
    if s.years is not None:
        raw["end_year"] = base.start_year + labels.whole_number(
            s.years, "years", 1, LAST_END_YEAR - base.start_year)
    if s.persons_per_agent is not None:
        raw["persons_per_agent"] = labels.whole_number(
            s.persons_per_agent, "persons_per_agent", 1, MAX_PERSONS_PER_AGENT)
    labels.whole_number(s.effect_year, "effect_year", base.start_year + 1, LAST_END_YEAR)
    end = raw["end_year"] if isinstance(raw["end_year"], int) else base.end_year
    for flow in ("immigration", "emigration"):       # a shorter run keeps its own years only
        yearly = raw.get(flow, {}).get("yearly")
        if yearly:
            raw[flow]["yearly"] = {y: v for y, v in yearly.items() if y < end}
    policies = raw.get("policies", []) if s.keep_file_policies else []
    for p in policies:
        if p.get("to_year") is not None and p["to_year"] >= end:
            p["to_year"] = end - 1
    if not s.keep_file_policies:
        raw["shocks"] = []
    if s.policies and not s.kommune:
        raise ScenarioError("Kommune: velg en kommune for tiltakene / choose a kommune for "
                            "the policies you switched on ("
                            + ", ".join(labels.policy_name(k) for k in s.policies) + ")")
    for kind, params in s.policies.items():
        policies.append({"type": kind, "where": {"kommuner": [s.kommune]},
                         "parameters": {k: _number(v) for k, v in params.items()}})
    raw["policies"] = policies
    if s.capacity:          # the chosen kommune's own scores replace its drawn ones
        raw["capacity"] = {**raw.get("capacity", {}),
                           s.kommune: scores_from_texts(s.capacity, source)}
    if base.geography.kind == "norway" and s.area != "scenario":
        if s.area == "norway":
            raw["geography"] = {"kind": "norway"}
        elif not s.kommune:
            raise ScenarioError(f"Kommune: velg en kommune for å simulere dens {s.area} / "
                                f"choose a kommune to simulate its {s.area}")
        else:
            row = data.kommuner().set_index("kommunenummer").loc[s.kommune]
            raw["geography"] = ({"kind": "norway", "regions": [int(row["baregion_code"])]}
                                if s.area == "region" else
                                {"kind": "norway", "fylker": [row["fylkesnummer"]]})
    if s.focus and s.kommune:        # the chosen kommune's region at one agent per person
        raw["focus"] = [s.kommune]
    try:
        return parse_scenario(raw, source)
    except ScenarioError as err:     # fields named as on the page
        raise ScenarioError(labels.plain(str(err), [p["type"] for p in policies])) from None


def without_policies(scenario: Scenario) -> Scenario:
    """The baseline of a comparison: the same scenario with no policies and no shocks."""
    return scenario.model_copy(update={"policies": [], "shocks": [],
                                       "name": f"{scenario.name}-baseline"})


# ----- running --------------------------------------------------------------------------------
@dataclass
class Bundle:
    """One dashboard run: the scenario over seeds, and the baseline over the same seeds."""

    scenario: Scenario
    results: list                        # RunResult per seed
    baseline: list | None = None         # RunResult per seed, or None
    wall_s: float = 0.0
    table: pd.DataFrame = field(default_factory=pd.DataFrame)   # the area's kommuner
    split: list | None = None    # per scenario of compare.split_plan: RunResult per seed
    effect_year: int = EFFECT_YEAR       # the year the comparison's figures are for

    @property
    def seeds(self) -> list[int]:
        return [r.scenario.seed for r in self.results]


def run_bundle(scenario: Scenario, seeds: int = 1, baseline: bool = False,
               on_progress: Callable[[int, int, str], None] | None = None,
               cancel: threading.Event | None = None, pool: WorkerPool | None = None,
               split: bool = False) -> Bundle:
    """Run ``scenario`` over ``seeds`` seeds (and its baseline over the same seeds; with
    ``split`` also every scenario of ``compare.split_plan``), in
    ``pool``'s worker processes or, without one, one after the other in this thread;
    ``on_progress(done, total, label)`` after each simulated year; a set ``cancel`` stops the
    run with ``Cancelled``."""
    from sim.world.landscape import area_table

    t0 = time.perf_counter()
    years = scenario.end_year - scenario.start_year
    specs = [scenario.model_copy(update={"seed": scenario.seed + i}) for i in range(seeds)]
    jobs = [("scenario", s) for s in specs]
    if baseline:
        jobs += [("baseline", without_policies(s)) for s in specs]
    plan = split_plan(without_policies(scenario), scenario) if baseline and split else []
    for part in plan:
        jobs += [("split", part.model_copy(update={"seed": s.seed})) for s in specs]
    total, done = years * len(jobs), 0

    def on_year(job: int, year: int) -> None:
        nonlocal done
        done += 1
        if on_progress:
            label, spec = jobs[job]
            on_progress(done, total, f"{label}, seed {spec.seed}: 1 January {year}")

    run = _run_here if pool is None else pool.run
    results = run([spec for _, spec in jobs], on_year, cancel)
    n = len(specs)
    parts = [results[n * (2 + i):n * (3 + i)] for i in range(len(plan))]
    return Bundle(scenario, results[:n], results[n:2 * n] or None,
                  round(time.perf_counter() - t0, 2), area_table(scenario.geography),
                  parts or None)


def _run_here(specs: list[Scenario], on_year: Callable[[int, int], None],
              cancel: threading.Event | None) -> list:
    """The scenarios simulated one after the other in this thread (see ``run_bundle``)."""
    from sim.output.run_folder import simulate

    results = []
    for job, spec in enumerate(specs):
        def after_year(model, job=job) -> None:
            if cancel is not None and cancel.is_set():
                raise Cancelled()
            on_year(job, model.year)

        if cancel is not None and cancel.is_set():
            raise Cancelled()
        results.append(simulate(spec, on_year=after_year))
    return results


# ----- tables over seeds ------------------------------------------------------------------------
def population_cube(results: list) -> tuple[list[str], list[int], np.ndarray]:
    """kommuner, years and population [seed, kommune, year] (persons)."""
    first = results[0].kommuner
    codes = list(dict.fromkeys(first["kommunenummer"].astype(str)))
    years = sorted(first["year"].unique().tolist())
    cube = np.full((len(results), len(codes), len(years)), np.nan)
    for i, r in enumerate(results):
        k = r.kommuner
        rows = pd.Index(codes).get_indexer(k["kommunenummer"].astype(str))
        cols = pd.Index(years).get_indexer(k["year"])
        ok = (rows >= 0) & (cols >= 0)
        cube[i, rows[ok], cols[ok]] = k["population"].to_numpy(float, na_value=np.nan)[ok]
    return codes, years, cube


def largest_cities(bundle: Bundle) -> list[str]:
    """The five largest cities of Norway inside the area; in a landscape or a small part of
    Norway without them, its largest kommuner (up to a third of them, at most five)."""
    from sim.parameters import ParameterSet

    table = bundle.table
    codes = table["kommunenummer"].astype(str).tolist()
    cities = [c for c in ParameterSet(bundle.scenario.parameters).value(
        "geography.largest_cities") if c in codes]
    if cities:
        return cities
    n = max(1, min(5, len(codes) // 3))
    return table.sort_values("population", ascending=False)["kommunenummer"].astype(
        str).tolist()[:n]


def population_groups(bundle: Bundle) -> dict[str, dict[str, np.ndarray]]:
    """Population paths [seed, year] of the area, each centrality class, and the largest
    cities vs the rest: {panel: {line label: array}}."""
    codes, years, cube = population_cube(bundle.results)
    table = bundle.table.set_index(bundle.table["kommunenummer"].astype(str))
    cls = table.loc[codes, "sentralitetsklasse"].to_numpy()
    cities = largest_cities(bundle)
    in_city = np.isin(codes, cities)
    names = table.loc[cities, "name"].tolist()
    city_label = ("five largest cities" if len(cities) == 5 else
                  "largest: " + ", ".join(names))
    return {
        "area": {"whole area / hele området": cube.sum(axis=1)},
        "centrality": {f"class {c}": cube[:, cls == c].sum(axis=1)
                       for c in sorted(set(cls.tolist()))},
        "cities": {city_label: cube[:, in_city].sum(axis=1),
                   "rest / resten": cube[:, ~in_city].sum(axis=1)},
        "years": np.array(years),
    }


def comparison(bundle: Bundle) -> tuple[pd.DataFrame, dict] | None:
    """Scenario minus baseline with the same seeds, exactly as ``livskraft compare`` computes
    it (``sim.experiments.compare``): the table of compare.csv (areas ``norway``, ``target``
    and each kommune) and the summary of compare.json."""
    if not bundle.baseline:
        return None
    found = compare_results(without_policies(bundle.scenario), bundle.scenario,
                            bundle.baseline, bundle.results, bundle.split, bundle.effect_year)
    return found.table, found.summary


def mean_over_seeds(results: list, name: str, keys: list[str]) -> pd.DataFrame:
    """A per-seed table averaged over seeds (numeric columns, grouped by ``keys``)."""
    frames = [getattr(r, name) for r in results if getattr(r, name) is not None]
    if not frames:
        return pd.DataFrame()
    df = pd.concat(frames, ignore_index=True)
    num = [c for c in df.columns if c not in keys and pd.api.types.is_numeric_dtype(df[c])]
    return df.groupby(keys, as_index=False)[num].mean()


def output_columns(bundle: Bundle) -> list[str]:
    """Columns a map can be coloured by: growth, then kommuner.csv's and indicators.csv's."""
    r = bundle.results[0]
    cols = ["growth_percent"]
    for df in (r.kommuner, r.indicators):
        if df is not None:
            cols += [c for c in df.columns if c not in ("kommunenummer", "year")
                     and pd.api.types.is_numeric_dtype(df[c]) and c not in cols]
    return cols


def map_values(bundle: Bundle, column: str, year: int | None = None) -> pd.Series:
    """Per kommune: growth in per cent over the run, or ``column`` in ``year`` (the last
    year by default), median over seeds."""
    if column == "growth_percent":
        codes, _, cube = population_cube(bundle.results)
        growth = 100 * (cube[:, :, -1] / np.maximum(cube[:, :, 0], 1) - 1)
        return pd.Series(np.median(growth, axis=0), index=codes)
    r = bundle.results[0]
    name = "kommuner" if column in r.kommuner.columns else "indicators"
    frames = [getattr(x, name) for x in bundle.results]
    df = pd.concat(frames, ignore_index=True)
    year = year if year is not None else int(df["year"].max())
    df = df[df["year"] == year]
    df = df.assign(value=pd.to_numeric(df[column], errors="coerce").astype(float))
    return df.groupby(df["kommunenummer"].astype(str))["value"].median()


# ----- downloads ----------------------------------------------------------------------------
def csv_bytes(bundle: Bundle, name: str) -> bytes:
    """A run-folder CSV over all seeds (a ``seed`` column first when there are several)."""
    frames = []
    for r in bundle.results:
        df = getattr(r, name)
        if df is None:
            continue
        frames.append(df.assign(seed=r.scenario.seed) if len(bundle.results) > 1 else df)
    if not frames:
        return b""
    df = pd.concat(frames, ignore_index=True)
    if "seed" in df.columns:
        df = df[["seed", *[c for c in df.columns if c != "seed"]]]
    buf = io.StringIO()
    df.to_csv(buf, index=False)
    return buf.getvalue().encode("utf-8")


def compare_csv_bytes(bundle: Bundle) -> bytes:
    found = comparison(bundle)
    if found is None:
        return b""
    buf = io.StringIO()
    found[0].to_csv(buf, index=False)
    return buf.getvalue().encode("utf-8")
