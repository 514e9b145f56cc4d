"""The sex balance of young adults by centrality class, simulated against observed.

The source stresses that small towns must offer urban qualities "to keep young adults and
women", and that labour immigrants to the coast are mostly men: the rural young-adult
population is short of women. The validation (``sim.validation.backcast``) reports women per
100 men aged 20–39 in each centrality class (SSB's classes, 1 most central), for the start of
the backcast, the end of the calibration window and out of sample, from the runs' age
structure (their mean) and the data pack's population by age and sex. It also sets the
simulated moves between kommuner per 1,000 of each sex in 2008 against SSB's, at the ages
where the sexes move differently.
"""

from __future__ import annotations

import pandas as pd

from sim import data
from sim.validation.observed import IN_SAMPLE, OUT_OF_SAMPLE, centrality_classes

AGES = ["20-24", "25-29", "30-39"]          # the data pack's groups that make 20–39
YEARS = (IN_SAMPLE[0], IN_SAMPLE[1] + 1, OUT_OF_SAMPLE[1])   # 2006, 2016, 2025
PER_100 = 100.0
PER_1000 = 1000.0
MOVES_YEAR = 2008
# SSB, moves between kommuner per 1,000 mean population by age, women and men, 2008
# (ssb.no/a/kortnavn/flytting/arkiv/tab-2009-05-07-09.html); at 0–14 and 25–29 the sexes
# are alike (58/57, 29/30, 21/24, 120/119 men/women)
SSB_MOVES_2008 = {"15-19": (63, 41), "20-24": (142, 113), "25-29": (119, 120),
                  "30-34": (66, 79), "35-39": (36, 49)}        # (women, men)


def women_per_100_men(persons: pd.DataFrame, value: str) -> pd.DataFrame:
    """Women per 100 men aged 20–39 by year (rows) and centrality class (columns)."""
    young = persons[persons["age_group"].isin(AGES)]
    cls = young["kommunenummer"].astype(str).str.zfill(4).map(centrality_classes())
    by = young.groupby([young["year"], cls, young["sex"]])[value].sum().unstack("sex")
    return (PER_100 * by["female"] / by["male"]).unstack(level=1)


def summary(age_structures: list[pd.DataFrame]) -> dict:
    """Per year of YEARS and centrality class: simulated (the runs' mean) and observed
    women per 100 men aged 20–39 (JSON-ready)."""
    sim = women_per_100_men(pd.concat(age_structures), "persons")
    obs = women_per_100_men(data.population_by_age(), "population")
    return {str(y): {str(int(c)): {"simulated": float(sim.loc[y, c]),
                                   "observed": float(obs.loc[y, c])}
                     for c in obs.columns}
            for y in YEARS if y in sim.index and y in obs.index}


def moves(movers_by_age: pd.DataFrame | None) -> dict:
    """Simulated moves between kommuner per 1,000 women and men in MOVES_YEAR against SSB's
    (JSON-ready); unavailable without the sex column or the year."""
    df = movers_by_age
    if df is None or "sex" not in df.columns or MOVES_YEAR not in set(df["year"]):
        return {"available": False}
    df = df[df["year"] == MOVES_YEAR].groupby(["age_group", "sex"])[
        ["movers", "population"]].sum()
    rate = PER_1000 * df["movers"] / df["population"].clip(lower=1)
    return {"available": True, "rows": [
        {"age_group": g, "women": float(rate.get((g, "female"), float("nan"))),
         "men": float(rate.get((g, "male"), float("nan"))), "ssb_women": w, "ssb_men": m}
        for g, (w, m) in SSB_MOVES_2008.items()]}


def markdown(m: dict, moved: dict | None = None) -> list[str]:
    """The report section on the sex balance."""
    classes = sorted({c for row in m.values() for c in row}, key=int)
    lines = ["## Sex balance of young adults by centrality class", "",
             "Women per 100 men aged 20–39, simulated (mean of the runs) / observed, by "
             "centrality class (1 most central).", "",
             "| year | " + " | ".join(f"class {c}" for c in classes) + " |",
             "|---|" + "---|" * len(classes)]
    for year, row in m.items():
        cells = [f"{row[c]['simulated']:.1f} / {row[c]['observed']:.1f}" for c in classes]
        lines.append(f"| {year} | " + " | ".join(cells) + " |")
    lines.append("")
    if moved and moved.get("available"):
        lines += [f"Moves between kommuner per 1,000 in {MOVES_YEAR}, women / men, simulated "
                  "(sum of the runs) and SSB (tab-2009-05-07-09):", "",
                  "| age | simulated | SSB |", "|---|---|---|"]
        lines += [f"| {r['age_group']} | {r['women']:.0f} / {r['men']:.0f} | "
                  f"{r['ssb_women']} / {r['ssb_men']} |" for r in moved["rows"]]
        lines.append("")
    return lines
