"""Running a scenario and writing its run folder (the output contract).

A run folder holds:

- ``national.csv``: year, population, births, deaths, immigration, emigration, internal_moves
- ``kommuner.csv`` and ``kommuner.parquet``: kommunenummer, year, population, births, deaths,
  in_domestic, out_domestic, immigration, emigration
- ``scenario.yaml`` (the resolved scenario), ``run.json`` (seed, version, times) and
  ``population.png``;
- ``moves_by_reason.csv`` (year, kommunenummer, direction in/out, reason, persons),
  ``movers_by_age.csv``, ``leavers_by_age.csv`` (who moved out of each kommune, by age),
  ``indicators.csv`` (jobs, employed, ownership, price, rent, dwellings, immigrants,
  immigrant retention, schools, services per kommune and year),
  ``age_structure.csv`` (persons by kommune, year, age group and sex) and
  ``refugee_stays.csv`` (per refugee cohort, year and centrality class of the first kommune:
  persons still in Norway and still in their first kommune), ``jobs_by_sector.csv`` (jobs
  per kommune, 1 January year and sector);
- ``attractiveness.csv``: the attractiveness accounts (``sim.output.attractiveness``): per
  kommune and period (each year, and each run of three years), the population change split
  into structural growth, business attractiveness, residential attractiveness and a
  residual, which add up to the change exactly, with their inputs and the kommune's rank by
  residential attractiveness per inhabitant.
- ``capacity.csv``: per kommune, its capacity diamond (leadership, competence, culture,
  economy, time: scores 1–5), their mean (``capacity``), the share of a kommune-run policy it
  delivers (``delivery`` = capacity / 5) and ``scores``: ``own`` (the scenario's
  ``capacity:``) or ``drawn``.

``policy_costs.csv`` (year, policy, payer state or kommune, NOK) holds what each policy in force
cost each year (only the header when none is).

A row for ``year`` holds the population on 1 January of that year and the components over that
calendar year; the last year has the population only. Figures are persons, not agents.
The folder is written under a temporary name beside it and swapped in when complete
(``sim.output.out_folder``), so an interrupted run never leaves a half-written folder behind
and replaces only a previous run folder (one with ``run.json``).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from sim import __version__
from sim.agents import COMPONENTS
from sim.model import NATIONAL_COLUMNS, SettlementModel
from sim.output.attractiveness import run_accounts
from sim.output.out_folder import build_and_swap, check
from sim.policies import COST_COLUMNS
from sim.scenario.files import resolved_yaml
from sim.scenario.schema import Scenario

RUN = "run"             # the kind of result a run folder holds (sim.output.out_folder)
KOMMUNE_COLUMNS = ("kommunenummer", "year", "population", *COMPONENTS)


@dataclass
class RunResult:
    """What a finished run produced, in memory and (if written) on disk."""

    scenario: Scenario
    national: pd.DataFrame
    kommuner: pd.DataFrame
    meta: dict
    out_dir: Path | None = None
    policy_costs: pd.DataFrame | None = None      # year, policy, payer, nok
    moves_by_reason: pd.DataFrame | None = None   # year, kommunenummer, direction, reason
    movers_by_age: pd.DataFrame | None = None     # year, age_group, movers, population
    leavers_by_age: pd.DataFrame | None = None    # year, kommunenummer, age_group, persons
    indicators: pd.DataFrame | None = None        # per kommune and year: jobs, rent, ...
    age_structure: pd.DataFrame | None = None     # per kommune, year, age group and sex
    refugee_stays: pd.DataFrame | None = None     # cohort, year, class: still where settled
    jobs_by_sector: pd.DataFrame | None = None    # per kommune, year and sector: jobs
    attractiveness: pd.DataFrame | None = None    # the attractiveness accounts
    capacity: pd.DataFrame | None = None          # per kommune: scores, delivery, own/drawn


def _flows_to_their_year(df: pd.DataFrame, flows: list[str], by: str | None) -> pd.DataFrame:
    """Records hold the 1 January stock and the flows of the year before; the contract wants
    the flows on the row of the year they happened in, so shift them up one row."""
    df = df.copy()
    if by is None:
        df[flows] = df[flows].shift(-1)
    else:
        df[flows] = df.groupby(by)[flows].shift(-1)
    return df


def tables(model: SettlementModel) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The national and kommune tables of a finished model, in the contract's columns."""
    national = model.datacollector.get_model_vars_dataframe().reset_index(drop=True)
    national = _flows_to_their_year(national[["year", *NATIONAL_COLUMNS]],
                                    list(NATIONAL_COLUMNS[1:]), None).astype("Int64")
    kom = model.datacollector.get_agenttype_vars_dataframe(type(model.kommune_agents[0]))
    kom = kom.reset_index(drop=True)[list(KOMMUNE_COLUMNS)]
    kom = _flows_to_their_year(kom.sort_values(["kommunenummer", "year"]),
                               list(COMPONENTS), "kommunenummer")
    for c in KOMMUNE_COLUMNS[2:]:
        kom[c] = kom[c].astype("Int64")
    kom["year"] = kom["year"].astype(int)
    return national, kom.reset_index(drop=True)


