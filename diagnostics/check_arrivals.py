"""Where immigrants land, where emigrants leave from and how Oslo's domestic moves balance,
against SSB: a diagnostic.

Reads the runs of a ``livskraft validate`` report folder (their mean, as
``check_growth_components.py``) and prints, for 2011 (in sample) and 2017 (out of sample),
each fylke's share of the year's moves from abroad next to SSB's; each landsdel's share of
2011's emigration (in sample) and Oslo's of 2020's (out of sample); each fylke's net domestic
moves in 2017 per 1,000 inhabitants (SSB's divided by the model's population), and Oslo's net
domestic moves next to SSB's. Fylker are today's (2024) ones; SSB's counts are by the fylker of the
year, so Hedmark and Oppland are added up as Innlandet, Aust- and Vest-Agder as Agder,
Hordaland and Sogn og Fjordane as Vestland, and Sør- and Nord-Trøndelag as Trøndelag.
Today's Akershus, Buskerud and Østfold differ a little from those of 2011 and 2017 (Asker
took in Røyken and Hurum, Akershus Jevnaker and Lunner).

    .venv/bin/python diagnostics/check_arrivals.py runs/validation
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd
from check_growth_components import mean_run

# SSB, moves from abroad by fylke of arrival. 2011: "Flyttinger innenfor og mellom fylkene og
# mellom fylkene og utlandet" (ssb.no/a/kortnavn/flytting, tab-2012-05-11-02; the fylker of
# western and northern Norway are not in the excerpt kept). 2017: "Alle flyttinger,
# innenlandske og fra og til utlandet" (ssb.no/343890).
FROM_ABROAD = {
    2011: {"total": 79_498, "03": 18_744, "32": 9_130, "31": 3_236, "33": 4_029,
           "34": 1_979 + 2_095, "39": 2_909, "40": 1_686, "42": 1_301 + 1_955},
    2017: {"total": 58_192, "03": 12_983, "32": 5_993, "31": 2_075, "33": 2_898,
           "34": 1_485 + 1_448, "39": 2_318, "40": 1_581, "42": 882 + 1_928, "11": 4_796,
           "46": 4_982 + 1_337, "15": 2_532, "50": 3_700 + 1_382, "18": 2_720,
           "55": 2_125, "56": 1_027},
}
# SSB, Oslo's net domestic moves (ssb.no/343890 for 2017; statbank "Flyttinger" for 2020).
OSLO_DOMESTIC_NET = {2017: -2_376, 2020: -2_758}
OSLO = "0301"
# SSB, emigration by landsdel, 2011 (ssb.no/a/static/innvutv/tab-2012-05-11-12.html: 32,466
# in all), with the landsdeler as today's fylker; and Oslo's emigration in 2020, 7,780 of
# 26,744 (statbank "Flyttinger" 2020, key figures and table 1).
LANDSDELER = {"Oslo og Akershus": ("03", "32"), "Hedmark og Oppland": ("34",),
              "Sør-Østlandet": ("31", "33", "39", "40"), "Agder og Rogaland": ("42", "11"),
              "Vestlandet": ("46", "15"), "Trøndelag": ("50",),
              "Nord-Norge": ("18", "55", "56")}
EMIGRATION_2011 = {"Oslo og Akershus": 13_613, "Hedmark og Oppland": 1_164,
                   "Sør-Østlandet": 4_170, "Agder og Rogaland": 4_940, "Vestlandet": 4_714,
                   "Trøndelag": 1_930, "Nord-Norge": 1_935}
OSLO_EMIGRATION_2020 = (7_780, 26_744)
# SSB, each fylke's net domestic moves in 2017 (ssb.no/343890; moves within a fylke net out),
# added up to today's fylker as above: the year the oil slump sent people east.
DOMESTIC_NET_2017 = {"31": 1_668, "32": 5_944, "03": -2_376, "34": 496 - 48, "33": 699,
                     "39": 1_052, "40": -535, "42": 78 + 878, "11": -2_198,
                     "46": -1_076 - 913, "15": -1_079, "50": 608 - 503, "18": -1_361,
                     "55": -722, "56": -612}


def fylke_shares(k: pd.DataFrame, year: int) -> pd.Series:
    """Each (2024) fylke's share of the year's simulated immigrations."""
    rows = k.xs(year, level="year")["immigration"]
    by_fylke = rows.groupby(rows.index.str[:2]).sum()
    return by_fylke / by_fylke.sum()


def print_emigration(k: pd.DataFrame) -> None:
    """Each landsdel's share of 2011's emigration and Oslo's of 2020's, model and SSB."""
    rows = k.xs(2011, level="year")["emigration"]
    by_fylke = rows.groupby(rows.index.str[:2]).sum()
    total = sum(EMIGRATION_2011.values())
    print("2011: share of emigration     landsdel  model    SSB")
    for name, fylker in LANDSDELER.items():
        print(f"{'':20s}{name:>20s} {by_fylke.loc[list(fylker)].sum() / by_fylke.sum():6.1%} "
              f"{EMIGRATION_2011[name] / total:6.1%}")
    year_2020 = k.xs(2020, level="year")["emigration"]
    oslo, national = OSLO_EMIGRATION_2020
    print(f"Oslo's share of emigration 2020: model {year_2020.loc[OSLO] / year_2020.sum():.1%}, "
          f"SSB {oslo / national:.1%}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, help="a livskraft validate --out folder")
    args = parser.parse_args()
    k = mean_run(args.folder)
    for year, ssb in FROM_ABROAD.items():
        sim = fylke_shares(k, year)
        print(f"{year}: share of moves from abroad  fylke  model    SSB")
        for fylke in sorted(c for c in ssb if c != "total"):
            print(f"{'':34s}{fylke:>5s} {sim.get(fylke, 0.0):6.1%} "
                  f"{ssb[fylke] / ssb['total']:6.1%}")
    print_emigration(k)
    rows = k.xs(2017, level="year")
    by_fylke = rows.groupby(rows.index.str[:2]).sum()
    print("2017: net domestic moves per 1,000  fylke  model    SSB")
    for fylke, net in sorted(DOMESTIC_NET_2017.items()):
        f = by_fylke.loc[fylke]
        model = (f["in_domestic"] - f["out_domestic"]) / f["population"] * 1000
        print(f"{'':34s}{fylke:>5s} {model:6.1f} {net / f['population'] * 1000:6.1f}")
    oslo = k.xs(OSLO, level="kommunenummer")
    for year, net in OSLO_DOMESTIC_NET.items():
        model = oslo.loc[year, "in_domestic"] - oslo.loc[year, "out_domestic"]
        print(f"Oslo's net domestic moves {year}: model {model:,.0f}, SSB {net:,}")


if __name__ == "__main__":
    main()
