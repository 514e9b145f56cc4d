"""The dashboard's charts, as SVG documents (``bytes``) built with ``dashboards.svg``: the
browser draws them, so a chart costs the server milliseconds and two browser sessions can
draw at the same time. Labels are Norwegian / English."""

from __future__ import annotations

from functools import cache

import numpy as np
import pandas as pd

from dashboards import logic
from dashboards.svg import Chart, Panel
from dashboards.svg_scales import ColourScale, nice_ticks, tick_label
from sim.data import kommune_rings
from sim.experiments.seeds import BAND, NORWAY, band

COLOURS = ["#1f5f8b", "#b5452b", "#3b8b4b", "#8b6f1f", "#6b3b8b", "#2b8b8b", "#8b2b5f"]
CENTRALITY = {1: "#08306b", 2: "#2171b5", 3: "#6baed6", 4: "#bdd7a7", 5: "#e3c770",
              6: "#c9822b"}
ATTRIBUTION = "Kart / map: Kartverket, CC BY 4.0"


def _band(panel: Panel, years, values, colour: str, label: str) -> None:
    med, lo, hi = band(values)
    if len(values) > 1:
        panel.band(years, lo, hi, colour)
    panel.line(years, med, colour, label=label)


def population_chart(bundle: logic.Bundle) -> bytes:
    """Population paths: the area, centrality classes, the largest cities vs the rest."""
    groups = logic.population_groups(bundle)
    years = groups["years"]
    n = len(bundle.results)
    chart = Chart(1200, 360, f"{bundle.scenario.name}: " + (
        f"median and {BAND[0]}–{BAND[1]} % band over {n} seeds" if n > 1
        else "one seed"))
    titles = {"area": "Folketall / Population", "centrality": "Sentralitet / Centrality class",
              "cities": "Største byer / largest cities vs rest"}
    for panel, key in zip(chart.grid(1, 3), ("area", "centrality", "cities"), strict=True):
        for i, (label, values) in enumerate(groups[key].items()):
            _band(panel, years, values, COLOURS[i % len(COLOURS)], label)
        panel.title = titles[key]
        panel.xlabel, panel.x_years = "år / year", True
    chart.panels[0].ylabel = "personer 1. januar / persons on 1 January"
    return chart.svg()


def _norway(panel: Panel, colours: dict[str, str]) -> None:
    """Kommune polygons, coloured where ``colours`` has a colour, grey elsewhere; the view is
    the coloured kommuner."""
    codes, rings = kommune_rings()
    inside = np.array([c in colours for c in codes])
    panel.polygons([r for r, i in zip(rings, inside, strict=True) if not i],
                   ["#ececec"] * int((~inside).sum()), stroke="#bbbbbb", width=0.2)
    shown = [r for r, i in zip(rings, inside, strict=True) if i]
    panel.polygons(shown, [colours[c] for c, i in zip(codes, inside, strict=True) if i],
                   stroke="#555555", width=0.3)
    pts = np.concatenate(shown or rings)
    panel.xlim = (pts[:, 0].min() - 0.3, pts[:, 0].max() + 0.3)
    panel.ylim = (pts[:, 1].min() - 0.2, pts[:, 1].max() + 0.2)
    panel.aspect = float(np.cos(np.radians(pts[:, 1].mean())))
    panel.axes = False


def _landscape(panel: Panel, table: pd.DataFrame, fills: list[str], labels: list[str]) -> None:
    """A made-up landscape: a circle per kommune at its centre, sized by population."""
    pop = table["population"].to_numpy(float)
    lon, lat = table["centroid_lon"].to_numpy(float), table["centroid_lat"].to_numpy(float)
    panel.circles(lon, lat, 6 + 40 * np.sqrt(pop / pop.max()), fills)
    for x, y, r, s in zip(lon, lat, 6 + 40 * np.sqrt(pop / pop.max()), labels, strict=True):
        panel.text(x, y, s, size=12, dy=-r - 4)
    dx, dy = np.ptp(lon) or 1.0, np.ptp(lat) or 1.0
    panel.xlim = (lon.min() - 0.4 * dx, lon.max() + 0.4 * dx)
    panel.ylim = (lat.min() - 0.35 * dy, lat.max() + 0.3 * dy)
    panel.aspect = float(np.cos(np.radians(lat.mean())))
    panel.axes = False


def map_chart(bundle: logic.Bundle, column: str = "growth_percent") -> bytes:
    """Kommuner coloured by ``column`` (growth over the run by default): the embedded polygons
    for real Norway, circles at the centres for a made-up landscape."""
    values = logic.map_values(bundle, column)
    growth = column == "growth_percent"
    scale = ColourScale.for_values(values.to_numpy(float), diverging=growth)
    label = "vekst / growth %" if growth else column.replace("_", " ")
    last = int(bundle.results[0].kommuner["year"].max())
    when = "over the run" if growth else f"1 January {last}"
    landscape = bundle.scenario.geography.kind == "landscape"
    chart = Chart(640, 560 if landscape else 720)
    (panel,) = chart.grid(1, 1)
    panel.title = f"{label}, {when}"
    panel.colourbar = (scale, label)
    if landscape:
        t = bundle.table
        v = values.reindex(t["kommunenummer"].astype(str)).to_numpy(float)
        _landscape(panel, t, scale(v), t["name"].tolist())
    else:
        ok = values.dropna()
        _norway(panel, dict(zip(ok.index, scale(ok.to_numpy(float)), strict=True)))
        chart.note(ATTRIBUTION)
    return chart.svg()


