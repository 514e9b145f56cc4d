"""Sensitivity analysis with SALib: how much one output of a scenario moves with behavioural
coefficients of the parameter tree and with the parameters of the scenario's policies.

Factors (``livskraft sensitivity --params``), each ``name=low:high``, or ``name`` alone for
±20 % around its default (``DEFAULT_SPREAD``):

* a parameter of the tree by its dotted name (``migration.distance_coefficient``), or one
  number inside a table by further keys (``migration.stay_coefficients.owner``,
  ``migration.stage_weights.amenity.young``, ``migration.leave_home_ages.1`` for the second
  item of a list); a yearly path is replaced by a constant whose
  default is its value in the start year. The default is the scenario's value where its
  ``parameters:`` sets one, else the tree's. The runs get the factor through the scenario's
  ``parameters:`` overrides, like any scenario file;
* a parameter of one of the scenario's policies, ``policies[i].name`` (``i`` counts from 0),
  default the policy's value or its type's default.

A factor whose default is an integer is sampled as integers. Without ``--params`` the factors
are ``DEFAULT_FACTORS`` and every parameter the scenario's policies set.

Methods: ``morris`` (elementary effects; N trajectories of D + 1 runs; mu, mu_star, sigma,
mu_star_conf) and ``sobol`` (Saltelli sampling, N · (D + 2) runs with N a power of 2; first
and total order S1, S1_conf, ST, ST_conf). The output is the population (persons) on
1 January of the end year in ``norway`` (the whole simulated area), ``target`` (the places the
scenario's policies and shocks name, ``sim.compare.target_codes``) or one kommune. Every run
uses the scenario's seed (common random numbers), so the differences between runs come from
the factors as far as they can. The runs go to the engine of ``sim.experiments.pool``.

Written to the output folder (atomically, like a run folder; it replaces only a previous
sensitivity folder, one with ``sensitivity.json``): ``indices.csv``, ``samples.csv``
(one row per run: the factor values and the output), ``indices.png`` (bar chart) and
``sensitivity.json`` (method, N, factors with ranges, output, seed, runs, wall time).
"""

from __future__ import annotations

import copy
import difflib
import json
import re
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sim import parameters
from sim.experiments.pool import run_jobs
from sim.output.out_folder import build_and_swap, check
from sim.scenario.errors import ScenarioError
from sim.scenario.files import parse_scenario
from sim.scenario.overrides import is_number
from sim.scenario.schema import FIRST_PATH_YEAR, Scenario

METHODS = ("morris", "sobol")
DEFAULT_SAMPLES = {"morris": 4, "sobol": 8}   # trajectories (morris) or base samples (sobol)
MORRIS_LEVELS = 4                             # grid levels of a Morris design
DEFAULT_SPREAD = 0.2                          # ± share of the default for a range not given
DEFAULT_FACTORS = ("migration.distance_coefficient", "migration.ties_coefficient",
                   "migration.housing_cost_coefficient", "migration.stay_utility")
OUTPUT_WHOLE, OUTPUT_TARGET = "norway", "target"
POLICY_FACTOR = re.compile(r"^policies\[(\d+)\]\.(\w+)$")
CHART_DPI = 120
SENSITIVITY = "sensitivity"                   # the kind of result its folder holds (out_folder)
CHART_ROW_IN = 0.45                            # inches of chart height per factor


@dataclass(frozen=True)
class Factor:
    """One input varied: where it goes in the scenario, its range and its default."""

    name: str                  # as the user wrote it
    low: float
    high: float
    default: float
    integer: bool
    policy: int | None = None  # index into scenario.policies, or None for the tree
    head: str = ""             # tree parameter name, or the policy parameter's name
    keys: tuple = ()           # keys into a tree parameter's table


@dataclass
class Sensitivity:
    indices: pd.DataFrame      # indices.csv
    samples: pd.DataFrame      # samples.csv
    meta: dict                 # sensitivity.json
    out_dir: Path | None = None


