"""Comparing a scenario with a baseline over seeds: effect on population, cost, and the cost
per extra resident-year in the target area.

Both scenarios run with the same seeds (the scenario's seed, seed + 1, …), so each seed gives
a paired difference. The results are

* ``compare.csv``: area, year, baseline_median, scenario_median, diff_median, diff_p05,
  diff_p95 (persons on 1 January of ``year``); ``area`` is ``norway`` (the whole simulated
  area), ``target`` (the union of the kommuner the scenario's policies and shocks name; all
  kommuner if it names none) and each kommunenummer;
* ``compare.json``: total_cost_nok (the scenario's policy costs minus the baseline's, mean
  over seeds, all payers: costs hardly vary over seeds, and means add up), the
  extra_resident_years (the target area's population difference summed over the 1 January
  counts after the start, median over seeds), cost_per_extra_resident_year, seeds, and the
  detail behind them: cost by policy and payer, why people moved (the extra net domestic
  moves into the target area by reason), per policy the evidence behind its lever, the
  parameters assumed rather than measured, and values beyond what was ever in force
  (``sim.policies.evidence``); the budget window (``sim.experiments.budget``: cost by year,
  policy and payer, tax paid back, net cost; also ``budget.csv``); and, with ``split``, the
  attribution to each policy (``sim.experiments.attribution``; also ``attribution.csv``);
* ``accounts.csv``: how the scenario changes the attractiveness accounts, per area and year
  (``sim.experiments.accounts``: the baseline's parts and scenario minus baseline, means over
  seeds so the parts add up to the change).
  ``delivery``: per kommune-run policy, the capacity its kommuner ran at and the share they
  delivered, over the seeds (``sim.output.capacity``).

Figures are persons and NOK, never agents.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

from sim.experiments import accounts, attribution, budget
from sim.experiments.pool import default_workers, run_jobs
from sim.experiments.seeds import BAND, NORWAY, seed_numbers, variant
from sim.output.capacity import delivery_rows
from sim.output.out_folder import build_and_swap, check
from sim.policies.evidence import scenario_evidence
from sim.scenario.errors import ScenarioError
from sim.scenario.schema import Scenario
from sim.world.scale import focus_area

EFFECT_YEAR = 2040   # the year the summary reports, if the run reaches it
COMPARE = "compare"  # the kind of result a comparison folder holds (sim.output.out_folder)


@dataclass
class Comparison:
    table: pd.DataFrame       # compare.csv
    summary: dict             # compare.json
    out_dir: Path | None = None
    accounts: pd.DataFrame | None = None   # accounts.csv (sim.experiments.accounts)


def target_codes(scenario: Scenario) -> list[str]:
    """Kommunenummer of the places the scenario's policies and shocks name (all kommuner of
    the area when it names none)."""
    from sim.policies.base import area_mask
    from sim.world.landscape import area_table

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


@dataclass
class RunSummary:
    """One run, reduced to what a comparison needs (persons and NOK)."""

    population: pd.DataFrame          # kommunenummer, year, population
    cost: float                       # all policies, all years
    cost_by_key: dict[str, float]     # "payer:policy" -> NOK over the run
    why: dict[str, float]             # the target area's net domestic moves by reason
    cost_by_year: dict[tuple[int, str, str], float]   # (year, policy, payer) -> NOK
    accounts: pd.DataFrame | None = None     # yearly attractiveness accounts
    capacity: pd.DataFrame | None = None   # the target area's rows of capacity.csv


def _one_run(job: tuple[Scenario, list[str]]) -> RunSummary:
    """Simulate one scenario and summarise it (a job for the process pool)."""
    from sim.output.run_folder import simulate

    scenario, target = job
    return summarize(simulate(scenario), target)


def summarize(result, target: list[str]) -> RunSummary:
    """One run's summary (see ``RunSummary``)."""
    pop = result.kommuner[["kommunenummer", "year", "population"]].copy()
    pop["population"] = pop["population"].astype(float)
    cap = result.capacity
    cap = None if cap is None else cap[cap["kommunenummer"].astype(str).isin(target)]
    costs = result.policy_costs
    books = accounts.yearly(getattr(result, "attractiveness", None))
    if costs is None or costs.empty:
        return RunSummary(pop, 0.0, {}, _net_moves_by_reason(result, target), {}, books, cap)
    by_payer = {f"{payer}:{policy}": float(v)
                for (payer, policy), v in costs.groupby(["payer", "policy"])["nok"].sum().items()}
    by_year = {(int(y), str(policy), str(payer)): float(nok) for y, policy, payer, nok in
               costs[["year", "policy", "payer", "nok"]].itertuples(index=False)}
    return RunSummary(pop, float(costs["nok"].sum()), by_payer,
                      _net_moves_by_reason(result, target), by_year, books, cap)