@cache
def area_chart(name: str) -> bytes:
    """The scenario file's area before any run: its kommuner coloured by centrality class
    (1 most central … 6 least), with the population on 1 January of the start year."""
    from sim.world.landscape import area_table

    scenario = logic.base_scenario(name)
    table = area_table(scenario.geography)
    cls = table["sentralitetsklasse"].astype(int).tolist()
    landscape = scenario.geography.kind == "landscape"
    total = int(table["population"].sum())
    chart = Chart(640, 520 if landscape else 680)
    (panel,) = chart.grid(1, 1)
    panel.title = (f"Området / the area, 1 January {scenario.start_year}: {len(table)} "
                   f"kommuner, {total:,} persons")
    if landscape:
        labels = [f"{n}\n{p:,}" for n, p in zip(table["name"], table["population"], strict=True)]
        _landscape(panel, table, [CENTRALITY[c] for c in cls], labels)
    else:
        codes = table["kommunenummer"].astype(str)
        _norway(panel, {k: CENTRALITY[c] for k, c in zip(codes, cls, strict=True)})
        chart.note(ATTRIBUTION)
    for c in sorted(set(cls)):
        panel.key(f"sentralitet / centrality {c}", CENTRALITY[c])
    panel.legend_loc = "lower right" if landscape else "upper left"
    return chart.svg()


def comparison_chart(bundle: logic.Bundle) -> bytes | None:
    found = logic.comparison(bundle)
    if found is None:
        return None
    table, _ = found
    chart = Chart(1100, 360)
    for panel, area, title in zip(chart.grid(1, 2), ("target", NORWAY),
                                  ("Målområdet / target area", "Hele området / whole area"),
                                  strict=True):
        t = table[table["area"] == area]
        panel.band(t["year"], t["diff_p05"], t["diff_p95"], COLOURS[1],
                   label=f"{BAND[0]}–{BAND[1]} %")
        panel.line(t["year"], t["diff_median"], COLOURS[1], label="median")
        panel.hline(0)
        panel.title = f"{title}: scenario − baseline"
        panel.ylabel = "personer / persons"
        panel.xlabel, panel.x_years = "år / year", True
    return chart.svg()


def pyramid_chart(bundle: logic.Bundle, code: str, year: int) -> bytes:
    """Age pyramid of one kommune in ``year`` (bars) against the first year (outline)."""
    ages = logic.mean_over_seeds(bundle.results, "age_structure",
                                 ["kommunenummer", "year", "age_group", "sex"])
    ages = ages[ages["kommunenummer"].astype(str) == code]
    first = int(ages["year"].min())
    order = list(dict.fromkeys(bundle.results[0].age_structure["age_group"]))
    chart = Chart(560, 420)
    (panel,) = chart.grid(1, 1)
    y = np.arange(len(order))
    widest = 1.0
    for sex, sign, colour in (("male", -1, COLOURS[0]), ("female", 1, COLOURS[1])):
        for yr in (year, first):
            sub = ages[(ages["year"] == yr) & (ages["sex"] == sex)].set_index("age_group")
            vals = sub["persons"].reindex(order).fillna(0).to_numpy(float)
            widest = max(widest, float(vals.max(initial=0)))
            if yr == year:
                panel.hbars(y, sign * vals, colour=colour, label=(
                    f"{'menn / men' if sex == 'male' else 'kvinner / women'} {yr}"))
            else:
                panel.hbars(y, sign * vals, outline="#000000",
                            label=f"{first}" if sex == "male" else None)
    ticks = nice_ticks(0.0, widest, 3)
    ticks = ticks[ticks >= 0]
    panel.xlim = (-ticks[-1], ticks[-1])
    step = float(ticks[1] - ticks[0]) if len(ticks) > 1 else 1.0
    full = np.concatenate([-ticks[:0:-1], ticks])
    panel.xticks = (full.tolist(), [tick_label(abs(v), step) for v in full])
    panel.yticks = (y.tolist(), order)
    panel.ylim = (-0.6, len(order) + 1.4)        # two rows of room for the legend
    panel.vline(0)
    panel.xlabel = "personer / persons"
    panel.title = f"Alderspyramide / age pyramid {year} (outline {first})"
    panel.legend_loc = "upper right"
    return chart.svg()


