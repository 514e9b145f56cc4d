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

**What the young and families see, fitted on who lives there.** A kommune's total growth
says nothing of which ages come: fitted on totals alone, the model drew people in their
twenties to Oslo's suburbs and kept families in Oslo (2015: Oslo 26 % short of its people
aged 25–29, Lørenskog and Bærum 50–64 % over). Each kommune also gets a part for two life
stages (``STAGE_PARTS``), added for movers of that stage and fitted in the same rounds on the
kommune's share of the stage's ages on 1 January 2015 (SSB's register): a young part
(``place_effect_young``, for those who weigh places as the young do) on the share aged 25–29
(not 20–24, whom the register often counts at their parents' address while they study), and
a family part (``place_effect_family``, for movers with children) on the share aged 0–15.
Each part's mean is 0.

Run it with ``livskraft calibrate`` (or ``python -m sim.validation.calibrate``); it rewrites
``sim/params/kommune/place_effect.yaml``, ``place_effect_young.yaml`` and
``place_effect_family.yaml``.
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
# The place effect's parts for a life stage (``kommune.place_effect_<stage>``): the age groups
# whose share of each kommune's population at the end of the window each is fitted on
STAGE_PARTS = {"young": ("25-29",), "family": ("0-5", "6-15")}
# Change in the log share of those ages in 2015 per unit of the stage's utility (a first
# guess: the young and families make most of the moves, and moved through the window)
PART_SENSITIVITY = 0.5


def part_parameter(stage: str) -> str:
    return f"kommune.place_effect_{stage}"


def part_output(stage: str) -> Path:
    return OUTPUT.with_name(f"place_effect_{stage}.yaml")


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


def log_share(ages: pd.DataFrame, year: int, column: str, groups: tuple[str, ...]
              ) -> pd.Series:
    """Per kommune: log of the share of its people in the age ``groups`` on 1 January
    ``year`` (``ages``: persons by kommune, year and age group, in ``column``)."""
    a = ages[ages["year"] == year]
    everyone = a.groupby("kommunenummer")[column].sum()
    part = a[a["age_group"].isin(groups)].groupby("kommunenummer")[column].sum()
    return np.log(part.reindex(everyone.index).clip(lower=1) / everyone.clip(lower=1))


def observed_shares() -> dict[str, pd.Series]:
    """Per stage part: the observed log share of its ages at the end of the window."""
    ages = data.population_by_age()
    return {stage: log_share(ages, TARGET_YEARS[1], "population", groups)
            for stage, groups in STAGE_PARTS.items()}


def _backcast_growth(job: tuple) -> tuple:
    """One seed's backcast to the end of the calibration years (a job for ``run_jobs``):
    per kommune log growth over TARGET_YEARS and agents at its start; per stage part the
    log share of its ages at the end and those agents then."""
    effects, parts, persons_per_agent, seed, parameters = job
    spec = load_scenario(BACKCAST)
    raw = {**spec.model_dump(), "end_year": CALIBRATION_YEARS[1],
           "persons_per_agent": persons_per_agent, "seed": seed,
           # the backcast's shocks after the calibration window are not in its runs
           "shocks": [s for s in spec.model_dump()["shocks"]
                      if s["year"] < CALIBRATION_YEARS[1]],
           "parameters": {**spec.parameters, **(parameters or {}),
                          "kommune.place_effect": effects,
                          **{part_parameter(st): v for st, v in parts.items()}}}
    result = simulate(parse_scenario(raw, str(BACKCAST), BACKCAST.parent))
    wide = result.kommuner.pivot(index="kommunenummer", columns="year",
                                 values="population").astype(float).clip(lower=1)
    y0, y1 = TARGET_YEARS
    shares = {}
    for stage, groups in STAGE_PARTS.items():
        share = log_share(result.age_structure, y1, "persons", groups)
        shares[stage] = (share, wide[y1] * np.exp(share) / persons_per_agent)
    return np.log(wide[y1] / wide[y0]), wide[y0] / persons_per_agent, shares


def simulated_log_growth(effects: dict[str, float], persons_per_agent: int,
                         seeds: list[int], parameters: dict | None = None,
                         workers: int = 1, parts: dict[str, dict] | None = None
                         ) -> tuple[pd.Series, pd.Series, dict]:
    """Over ``seeds``, per kommune: the mean simulated log growth over TARGET_YEARS and the
    agents at its start summed over the seeds; per stage part (``parts``: their effects) the
    mean log share of its ages at the end and those agents, summed. ``parameters`` overrides
    the parameter tree (for experiments); ``workers`` > 1 runs the seeds in a local process
    pool (each seeds its own generator: the same results)."""
    jobs = [(effects, parts or {}, persons_per_agent, seed, parameters) for seed in seeds]
    out = run_jobs(_backcast_growth, jobs, workers=workers)
    n = len(out)
    shares = {stage: (sum(o[2][stage][0] for o in out) / n, sum(o[2][stage][1] for o in out))
              for stage in STAGE_PARTS}
    return sum(o[0] for o in out) / n, sum(o[1] for o in out), shares


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
              workers: int = 1) -> tuple[dict[str, float], dict[str, dict[str, float]]]:
    """Fit place effects and their stage parts; returns ({kommunenummer: effect}, {stage:
    {kommunenummer: part}}) and reports each iteration. ``parameters`` overrides the
    parameter tree (the start effects too, if given); ``workers`` runs each round's seeds in
    parallel."""
    target, target_shares = target_log_growth(), observed_shares()
    effects = _start("kommune.place_effect", parameters, target.index)
    parts = {st: _start(part_parameter(st), parameters, target.index) for st in STAGE_PARTS}
    kept = []
    for it in range(iterations):
        # fresh seeds every round, so averaging the rounds averages out simulation noise
        round_seeds = [it * seeds + s + 1 for s in range(seeds)]
        sim, agents, shares = simulated_log_growth(
            effects.round(4).to_dict(), persons_per_agent, round_seeds, parameters, workers,
            {st: v.round(4).to_dict() for st, v in parts.items()})
        gap = target - sim
        r = float(np.corrcoef(target, sim.reindex(target.index))[0, 1])
        gaps = {st: target_shares[st] - shares[st][0] for st in STAGE_PARTS}
        report(f"iteration {it}: r(simulated, target growth {TARGET_YEARS[0]}→"
               f"{TARGET_YEARS[1]}) = {r:.3f}, mean |gap| = {gap.abs().mean():.4f}; "
               + ", ".join(f"{st} share mean |gap| = {g.abs().mean():.4f}"
                           for st, g in gaps.items()))
        effects = _step(effects, gap, agents, SENSITIVITY)
        parts = {st: _step(parts[st], gaps[st], shares[st][1], PART_SENSITIVITY)
                 for st in STAGE_PARTS}
        if it >= iterations // 2:
            kept.append((effects, parts))
    mean = sum(k[0] for k in kept) / len(kept)
    return mean.round(4).to_dict(), {
        st: (sum(k[1][st] for k in kept) / len(kept)).round(4).to_dict() for st in STAGE_PARTS}


def write_effects(fit: tuple[dict[str, float], dict[str, dict[str, float]]],
                  persons_per_agent: int, iterations: int, seeds: int = 2) -> Path:
    """Write the place effects and their stage parts (``calibrate``'s result)."""
    effects, parts = fit
    how = (f"sim/validation/calibrate.py on the 2006 backcast, 2006→2015 only ({iterations} "
           f"iterations at {persons_per_agent} persons per agent, {seeds} seeds)")
    doc = {
        "description": "Each kommune's residual attractiveness in the move choice (what the "
                       "model's other terms do not capture; labour and family immigrants "
                       "weigh it too, immigration.place_effect_weight; young movers and "
                       "families add their parts, kommune.place_effect_young and "
                       "kommune.place_effect_family), calibrated on 2006–2015 so simulated "
                       "growth follows the lasting part of observed growth (small kommuner "
                       "shrunk towards their centrality class). Scenarios should not "
                       "override it.",
        "unit": "utility",
        "reference": f"{how}; observed populations from SSB table 07459 "
                     "(sim/data/population_by_year.csv).",
        "values": {k: float(v) for k, v in sorted(effects.items())},
    }
    _dump(OUTPUT, doc)
    for stage, values in parts.items():
        path = part_output(stage)
        part_doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        part_doc["reference"] = (f"{how}, on each kommune's share of people aged "
                                 f"{', '.join(STAGE_PARTS[stage])} on 1 January "
                                 f"{TARGET_YEARS[1]} (SSB, sim/data/population_by_age.csv).")
        part_doc["values"] = {k: float(v) for k, v in sorted(values.items())}
        _dump(path, part_doc)
    return OUTPUT


def _dump(path: Path, doc: dict) -> None:
    path.write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=100),
                    encoding="utf-8")


def main(iterations: int = 8, persons_per_agent: int = 10, seeds: int = 2) -> None:
    fit = calibrate(iterations, persons_per_agent, seeds)
    print(f"wrote {write_effects(fit, persons_per_agent, iterations, seeds)}")


if __name__ == "__main__":
    main()
