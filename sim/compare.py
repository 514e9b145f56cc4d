"""Comparing a scenario with a baseline over seeds: effect on population, cost, and the cost
per extra resident-year in the target area.

Both scenarios run with the same seeds (the scenario's seed, seed + 1, …), so each seed gives
a paired difference. The results are

* ``compare.csv``: area, year, baseline_median, scenario_median, diff_median, diff_p05,
  diff_p95 (persons on 1 January of ``year``); ``area`` is ``norway`` (the whole simulated
  area), ``target`` (the union of the kommuner the scenario's policies and shocks name; all
  kommuner if it names none) and each kommunenummer;
* ``compare.json``: total_cost_nok (the scenario's policy costs minus the baseline's, median
  over seeds, all payers), extra_resident_years (the target area's population difference
  summed over the 1 January counts after the start, median over seeds),
  cost_per_extra_resident_year, seeds, and the detail behind them: cost by policy and payer,
  and why people moved (the extra net domestic moves into the target area by reason).

Figures are persons and NOK, never agents.
"""

from __future__ import annotations

import json
import os
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sim.scenario import Scenario, ScenarioError

EFFECT_YEAR = 2040   # the year the summary reports, if the run reaches it
BAND = (5, 95)       # percentiles of the band over seeds


@dataclass
class Comparison:
    table: pd.DataFrame       # compare.csv
    summary: dict             # compare.json
    out_dir: Path | None = None


def target_codes(scenario: Scenario) -> list[str]:
    """Kommunenummer of the places the scenario's policies and shocks name (all kommuner of
    the area when it names none)."""
    from sim.landscape import area_table
    from sim.policies.base import area_mask

    table = area_table(scenario.geography)
    codes = table["kommunenummer"].astype(str).tolist()
    mask = np.zeros(len(codes), dtype=bool)
    for p in scenario.policies:
        mask |= area_mask(p.where, codes, table["fylkesnummer"].astype(str).tolist(),
                          table["sentralitetsklasse"].to_numpy())
    mask |= np.isin(codes, [s.kommune for s in scenario.shocks])
    if not mask.any():
        mask[:] = True
    return [c for c, m in zip(codes, mask, strict=True) if m]


def _net_moves_by_reason(result, target: list[str]) -> dict[str, float]:
    """Domestic moves into the target area minus moves out of it, by reason, over the run
    (moves between the target's own kommuner cancel out)."""
    moves = result.moves_by_reason
    if moves is None or moves.empty:
        return {}
    here = moves[moves["kommunenummer"].astype(str).isin(target)]
    sign = np.where(here["direction"] == "in", 1.0, -1.0)
    net = (here["persons"].astype(float) * sign).groupby(here["reason"]).sum()
    return {str(k): float(v) for k, v in net.items()}


def _one_run(job: tuple[Scenario, list[str]]
             ) -> tuple[pd.DataFrame, float, dict[str, float], dict[str, float]]:
    """Population by kommune and year (persons), the total policy cost, the cost by
    ``payer:policy`` (NOK) and the target area's net domestic moves by reason of one run."""
    from sim.run import simulate

    scenario, target = job
    result = simulate(scenario)
    pop = result.kommuner[["kommunenummer", "year", "population"]].copy()
    pop["population"] = pop["population"].astype(float)
    costs = result.policy_costs
    total = 0.0 if costs is None or costs.empty else float(costs["nok"].sum())
    by_payer = {} if costs is None or costs.empty else {
        f"{payer}:{policy}": float(v)
        for (payer, policy), v in costs.groupby(["payer", "policy"])["nok"].sum().items()}
    return pop, total, by_payer, _net_moves_by_reason(result, target)


def _cube(pops: list[pd.DataFrame], codes: list[str], years: list[int]) -> np.ndarray:
    """[seed, kommune, year] population."""
    out = np.zeros((len(pops), len(codes), len(years)))
    for i, df in enumerate(pops):
        wide = df.pivot(index="kommunenummer", columns="year", values="population")
        out[i] = wide.reindex(index=codes, columns=years).to_numpy(float)
    return out


