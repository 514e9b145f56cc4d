"""Dose–response over one policy lever: how the effect on the target area, the cost and the
cost per extra resident-year grow with the lever's level.

A lever is one parameter of one of the scenario's policies, ``policies[i].parameters.name``
(or ``policies[i].name``); ``parse_lever`` reads it with the range its policy type allows
(``bounds:`` in ``sim/params/policies/<type>.yaml``), ``parse_levels`` spreads
``low:high:n`` evenly, and ``level_scenarios`` makes the scenario at each level, validated
like a scenario file, so a level outside the parameter's bounds is refused before anything
runs. ``sim.experiments.target`` searches the same levers for the smallest level that meets
a goal.

``run_sweep`` runs the baseline once per seed and the scenario at each level on the same
seeds (common random numbers: each level is paired with the baseline seed by seed, exactly
as ``sim.experiments.compare`` pairs a scenario with its baseline, and every level sees the
same seeds) and keeps, per level, what compare reports. Written (atomically; it replaces only
a previous sweep folder, one with ``sweep.json``):

* ``sweep.csv``: one row per level (``COLUMNS``): the level; the effect on the target area's
  population on 1 January of the effect year against the baseline (median and ``BAND``
  percentiles over seeds, persons) and on the whole area's (median); the total policy cost
  (NOK, median of the paired differences, all payers); the extra resident-years in the
  target area (median and band); and the cost per extra resident-year (NOK; empty when the
  level adds no resident-years);
* ``sweep.png``: the effect with its band, and the cost per extra resident-year, against the
  level;
* ``sweep.json``: the lever, its unit and allowed range, the seeds, the effect year, the
  target kommuner, the rows, per level the values beyond what was ever in force
  (``sim.policies.evidence``), and the wall time.

Figures are persons and NOK, never agents.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sim.experiments.compare import _comparison, run_all, target_codes
from sim.experiments.seeds import BAND, seed_numbers
from sim.experiments.sensitivity import Factor, parse_factor, with_factors
from sim.output.out_folder import build_and_swap, check
from sim.scenario.bounds import policy_range
from sim.scenario.errors import ScenarioError
from sim.scenario.schema import Scenario

SWEEP = "sweep"             # the kind of result a sweep folder holds (sim.output.out_folder)
LEVER = re.compile(r"policies\[(\d+)\]\.(?:parameters\.)?(\w+)")
LEVER_EXAMPLE = "policies[0].parameters.premium_nok"
LEVELS_EXAMPLE = "0:300000:7"
MIN_LEVELS = 2
LEVELS_PARTS = 3            # low:high:n
COLUMNS = ("level", "target_diff_median", "target_diff_p05", "target_diff_p95",
           "norway_diff_median", "total_cost_nok", "extra_resident_years",
           "extra_resident_years_p05", "extra_resident_years_p95",
           "cost_per_extra_resident_year")
CHART_DPI = 120
CHART_SIZE_IN = (10, 4)
EFFECT_COLOUR, COST_COLOUR = "#1f5f8b", "#b5452b"   # as in sim.output.plots
BAND_ALPHA = 0.25
TICK_ROTATION = 30          # degrees: long levels (300,000) stay apart


@dataclass(frozen=True)
class Lever:
    """One policy parameter that a sweep or a target search varies."""

    name: str                       # as the user wrote it
    factor: Factor                  # where it goes in the scenario (sim.experiments.sensitivity)
    allowed: tuple[float, float]    # the parameter's bounds
    unit: str

    def shown(self, value: float) -> str:
        """A level as the user reads it (integers with thousands separators)."""
        return f"{value:,.0f}" if self.factor.integer else f"{value:,g}"

    def typed(self, value: float) -> str:
        """A level as the user types it on the command line."""
        return f"{value:.0f}" if float(value).is_integer() else repr(float(value))


@dataclass
class Sweep:
    table: pd.DataFrame        # sweep.csv
    meta: dict                 # sweep.json
    out_dir: Path | None = None


# ----- the lever and its levels --------------------------------------------------------------
def parse_lever(scenario: Scenario, name: str, option: str = "--set") -> Lever:
    """The policy parameter ``name`` (``policies[i].parameters.key`` or ``policies[i].key``)
    of ``scenario``; a refusal names the command's ``option``."""
    from sim.policies.base import defaults

    name = name.strip()
    match = LEVER.fullmatch(name)
    if match is None:
        raise ScenarioError(f"{option} {name}: name a parameter of one of the scenario's "
                            f"policies as policies[i].parameters.name or policies[i].name "
                            f"(e.g. {LEVER_EXAMPLE})")
    index, key = int(match[1]), match[2]
    if index >= len(scenario.policies):
        raise ScenarioError(f"{option} {name}: the scenario has {len(scenario.policies)} "
                            "policies (policies[0] is the first)")
    kind = scenario.policies[index].type
    known = defaults(kind)
    if key not in known:
        raise ScenarioError(f"{option} {name}: {kind} has no parameter '{key}'; it has "
                            + ", ".join(known))
    low, high, unit, _ = policy_range(kind, key)
    factor = parse_factor(scenario, f"policies[{index}].{key}={low}:{high}")
    return Lever(name, factor, (float(low), float(high)), unit)


