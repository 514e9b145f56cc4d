"""How well can anything forecast 2015→2025 from what was known in 2015? A ceiling for r.

Prints the ceiling of ``sim.validation.ceiling`` (forecasts fitted on the 2015→2025 outcomes
themselves from every kommune fact in the pack known in 2015, scored leave-one-out) for a few
sets of facts and numbers of neighbours, and, given a ``livskraft validate`` folder, with the
model's own forecast (the mean of its runs) as one more fact. r is with observed growth
2015→2025 (pop_2025 / pop_2015 − 1), as in the validation report.

    .venv/bin/python diagnostics/forecast_ceiling.py [runs/validation]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd
from check_growth_components import mean_run

from sim.validation.ceiling import known_in_2015, leave_one_out_r, nearest_r
from sim.validation.observed import OUT_OF_SAMPLE, growth_between, observed_growth

NEIGHBOURS = (10, 20, 40, 80)


def model_forecast(folder: Path) -> pd.Series:
    """The model's growth 2015→2025: the mean over the folder's backcast runs."""
    return growth_between(mean_run(folder)["population"].unstack("year"), *OUT_OF_SAMPLE)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, nargs="?",
                        help="a livskraft validate --out folder (adds the model's forecast)")
    args = parser.parse_args()
    facts = known_in_2015()
    every = list(facts.columns)
    trends = every[:3]
    sets = {"the 2006-15 growth alone": trends[:1], "the three growths": trends,
            "every fact in the pack": every}
    if args.folder:
        facts["model"] = model_forecast(args.folder)
        sets = {"the model alone": ["model"], **sets,
                "the model and the 2006-15 growth": ["model", trends[0]],
                "the model and every fact": ["model", *every]}
    facts = facts.dropna()
    growth = observed_growth(*OUT_OF_SAMPLE).reindex(facts.index)
    print(f"{len(facts)} kommuner; r with observed growth 2015->2025 of a line fitted on it, "
          "leave-one-out (in-sample fit)")
    for name, columns in sets.items():
        r, r_fit = leave_one_out_r(facts[columns], growth)
        print(f"  {r:.3f} ({r_fit:.3f})  {name} ({len(columns)} facts)")
    for k in NEIGHBOURS:
        print(f"  {nearest_r(facts[every], growth, k):.3f}          the mean of the {k} "
              "kommuner most alike on every fact in the pack")


if __name__ == "__main__":
    main()
