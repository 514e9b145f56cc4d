"""The oil downturn of 2015–2016 as job shocks for the 2006 backcast: prints a ``shocks:``
block to append to ``scenarios/backcast-2006.yaml``. A variant tried and not kept (7 December
2026; docs/validation-log.md): it moved the oil regions' growth towards the observed but
sent the people it displaced to the rest of Norway, and r fell from 0.759 to 0.751.

After the oil price fell in 2014, petroleum employment fell by a quarter in two years. The
backcast is given Norway's observed immigration and emigration; this gives it the observed
loss of petroleum jobs too, by region, as an input (issue #27, item 2: drive the backcast's
basic-sector jobs by the observed change where it can be had). Nothing is fitted.

Sources (figures quoted):

* SSB, "Sysselsatte i petroleumsnæringene og relaterte næringer 2014" (Rapporter 2015/48):
  "I 4. kvartal 2014 var det 83 779 sysselsatte i petroleumssektoren"; the 2016 edition
  (Rapporter 2017/27): 72,968 in 2015 and 63,201 in 2016 ("på topp i 2014 ... 84 000 ...
  gikk ned med 21 000 tilsette de to åra etter"). Each year's loss as a share of 2014's
  level: 2015 12.9 %, 2016 11.7 % (together 24.6 %). SSB's direct and indirect estimate
  (Norsk Petroleum, "Arbeidsplasser") fell from about 232,000 in 2013 to 185,300 in 2016
  (170,200 in 2017): the same order, −20 to −27 %.
* Where the jobs were at the end of 2014, direct and indirect: IRIS, "Industribyggerne
  2015", as quoted by Paul Chaffey (2015, "De norske oljekommunene"): Stavanger region
  81,000, Bergen region 44,000, Haugalandet and Sunnhordland 25,000; Møre og Romsdal 28,500,
  Akershus 38,900, Oslo 30,900 (Rogaland 99,000 in all). Second-hand: the report itself was
  not at hand. Agder's figure was not in the quote, so Agder gets no shock.

APPROXIMATION: each region's loss is shared among its kommuner by their population on
1 January 2015 (the shock lays off residents of the kommune, and commuters live across the
region); no figure by kommune was found. Regions are SSB's BA regions (Stavanger/Sandnes;
Bergen; Haugesund with Sveio, and Stord for Sunnhordland) or fylker (Møre og Romsdal,
Akershus' kommuner in the Oslo/Bærum and Ullensaker regions, Oslo). Shocks under
``MIN_JOBS`` are left out.

    .venv/bin/python diagnostics/oil_downturn.py
"""

from __future__ import annotations

from sim import data

LOSS_BY_YEAR = {2015: 0.129, 2016: 0.117}   # share of 2014's petroleum jobs lost that year
# (region label, petroleum-related jobs end of 2014, which kommuner): BA region names or fylke
REGIONS = [
    ("Stavanger region", 81_000, {"baregion_name": ["Stavanger/Sandnes"]}),
    ("Bergen region", 44_000, {"baregion_name": ["Bergen"]}),
    ("Haugalandet and Sunnhordland", 25_000, {"baregion_name": ["Haugesund", "Stord"]}),
    ("Møre og Romsdal", 28_500, {"fylkesnummer": ["15"]}),
    ("Akershus", 38_900, {"fylkesnummer": ["32"]}),
    ("Oslo", 30_900, {"fylkesnummer": ["03"]}),
]
MIN_JOBS = 20     # persons: smaller shocks are left out


def shocks() -> list[dict]:
    kommuner = data.kommuner()
    kommuner["fylkesnummer"] = kommuner["fylkesnummer"].astype(str).str.zfill(2)
    pop = data.population_by_year()
    pop = pop[pop["year"] == 2015].set_index("kommunenummer")["population"]
    out = []
    for label, jobs, where in REGIONS:
        (column, values), = where.items()
        codes = kommuner.loc[kommuner[column].isin(values), "kommunenummer"]
        share = pop.reindex(codes) / pop.reindex(codes).sum()
        for year, loss in LOSS_BY_YEAR.items():
            for code, s in share.items():
                n = round(jobs * loss * s)
                if n >= MIN_JOBS:
                    out.append({"kommune": code, "year": year, "jobs": -n,
                                "firm": "largest", "description": f"oil downturn, {label}"})
    return out


def main() -> None:
    rows = shocks()
    print("shocks:")
    for s in rows:
        print(f"  - {{kommune: '{s['kommune']}', year: {s['year']}, jobs: {s['jobs']}, "
              f"firm: {s['firm']}, description: '{s['description']}'}}")
    total = sum(-s["jobs"] for s in rows)
    print(f"# {len(rows)} shocks, {total:,} jobs in all")


if __name__ == "__main__":
    main()