# ----- factors -------------------------------------------------------------------------------
def _tree_default(scenario: Scenario, name: str) -> tuple[str, tuple, float]:
    """The tree parameter ``name`` points into: its name, the keys below it, its default."""
    parts = name.split(".")
    known = set(parameters.default_names())
    heads = [".".join(parts[:k]) for k in range(len(parts), 0, -1)]
    head = next((h for h in heads if h in known), None)
    if head is None:
        close = difflib.get_close_matches(name, sorted(known), n=3)
        raise ScenarioError(f"--params {name}: no such parameter" + (
            f"; did you mean {', '.join(close)}?" if close else " (the names are the files "
            "under sim/params, with dots, or policies[i].name)"))
    node = scenario.parameters.get(head, parameters.ParameterSet()[head].values)
    keys = []
    for part in parts[len(head.split(".")):]:
        if isinstance(node, list):     # a list: its items by position, from 0
            match = [int(part)] if part.isdigit() and int(part) < len(node) else []
            have = f"positions 0–{len(node) - 1}"
        else:
            match = [k for k in node if str(k) == part] if isinstance(node, dict) else []
            have = ", ".join(map(str, node)) if isinstance(node, dict) else "a single value"
        if not match:
            raise ScenarioError(f"--params {name}: {head} has no '{part}' (it has {have})")
        keys.append(match[0])
        node = node[match[0]]
    if isinstance(node, dict) and node and all(
            isinstance(y, int) and y >= FIRST_PATH_YEAR for y in node):
        node = parameters.Parameter(head, "", "", "", node).at(scenario.start_year)
    if isinstance(node, dict):
        raise ScenarioError(f"--params {name}: a table, not a number; name one number in it "
                            f"with more keys ({name}.{next(iter(node))}, …)")
    if not is_number(node):
        raise ScenarioError(f"--params {name}: not a number but {node!r}"
                            + ("; name one item by its position, from 0" if
                               isinstance(node, list) else ""))
    return head, tuple(keys), node


def _policy_default(scenario: Scenario, name: str, index: int, key: str) -> float:
    from sim.policies.base import defaults

    if index >= len(scenario.policies):
        raise ScenarioError(f"--params {name}: the scenario has {len(scenario.policies)} "
                            "policies (policies[0] is the first)")
    policy = scenario.policies[index]
    known = defaults(policy.type)
    if key not in known:
        raise ScenarioError(f"--params {name}: {policy.type} has no parameter '{key}'; it has "
                            + ", ".join(known))
    return policy.parameters.get(key, known[key])


def parse_factor(scenario: Scenario, spec: str) -> Factor:
    """A factor from ``name=low:high`` or ``name`` (see the module docstring)."""
    name, _, bounds = spec.partition("=")
    name = name.strip()
    match = POLICY_FACTOR.match(name)
    if match:
        policy, head, keys = int(match[1]), match[2], ()
        default = _policy_default(scenario, name, policy, head)
    else:
        policy = None
        head, keys, default = _tree_default(scenario, name)
    integer = isinstance(default, int) and not isinstance(default, bool)
    if bounds:
        try:
            low, high = (float(x) for x in bounds.split(":"))
        except ValueError:
            raise ScenarioError(f"--params {spec}: give the range as name=low:high, e.g. "
                                f"{name}=0.5:1.5") from None
    elif default == 0:
        raise ScenarioError(f"--params {name}: the default is 0, so ±{DEFAULT_SPREAD:.0%} is "
                            f"no range; give one as {name}=low:high")
    else:
        low, high = sorted((default * (1 - DEFAULT_SPREAD), default * (1 + DEFAULT_SPREAD)))
    if not low < high:
        raise ScenarioError(f"--params {spec}: low must be below high")
    return Factor(name, low, high, float(default), integer, policy, head, keys)


def default_factor_names(scenario: Scenario) -> list[str]:
    """``DEFAULT_FACTORS`` and every parameter the scenario's policies set."""
    return [*DEFAULT_FACTORS, *(f"policies[{i}].{k}" for i, p in enumerate(scenario.policies)
                                for k in p.parameters)]


