"""Ensembles: one scenario over many seeds, run in parallel by the process pool
(``sim.experiments.pool``).

``run_ensemble`` runs the seeds ``scenario.seed, seed + 1, …`` and, given ``out_dir``, writes

* ``seed-<n>/``: the run folder of seed n, exactly what ``sim.run.write_run`` writes;
* ``bands.csv``: area (a kommunenummer, or ``norway`` for the whole simulated area), year,
  p05, median, p95 — the population on 1 January of ``year`` over the seeds, in persons;
* ``ensemble.json``: scenario, seeds, persons per agent, engine, workers and wall time.

The folder is built under a hidden temporary name beside ``out_dir`` and swapped in when every
seed is written (``sim.output.out_folder``), so an interrupted ensemble leaves no partial
folder; it replaces only a previous ensemble folder (one with ``ensemble.json``). Each worker
writes its seed's folder (on a remote Dask cluster, the calling process writes them as they
arrive).
"""

from __future__ import annotations

import json
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sim.experiments.pool import run_jobs
from sim.experiments.seeds import BAND, NORWAY, seed_numbers, variant
from sim.output.out_folder import check, swap_in, temp_beside
from sim.scenario.schema import Scenario

DECIMALS = 1            # bands.csv is rounded to a tenth of a person
ENSEMBLE = "ensemble"   # the kind of result an ensemble folder holds (sim.output.out_folder)


def _seed_run(job: tuple[Scenario, Path | None, bool]):
    """One seed's run (the per-seed job of an ensemble): its population by kommune and year
    and its national table; its run folder written to ``folder`` here, in the worker, when
    given, and the whole run returned when ``whole`` (for the caller to write)."""
    from sim.output.run_folder import simulate, write_run

    scenario, folder, whole = job
    result = simulate(scenario)
    reduced = (result.kommuner[["kommunenummer", "year", "population"]].astype(
        {"population": float}), result.national)
    if folder is not None:
        write_run(result, folder)
    return reduced, result if whole else None


@dataclass
class Ensemble:
    """What an ensemble produced (persons throughout)."""

    scenario: Scenario
    seeds: list[int]
    bands: pd.DataFrame        # bands.csv: area, year, p05, median, p95
    population: pd.DataFrame   # seed, kommunenummer, year, population
    national: pd.DataFrame     # seed and the columns of national.csv
    meta: dict
    out_dir: Path | None = None


def population_bands(population: pd.DataFrame) -> pd.DataFrame:
    """p05, median and p95 over seeds of the population by area (``norway`` and each
    kommune) and year, from a long table with seed, kommunenummer, year, population."""
    seeds = sorted(population["seed"].unique())
    codes = list(dict.fromkeys(population["kommunenummer"]))
    years = sorted(population["year"].unique())
    cube = np.zeros((len(seeds), len(codes), len(years)))
    for i, seed in enumerate(seeds):
        wide = population[population["seed"] == seed].pivot(
            index="kommunenummer", columns="year", values="population")
        cube[i] = wide.reindex(index=codes, columns=years).to_numpy(float)
    cube = np.concatenate([cube.sum(axis=1, keepdims=True), cube], axis=1)
    areas = [NORWAY, *codes]
    lo, hi = BAND
    return pd.DataFrame({
        "area": np.repeat(areas, len(years)),
        "year": np.tile(years, len(areas)),
        "p05": np.percentile(cube, lo, axis=0).ravel().round(DECIMALS),
        "median": np.median(cube, axis=0).ravel().round(DECIMALS),
        "p95": np.percentile(cube, hi, axis=0).ravel().round(DECIMALS),
    })


def run_ensemble(scenario: Scenario, seeds: int, *, persons_per_agent: int | None = None,
                 out_dir: Path | None = None, engine: str = "local", workers: int | None = None,
                 address: str | None = None, on_run=None) -> Ensemble:
    """Run ``seeds`` seeds of ``scenario`` (see the module docstring); ``on_run()`` is called
    as each seed finishes."""
    t0 = time.perf_counter()
    seed_list = seed_numbers(scenario.seed, seeds)
    specs = [variant(scenario, s, persons_per_agent) for s in seed_list]
    if out_dir is not None:
        check(out_dir, ENSEMBLE)
    tmp = temp_beside(Path(out_dir)) if out_dir is not None else None
    # workers on this machine write their seed's folder themselves; a remote cluster's
    # workers send the whole run back to be written here
    here = tmp is not None and address is None
    jobs = [(spec, tmp / f"seed-{s}" if here else None, tmp is not None and not here)
            for spec, s in zip(specs, seed_list, strict=True)]
    pops: dict[int, pd.DataFrame] = {}
    nats: dict[int, pd.DataFrame] = {}

    def done(i: int, out) -> None:
        (pop, national), whole = out
        pops[seed_list[i]], nats[seed_list[i]] = pop, national
        if whole is not None and tmp is not None:
            from sim.output.run_folder import write_run

            write_run(whole, tmp / f"seed-{seed_list[i]}")
        if on_run is not None:
            on_run()

    try:
        run_jobs(_seed_run, jobs, engine=engine, workers=workers, address=address,
                 on_done=done, keep=False)
        population = pd.concat([pops[s].assign(seed=s) for s in seed_list], ignore_index=True)
        population = population[["seed", "kommunenummer", "year", "population"]]
        national = pd.concat([nats[s].assign(seed=s) for s in seed_list], ignore_index=True)
        national = national[["seed", *nats[seed_list[0]].columns]]
        meta = {"scenario": scenario.name, "seeds": seed_list,
                "persons_per_agent": specs[0].persons_per_agent,
                "years": [scenario.start_year, scenario.end_year], "engine": engine,
                "workers": workers, "address": address,
                "wall_time_s": round(time.perf_counter() - t0, 1)}
        result = Ensemble(scenario, seed_list, population_bands(population), population,
                          national, meta)
        if tmp is not None:
            result.bands.to_csv(tmp / "bands.csv", index=False)
            (tmp / "ensemble.json").write_text(json.dumps(meta, indent=2), encoding="utf-8")
            result.out_dir = swap_in(tmp, Path(out_dir), ENSEMBLE)
    except BaseException:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
        raise
    return result

