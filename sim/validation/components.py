"""Where growth came from, by centrality class: the backcast's components against SSB's.

A kommune grows by natural increase (births − deaths), net domestic moves and net
immigration (immigration − emigration). The place effects are fitted on total growth, so a
model can reach the right total for the wrong reason: too many immigrants in one class and
natives leaving it to make up. This module sets the backcast's components (the runs' mean)
over 1 January 2006 → 1 January 2018 against SSB's, as Norges Bank published them by
centrality class (``NORGES_BANK_2006_2017``), each in per cent of the class's population at
the start.

The published classes are SSB's 2017 centrality classes of the kommuner of 2017; the model's
are the 2024 ones (``sim.validation.observed.centrality_classes``). The report shows each
class's observed total growth from the data pack beside the published components' sum, so
the reader sees how far the two classifications differ. The window runs two years past the
calibration window (2006–2015): a pattern check. It chose one setting by eye
(``immigration.place_effect_weight``, 0 against 0.5) and fits nothing.
"""

from __future__ import annotations

import pandas as pd

from sim.validation.observed import centrality_classes, class_growth, observed_wide

FIRST_YEAR, LAST_YEAR = 2006, 2017       # components of these calendar years
PERCENT = 100.0
COMPONENTS = ("natural", "domestic", "immigration")
NEEDED = {"kommunenummer", "year", "population", "births", "deaths", "in_domestic",
          "out_domestic", "immigration", "emigration"}
LABELS = {"natural": "natural increase", "domestic": "net domestic moves",
          "immigration": "net immigration"}
# Norges Bank, Pengepolitisk rapport 4/2018, chart data "Bidrag til samlet befolkningsvekst
# for perioden 2005 til 2017 etter kommuners sentralitetsklasse" (sources: Statistics Norway
# and Norges Bank): per cent of each class's population at the end of 2005, classes by SSB's
# 2017 centrality index (1 most central). Components in COMPONENTS order.
NORGES_BANK_2006_2017 = {1: (9.85, 1.39, 12.04), 2: (6.33, 2.99, 9.11),
                         3: (4.32, 3.32, 7.66), 4: (2.48, -3.12, 8.74),
                         5: (-0.37, -8.64, 10.98), 6: (-4.20, -10.37, 9.65)}


def by_class(kommuner: pd.DataFrame) -> pd.DataFrame:
    """Per centrality class (rows): the components over FIRST_YEAR..LAST_YEAR and the growth
    to 1 January LAST_YEAR + 1, in per cent of the class's population on 1 January
    FIRST_YEAR. ``kommuner`` has a row per kommune and year: the population on 1 January and
    the components during that year (a run's ``kommuner.csv``)."""
    df = kommuner.copy()
    df["centrality"] = df["kommunenummer"].astype(str).str.zfill(4).map(centrality_classes())
    start = df[df["year"] == FIRST_YEAR].groupby("centrality")["population"].sum()
    end = df[df["year"] == LAST_YEAR + 1].groupby("centrality")["population"].sum()
    years = df[(df["year"] >= FIRST_YEAR) & (df["year"] <= LAST_YEAR)]
    s = years.groupby("centrality")[["births", "deaths", "in_domestic", "out_domestic",
                                     "immigration", "emigration"]].sum()
    out = pd.DataFrame({"natural": s["births"] - s["deaths"],
                        "domestic": s["in_domestic"] - s["out_domestic"],
                        "immigration": s["immigration"] - s["emigration"]})
    out = PERCENT * out.div(start, axis=0)
    out["growth"] = PERCENT * (end / start - 1.0)
    return out


def summary(kommuner: pd.DataFrame | None) -> dict:
    """JSON-ready: per class the simulated and published components, and the growth."""
    if (kommuner is None or not NEEDED <= set(kommuner.columns)
            or not {FIRST_YEAR, LAST_YEAR + 1} <= set(kommuner["year"])):
        return {"available": False}
    sim = by_class(kommuner)
    pack = PERCENT * class_growth(observed_wide(), FIRST_YEAR, LAST_YEAR + 1)
    rows = []
    for c, published in NORGES_BANK_2006_2017.items():
        rows.append({"centrality": c,
                     **{f"simulated_{k}": float(sim.loc[c, k]) for k in COMPONENTS},
                     **{f"published_{k}": v for k, v in zip(COMPONENTS, published,
                                                           strict=True)},
                     "simulated_growth": float(sim.loc[c, "growth"]),
                     "published_growth": float(sum(published)),
                     "pack_growth": float(pack[c])})
    return {"available": True, "rows": rows}


def markdown(m: dict) -> list[str]:
    """The report section on growth by component and centrality class."""
    if not m.get("available"):
        return []
    lines = [f"## Growth by component and centrality class, {FIRST_YEAR}–{LAST_YEAR}", "",
             f"Per cent of each class's population on 1 January {FIRST_YEAR}, simulated (mean "
             "of the runs) / published (Norges Bank, Pengepolitisk rapport 4/2018, from SSB; "
             "SSB's 2017 classes, the model's are 2024's). Total growth: simulated / published "
             "sum / the data pack's, by 2024 classes. Place effects are fitted on total growth "
             "only; the components show whether it comes about for the right reasons.", "",
             "| class | " + " | ".join(LABELS[k] for k in COMPONENTS) + " | total growth |",
             "|---|" + "---|" * (len(COMPONENTS) + 1)]
    for r in m["rows"]:
        cells = [f"{r[f'simulated_{k}']:+.1f} / {r[f'published_{k}']:+.1f}" for k in COMPONENTS]
        lines.append(f"| {r['centrality']} | " + " | ".join(cells) +
                     f" | {r['simulated_growth']:+.1f} / {r['published_growth']:+.1f} / "
                     f"{r['pack_growth']:+.1f} |")
    return [*lines, ""]