def parse_levels(lever: Lever, text: str, option: str = "--set") -> list[float]:
    """``n`` evenly spaced levels from ``low:high:n`` (rounded for an integer parameter)."""
    usage = (f"{option} {lever.name}={text}: give the levels as {lever.name}=low:high:n, "
             f"n evenly spaced levels from low to high (e.g. {lever.name}={LEVELS_EXAMPLE})")
    parts = text.split(":")
    try:
        low, high, n = float(parts[0]), float(parts[1]), int(parts[2])
    except (ValueError, IndexError):
        raise ScenarioError(usage) from None
    if len(parts) != LEVELS_PARTS or n < MIN_LEVELS or not low < high:
        raise ScenarioError(usage + f"; low must be below high and n at least {MIN_LEVELS}")
    values = np.linspace(low, high, n)
    if lever.factor.integer:
        return sorted({round(v) for v in values})
    return [float(v) for v in values]


def parse_set(scenario: Scenario, spec: str) -> tuple[Lever, list[float]]:
    """The lever and its levels from ``--set name=low:high:n``."""
    name, sep, levels = spec.partition("=")
    if not sep:
        raise ScenarioError(f"--set {spec}: give the lever and its levels as "
                            f"{LEVER_EXAMPLE}={LEVELS_EXAMPLE}")
    lever = parse_lever(scenario, name)
    return lever, parse_levels(lever, levels.strip())


def check_areas(baseline: Scenario, scenario: Scenario) -> None:
    """Refuse a baseline that shares no kommune with the scenario (nothing to pair)."""
    from sim.world.landscape import area_table

    def codes(spec: Scenario) -> set[str]:
        return set(area_table(spec.geography)["kommunenummer"].astype(str))

    if not codes(baseline) & codes(scenario):
        raise ScenarioError(f"the baseline ({baseline.name}) and the scenario ({scenario.name}) "
                            "share no kommune; give a baseline of the same area (--baseline)")


def level_scenarios(scenario: Scenario, lever: Lever, levels: list[float]) -> list[Scenario]:
    """The scenario at each level, validated like a scenario file (a ScenarioError names the
    first level outside the parameter's bounds)."""
    return [with_factors(scenario, [lever.factor], [level]) for level in levels]