def compare(baseline: Scenario, scenario: Scenario, seeds: int,
            persons_per_agent: int | None = None, out_dir: Path | None = None,
            workers: int = 1, on_run=None) -> Comparison:
    """Run both scenarios over ``seeds`` seeds and compare them (see the module docstring)."""
    t0 = time.perf_counter()
    first = scenario.seed
    seed_list = [first + i for i in range(seeds)]
    ppa = persons_per_agent

    def variant(spec: Scenario, seed: int) -> Scenario:
        update = {"seed": seed}
        if ppa is not None:
            update["persons_per_agent"] = ppa
        return spec.model_copy(update=update)

    target_list = target_codes(scenario)
    jobs = [(variant(s, seed), target_list) for seed in seed_list for s in (baseline, scenario)]
    results = []
    if workers > 1:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            for r in pool.map(_one_run, jobs):
                results.append(r)
                if on_run:
                    on_run()
    else:
        for job in jobs:
            results.append(_one_run(job))
            if on_run:
                on_run()
    base, scen = results[0::2], results[1::2]
    b_codes = set(base[0][0]["kommunenummer"])
    codes = [c for c in scen[0][0]["kommunenummer"].unique() if c in b_codes]
    if not codes:
        raise ScenarioError("the baseline and the scenario share no kommune; compare needs "
                            "the same area (or overlapping ones)")
    years = sorted(set(base[0][0]["year"]) & set(scen[0][0]["year"]))
    b = _cube([r[0] for r in base], codes, years)
    s = _cube([r[0] for r in scen], codes, years)
    target = np.isin(codes, target_list)
    areas = ["norway", "target", *codes]

    def by_area(cube: np.ndarray) -> np.ndarray:          # [seed, area, year]
        return np.concatenate([cube.sum(axis=1, keepdims=True),
                               cube[:, target].sum(axis=1, keepdims=True), cube], axis=1)

    ba, sa = by_area(b), by_area(s)
    diff = sa - ba
    lo, hi = BAND
    table = pd.DataFrame({
        "area": np.repeat(areas, len(years)),
        "year": np.tile(years, len(areas)),
        "baseline_median": np.median(ba, axis=0).ravel(),
        "scenario_median": np.median(sa, axis=0).ravel(),
        "diff_median": np.median(diff, axis=0).ravel(),
        "diff_p05": np.percentile(diff, lo, axis=0).ravel(),
        "diff_p95": np.percentile(diff, hi, axis=0).ravel(),
    })
    num = table.columns[2:]
    table[num] = table[num].round(1)

    # resident-years: the 1 January counts after the start stand for the years simulated
    extra = diff[:, 1, 1:].sum(axis=1)
    cost = np.array([sr[1] - br[1] for sr, br in zip(scen, base, strict=True)])
    keys = sorted({p for r in (*scen, *base) for p in r[2]})
    by_key = {p: np.array([sr[2].get(p, 0.0) - br[2].get(p, 0.0)
                           for sr, br in zip(scen, base, strict=True)]) for p in keys}
    by_payer: dict[str, float] = {}
    for key, values in by_key.items():
        payer = key.split(":")[0]
        by_payer[payer] = by_payer.get(payer, 0.0) + float(np.median(values))
    by_policy = {key.split(":")[1] + f" ({key.split(':')[0]})": round(float(np.median(v)))
                 for key, v in by_key.items()}
    reasons = sorted({r for res in (*scen, *base) for r in res[3]})
    why = {r: round(float(np.median([sr[3].get(r, 0.0) - br[3].get(r, 0.0)
                                     for sr, br in zip(scen, base, strict=True)])), 1)
           for r in reasons}
    effect_year = EFFECT_YEAR if EFFECT_YEAR in years else years[-1]
    yi = years.index(effect_year)
    total_cost = float(np.median(cost))
    extra_years = float(np.median(extra))
    summary = {
        "total_cost_nok": round(total_cost),
        "extra_resident_years": round(extra_years, 1),
        "cost_per_extra_resident_year": (round(total_cost / extra_years)
                                         if extra_years > 0 else None),
        "seeds": seed_list,
        "baseline": baseline.name,
        "scenario": scenario.name,
        "persons_per_agent": ppa or scenario.persons_per_agent,
        "years": [years[0], years[-1]],
        "target_kommuner": [c for c, t in zip(codes, target, strict=True) if t],
        "target_population_start": round(float(np.median(ba[:, 1, 0]))),
        "effect_year": effect_year,
        "target_baseline_median": round(float(np.median(ba[:, 1, yi]))),
        "target_diff_median": round(float(np.median(diff[:, 1, yi])), 1),
        "target_diff_p05": round(float(np.percentile(diff[:, 1, yi], lo)), 1),
        "target_diff_p95": round(float(np.percentile(diff[:, 1, yi], hi)), 1),
        "norway_diff_median": round(float(np.median(diff[:, 0, yi])), 1),
        "extra_resident_years_p05": round(float(np.percentile(extra, lo)), 1),
        "extra_resident_years_p95": round(float(np.percentile(extra, hi)), 1),
        "total_cost_nok_by_payer": {p: round(v) for p, v in by_payer.items()},
        "total_cost_nok_by_policy": by_policy,
        "extra_net_moves_into_target_by_reason": why,
        "wall_time_s": round(time.perf_counter() - t0, 1),
    }
    result = Comparison(table, summary)
    if out_dir is not None:
        result.out_dir = write_comparison(result, Path(out_dir))
    return result


