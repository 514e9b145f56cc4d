"""The analyst's report of a comparison: one self-contained HTML page to hand on.

``report_html(result, scenario)`` turns a ``Comparison`` (``compare.json`` and
``compare.csv``) into the page ``livskraft compare --report`` writes (``report.html``) and the
dashboard's comparison shows: the headline figures (effect with its band, gross and net cost,
cost per extra resident-year), the target area by name, the split by policy and by channel
(when the comparison was run with ``--split``), the budget window as a table and a chart, a
map of the effect by kommune, and what evidence backs each lever. Money is in NOK with
thousands separators (million or billion where large); people are persons, never agents.
Charts are inline SVG drawn with matplotlib, so the file needs nothing else to open.
"""

from __future__ import annotations

import html
import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.collections import PolyCollection

from sim.data import kommune_rings
from sim.experiments.seeds import BAND
from sim.policies.base import PAYERS
from sim.scenario.schema import Scenario
from sim.world.landscape import area_table

BILLION, MILLION = 1e9, 1e6
PAYER_COLOURS = {"state": "#1f5f8b", "fylke": "#7a9e3b", "kommune": "#b5452b"}
PAGE_STYLE = """
body{font-family:system-ui,sans-serif;max-width:980px;margin:2em auto;color:#222;padding:0 1em}
h1{font-size:1.5em}
"""
STYLE = """
.lk-analyst{padding:0 12px}
.lk-analyst h2{font-size:1.15em;margin-top:1.6em;border-bottom:1px solid #ccc}
.lk-analyst table{border-collapse:collapse;margin:.5em 0}
.lk-analyst td,.lk-analyst th{padding:.25em .7em;text-align:right}
.lk-analyst th{background:#f1f1f1}
.lk-analyst td:first-child,.lk-analyst th:first-child{text-align:left}
.lk-analyst .note{color:#555;font-size:.9em} .lk-analyst .flag{color:#a33}
"""


def nok(x: float | None) -> str:
    """NOK with thousands separators; billion or million where large."""
    if x is None or not np.isfinite(x):
        return "–"
    if abs(x) >= BILLION:
        return f"NOK {x / BILLION:,.2f} bn"
    if abs(x) >= 10 * MILLION:
        return f"NOK {x / MILLION:,.1f} million"
    return f"NOK {x:,.0f}"


def millions(x: float) -> str:
    return f"{x / MILLION:,.1f}"


def persons(x: float, sign: bool = True) -> str:
    return f"{x:+,.0f}" if sign else f"{x:,.0f}"


def _table(header: list[str], rows: list[list[str]], cls: str = "") -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in r) + "</tr>"
                   for r in rows)
    return f'<table class="{cls}"><tr>{head}</tr>{body}</table>'


def _svg(fig) -> str:
    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight")
    plt.close(fig)
    text = buf.getvalue()
    return text[text.index("<svg"):]


# ----- sections -------------------------------------------------------------------------------
def headline(s: dict) -> str:
    t = s["budget"]["totals"]
    lo, hi = BAND
    rows = [
        [f"ekstra innbyggere i målområdet / extra residents in the target area, 1 January "
         f"{s['effect_year']}",
         f"{persons(s['target_diff_median'])} (band {lo}–{hi} %: "
         f"{persons(s['target_diff_p05'])} to {persons(s['target_diff_p95'])})"],
        ["av dem nye for hele området / of which new to the whole area (not moved from "
         "elsewhere in it)",
         persons(s["norway_diff_median"])],
        ["ekstra innbyggerår i målområdet / extra resident-years in the target area",
         f"{persons(s['extra_resident_years'], False)} (band "
         f"{persons(s['extra_resident_years_p05'], False)} to "
         f"{persons(s['extra_resident_years_p95'], False)})"],
        ["bruttokostnad / gross cost", nok(s["total_cost_nok"])],
        ["skatt betalt tilbake av nye innbyggere / tax paid back by residents new to the area",
         nok(t["tax_paid_back"])],
        ["nettokostnad for det offentlige / net cost to the public purse",
         nok(t["net_public"])],
        ["bruttokostnad per ekstra innbyggerår / gross cost per extra resident-year",
         nok(s["cost_per_extra_resident_year"])],
        ["nettokostnad per ekstra innbyggerår / net cost per extra resident-year",
         nok(t["net_public_per_extra_resident_year"])],
    ]
    return "<h2>Hovedtall / Headline</h2>" + _table(["", "tall / figure"], rows, "headline")