def _cube(pops: list[pd.DataFrame], codes: list[str], years: list[int]) -> np.ndarray:
    """[seed, kommune, year] population."""
    out = np.zeros((len(pops), len(codes), len(years)))
    for i, df in enumerate(pops):
        wide = df.pivot(index="kommunenummer", columns="year", values="population")
        out[i] = wide.reindex(index=codes, columns=years).to_numpy(float)
    return out


@dataclass
class _Paired:
    """Both scenarios' runs, seed by seed, on their common kommuner and years."""

    base: list[RunSummary]
    scen: list[RunSummary]
    codes: list[str]
    years: list[int]
    target: np.ndarray        # bool per code: in the target area
    base_areas: np.ndarray    # [seed, area, year]: norway, target, then each code
    scen_areas: np.ndarray

    @property
    def diff(self) -> np.ndarray:
        return self.scen_areas - self.base_areas

    @property
    def cost(self) -> np.ndarray:
        """[seed]: the scenario's policy costs minus the baseline's (NOK)."""
        return np.array([s.cost - b.cost for s, b in zip(self.scen, self.base, strict=True)])

    @property
    def resident_years(self) -> np.ndarray:
        """[seed]: the target area's extra resident-years (the 1 January counts after the
        start stand for the years simulated)."""
        return self.diff[:, 1, 1:].sum(axis=1)


def run_all(specs: list[Scenario], seed_list: list[int], persons_per_agent: int | None,
             target_list: list[str], on_run=None, **engine) -> list[list[RunSummary]]:
    """Each scenario's run summaries, one per seed (all in one pool), by scenario. With at
    least as many seeds as workers, a seed's runs go to one process together: they share its
    spin-up, which the process keeps (``sim.processes.spinup``)."""
    by_seed = [[(variant(spec, seed, persons_per_agent), target_list) for spec in specs]
               for seed in seed_list]
    if len(specs) > 1 and len(seed_list) >= (engine.get("workers") or default_workers()):
        per_seed = run_jobs(_seed_runs, by_seed, **engine, on_done=(
            (lambda i, runs: [on_run() for _ in runs]) if on_run else None))
        results = [r for runs in per_seed for r in runs]
    else:
        results = run_jobs(_one_run, [job for jobs in by_seed for job in jobs],
                           on_done=(lambda i, r: on_run()) if on_run else None, **engine)
    return [results[i::len(specs)] for i in range(len(specs))]


def _seed_runs(jobs: list[tuple[Scenario, list[str]]]) -> list[RunSummary]:
    """One seed's runs, one after the other (a job for the process pool)."""
    return [_one_run(job) for job in jobs]


def _pair(base: list[RunSummary], scen: list[RunSummary], target_list: list[str]) -> _Paired:
    """Line both up on the kommuner and years they share; add the norway and target areas."""
    b_codes = set(base[0].population["kommunenummer"])
    codes = [c for c in scen[0].population["kommunenummer"].unique() if c in b_codes]
    if not codes:
        raise ScenarioError("the baseline and the scenario share no kommune; compare needs "
                            "the same area (or overlapping ones)")
    years = sorted(set(base[0].population["year"]) & set(scen[0].population["year"]))
    target = np.isin(codes, target_list)

    def by_area(runs: list[RunSummary]) -> np.ndarray:          # [seed, area, year]
        cube = _cube([r.population for r in runs], codes, years)
        return np.concatenate([cube.sum(axis=1, keepdims=True),
                               cube[:, target].sum(axis=1, keepdims=True), cube], axis=1)

    base, scen = ([_costs_before(r, years[-1]) for r in runs] for runs in (base, scen))
    return _Paired(base, scen, codes, years, target, by_area(base), by_area(scen))


