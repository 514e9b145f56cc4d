"""Validation: how well a backcast reproduces 2006–2026 Norway, against naive references.

This module owns the backcast validation report. It compares a run result (``sim.run.RunResult``)
of ``scenarios/backcast-2006.yaml`` with the observed kommune populations
(``sim.data.population_by_year``), computes the metrics and the pass/fail verdict against the
issue's targets, and writes ``validation.md``, ``validation_metrics.json`` and the plots
(drawn by ``sim.validation.plots``); how sure the verdict is comes from
``sim.validation.uncertainty``, the age structure section from
``sim.validation.age_structure``. It does not run the CLI; ``validate()`` is the entry
point a command can call.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from sim.output.out_folder import build_and_swap, check
from sim.validation.report import DEFAULT_CALIBRATION_NOTE, write_report

BACKCAST_PATH = Path(__file__).resolve().parents[2] / "scenarios" / "backcast-2006.yaml"
VALIDATE = "validate"   # the kind of result a report folder holds (sim.output.out_folder)
REPORT = "validation.md"
REPORTED_PERSONS_PER_AGENT = 1  # the configuration docs/validation.md's figures are for
REPORTED_SEEDS = 8
QUICK_PERSONS_PER_AGENT = 10    # ``--quick``: a coarse check
QUICK_SEEDS = 1


def configuration(persons_per_agent: int | None, seeds: int | None, quick: bool
                  ) -> tuple[int, int, str]:
    """The persons per agent and seeds ``livskraft validate`` runs (options given win over
    the defaults: the reported configuration, or the coarse one with ``quick``), and a line
    saying what it runs and how far that is from the reported configuration."""
    ppa, n = persons_per_agent, seeds
    if ppa is None:
        ppa = QUICK_PERSONS_PER_AGENT if quick else REPORTED_PERSONS_PER_AGENT
    if n is None:
        n = QUICK_SEEDS if quick else REPORTED_SEEDS
    what = (f"validate: {n} backcast run{'s' if n > 1 else ''} at {ppa} "
            f"person{'s' if ppa > 1 else ''} per agent")
    if (ppa, n) == (REPORTED_PERSONS_PER_AGENT, REPORTED_SEEDS):
        return ppa, n, f"{what}, the configuration docs/validation.md reports."
    return ppa, n, (f"{what}; docs/validation.md reports {REPORTED_SEEDS} runs at "
                    f"{REPORTED_PERSONS_PER_AGENT} person per agent. Coarser agents and fewer "
                    "runs add noise to each kommune's growth and lower r (one run at 10 "
                    "persons per agent: r about 0.6 against the reported 0.76).")


def ensemble_mean(results: list):
    """Several runs of one scenario as one result: kommune and national tables averaged over
    the runs (the model's expected history, without the chance of who happened to move),
    movers by age summed."""
    from types import SimpleNamespace

    kom = pd.concat([r.kommuner for r in results]).groupby(
        ["kommunenummer", "year"], as_index=False).mean(numeric_only=True)
    nat = pd.concat([r.national for r in results]).groupby(
        "year", as_index=False).mean(numeric_only=True)
    movers = None
    if all(r.movers_by_age is not None for r in results):
        both = pd.concat([r.movers_by_age for r in results])
        keys = ["year", "age_group"] + (["sex"] if "sex" in both.columns else [])
        movers = both.groupby(keys, as_index=False)[["movers", "population"]].sum()
    return SimpleNamespace(national=nat, kommuner=kom, movers_by_age=movers)


def _backcast_run(job: tuple):
    """One seed's backcast (a job for ``sim.engine.run_jobs``): run it, write its folder."""
    from sim.output.run_folder import run_scenario

    spec, folder = job
    return run_scenario(spec, folder)


def validate(out_dir, persons_per_agent: int = 10, seed: int = 1, on_year=None,
             seeds: int = 1, workers: int = 1, on_run=None) -> Path:
    """Run the 2006 backcast ``seeds`` times (seeds ``seed``, ``seed + 1``, …; run folders
    ``out_dir/backcast`` and ``out_dir/backcast-seed<n>``) and write the report on their mean.

    With ``workers`` > 1 the seeds run in a local process pool (``sim.experiments.pool``);
    each run seeds
    its own generator from its scenario, so the results are those of the sequential runs.
    ``on_year(model)`` is called after each simulated year when the runs are sequential,
    ``on_run()`` after each finished run either way. The report folder is built beside
    ``out_dir`` and swapped in when complete (``sim.output.out_folder``); it replaces only a
    previous report (a folder with validation_metrics.json)."""
    out_dir = check(Path(out_dir), VALIDATE)
    return build_and_swap(out_dir, VALIDATE, lambda tmp: _validate_into(
        tmp, persons_per_agent, seed, on_year, seeds, workers, on_run)) / REPORT


def _validate_into(out_dir: Path, persons_per_agent: int, seed: int, on_year, seeds: int,
                   workers: int, on_run) -> Path:
    """``validate``'s runs and report, written into the new folder ``out_dir``."""
    from sim.experiments.pool import run_jobs
    from sim.scenario.files import load_scenario, parse_scenario

    base = load_scenario(BACKCAST_PATH).model_dump()
    jobs = []
    for s in range(seed, seed + seeds):
        spec = parse_scenario({**base, "persons_per_agent": persons_per_agent, "seed": s},
                              str(BACKCAST_PATH), BACKCAST_PATH.parent)
        jobs.append((spec, out_dir / ("backcast" if s == seed else f"backcast-seed{s}")))
    if workers > 1 and seeds > 1:
        results = run_jobs(_backcast_run, jobs, workers=workers,
                           on_done=lambda i, r: on_run() if on_run else None)
    else:
        from sim.output.run_folder import run_scenario

        results = []
        for spec, folder in jobs:
            results.append(run_scenario(spec, folder, on_year=on_year))
            if on_run is not None:
                on_run()
    _, _, config = configuration(persons_per_agent, seeds, False)
    if seeds == 1:
        note = (f"{DEFAULT_CALIBRATION_NOTE} Simulated figures are one run (seed {seed}) at "
                f"{persons_per_agent} person{'s' if persons_per_agent > 1 else ''} per agent. "
                f"{config.split('; ', 1)[-1]}")
        return write_report(results[0], out_dir, note, runs=results)
    note = (f"{DEFAULT_CALIBRATION_NOTE} Simulated figures are the mean of {seeds} runs "
            f"(seeds {seed}–{seed + seeds - 1}) at {persons_per_agent} "
            f"person{'s' if persons_per_agent > 1 else ''} per agent.")
    if (persons_per_agent, seeds) != (REPORTED_PERSONS_PER_AGENT, REPORTED_SEEDS):
        note += " " + config.split("; ", 1)[-1]
    return write_report(ensemble_mean(results), out_dir, note, runs=results)
