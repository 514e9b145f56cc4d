"""Do the fast growers of 2006–2015 slow down when immigration does? A diagnostic.

Within one SSB centrality class, splits the kommuner into thirds by their observed growth
2006→2015 and prints, for each third, the yearly growth (three-year means) simulated and
observed, and the simulated moves within Norway in and out per 1,000 inhabitants. Observed,
the growth of the fast third rose and fell with national immigration (high around 2010–2013,
near zero by 2019, up again with the refugees of 2022–2023); a model whose fast third keeps
growing at one pace carries its 2006–2015 pattern too far forward. It also prints, for every
class, the slope of 2015→2025 growth on 2006→2015 growth across the class's kommuner,
simulated and observed (how much of the old pattern lasts).

    .venv/bin/python diagnostics/check_growth_cycle.py <validate --out folder> [class]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd
from check_growth_components import mean_run

from sim import data
from sim.validation.observed import observed_wide

YEARS = (2007, 2010, 2013, 2016, 2019, 2022, 2025)   # centres of the three-year means
LAST_FLOW_YEAR = 2024   # the last year with a full year of simulated flows in the mean


def thirds(codes: pd.Index, observed: pd.DataFrame) -> pd.Series:
    growth = observed.loc[codes, 2015] / observed.loc[codes, 2006] - 1
    return pd.qcut(growth, 3, labels=["slow", "mid", "fast"])


def yearly_growth(pop: pd.DataFrame, third: pd.Series) -> pd.DataFrame:
    """Per third: yearly growth of its total (per cent), three-year means around YEARS."""
    growth = pop.groupby(third, observed=True).sum().pct_change(axis=1) * 100
    last = growth.columns.max()
    return pd.DataFrame({y: growth[[c for c in (y - 1, y, y + 1) if c <= last]].mean(axis=1)
                         for y in YEARS})


def lasting_slope(sim: pd.DataFrame, observed: pd.DataFrame, cls: pd.Series) -> pd.DataFrame:
    rows = []
    for c in sorted(cls.unique()):
        codes = cls.index[cls == c]
        before = [p.loc[codes, 2015] / p.loc[codes, 2006] - 1 for p in (sim, observed)]
        after = [p.loc[codes, 2025] / p.loc[codes, 2015] - 1 for p in (sim, observed)]
        rows.append({"class": c, "kommuner": len(codes),
                     "simulated": np.polyfit(before[0], after[0], 1)[0],
                     "observed": np.polyfit(before[1], after[1], 1)[0]})
    return pd.DataFrame(rows).set_index("class")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("centrality", type=int, nargs="?", default=5)
    args = parser.parse_args()
    runs = mean_run(args.folder)
    sim = runs["population"].unstack("year")
    observed = observed_wide().loc[sim.index]
    cls = data.kommuner().set_index("kommunenummer")["sentralitetsklasse"].loc[sim.index]
    codes = cls.index[cls == args.centrality]
    third = thirds(codes, observed)
    print(f"centrality class {args.centrality}: yearly growth % by third of observed "
          f"2006-2015 growth")
    for name, pop in (("simulated", sim.loc[codes]), ("observed", observed.loc[codes])):
        print(name)
        print(yearly_growth(pop, third).round(2).to_string())
    rows = runs.loc[codes].reset_index()
    rows["third"] = rows["kommunenummer"].map(third)
    flows = rows.groupby(["third", "year"], observed=True)[
        ["in_domestic", "out_domestic", "population"]].sum()
    rates = flows[["in_domestic", "out_domestic"]].div(flows["population"], axis=0) * 1000
    print("simulated moves within Norway per 1,000 inhabitants")
    print(rates.unstack("third").loc[[*YEARS[:-1], LAST_FLOW_YEAR]].round(1).to_string())
    print("slope of 2015-2025 growth on 2006-2015 growth within each class")
    print(lasting_slope(sim, observed, cls).round(2).to_string())


if __name__ == "__main__":
    main()