KOMMUNE_PANELS = [
    ("immigrant_retention_5y", "Innvandrere som blir / immigrant retention (5 y)", 100, "%"),
    ("owner_share", "Eierandel / ownership", 100, "% of households"),
    ("jobs", "Arbeidsplasser / jobs", 1, "jobs"),
    ("rent_nok", "Husleie / rent", 1e-3, "1,000 NOK a year"),
    ("price_nok", "Boligpris / house price", 1e-6, "million NOK"),
]


def kommune_chart(bundle: logic.Bundle, code: str) -> bytes:
    """One kommune: moves in and out by reason, immigrant retention, ownership, jobs, rent
    and price."""
    chart = Chart(1200, 640)
    panels = chart.grid(2, 3)
    _moves_panel(panels[0], bundle, code)
    ind = logic.mean_over_seeds(bundle.results, "indicators", ["kommunenummer", "year"])
    ind = ind[ind["kommunenummer"].astype(str) == code].sort_values("year")
    first = int(ind["year"].min()) if len(ind) else 0
    for panel, (col, title, scale, unit) in zip(panels[1:], KOMMUNE_PANELS, strict=True):
        panel.title, panel.ylabel, panel.x_years = title, unit, True
        if col not in ind.columns:
            panel.visible = False
            continue
        rows = ind
        if col == "immigrant_retention_5y":
            # the share of the last five years' arrivals still here covers five years of
            # arrivals only once the run has had five years (earlier, only the run's own)
            rows = ind[ind["year"] >= first + 5]
            if rows.empty:
                panel.xlim, panel.ylim = (0.0, 1.0), (0.0, 1.0)
                panel.text(0.5, 0.5, "needs a run of 5+ years", size=12)
                continue
        panel.line(rows["year"], rows[col].to_numpy(float) * scale, COLOURS[0])
    return chart.svg()


def _moves_panel(panel: Panel, bundle: logic.Bundle, code: str) -> None:
    moves = logic.mean_over_seeds(bundle.results, "moves_by_reason",
                                  ["year", "kommunenummer", "direction", "reason"])
    moves = moves[moves["kommunenummer"].astype(str) == code]
    panel.title = "Flytting etter grunn / moves by reason (sum)"
    if moves.empty:
        panel.xlim, panel.ylim = (0.0, 1.0), (0.0, 1.0)
        panel.text(0.5, 0.5, "no moves", size=12)
        return
    tot = moves.groupby(["reason", "direction"])["persons"].sum().unstack(fill_value=0)
    tot = tot.reindex(columns=["in", "out"], fill_value=0)
    x = np.arange(len(tot))
    panel.bars(x - 0.2, tot["in"].to_numpy(float), 0.4, colour=COLOURS[2], label="inn / in")
    panel.bars(x + 0.2, tot["out"].to_numpy(float), 0.4, colour=COLOURS[1], label="ut / out")
    panel.xticks = (x.tolist(), [str(r) for r in tot.index])
    panel.xtick_rotation = 30
    panel.xlim = (-0.6, len(tot) - 0.4)


def classroom_chart(bundle: logic.Bundle, year: int) -> bytes:
    """The classroom frame of ``year``: population bars of the villages and the city and
    town, with each kommune's school count, in large type."""
    codes, years, cube = logic.population_cube(bundle.results)
    pop = np.median(cube, axis=0)
    yi = years.index(year)
    table = bundle.table.set_index(bundle.table["kommunenummer"].astype(str)).loc[codes]
    names = table["name"].tolist()
    ind = logic.mean_over_seeds(bundle.results, "indicators", ["kommunenummer", "year"])
    now = ind[ind["year"] == year]
    schools = pd.Series(now["schools"].to_numpy(float), index=now["kommunenummer"].astype(str))
    small = table["population"].to_numpy() < 5000
    chart = Chart(1200, 520, f"År / Year {year} — folketall og skoler / population and schools",
                  title_size=20)
    panels = chart.grid(1, 2, width_ratios=[1, 2.5])
    for panel, mask, title, colour in (
            (panels[0], ~small, "By og tettsted / city and town", COLOURS[0]),
            (panels[1], small, "Bygdene / the villages", COLOURS[2])):
        idx = np.flatnonzero(mask)
        if not len(idx):
            panel.visible = False
            continue
        x = np.arange(len(idx))
        panel.bars(x, pop[idx, 0], 0.8, outline="#888888", label=f"{years[0]}", line_width=1.5)
        panel.bars(x, pop[idx, yi], 0.6, colour=colour, label=f"{year}")
        top = float(pop[idx].max())
        for j, k in zip(x, idx, strict=True):
            n = round(float(schools.get(codes[k], 0.0)))
            panel.text(j, pop[k, yi], f"{int(pop[k, yi]):,}\n{n} skole{'r' if n != 1 else ''}"
                       f" / school{'s' if n != 1 else ''}", size=13, dy=-6)
        panel.ylim = (0.0, top * 1.3)
        panel.xlim = (-0.6, len(idx) - 0.4)
        panel.xticks = (x.tolist(), [names[k] for k in idx])
        panel.tick_size = 14
        panel.title, panel.title_size = title, 16
        panel.legend_size, panel.legend_loc = 12, "upper right"
    return chart.svg()