def target_area(s: dict, scenario: Scenario) -> str:
    table = area_table(scenario.geography)
    names = dict(zip(table["kommunenummer"].astype(str), table["name"], strict=True))
    listed = [f"{names.get(c, c)} ({c})" for c in s["target_kommuner"]]
    return (f"<h2>Målområdet / target area: {len(listed)} kommuner, "
            f"{s['target_population_start']:,} personer / persons in {s['years'][0]}</h2>"
            f"<p class='note'>{html.escape(', '.join(listed))}</p>")


def split_by_policy(s: dict) -> str:
    att = s.get("attribution")
    if att is None:
        return ("<h2>Fordelt på tiltak / split by policy</h2><p class='note'>Run the "
                "comparison with --split to split the effect and the cost among the "
                "policies.</p>")
    rows = []
    for name, row in att["effect"].items():
        sh, loo = row["shapley"], row["leave_one_out"]
        cost = att["cost"][name]["shapley"]["mean"]
        per = att.get("cost_per_extra_resident_year", {}).get(name)
        rows.append([name, f"{persons(sh['median'])} ({persons(sh['p05'])} to "
                     f"{persons(sh['p95'])})", persons(loo["median"]) if loo else "–",
                     nok(cost), nok(per)])
    head = ["tiltak / policy", "Shapley: personer / persons (band)",
            "uten dette / leave-one-out", "kostnad / cost",
            "per ekstra innbyggerår / per extra resident-year"]
    return ("<h2>Fordelt på tiltak / split by policy</h2>" + _table(head, rows)
            + "<p class='note'>Shapley values over every subset of the policies on common "
            "seeds sum to the package's effect; leave-one-out is what is lost if one policy "
            "alone is dropped.</p>")


def split_by_channel(s: dict) -> str:
    ch = s.get("channels")
    if ch is None:
        return ""
    rows = [[name, f"{persons(r['shapley']['median'])} ({persons(r['shapley']['p05'])} to "
             f"{persons(r['shapley']['p95'])})"] for name, r in ch["effect"].items()]
    return ("<h2>Hvorfor: virkningen per kanal / why: the effect by channel</h2>"
            + _table(["kanal / channel", "personer / persons (band)"], rows)
            + "<p class='note'>Each channel the policies act through switched off and on "
            "(Shapley over the channels, common seeds).</p>")


def budget(s: dict) -> str:
    df = pd.DataFrame(s["budget"]["by_year"])
    columns = [*PAYERS, "gross", "tax_paid_back", "net_public", "target_kommune_income"]
    rows = [[str(int(r["year"])), *(millions(r[c]) for c in columns)]
            for r in df.to_dict("records")]
    totals = s["budget"]["totals"]
    rows.append(["all years", *(millions(totals[c]) for c in columns)])
    head = ["år / year", *PAYERS, "brutto / gross", "skatt tilbake / tax paid back",
            "netto / net (public purse)", "målkommunenes inntekt / target kommuner's income"]
    return ("<h2>Budsjettvindu / budget window (NOK million)</h2>" + _budget_chart(df)
        + _table(head, rows, "budget")
        + "<p class='note'>Costs by payer; the tax paid back comes from residents the whole "
        "area would not otherwise have had; the target kommuner's income through the "
        "inntektssystem is a transfer from the other kommuner, not a saving.</p>")


def _budget_chart(df: pd.DataFrame) -> str:
    fig, ax = plt.subplots(figsize=(8, 3.2))
    bottom = np.zeros(len(df))
    for payer in PAYERS:
        v = df[payer].to_numpy(float) / MILLION
        ax.bar(df["year"], v, bottom=bottom, color=PAYER_COLOURS[payer], label=payer)
        bottom += v
    ax.plot(df["year"], df["net_public"] / MILLION, color="black", lw=1.5,
            label="net to the public purse")
    ax.set_ylabel("NOK million a year")
    ax.legend(frameon=False, fontsize=8, ncol=4, loc="lower left", bbox_to_anchor=(0, 1.0))
    ax.grid(alpha=0.3)
    return _svg(fig)