def with_factors(scenario: Scenario, factors: list[Factor], values) -> Scenario:
    """``scenario`` with each factor set to its value (validated like a scenario file)."""
    raw = scenario.model_dump()
    for f, value in zip(factors, values, strict=True):
        value = round(float(value)) if f.integer else float(value)
        if f.policy is not None:
            raw["policies"][f.policy]["parameters"][f.head] = value
            continue
        current = raw["parameters"].get(f.head, parameters.ParameterSet()[f.head].values)
        if not f.keys:
            raw["parameters"][f.head] = value
            continue
        table = copy.deepcopy(current)
        node = table
        for key in f.keys[:-1]:
            node = node[key]
        node[f.keys[-1]] = value
        raw["parameters"][f.head] = table
    label = ", ".join(f"{f.name}={v:g}" for f, v in zip(factors, values, strict=True))
    return parse_scenario(raw, f"{scenario.name} with {label}")


def check_factors(scenario: Scenario, factors: list[Factor]) -> None:
    """Refuse (ScenarioError) a factor whose low or high end makes a scenario that cannot
    run, e.g. a negative amount or a share above 1."""
    if len({f.name for f in factors}) < len(factors):
        raise ScenarioError("--params: a factor is named twice")
    defaults = [f.default for f in factors]
    for i, f in enumerate(factors):
        for end in (f.low, f.high):
            with_factors(scenario, factors, [*defaults[:i], end, *defaults[i + 1:]])


# ----- the output ----------------------------------------------------------------------------
def output_codes(scenario: Scenario, output: str, option: str = "--output") -> list[str] | None:
    """The kommuner whose population is the output (None: the whole simulated area); a
    refusal names the command's ``option``."""
    from sim.experiments.compare import target_codes
    from sim.scenario.codes import closest
    from sim.world.landscape import area_table

    if output == OUTPUT_WHOLE:
        return None
    if output == OUTPUT_TARGET:
        return target_codes(scenario)
    table = area_table(scenario.geography)
    names = dict(zip(table["kommunenummer"].astype(str), table["name"].astype(str),
                     strict=True))
    if output not in names:
        hint = closest(output, names)
        raise ScenarioError(f"{option} {output}: give norway, target or a kommunenummer of the "
                            "simulated area" + (f"; closest: {', '.join(hint)}" if hint else ""))
    return [output]


def _output_of(job: tuple[Scenario, list[str] | None]) -> float:
    """Population (persons) of the output's kommuner on 1 January of the end year."""
    from sim.output.run_folder import simulate

    scenario, codes = job
    kom = simulate(scenario).kommuner
    last = kom[kom["year"] == kom["year"].max()]
    if codes is not None:
        last = last[last["kommunenummer"].astype(str).isin(codes)]
    return float(last["population"].astype(float).sum())


# ----- the analysis --------------------------------------------------------------------------
def _problem(factors: list[Factor]) -> dict:
    return {"num_vars": len(factors), "names": [f.name for f in factors],
            "bounds": [[f.low, f.high] for f in factors]}


def design(method: str, factors: list[Factor], samples: int, seed: int) -> np.ndarray:
    """The SALib sample: one row of factor values per run (integers rounded)."""
    from SALib.sample import morris, sobol

    if method == "morris":
        x = morris.sample(_problem(factors), samples, num_levels=MORRIS_LEVELS, seed=seed)
    else:
        x = sobol.sample(_problem(factors), samples, calc_second_order=False, seed=seed)
    for j, f in enumerate(factors):
        if f.integer:
            x[:, j] = np.round(x[:, j])
    return x


def indices(method: str, factors: list[Factor], x: np.ndarray, y: np.ndarray,
            seed: int) -> pd.DataFrame:
    """The sensitivity indices, one row per factor."""
    from SALib.analyze import morris, sobol

    problem = _problem(factors)
    if method == "morris":
        si = morris.analyze(problem, x, y, num_levels=MORRIS_LEVELS, seed=seed)
        cols = ["mu", "mu_star", "sigma", "mu_star_conf"]
    else:
        si = sobol.analyze(problem, y, calc_second_order=False, seed=seed)
        cols = ["S1", "S1_conf", "ST", "ST_conf"]
    table = pd.DataFrame({c: np.asarray(si[c], float) for c in cols})
    table.insert(0, "parameter", [f.name for f in factors])
    return table