def _costs_before(run: RunSummary, last: int) -> RunSummary:
    """The run with only the costs of the years both runs simulated (calendar years before
    the last common 1 January): a baseline that runs on past the scenario's end would
    otherwise count its later years' costs against the scenario. Unchanged when it does
    not."""
    if not run.cost_by_year or max(y for y, _, _ in run.cost_by_year) < last:
        return run
    by_year = {k: v for k, v in run.cost_by_year.items() if k[0] < last}
    by_key: dict[str, float] = {}
    for (_, policy, payer), nok in by_year.items():
        by_key[f"{payer}:{policy}"] = by_key.get(f"{payer}:{policy}", 0.0) + nok
    return replace(run, cost=float(sum(by_year.values())), cost_by_key=by_key,
                   cost_by_year=by_year)


def _band_table(p: _Paired) -> pd.DataFrame:
    """compare.csv: medians of both and the difference with its band, by area and year."""
    areas = [NORWAY, "target", *p.codes]
    diff = p.diff
    lo, hi = BAND
    table = pd.DataFrame({
        "area": np.repeat(areas, len(p.years)),
        "year": np.tile(p.years, len(areas)),
        "baseline_median": np.median(p.base_areas, axis=0).ravel(),
        "scenario_median": np.median(p.scen_areas, axis=0).ravel(),
        "diff_median": np.median(diff, axis=0).ravel(),
        "diff_p05": np.percentile(diff, lo, axis=0).ravel(),
        "diff_p95": np.percentile(diff, hi, axis=0).ravel(),
    })
    num = table.columns[2:]
    table[num] = table[num].round(1)
    return table


def paired(p: _Paired, item: str, statistic=np.median) -> dict:
    """``statistic`` over seeds of scenario minus baseline for each key of the runs'
    mapping ``item`` (``cost_by_key``, ``why`` or ``cost_by_year``); a key absent from a run
    is 0."""
    keys = sorted({k for r in (*p.scen, *p.base) for k in getattr(r, item)})
    pairs = [(getattr(sr, item), getattr(br, item)) for sr, br in zip(p.scen, p.base,
                                                                       strict=True)]
    return {k: float(statistic([s.get(k, 0.0) - b.get(k, 0.0) for s, b in pairs]))
            for k in keys}


def _costs(p: _Paired) -> dict:
    """Total cost and its split by payer and policy: means over seeds of the paired
    difference, so the parts add up to the total (costs hardly vary over seeds)."""
    by_key = paired(p, "cost_by_key", np.mean)
    by_payer: dict[str, float] = {}
    for key, value in by_key.items():
        payer = key.split(":")[0]
        by_payer[payer] = by_payer.get(payer, 0.0) + value
    by_policy = {key.split(":")[1] + f" ({key.split(':')[0]})": round(v)
                 for key, v in by_key.items()}
    return {"total": float(np.mean(p.cost)), "by_payer": by_payer, "by_policy": by_policy}


def _summary(p: _Paired, baseline: Scenario, scenario: Scenario, seed_list: list[int],
             persons_per_agent: int | None, wanted: int = EFFECT_YEAR) -> dict:
    """compare.json, without the wall time (see the module docstring); the effect in year
    ``wanted`` if the run reaches it, else in its last year."""
    diff, ba, years = p.diff, p.base_areas, p.years
    lo, hi = BAND
    extra = p.resident_years
    costs = _costs(p)
    why = {r: round(v, 1) for r, v in paired(p, "why").items()}
    effect_year = wanted if wanted in years else years[-1]
    yi = years.index(effect_year)
    total_cost = costs["total"]
    extra_years = float(np.median(extra))
    return {
        "total_cost_nok": round(total_cost),
        "extra_resident_years": round(extra_years, 1),
        "cost_per_extra_resident_year": (round(total_cost / extra_years)
                                         if extra_years > 0 else None),
        "seeds": seed_list,
        "baseline": baseline.name,
        "scenario": scenario.name,
        "persons_per_agent": persons_per_agent or scenario.persons_per_agent,
        "years": [years[0], years[-1]],
        "target_kommuner": [c for c, t in zip(p.codes, p.target, strict=True) if t],
        "target_population_start": round(float(np.median(ba[:, 1, 0]))),
        "effect_year": effect_year,
        "target_baseline_median": round(float(np.median(ba[:, 1, yi]))),
        "target_diff_median": round(float(np.median(diff[:, 1, yi])), 1),
        "target_diff_p05": round(float(np.percentile(diff[:, 1, yi], lo)), 1),
        "target_diff_p95": round(float(np.percentile(diff[:, 1, yi], hi)), 1),
        "norway_diff_median": round(float(np.median(diff[:, 0, yi])), 1),
        "extra_resident_years_p05": round(float(np.percentile(extra, lo)), 1),
        "extra_resident_years_p95": round(float(np.percentile(extra, hi)), 1),
        "total_cost_nok_by_payer": {k: round(v) for k, v in costs["by_payer"].items()},
        "total_cost_nok_by_policy": costs["by_policy"],
        "extra_net_moves_into_target_by_reason": why,
        "evidence": scenario_evidence(scenario.policies),
        "budget": _budget(p, extra_years),
        "delivery": delivery_rows(scenario, [r.capacity for r in p.scen
                                             if r.capacity is not None]),
        **({"focus_kommuner": focus_area(scenario.geography, scenario.focus)}
           if scenario.focus else {}),
    }