def effect_map(table: pd.DataFrame, s: dict, scenario: Scenario) -> str:
    """Kommuner coloured by the effect in the effect year, per cent of the baseline."""
    year = s["effect_year"]
    t = table[(table["year"] == year) & ~table["area"].isin(["norway", "target"])]
    pct = (100 * t["diff_median"] / t["baseline_median"].where(t["baseline_median"] > 0))
    values = dict(zip(t["area"].astype(str), pct.fillna(0.0), strict=True))
    fig, ax = plt.subplots(figsize=(6, 6.5))
    lim = max(float(np.nanmax(np.abs(list(values.values())))) if values else 1.0, 0.1)
    cmap, norm = plt.get_cmap("RdBu"), plt.Normalize(-lim, lim)
    if scenario.geography.kind == "landscape":
        area = area_table(scenario.geography)
        codes = area["kommunenummer"].astype(str)
        sizes = 40 + 600 * np.sqrt(area["population"] / area["population"].max())
        ax.scatter(area["centroid_lon"], area["centroid_lat"], s=sizes,
                   c=[cmap(norm(values.get(c, 0.0))) for c in codes], edgecolors="#555")
        for x, y, name in zip(area["centroid_lon"], area["centroid_lat"], area["name"],
                              strict=True):
            ax.annotate(name, (x, y), ha="center", va="bottom", fontsize=8,
                        xytext=(0, 9), textcoords="offset points")
    else:
        codes, rings = kommune_rings()
        colours = [cmap(norm(values[c])) if c in values else "#eeeeee" for c in codes]
        ax.add_collection(PolyCollection(rings, facecolors=colours, edgecolors="#999",
                                         linewidths=0.1))
        ax.autoscale_view()
        mean_lat = float(np.concatenate(rings)[:, 1].mean())
        ax.set_aspect(1 / np.cos(np.radians(mean_lat)))   # degrees of longitude shrink north
    ax.set_axis_off()
    fig.colorbar(plt.cm.ScalarMappable(norm=norm, cmap=cmap), ax=ax, shrink=0.6,
                 label=f"effect, % of the baseline, 1 January {year}")
    return f"<h2>Hvor virkningen lander / where the effect lands, {year}</h2>" + _svg(fig)


def evidence(s: dict) -> str:
    items = []
    for e in s.get("evidence", []):
        text = f"<b>{html.escape(e['policy'])}</b>: {html.escape(e['effect_size'])}"
        if e["studies"]:
            text += f" ({html.escape('; '.join(e['studies']))})"
        if e["approximations"]:
            text += (f"; assumed, not measured: {html.escape(', '.join(e['approximations']))}")
        text += "".join(f"<br><span class='flag'>EXTRAPOLATION: {html.escape(x)}</span>"
                        for x in e["extrapolation"])
        items.append(f"<li>{text}</li>")
    return ("<h2>Kunnskapen bak hvert tiltak / evidence behind each lever</h2><ul>"
            + "".join(items) + "</ul>")


def report_html(result, scenario: Scenario) -> str:
    """The whole page (see the module docstring)."""
    s = result.summary
    title = (f"{s['scenario']} against {s['baseline']}: {len(s['seeds'])} seeds, "
             f"{s['persons_per_agent']} persons per agent, {s['years'][0]}–{s['years'][1]}")
    parts = [headline(s), target_area(s, scenario), split_by_policy(s), split_by_channel(s),
             budget(s), effect_map(result.table, s, scenario), evidence(s)]
    return (f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>"
            f"{html.escape(title)}</title><style>{PAGE_STYLE}{STYLE}</style></head><body>"
            f"<h1>{html.escape(title)}</h1><div class='lk-analyst'>" + "".join(parts)
            + "</div></body></html>")