def write_comparison(result: Comparison, out_dir: Path) -> Path:
    """Write compare.csv and compare.json (each via a temporary file, then renamed)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    for name, write in (("compare.csv", lambda p: result.table.to_csv(p, index=False)),
                        ("compare.json", lambda p: p.write_text(
                            json.dumps(result.summary, indent=2), encoding="utf-8"))):
        tmp = out_dir / f".{name}.{os.getpid()}.tmp"
        write(tmp)
        tmp.replace(out_dir / name)
    return out_dir


def describe(result: Comparison) -> list[str]:
    """The summary in a few plain lines (persons and NOK)."""
    s = result.summary
    cpy = s["cost_per_extra_resident_year"]
    n = len(s["target_kommuner"])
    return [
        f"{s['scenario']} against {s['baseline']}, {len(s['seeds'])} seeds "
        f"({s['seeds'][0]}–{s['seeds'][-1]}), {s['persons_per_agent']} persons per agent",
        f"target area ({n} kommuner, {s['target_population_start']:,} persons in "
        f"{s['years'][0]}): population on 1 January {s['effect_year']} "
        f"{s['target_diff_median']:+,.0f} persons against the baseline's "
        f"{s['target_baseline_median']:,} (band {BAND[0]}–{BAND[1]} %: "
        f"{s['target_diff_p05']:+,.0f} to {s['target_diff_p95']:+,.0f}); "
        f"whole area {s['norway_diff_median']:+,.0f}",
        f"total cost {s['total_cost_nok'] / 1e9:,.2f} billion NOK "
        + ", ".join(f"({p} {v / 1e9:,.2f})" for p, v in s["total_cost_nok_by_payer"].items())
        + "; by policy: " + ", ".join(f"{p} {v / 1e9:,.2f}"
                                      for p, v in s["total_cost_nok_by_policy"].items()),
        f"extra resident-years in the target area {s['extra_resident_years']:,.0f} (band "
        f"{s['extra_resident_years_p05']:,.0f} to {s['extra_resident_years_p95']:,.0f}); "
        + (f"cost per extra resident-year {cpy:,.0f} NOK" if cpy is not None else
           "no extra resident-years, so no cost per resident-year"),
        "why: extra net domestic moves into the target area over the run, by reason: "
        + ", ".join(f"{r} {v:+,.0f}" for r, v in sorted(
            s["extra_net_moves_into_target_by_reason"].items(), key=lambda x: -abs(x[1]))),
    ]