def _budget(p: _Paired, extra_years: float) -> dict:
    """The budget window (``sim.experiments.budget``): totals, per year, per policy."""
    by_year = paired(p, "cost_by_year", np.mean)
    diff = p.diff
    table = budget.window(by_year, p.years, diff[:, 0, :], diff[:, 1, :])
    return {"totals": budget.totals(table, extra_years),
            "by_year": json.loads(table.to_json(orient="records")),
            "by_policy": json.loads(budget.gross_by_policy(by_year).to_json(orient="records"))}


def runs_needed(baseline: Scenario, scenario: Scenario, seeds: int, split: bool) -> int:
    """How many runs ``compare`` makes (for a progress bar)."""
    if not split:
        return 2 * seeds
    return seeds * (2 + len(attribution.plan(baseline, scenario))
                    + len(attribution.channel_plan(scenario)))


def compare(baseline: Scenario, scenario: Scenario, seeds: int,
            persons_per_agent: int | None = None, out_dir: Path | None = None,
            workers: int = 1, on_run=None, engine: str = "local",
            address: str | None = None, split: bool = False,
            report: bool = False) -> Comparison:
    """Run both scenarios over ``seeds`` seeds and compare them (see the module docstring);
    with ``split``, also every subset of the scenario's policies, and attribute the effect
    and the cost to each policy (``sim.experiments.attribution``); with ``report``, also
    write ``report.html`` (``sim.experiments.report``).

    ``workers`` processes (or the Dask cluster at ``address``) run the runs; ``on_run()``
    is called as each finishes."""
    t0 = time.perf_counter()
    if out_dir is not None:
        check(out_dir, COMPARE)
    if scenario.focus != baseline.focus:        # both at the scenario's scale, kommune by
        baseline = baseline.model_copy(update={"focus": scenario.focus})     # kommune
    seed_list = seed_numbers(scenario.seed, seeds)
    target_list = target_codes(scenario)
    subsets = attribution.plan(baseline, scenario) if split else {}
    channels = attribution.channel_plan(scenario) if split else {}
    base, scen, *parts = run_all([baseline, scenario, *subsets.values(), *channels.values()],
                                  seed_list, persons_per_agent, target_list, on_run,
                                  engine=engine, workers=workers, address=address)
    result = _comparison(base, scen, target_list, baseline, scenario, seed_list,
                         persons_per_agent)
    if split:
        _add_split(result, base, scen, parts, list(subsets), list(channels), target_list,
                   scenario)
    result.summary["wall_time_s"] = round(time.perf_counter() - t0, 1)
    if out_dir is not None:
        page = None
        if report:
            from sim.experiments.report import report_html

            page = report_html(result, scenario)
        result.out_dir = write_comparison(result, Path(out_dir), page)
    return result


def outcomes(p: _Paired, effect_year: int) -> dict[str, np.ndarray]:
    """Per seed, against the baseline: the target area's population difference in
    ``effect_year``, the cost, and the extra resident-years (``attribution.MEASURES``)."""
    return {"effect": p.diff[:, 1, p.years.index(effect_year)], "cost": p.cost,
            "resident_years": p.resident_years}


def split_plan(baseline: Scenario, scenario: Scenario) -> list[Scenario]:
    """The extra scenarios a split runs (each over the comparison's seeds), in the order
    ``compare_results`` takes their runs: the policy subsets, then the channel subsets."""
    return [*attribution.plan(baseline, scenario).values(),
            *attribution.channel_plan(scenario).values()]


