"""Do the young live where they should? A diagnostic for the education move.

Reads the runs of a ``livskraft validate`` report folder (``backcast*/age_structure.csv`` and
``backcast*/moves_by_reason.csv``) and prints, for the young age groups of the data pack
(16–19, 20–24, 25–29):

* each kommune's share of its population in the group, simulated (mean of the runs) against
  observed: r over kommuner in 2015 (end of the calibration window) and 2025 (out of
  sample), and the mean share in the study towns (``education.study_places``) and elsewhere;
* how many moves each year gave "study" as their reason.

    .venv/bin/python diagnostics/check_study_towns.py runs/validation
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from sim.parameters import ParameterSet
from sim.validation.age_structure import YEARS, observed_shares, simulated_shares
from sim.validation.uncertainty import pearson

AGE_GROUPS = {g: [g] for g in ("16-19", "20-24", "25-29")}   # the data pack's own groups


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, help="a livskraft validate --out folder")
    args = parser.parse_args()
    runs = sorted(args.folder.glob("backcast*/age_structure.csv"))
    if not runs:
        raise SystemExit(f"no backcast*/age_structure.csv under {args.folder}")
    sim = simulated_shares([pd.read_csv(f, dtype={"kommunenummer": str}) for f in runs],
                           AGE_GROUPS)
    obs = observed_shares(AGE_GROUPS).reindex(sim.index)
    towns = set(ParameterSet().value("education.study_places"))
    in_town = sim.index.get_level_values("kommunenummer").isin(towns)
    print(f"{len(runs)} runs; {len(towns)} study towns")
    print("group  year   r      town sim/obs %   elsewhere sim/obs %")
    for group in AGE_GROUPS:
        for y in YEARS:
            at = sim.index.get_level_values("year") == y
            s, o = 100 * sim.loc[at, group], 100 * obs.loc[at, group]
            town = in_town[at]
            print(f"{group}  {y}  {pearson(s, o):.3f}   "
                  f"{s[town].mean():5.2f} / {o[town].mean():5.2f}      "
                  f"{s[~town].mean():5.2f} / {o[~town].mean():5.2f}")
    moves = pd.concat(pd.read_csv(f.parent / "moves_by_reason.csv") for f in runs)
    into = moves[moves["direction"] == "in"]
    by_year = into.groupby(["year", "reason"])["persons"].sum().unstack(fill_value=0) / len(runs)
    if "study" in by_year:
        share = by_year["study"] / by_year.sum(axis=1)
        print("moves (in) with reason study, share of all: "
              + ", ".join(f"{y} {100 * v:.1f} %" for y, v in share.items() if y % 3 == 0))


if __name__ == "__main__":
    main()
