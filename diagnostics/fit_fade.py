"""Fit policies.income_tax_relief.effect_gone_years on the tiltakssone replay of livskraft
evidence: the zone's 3.5 points from 2026 at several fade settings, on common seeds.

Usage: python diagnostics/fit_fade.py PERSONS_PER_AGENT SEEDS FULL,GONE [FULL,GONE ...]
(e.g. 2 8 5,6 5,7). Prints, per setting, the median extra residents aged 20-39 in the zone
by year and the year-10 figure over the peak; writes runs/fade-fit-PPA.json.
"""

import json
import sys
from pathlib import Path

import numpy as np

from sim.experiments.pool import run_jobs
from sim.parameters import ParameterSet
from sim.validation import evidence as ev


def young_by_year(job: tuple[int, int, int, int]) -> dict[int, float]:
    """The zone's residents aged 20-39 by year; full = gone = 0 is the control (no relief)."""
    from sim.output.run_folder import simulate

    full, gone, seed, ppa = job
    without = [e for e in ParameterSet().value("policies.regime") if e["name"] != "tiltakssone"]
    extra: dict = {"parameters": {"policies.regime": without}}
    if gone:
        extra["policies"] = [{
            "type": "income_tax_relief", "where": {"zone": "finnmark-nord-troms"},
            "from_year": ev.START, "parameters": {
                "percentage_points": 3.5, "effect_full_years": full, "effect_gone_years": gone}}]
    result = simulate(ev._norway("fade-fit", ev.ZONE_YEARS, ppa, seed, **extra))
    a = result.age_structure
    a = a[a["kommunenummer"].isin(ev._kommuner_in_zones(("V",)))
          & a["age_group"].isin(ev.YOUNG_GROUPS)]
    return {int(y): float(v) for y, v in a.groupby("year")["persons"].sum().items()}


def main(ppa: int, seeds: int, settings: list[tuple[int, int]]) -> None:
    jobs = [(f, g, s, ppa) for f, g in [(0, 0), *settings] for s in range(1, seeds + 1)]
    out: dict[str, dict[int, dict[int, float]]] = {}
    for (f, g, s, _), r in zip(jobs, run_jobs(young_by_year, jobs, workers=2), strict=True):
        out.setdefault(f"{f},{g}", {})[s] = r
    control = out["0,0"]
    years = sorted(control[1])
    for key, runs in out.items():
        if key != "0,0":
            med = [float(np.median([runs[s][y] - control[s][y] for s in runs])) for y in years]
            print(key, " ".join(f"{y}:{m:.0f}" for y, m in zip(years, med, strict=True)),
                  f"last/peak={med[-1] / max(med):.2f}")
    Path("runs").mkdir(exist_ok=True)
    Path(f"runs/fade-fit-{ppa}.json").write_text(json.dumps(out), encoding="utf-8")


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]),
         [tuple(map(int, s.split(","))) for s in sys.argv[3:]])
