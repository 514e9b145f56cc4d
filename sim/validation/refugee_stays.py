"""Refugees' onward moves: how many still live in their first kommune five years on.

This module owns the validation of refugees' secondary migration. A run records, for each
yearly cohort of refugees, how many still live in Norway and how many still live in the
kommune they lived in on their first 1 January (``sim.records``, ``refugee_stays``). Here the
backcast's cohorts are compared with SSB's secondary-migration figures:

* in sample: refugees settled in 2005, 74 % in their first kommune after five years (SSB,
  Samfunnsspeilet 2012/1, table 1), against the backcast's cohorts 2006–2010;
* out of sample: refugees settled in 2013, 2014 and 2015, 81 %, 83 % and 82 % (SSB, reported
  by Kommunal Rapport, "Flere flyktninger blir boende i kommunen de blir bosatt i", 2021),
  against the backcast's cohorts 2013–2015.
"""

from __future__ import annotations

import pandas as pd

from sim.records import STAY_YEARS
from sim.world.geography import CENTRALITY_CLASSES

YEARS_ON = STAY_YEARS   # years after the first 1 January (SSB counts five years on)
REFERENCES = (  # (label, first cohort, last cohort, SSB share, source)
    ("in sample", 2006, 2010, 0.74, "settled 2005 (SSB, Samfunnsspeilet 2012/1)"),
    ("out of sample", 2013, 2015, 0.82, "settled 2013–2015: 81–83 % (SSB, in Kommunal "
                                        "Rapport 2021)"),
)


def summary(tables: list[pd.DataFrame]) -> dict:
    """Share of each compared group of cohorts still in their first kommune ``YEARS_ON``
    years on, pooled over runs, nationally and by centrality class of that kommune."""
    df = pd.concat(tables)
    df = df[df["years_on"] == YEARS_ON]
    rows = []
    for label, first, last, ssb, source in REFERENCES:
        part = df[df["cohort"].between(first, last)]
        if part.empty:
            continue
        by_class = part.groupby("centrality")[["in_first_kommune", "in_norway"]].sum()
        share = by_class["in_first_kommune"] / by_class["in_norway"].where(
            by_class["in_norway"] > 0)
        total = by_class.sum()
        rows.append({"label": label, "cohorts": f"{first}–{last}", "reference": ssb,
                     "source": source,
                     "simulated": float(total["in_first_kommune"] / total["in_norway"])
                     if total["in_norway"] > 0 else None,
                     "by_class": {int(c): float(s) for c, s in share.dropna().items()}})
    return {"years_on": YEARS_ON, "rows": rows}


def markdown(m: dict) -> list[str]:
    """The report section."""
    if not m["rows"]:
        return []
    header = " | ".join(["cohorts", "simulated", "SSB",
                         *(f"class {c}" for c in CENTRALITY_CLASSES)])
    lines = ["## Refugees' onward moves", "",
             f"Share of each year's refugees (still in Norway) who live in the kommune they "
             f"lived in on their first 1 January, {m['years_on']} years on; by centrality "
             "class of that kommune (1 most central). SSB finds that most who move on leave "
             "small, peripheral kommuner (five years on 60–70 % stay in Nordland and "
             "Sogn og Fjordane, about 90 % in Oslo).", "",
             f"| {header} |", "|---|---|---|" + "---|" * len(CENTRALITY_CLASSES)]
    for r in m["rows"]:
        cls = " | ".join(f"{r['by_class'][c]:.0%}" if c in r["by_class"] else "–"
                         for c in CENTRALITY_CLASSES)
        sim = f"{r['simulated']:.0%}" if r["simulated"] is not None else "n/a"
        lines.append(f"| {r['cohorts']} ({r['label']}) | {sim} | {r['reference']:.0%}, "
                     f"{r['source']} | {cls} |")
    return [*lines, ""]