def _add_split(result: Comparison, base: list[RunSummary], scen: list[RunSummary],
               parts: list[list[RunSummary]], subsets: list[tuple[int, ...]],
               channels: list[tuple[int, ...]], target_list: list[str],
               scenario: Scenario) -> None:
    """Put the split by policy and by channel into the comparison's summary."""
    year = result.summary["effect_year"]
    by_policy = dict(zip(subsets, parts[:len(subsets)], strict=True))
    by_channel = dict(zip(channels, parts[len(subsets):], strict=True))
    result.summary["attribution"] = _split(
        base, scen, by_policy, target_list, attribution.players(scenario), year)
    result.summary["channels"] = _split(
        base, scen, by_channel, target_list, attribution.package_channels(scenario), year,
        channels=True)


def _split(base: list[RunSummary], scen: list[RunSummary],
           parts: dict[tuple[int, ...], list[RunSummary]], target_list: list[str],
           names: list[str], effect_year: int, channels: bool = False) -> dict:
    """The split of the effect among ``names`` (policies, or channels): v(S) of every subset
    S against the baseline, from the runs of ``parts`` and the full scenario."""
    runs = {**parts, tuple(range(len(names))): scen}
    by_subset = {s: outcomes(_pair(base, r, target_list), effect_year)
                 for s, r in runs.items()}
    other = by_subset.get(())
    if other is None:
        by_subset[()] = {m: np.zeros(len(base)) for m in attribution.MEASURES}
    values = {m: {s: v[m] for s, v in by_subset.items()} for m in attribution.MEASURES}
    if channels:
        return attribution.split(names, values, other, attribution.CHANNEL_MEASURES,
                                 attribution.NO_CHANNEL)
    return attribution.split(names, values, other)


def _comparison(base: list[RunSummary], scen: list[RunSummary], target_list: list[str],
                baseline: Scenario, scenario: Scenario, seed_list: list[int],
                persons_per_agent: int | None, effect_year: int = EFFECT_YEAR) -> Comparison:
    paired = _pair(base, scen, target_list)
    return Comparison(_band_table(paired),
                      _summary(paired, baseline, scenario, seed_list, persons_per_agent,
                               effect_year),
                      accounts=accounts.difference([r.accounts for r in base],
                                                   [r.accounts for r in scen], target_list))


def compare_results(baseline: Scenario, scenario: Scenario, baseline_results: list,
                    scenario_results: list, split_results: list[list] | None = None,
                    effect_year: int = EFFECT_YEAR) -> Comparison:
    """The comparison of runs already made (one run result per seed, in the same seed order
    for both; with ``split_results``, the runs of each scenario of ``split_plan`` in its
    order), as ``compare`` would write it: what the dashboard shows (the effect in
    ``effect_year``, or in the last year if the run ends before it)."""
    target_list = target_codes(scenario)
    base = [summarize(r, target_list) for r in baseline_results]
    scen = [summarize(r, target_list) for r in scenario_results]
    seed_list = [r.scenario.seed for r in scenario_results]
    result = _comparison(base, scen, target_list, baseline, scenario, seed_list,
                         scenario.persons_per_agent, effect_year)
    if split_results is not None:
        parts = [[summarize(r, target_list) for r in runs] for runs in split_results]
        _add_split(result, base, scen, parts, list(attribution.plan(baseline, scenario)),
                   list(attribution.channel_plan(scenario)), target_list, scenario)
    return result


def write_comparison(result: Comparison, out_dir: Path, page: str | None = None) -> Path:
    """Write compare.csv, compare.json, budget.csv (attribution.csv with a split, and
    ``page`` as report.html) into a folder built beside ``out_dir`` and swapped in when
    complete (``sim.output.out_folder``: it replaces only a previous comparison)."""
    def fill(tmp: Path) -> None:
        result.table.to_csv(tmp / "compare.csv", index=False)
        pd.DataFrame(result.summary["budget"]["by_year"]).to_csv(tmp / "budget.csv",
                                                                 index=False)
        if page is not None:
            (tmp / "report.html").write_text(page, encoding="utf-8")
        if result.accounts is not None:
            result.accounts.to_csv(tmp / "accounts.csv", index=False)
        if "attribution" in result.summary:
            pd.concat([attribution.table(result.summary["attribution"]).assign(split="policy"),
                       attribution.table(result.summary["channels"]).assign(split="channel")]
                      ).to_csv(tmp / "attribution.csv", index=False)
        (tmp / "compare.json").write_text(json.dumps(result.summary, indent=2),
                                          encoding="utf-8")

    return build_and_swap(out_dir, COMPARE, fill)