def check_samples(method: str, samples: int) -> None:
    if method not in METHODS:
        raise ScenarioError(f"--method {method}: use {' or '.join(METHODS)}")
    if samples < 2:
        raise ScenarioError(f"--samples must be at least 2, got {samples}")
    if method == "sobol" and samples & (samples - 1):
        raise ScenarioError(f"--samples must be a power of 2 for sobol (e.g. 8, 16), got "
                            f"{samples}")


def run_sensitivity(scenario: Scenario, method: str, factors: list[Factor], *,
                    samples: int | None = None, output: str = OUTPUT_TARGET,
                    out_dir: Path | None = None, on_run=None, on_design=None,
                    **engine) -> Sensitivity:
    """Sample the factors, run each sample on the engine (``engine``, ``workers``,
    ``address``) and compute the indices; ``on_design(runs)`` is told how many runs there
    will be and ``on_run()`` is called as each finishes."""
    t0 = time.perf_counter()
    if out_dir is not None:
        check(out_dir, SENSITIVITY)
    samples = samples or DEFAULT_SAMPLES.get(method, 0)
    check_samples(method, samples)
    if not factors:
        raise ScenarioError("no factors to vary: give --params name=low:high")
    codes = output_codes(scenario, output)
    x = design(method, factors, samples, scenario.seed)
    jobs = [(with_factors(scenario, factors, row), codes) for row in x]
    if on_design is not None:
        on_design(len(jobs))
    y = np.array(run_jobs(_output_of, jobs, on_done=(lambda i, r: on_run()) if on_run else None,
                          **engine))
    table = indices(method, factors, x, y, scenario.seed)
    runs = pd.DataFrame(x, columns=[f.name for f in factors])
    runs.insert(0, "run", np.arange(len(runs)))
    runs["output"] = y
    meta = {"scenario": scenario.name, "method": method, "samples": samples, "runs": len(jobs),
            "output": output, "output_kommuner": codes, "seed": scenario.seed,
            "persons_per_agent": scenario.persons_per_agent,
            "years": [scenario.start_year, scenario.end_year],
            "factors": [{"name": f.name, "low": f.low, "high": f.high, "default": f.default}
                        for f in factors],
            "wall_time_s": round(time.perf_counter() - t0, 1)}
    result = Sensitivity(table, runs, meta)
    if out_dir is not None:
        result.out_dir = write_sensitivity(result, Path(out_dir))
    return result


# ----- writing -------------------------------------------------------------------------------
def write_sensitivity(result: Sensitivity, out_dir: Path) -> Path:
    """indices.csv, samples.csv, indices.png and sensitivity.json, written atomically."""
    def fill(tmp: Path) -> None:
        result.indices.to_csv(tmp / "indices.csv", index=False)
        result.samples.to_csv(tmp / "samples.csv", index=False)
        (tmp / "sensitivity.json").write_text(json.dumps(result.meta, indent=2),
                                              encoding="utf-8")
        chart(result, tmp / "indices.png")

    return build_and_swap(out_dir, SENSITIVITY, fill)


def chart(result: Sensitivity, path: Path) -> Path:
    """Horizontal bars per factor: mu* and sigma (morris) or S1 and ST (sobol)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    t, meta = result.indices, result.meta
    pairs = ((("mu_star", "mu_star_conf"), ("sigma", None)) if meta["method"] == "morris"
             else (("S1", "S1_conf"), ("ST", "ST_conf")))
    n = len(t)
    pos = np.arange(n)
    fig, ax = plt.subplots(figsize=(7, 1.5 + CHART_ROW_IN * n))
    height = 0.38
    for k, (col, conf) in enumerate(pairs):
        ax.barh(pos + (k - 0.5) * height, t[col], height=height, label=col,
                xerr=t[conf] if conf else None, capsize=3)
    ax.set_yticks(pos, t["parameter"])
    ax.invert_yaxis()
    unit = "persons" if meta["method"] == "morris" else "share of variance"
    ax.set_xlabel(f"{meta['method']} index ({unit})")
    ax.set_title(f"{meta['scenario']}: population of {meta['output']} on 1 January "
                 f"{meta['years'][1]}, {meta['runs']} runs", fontsize=10)
    ax.legend(loc="best", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=CHART_DPI)
    plt.close(fig)
    return path