# ----- the sweep -----------------------------------------------------------------------------
def run_sweep(baseline: Scenario, scenario: Scenario, lever: Lever, levels: list[float],
              seeds: int, persons_per_agent: int | None = None, out_dir: Path | None = None,
              on_run=None, **engine) -> Sweep:
    """Run the baseline and the scenario at each level over ``seeds`` seeds and reduce each
    level as compare does (see the module docstring). The runs go to ``run_jobs`` with
    ``engine`` (e.g. ``workers``); ``on_run()`` is called as each finishes."""
    t0 = time.perf_counter()
    if out_dir is not None:
        check(out_dir, SWEEP)
    specs = level_scenarios(scenario, lever, levels)
    seed_list = seed_numbers(scenario.seed, seeds)
    target_list = target_codes(scenario)
    base, *at_levels = run_all([baseline, *specs], seed_list, persons_per_agent, target_list,
                               on_run, **engine)
    summaries = [_comparison(base, runs, target_list, baseline, spec, seed_list,
                             persons_per_agent).summary
                 for spec, runs in zip(specs, at_levels, strict=True)]
    rows = [{"level": level, **{c: s[c] for c in COLUMNS[1:]}}
            for level, s in zip(levels, summaries, strict=True)]
    first = summaries[0]
    meta = {
        "scenario": scenario.name, "baseline": baseline.name, "lever": lever.name,
        "unit": lever.unit, "allowed_range": list(lever.allowed), "levels": levels,
        "seeds": seed_list, "persons_per_agent": first["persons_per_agent"],
        "years": first["years"], "effect_year": first["effect_year"],
        "band_percentiles": list(BAND), "target_kommuner": first["target_kommuner"],
        "target_population_start": first["target_population_start"],
        "target_baseline_median": first["target_baseline_median"],
        "rows": rows,
        "extrapolation": {lever.shown(level): [x for e in s["evidence"]
                                               for x in e["extrapolation"]]
                          for level, s in zip(levels, summaries, strict=True)},
        "wall_time_s": round(time.perf_counter() - t0, 1),
    }
    result = Sweep(pd.DataFrame(rows, columns=list(COLUMNS)), meta)
    if out_dir is not None:
        result.out_dir = write_sweep(result, Path(out_dir))
    return result


# ----- writing -------------------------------------------------------------------------------
def write_sweep(result: Sweep, out_dir: Path) -> Path:
    """sweep.csv, sweep.png and sweep.json, built beside ``out_dir`` and swapped in."""
    def fill(tmp: Path) -> None:
        result.table.to_csv(tmp / "sweep.csv", index=False)
        chart(result, tmp / "sweep.png")
        (tmp / "sweep.json").write_text(json.dumps(result.meta, indent=2), encoding="utf-8")

    return build_and_swap(out_dir, SWEEP, fill)


def chart(result: Sweep, path: Path) -> Path:
    """Two panels against the level: the effect on the target area with its band over
    seeds, and the cost per extra resident-year."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter

    t, meta = result.table, result.meta
    lo, hi = BAND
    level = t["level"].astype(float)
    thousands = FuncFormatter(lambda v, _: f"{v:,.0f}")
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=CHART_SIZE_IN, sharex=True,
                                   constrained_layout=True)
    ax1.fill_between(level, t["target_diff_p05"], t["target_diff_p95"], color=EFFECT_COLOUR,
                     alpha=BAND_ALPHA, lw=0, label=f"{lo}–{hi} % band over seeds")
    ax1.plot(level, t["target_diff_median"], color=EFFECT_COLOUR, lw=2, marker="o",
             label="median")
    ax1.axhline(0, color="grey", lw=0.8)
    ax1.set_title(f"Effect on the target area, 1 January {meta['effect_year']}")
    ax1.set_ylabel("persons against the baseline")
    ax1.legend(loc="best", fontsize=8)
    cost = pd.to_numeric(t["cost_per_extra_resident_year"], errors="coerce")
    ax2.plot(level, cost / 1e3, color=COST_COLOUR, lw=2, marker="o")
    ax2.set_title("Cost per extra resident-year")
    ax2.set_ylabel("thousand NOK (all the scenario's policies)")
    for ax in (ax1, ax2):
        ax.set_xlabel(f"{meta['lever']} ({meta['unit']})")
        ax.xaxis.set_major_formatter(thousands)
        ax.yaxis.set_major_formatter(thousands)
        ax.tick_params(axis="x", labelrotation=TICK_ROTATION)
        ax.grid(alpha=0.3)
    fig.suptitle(f"{meta['scenario']} against {meta['baseline']}, {len(meta['seeds'])} seeds",
                 fontsize=10)
    fig.savefig(path, dpi=CHART_DPI)
    plt.close(fig)
    return path
