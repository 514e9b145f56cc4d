"""Calibration: fitting each kommune's place effect on the 2006–2015 backcast only.

The behavioural coefficients (jobs, housing, ties, place by life stage, distance) are set in
the parameter tree. What they leave unexplained about why people choose one kommune over
another — scenery, culture, a campus, reputation — is each kommune's ``place_effect``, an
unobserved constant. This module fits it: run the backcast from the real 1 January 2006
population (after the model's spin-up, ``sim.processes.spinup``) to 1 January 2015, compare each
kommune's simulated growth with its target, move the effect by the gap, and repeat. Only
observed populations of 2006–2015 are used, so 2015→2025 stays an out-of-sample check
(``sim.validation.backcast``).

**The target is what persists, not every wiggle** (empirical Bayes). A kommune's observed
growth over 2006→2015 mixes a lasting part (what the place is) with passing shocks (a plant
that opened, a reception centre, a few families); in a kommune of 1,000 people the passing
part dominates. The calibration measures both on the calibration years alone: split the
window in two halves (2006→2010 and 2010→2015) and, for each kommune's yearly log growth
less its centrality class mean, take the covariance of the halves as the lasting variance
``tau2`` and their difference as passing noise whose variance falls with population
(``noise / (years · population)``). Each kommune's target is then its class mean plus its
own deviation shrunk by its reliability ``tau2 / (tau2 + noise / (years · population))``:
large kommuner keep their own growth, small ones lean towards their class.

**Several seeds, averaged iterates.** Each round runs the backcast with ``seeds`` fresh seeds
and uses their mean growth, steps are smaller in kommuner with few agents (simulation noise), and
the result is the mean of the second half of the rounds' effects, so the fit does not chase
one run's noise.

**What young movers see, fitted on who lives there.** A kommune's total growth says nothing
of which ages come: fitted on totals alone, the model drew people in their twenties to Oslo's
suburbs and kept families in Oslo (2015: Oslo 26 % short of its people aged 25–29, Lørenskog
and Bærum 50–64 % over). Each kommune also gets a young part (``place_effect_young``, added
for movers who weigh places as the young do), fitted in the same rounds on its share of
people aged 25–29 on 1 January 2015 (SSB's register; 25–29 rather than 20–24, whom the
register often counts at their parents' address while they study). Its mean is 0.

Run it with ``livskraft calibrate`` (or ``python -m sim.validation.calibrate``); it rewrites
``sim/params/kommune/place_effect.yaml`` and ``place_effect_young.yaml``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from sim import data
from sim.experiments.pool import run_jobs
from sim.output.run_folder import simulate
from sim.parameters import ParameterSet
from sim.scenario.files import load_scenario, parse_scenario
from sim.validation.backcast import BACKCAST_PATH
from sim.validation.observed import IN_SAMPLE, centrality_classes, observed_wide

BACKCAST = BACKCAST_PATH
OUTPUT = Path(__file__).resolve().parents[1] / "params" / "kommune" / "place_effect.yaml"
OUTPUT_YOUNG = OUTPUT.with_name("place_effect_young.yaml")
CALIBRATION_YEARS = IN_SAMPLE
TARGET_YEARS = CALIBRATION_YEARS        # growth matched over the whole calibration window
SPLIT_YEAR = 2010                       # halves for the lasting/passing split
# Change in log population over the target years per unit of place utility. About 4.5 % of
# people move between kommuner a year (SSB), so one unit of utility in a small destination
# could raise its in-migration by up to 4.5 % of its population a year; in the model the
# place term also keeps people (staying is a choice) and feeds back through housing.
# Measured: the first iterations closed about a quarter of the gap with 0.045 per year, so
# the response is about a quarter of that.
SENSITIVITY = 0.012 * (TARGET_YEARS[1] - TARGET_YEARS[0])
DAMPING = 0.6          # share of the gap closed per iteration (avoids overshooting)
NOISE_AGENTS = 50      # kommuner with fewer agents than this (over all seeds) get smaller steps
MAX_EFFECT = 3.0       # utility; keeps a kommune's effect within a plausible range
YOUNG_AGES = ("25-29",)  # age groups whose share of the population the young part is fitted on
# Change in the log share of those ages in 2015 per unit of young movers' utility (a first
# guess: young movers are most of the moves, and the 2015 25–29s moved through the window)
YOUNG_SENSITIVITY = 0.5


def observed_log_growth(y0: int, y1: int) -> pd.Series:
    pop = observed_wide()
    return np.log(pop[y1] / pop[y0])


def _class_deviation(x: pd.Series, cls: pd.Series) -> pd.Series:
    return x - x.groupby(cls.reindex(x.index)).transform("mean")


def persistence(years: tuple[int, int] = CALIBRATION_YEARS,
                split: int = SPLIT_YEAR) -> tuple[float, float]:
    """(tau2, noise): variance of the lasting part of yearly log growth (deviation from the
    class mean), and the passing part's variance times years times population, from the
    two halves of the calibration window."""
    y0, y1 = years
    cls, pop = centrality_classes(), observed_wide()[y0]
    halves = [(y0, split), (split, y1)]
    d1, d2 = (_class_deviation(observed_log_growth(a, b) / (b - a), cls) for a, b in halves)
    tau2 = float((d1 * d2).mean())
    inv = sum(1.0 / ((b - a) * pop) for a, b in halves)
    noise = float(((d1 - d2) ** 2).sum() / inv.reindex(d1.index).sum())
    return max(tau2, 0.0), noise


def target_log_growth(years: tuple[int, int] = TARGET_YEARS) -> pd.Series:
    """Each kommune's target log growth over ``years``: its class mean plus its own
    deviation shrunk by its reliability (see the module docstring)."""
    y0, y1 = years
    growth = observed_log_growth(y0, y1)
    cls = centrality_classes().reindex(growth.index)
    tau2, noise = persistence()
    reliability = tau2 / (tau2 + noise / ((y1 - y0) * observed_wide()[y0].reindex(growth.index)))
    mean = growth.groupby(cls).transform("mean")
    return mean + reliability * (growth - mean)


def young_log_share(ages: pd.DataFrame, year: int, column: str) -> pd.Series:
    """Per kommune: log of the share of its people in YOUNG_AGES on 1 January ``year``
    (``ages``: persons by kommune, year and age group, in ``column``)."""
    a = ages[ages["year"] == year]
    everyone = a.groupby("kommunenummer")[column].sum()
    young = a[a["age_group"].isin(YOUNG_AGES)].groupby("kommunenummer")[column].sum()
    return np.log(young.reindex(everyone.index).clip(lower=1) / everyone.clip(lower=1))


def observed_young_share() -> pd.Series:
    return young_log_share(data.population_by_age(), TARGET_YEARS[1], "population")


def _backcast_growth(job: tuple) -> tuple[pd.Series, ...]:
    """One seed's backcast to the end of the calibration years (a job for ``run_jobs``):
    per kommune log growth over TARGET_YEARS, agents at its start, the log share of the
    young at its end and the young agents then."""
    effects, young, persons_per_agent, seed, parameters = job
    spec = load_scenario(BACKCAST)
    raw = {**spec.model_dump(), "end_year": CALIBRATION_YEARS[1],
           "persons_per_agent": persons_per_agent, "seed": seed,
           # the backcast's shocks after the calibration window are not in its runs
           "shocks": [s for s in spec.model_dump()["shocks"]
                      if s["year"] < CALIBRATION_YEARS[1]],
           "parameters": {**spec.parameters, **(parameters or {}),
                          "kommune.place_effect": effects,
                          "kommune.place_effect_young": young}}
    result = simulate(parse_scenario(raw, str(BACKCAST), BACKCAST.parent))
    wide = result.kommuner.pivot(index="kommunenummer", columns="year",
                                 values="population").astype(float).clip(lower=1)
    y0, y1 = TARGET_YEARS
    share = young_log_share(result.age_structure, y1, "persons")
    return (np.log(wide[y1] / wide[y0]), wide[y0] / persons_per_agent, share,
            wide[y1] * np.exp(share) / persons_per_agent)


def simulated_log_growth(effects: dict[str, float], persons_per_agent: int,
                         seeds: list[int], parameters: dict | None = None,
                         workers: int = 1, young: dict[str, float] | None = None
                         ) -> tuple[pd.Series, ...]:
    """Over ``seeds``, per kommune: the mean simulated log growth over TARGET_YEARS, the
    agents at its start summed over the seeds, the mean log share of the young at its end
    and the young agents then, summed. ``parameters`` overrides the parameter tree (for
    experiments); ``workers`` > 1 runs the seeds in a local process pool (each seeds its own
    generator: the same results)."""
    jobs = [(effects, young or {}, persons_per_agent, seed, parameters) for seed in seeds]
    out = run_jobs(_backcast_growth, jobs, workers=workers)
    n = len(out)
    return (sum(o[0] for o in out) / n, sum(o[1] for o in out), sum(o[2] for o in out) / n,
            sum(o[3] for o in out))


def _start(name: str, parameters: dict | None, index: pd.Index) -> pd.Series:
    current = ParameterSet(parameters).value(name)      # start: the last fit
    return pd.Series({k: float(current.get(k, 0.0)) for k in index})


def _step(effects: pd.Series, gap: pd.Series, agents: pd.Series, sensitivity: float
          ) -> pd.Series:
    """Move the effects by the damped gap (smaller steps where few agents), centred."""
    weight = agents.reindex(effects.index).fillna(0.0)
    weight = weight / (weight + NOISE_AGENTS)
    moved = (effects + DAMPING * weight * gap.reindex(effects.index).fillna(0.0)
             / sensitivity).clip(-MAX_EFFECT, MAX_EFFECT)
    return moved - moved.mean()          # only differences between kommuner matter


def calibrate(iterations: int = 8, persons_per_agent: int = 10, seeds: int = 2,
              report=print, parameters: dict | None = None,
              workers: int = 1) -> tuple[dict[str, float], dict[str, float]]:
    """Fit place effects and their young parts; returns ({kommunenummer: effect},
    {kommunenummer: young part}) and reports each iteration. ``parameters`` overrides the
    parameter tree (the start effects too, if given); ``workers`` runs each round's seeds in
    parallel."""
    target, target_young = target_log_growth(), observed_young_share()
    effects = _start("kommune.place_effect", parameters, target.index)
    young = _start("kommune.place_effect_young", parameters, target.index)
    kept = []
    for it in range(iterations):
        # fresh seeds every round, so averaging the rounds averages out simulation noise
        round_seeds = [it * seeds + s + 1 for s in range(seeds)]
        sim, agents, share, young_agents = simulated_log_growth(
            effects.round(4).to_dict(), persons_per_agent, round_seeds, parameters, workers,
            young.round(4).to_dict())
        gap, gap_young = target - sim, target_young - share
        r = float(np.corrcoef(target, sim.reindex(target.index))[0, 1])
        report(f"iteration {it}: r(simulated, target growth {TARGET_YEARS[0]}→"
               f"{TARGET_YEARS[1]}) = {r:.3f}, mean |gap| = {gap.abs().mean():.4f}; "
               f"young share mean |gap| = {gap_young.abs().mean():.4f}")
        effects = _step(effects, gap, agents, SENSITIVITY)
        young = _step(young, gap_young, young_agents, YOUNG_SENSITIVITY)
        if it >= iterations // 2:
            kept.append((effects, young))
    return tuple((sum(k[i] for k in kept) / len(kept)).round(4).to_dict() for i in (0, 1))


def write_effects(fit: tuple[dict[str, float], dict[str, float]], persons_per_agent: int,
                  iterations: int, seeds: int = 2) -> Path:
    """Write the place effects and their young parts (``calibrate``'s result)."""
    effects, young = fit
    how = (f"sim/validation/calibrate.py on the 2006 backcast, 2006→2015 only ({iterations} "
           f"iterations at {persons_per_agent} persons per agent, {seeds} seeds)")
    doc = {
        "description": "Each kommune's residual attractiveness in the move choice (what the "
                       "model's other terms do not capture; labour and family immigrants "
                       "weigh it too, immigration.place_effect_weight; young movers add "
                       "kommune.place_effect_young), calibrated on 2006–2015 so simulated "
                       "growth follows the lasting part of observed growth (small kommuner "
                       "shrunk towards their centrality class). Scenarios should not "
                       "override it.",
        "unit": "utility",
        "reference": f"{how}; observed populations from SSB table 07459 "
                     "(sim/data/population_by_year.csv).",
        "values": {k: float(v) for k, v in sorted(effects.items())},
    }
    OUTPUT.write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=100),
                      encoding="utf-8")
    young_doc = yaml.safe_load(OUTPUT_YOUNG.read_text(encoding="utf-8"))
    young_doc["reference"] = (f"{how}, on each kommune's share of people aged "
                              f"{', '.join(YOUNG_AGES)} on 1 January {TARGET_YEARS[1]} (SSB, "
                              "sim/data/population_by_age.csv).")
    young_doc["values"] = {k: float(v) for k, v in sorted(young.items())}
    OUTPUT_YOUNG.write_text(yaml.safe_dump(young_doc, sort_keys=False, allow_unicode=True,
                                           width=100), encoding="utf-8")
    return OUTPUT


def main(iterations: int = 8, persons_per_agent: int = 10, seeds: int = 2) -> None:
    fit = calibrate(iterations, persons_per_agent, seeds)
    print(f"wrote {write_effects(fit, persons_per_agent, iterations, seeds)}")


if __name__ == "__main__":
    main()
