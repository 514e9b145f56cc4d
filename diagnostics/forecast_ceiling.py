"""How well can anything forecast 2015→2025 from what was known in 2015? A ceiling for r.

Issue #27 asks the model for r ≥ 0.80 between simulated and observed kommune growth
2015→2025. This diagnostic asks what r a statistical forecast reaches with every kommune fact
in the data pack that was known on 1 January 2015: the 2006→2015 trend, the 2011→2015 and
2013→2015 trends, the size, SSB's centrality class and index, the area, the latitude, the
growth of the kommune's BA region 2006→2015 and the 2015 shares of six age groups — and,
given a ``livskraft validate`` folder, the model's own forecast (the mean of its runs).

The forecast is a least-squares line fitted *on the 2015→2025 outcomes themselves*, and
scored leave-one-out (each kommune predicted by the line fitted on the other 356): an
optimistic ceiling, since no forecast made in 2015 could have fitted on the outcome. If even
this stays below 0.80, the target needs facts about 2015→2025 that the pack does not hold.
A forecast without a line (the mean growth of the most alike kommuner) checks that a straight
line is not what holds it back.

    .venv/bin/python diagnostics/forecast_ceiling.py [runs/validation]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

from sim import data

AGE_GROUPS = ["0-5", "20-24", "25-29", "30-39", "67-79", "80+"]
TRENDS = ["trend 2006-15", "trend 2011-15", "trend 2013-15"]
NEIGHBOURS = (10, 20, 40)     # kommuner averaged by the nearest-neighbour forecast
FACTS = [*TRENDS, "log size", "centrality class", "centrality index", "log area", "latitude",
         "BA region trend", *(f"share {g}" for g in AGE_GROUPS)]


def known_in_2015() -> tuple[pd.DataFrame, pd.Series]:
    """Each kommune's facts as of 1 January 2015, and its observed log growth 2015→2025."""
    obs = data.population_by_year().pivot(index="kommunenummer", columns="year",
                                          values="population")
    k = data.kommuner().set_index("kommunenummer")
    region = obs.groupby(k["baregion_code"].reindex(obs.index)).sum()
    ages = data.population_by_age()
    ages = ages[ages["year"] == 2015].groupby(["kommunenummer", "age_group"])[
        "population"].sum().unstack()
    share = ages.div(ages.sum(axis=1), axis=0)
    facts = pd.DataFrame({
        "trend 2006-15": np.log(obs[2015] / obs[2006]),
        "trend 2011-15": np.log(obs[2015] / obs[2011]),
        "trend 2013-15": np.log(obs[2015] / obs[2013]),
        "log size": np.log(obs[2015]),
        "centrality class": k["sentralitetsklasse"],
        "centrality index": k["sentralitetsindeks"],
        "log area": np.log(k["area_km2"]),
        "latitude": k["centroid_lat"],
        "BA region trend": np.log(region[2015] / region[2006]).reindex(
            k["baregion_code"]).to_numpy(),
        **{f"share {g}": share[g] for g in AGE_GROUPS}})
    return facts, np.log(obs[2025] / obs[2015])


def model_forecast(folder: Path) -> pd.Series:
    """The model's log growth 2015→2025: the mean over the folder's backcast runs."""
    runs = [pd.read_csv(f, dtype={"kommunenummer": str}).pivot(
        index="kommunenummer", columns="year", values="population")
        for f in sorted(folder.glob("backcast*/kommuner.csv"))]
    if not runs:
        raise SystemExit(f"no backcast*/kommuner.csv under {folder}")
    mean = sum(runs) / len(runs)
    return np.log(mean[2025] / mean[2015])


def leave_one_out_r(x: pd.DataFrame, y: pd.Series) -> tuple[float, float]:
    """r of the least-squares line's leave-one-out predictions with ``y``, and of its fit."""
    z = (x - x.mean()) / x.std()
    design = np.column_stack([np.ones(len(z)), z.to_numpy()])
    hat = design @ np.linalg.pinv(design)
    fit = hat @ y.to_numpy()
    left_out = y.to_numpy() - (y.to_numpy() - fit) / (1.0 - np.diag(hat))
    return (float(np.corrcoef(left_out, y)[0, 1]), float(np.corrcoef(fit, y)[0, 1]))


def nearest_r(x: pd.DataFrame, y: pd.Series, k: int) -> float:
    """r with ``y`` of each kommune's forecast as the mean growth of the ``k`` kommuner most
    alike on the (standardised) facts ``x``, itself left out: a forecast that needs no line."""
    z = ((x - x.mean()) / x.std()).to_numpy()
    distance = ((z[:, None, :] - z[None, :, :]) ** 2).sum(axis=-1)
    np.fill_diagonal(distance, np.inf)
    nearest = np.argsort(distance, axis=1)[:, :k]
    return float(np.corrcoef(y.to_numpy()[nearest].mean(axis=1), y)[0, 1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, nargs="?",
                        help="a livskraft validate --out folder (adds the model's forecast)")
    args = parser.parse_args()
    facts, growth = known_in_2015()
    sets = {"the 2006-15 trend alone": ["trend 2006-15"],
            "the three trends": TRENDS,
            "every fact in the pack": FACTS}
    if args.folder:
        facts["model"] = model_forecast(args.folder)
        sets = {"the model alone": ["model"], **sets,
                "the model and the 2006-15 trend": ["model", "trend 2006-15"],
                "the model and every fact": ["model", *FACTS]}
    facts = facts.dropna()
    growth = growth.loc[facts.index]
    print(f"{len(facts)} kommuner; r with observed log growth 2015->2025 of a line fitted "
          "on it, leave-one-out (in-sample fit)")
    for name, columns in sets.items():
        r, r_fit = leave_one_out_r(facts[columns], growth)
        print(f"  {r:.3f} ({r_fit:.3f})  {name} ({len(columns)} facts)")
    for k in NEIGHBOURS:
        print(f"  {nearest_r(facts[FACTS], growth, k):.3f}          the mean of the {k} "
              "kommuner most alike on every fact in the pack")


if __name__ == "__main__":
    main()