def simulate(scenario: Scenario, on_year=None) -> RunResult:
    """Build and run the model in memory; ``on_year(model)`` is called after each year."""
    started = datetime.now(UTC)
    t0 = time.perf_counter()
    model = SettlementModel(scenario)
    build_s = time.perf_counter() - t0
    model.run(on_year=on_year)
    national, kommuner = tables(model)
    meta = {
        "scenario": scenario.name,
        "seed": scenario.seed,
        "persons_per_agent": scenario.persons_per_agent,
        "version": __version__,
        "start_time": started.isoformat(timespec="seconds"),
        "end_time": datetime.now(UTC).isoformat(timespec="seconds"),
        "wall_time_s": round(time.perf_counter() - t0, 3),
        "build_time_s": round(build_s, 3),
        "agents_at_end": len(model.population),
    }
    result = RunResult(scenario, national, kommuner, meta,
                       policy_costs=model.policy_set.table(), **model.records.tables())
    result.attractiveness = run_accounts(result)
    return result


def write_run(result: RunResult, out_dir: Path) -> Path:
    """Write the run folder atomically: build it beside ``out_dir``, then rename."""
    from sim.output import plots  # matplotlib is imported only when a folder is written

    out_dir = Path(out_dir)

    def fill(tmp: Path) -> None:
        result.national.to_csv(tmp / "national.csv", index=False)
        result.kommuner.to_csv(tmp / "kommuner.csv", index=False)
        result.kommuner.to_parquet(tmp / "kommuner.parquet", index=False)
        costs = result.policy_costs
        if costs is None:
            costs = pd.DataFrame(columns=COST_COLUMNS)
        costs.to_csv(tmp / "policy_costs.csv", index=False)
        for name in ("moves_by_reason", "movers_by_age", "leavers_by_age", "indicators",
                     "age_structure", "refugee_stays", "jobs_by_sector", "attractiveness",
                     "capacity"):
            table = getattr(result, name)
            if table is not None:
                table.to_csv(tmp / f"{name}.csv", index=False)
        (tmp / "scenario.yaml").write_text(resolved_yaml(result.scenario), encoding="utf-8")
        (tmp / "run.json").write_text(json.dumps(result.meta, indent=2), encoding="utf-8")
        plots.population_plot(result, tmp / "population.png")

    build_and_swap(out_dir, RUN, fill)
    result.out_dir = out_dir
    return out_dir


def run_scenario(scenario: Scenario, out_dir: Path | None = None, on_year=None) -> RunResult:
    """Simulate ``scenario`` and, if ``out_dir`` is given, write its run folder (refused,
    before the simulation, if ``out_dir`` is not a folder a run may write)."""
    if out_dir is not None:
        check(out_dir, RUN)
    result = simulate(scenario, on_year=on_year)
    if out_dir is not None:
        write_run(result, out_dir)
    return result
