"""The dashboard's plots, drawn with matplotlib's object API (no pyplot state, so two
browser sessions can draw at the same time). Labels are Norwegian / English."""

from __future__ import annotations

import io
import json
from functools import cache

import numpy as np
import pandas as pd
from matplotlib.collections import PolyCollection
from matplotlib.colors import Normalize, TwoSlopeNorm
from matplotlib.figure import Figure

from dashboards import logic

COLOURS = ["#1f5f8b", "#b5452b", "#3b8b4b", "#8b6f1f", "#6b3b8b", "#2b8b8b", "#8b2b5f"]


def png_bytes(fig: Figure, dpi: int = 80) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    return buf.getvalue()


def _band(ax, years, values, colour, label):
    med, lo, hi = logic.band(values)
    ax.plot(years, med, color=colour, lw=2, label=label)
    if len(values) > 1:
        ax.fill_between(years, lo, hi, color=colour, alpha=0.2, lw=0)


def population_figure(bundle: logic.Bundle) -> Figure:
    """Population paths: the area, centrality classes, the largest cities vs the rest."""
    groups = logic.population_groups(bundle)
    years = groups["years"]
    fig = Figure(figsize=(13, 4), layout="constrained")
    axes = fig.subplots(1, 3)
    titles = {"area": "Folketall / Population", "centrality": "Sentralitet / Centrality class",
              "cities": "Største byer / largest cities vs rest"}
    for ax, key in zip(axes, ("area", "centrality", "cities"), strict=True):
        for i, (label, values) in enumerate(groups[key].items()):
            _band(ax, years, values, COLOURS[i % len(COLOURS)], label)
        ax.set_title(titles[key])
        ax.set_xlabel("år / year")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    axes[0].set_ylabel("personer 1. januar / persons on 1 January")
    n = len(bundle.results)
    fig.suptitle(f"{bundle.scenario.name}: " + (f"median and {logic.BAND[0]}–{logic.BAND[1]} % "
                                                f"band over {n} seeds" if n > 1 else "one seed"))
    return fig


@cache
def _polygons() -> tuple[list[str], list[np.ndarray]]:
    """Outer rings of the embedded 2024 kommune polygons (Kartverket, CC BY 4.0)."""
    from sim.data import geojson_path

    with geojson_path().open("r", encoding="utf-8") as fh:
        gj = json.load(fh)
    codes, rings = [], []
    for f in gj["features"]:
        geom = f["geometry"]
        polys = geom["coordinates"] if geom["type"] == "MultiPolygon" else [geom["coordinates"]]
        for poly in polys:
            codes.append(str(f["properties"]["kommunenummer"]))
            rings.append(np.asarray(poly[0], dtype=float))
    return codes, rings


def _norm(values: pd.Series, column: str):
    v = values.dropna().to_numpy(float)
    if column == "growth_percent" and len(v):
        m = max(abs(v.min()), abs(v.max()), 1e-9)
        return TwoSlopeNorm(vcenter=0, vmin=-m, vmax=m), "RdBu"
    lo, hi = (float(v.min()), float(v.max())) if len(v) else (0.0, 1.0)
    return Normalize(lo, hi if hi > lo else lo + 1), "viridis"


def map_figure(bundle: logic.Bundle, column: str = "growth_percent") -> Figure:
    """Kommuner coloured by ``column`` (growth over the run by default): the embedded polygons
    for real Norway, circles at the centres for a made-up landscape."""
    values = logic.map_values(bundle, column)
    norm, cmap = _norm(values, column)
    label = ("vekst / growth %" if column == "growth_percent" else column.replace("_", " "))
    last = int(bundle.results[0].kommuner["year"].max())
    if bundle.scenario.geography.kind == "landscape":
        fig = Figure(figsize=(7, 6), layout="constrained")
        ax = fig.subplots()
        t = bundle.table
        pop = t["population"].to_numpy(float)
        v = values.reindex(t["kommunenummer"].astype(str)).to_numpy(float)
        sc = ax.scatter(t["centroid_lon"], t["centroid_lat"],
                        s=80 + 2000 * np.sqrt(pop / pop.max()), c=v, cmap=cmap, norm=norm,
                        edgecolor="black")
        for _, row in t.iterrows():
            ax.annotate(row["name"], (row["centroid_lon"], row["centroid_lat"]), fontsize=10,
                        ha="center", va="bottom", xytext=(0, 14), textcoords="offset points")
        ax.set_aspect(1 / np.cos(np.radians(t["centroid_lat"].mean())))
        ax.margins(0.2)
    else:
        fig = Figure(figsize=(7, 8), layout="constrained")
        ax = fig.subplots()
        codes, rings = _polygons()
        inside = np.array([c in values.index and pd.notna(values.get(c)) for c in codes])
        grey = PolyCollection([r for r, i in zip(rings, inside, strict=True) if not i],
                              facecolor="#e4e4e4", edgecolor="#bbbbbb", linewidth=0.2)
        ax.add_collection(grey)
        coloured = PolyCollection([r for r, i in zip(rings, inside, strict=True) if i],
                                  cmap=cmap, norm=norm, edgecolor="#555555", linewidth=0.2)
        coloured.set_array(np.array([values[c] for c, i in zip(codes, inside, strict=True) if i]))
        ax.add_collection(coloured)
        sc = coloured
        pts = np.concatenate([r for r, i in zip(rings, inside, strict=True) if i] or rings)
        ax.set_xlim(pts[:, 0].min() - 0.3, pts[:, 0].max() + 0.3)
        ax.set_ylim(pts[:, 1].min() - 0.2, pts[:, 1].max() + 0.2)
        ax.set_aspect(1 / np.cos(np.radians(pts[:, 1].mean())))
        ax.text(0.01, 0.01, "Kart / map: Kartverket, CC BY 4.0", transform=ax.transAxes,
                fontsize=7, color="#555555")
    fig.colorbar(sc, ax=ax, label=label, shrink=0.7)
    when = "over the run" if column == "growth_percent" else f"1 January {last}"
    ax.set_title(f"{label}, {when}")
    ax.set_xticks([])
    ax.set_yticks([])
    return fig


def comparison_figure(bundle: logic.Bundle) -> Figure | None:
    found = logic.comparison(bundle)
    if found is None:
        return None
    table, _ = found
    fig = Figure(figsize=(12, 4), layout="constrained")
    axes = fig.subplots(1, 2)
    for ax, area, title in ((axes[0], "target", "Målområdet / target area"),
                            (axes[1], "area", "Hele området / whole area")):
        t = table[table["area"] == area]
        ax.plot(t["year"], t["diff_median"], color=COLOURS[1], lw=2, label="median")
        ax.fill_between(t["year"], t["diff_p05"], t["diff_p95"], color=COLOURS[1], alpha=0.2,
                        lw=0, label=f"{logic.BAND[0]}–{logic.BAND[1]} %")
        ax.axhline(0, color="black", lw=0.8)
        ax.set_title(f"{title}: scenario − baseline")
        ax.set_ylabel("personer / persons")
        ax.set_xlabel("år / year")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    return fig


def pyramid_figure(bundle: logic.Bundle, code: str, year: int) -> Figure:
    """Age pyramid of one kommune in ``year`` (bars) against the first year (outline)."""
    ages = logic.mean_over_seeds(bundle.results, "age_structure",
                                 ["kommunenummer", "year", "age_group", "sex"])
    ages = ages[ages["kommunenummer"].astype(str) == code]
    first = int(ages["year"].min())
    order = list(dict.fromkeys(bundle.results[0].age_structure["age_group"]))
    fig = Figure(figsize=(6, 4.5), layout="constrained")
    ax = fig.subplots()
    y = np.arange(len(order))
    for sex, sign, colour in (("male", -1, COLOURS[0]), ("female", 1, COLOURS[1])):
        for yr, kw in ((year, {"color": colour, "alpha": 0.8}),
                       (first, {"fill": False, "edgecolor": "black", "lw": 1})):
            sub = ages[(ages["year"] == yr) & (ages["sex"] == sex)].set_index("age_group")
            vals = sub["persons"].reindex(order).fillna(0).to_numpy(float)
            ax.barh(y, sign * vals, height=0.85, **kw,
                    label=(f"{'menn / men' if sex == 'male' else 'kvinner / women'} {yr}"
                           if yr == year else (f"{first}" if sex == "male" else None)))
    ax.set_yticks(y, order)
    ax.axvline(0, color="black", lw=0.8)
    ticks = ax.get_xticks()
    ax.set_xticks(ticks, [f"{abs(t):,.0f}" for t in ticks])
    ax.set_xlabel("personer / persons")
    ax.set_title(f"Alderspyramide / age pyramid {year} (outline {first})")
    ax.legend(fontsize=8, loc="upper right")
    return fig


def kommune_figure(bundle: logic.Bundle, code: str) -> Figure:
    """One kommune: moves in and out by reason, immigrant retention, ownership, jobs, rent
    and price."""
    fig = Figure(figsize=(13, 7), layout="constrained")
    axes = fig.subplots(2, 3).ravel()
    moves = logic.mean_over_seeds(bundle.results, "moves_by_reason",
                                  ["year", "kommunenummer", "direction", "reason"])
    moves = moves[moves["kommunenummer"].astype(str) == code]
    ax = axes[0]
    if not moves.empty:
        tot = moves.groupby(["reason", "direction"])["persons"].sum().unstack(fill_value=0)
        tot = tot.reindex(columns=["in", "out"], fill_value=0)
        x = np.arange(len(tot))
        ax.bar(x - 0.2, tot["in"], 0.4, color=COLOURS[2], label="inn / in")
        ax.bar(x + 0.2, tot["out"], 0.4, color=COLOURS[1], label="ut / out")
        ax.set_xticks(x, tot.index, rotation=30)
        ax.legend(fontsize=8)
    ax.set_title("Flytting etter grunn / moves by reason (sum)")
    ind = logic.mean_over_seeds(bundle.results, "indicators", ["kommunenummer", "year"])
    ind = ind[ind["kommunenummer"].astype(str) == code].sort_values("year")
    panels = [("immigrant_retention_5y", "Innvandrere som blir / immigrant retention (5 y)", 100,
               "%"),
              ("owner_share", "Eierandel / ownership", 100, "% of households"),
              ("jobs", "Arbeidsplasser / jobs", 1, "jobs"),
              ("rent_nok", "Husleie / rent", 1e-3, "1,000 NOK a year"),
              ("price_nok", "Boligpris / house price", 1e-6, "million NOK")]
    first = int(ind["year"].min()) if len(ind) else 0
    for ax, (col, title, scale, unit) in zip(axes[1:], panels, strict=True):
        if col not in ind.columns:
            continue
        rows = ind
        if col == "immigrant_retention_5y":
            # the share of the last five years' arrivals still here is only complete once
            # the run has five years of arrivals (earlier, immigrants who came before the
            # start count as "here" but not as "arrived")
            rows = ind[ind["year"] >= first + 5]
            if rows.empty:
                ax.text(0.5, 0.5, "needs a run of 5+ years", ha="center",
                        transform=ax.transAxes)
        ax.plot(rows["year"], rows[col] * scale, color=COLOURS[0], lw=2)
        ax.set_title(title)
        ax.set_ylabel(unit)
        ax.grid(alpha=0.3)
    return fig


def classroom_figure(bundle: logic.Bundle, year: int) -> Figure:
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
    fig = Figure(figsize=(13, 5.5), layout="constrained")
    big_ax, small_ax = fig.subplots(1, 2, width_ratios=[1, 2.5])
    for ax, mask, title in ((big_ax, ~small, "By og tettsted / city and town"),
                            (small_ax, small, "Bygdene / the villages")):
        idx = np.flatnonzero(mask)
        if not len(idx):
            ax.set_visible(False)
            continue
        x = np.arange(len(idx))
        ax.bar(x, pop[idx, 0], 0.8, fill=False, edgecolor="#888888", lw=1.5,
               label=f"{years[0]}")
        ax.bar(x, pop[idx, yi], 0.6, color=COLOURS[0] if ax is big_ax else COLOURS[2],
               label=f"{year}")
        top = pop[idx].max()
        for j, k in zip(x, idx, strict=True):
            n = round(float(schools.get(codes[k], 0.0)))
            ax.text(j, pop[k, yi] + 0.02 * top,
                    f"{int(pop[k, yi]):,}\n{n} skole{'r' if n != 1 else ''} / school"
                    f"{'s' if n != 1 else ''}", ha="center", va="bottom", fontsize=13)
        ax.set_ylim(0, top * 1.3)
        ax.set_xticks(x, [names[k] for k in idx], fontsize=14)
        ax.set_title(title, fontsize=16)
        ax.tick_params(axis="y", labelsize=12)
        ax.legend(fontsize=12, loc="upper right")
    fig.suptitle(f"År / Year {year} — folketall og skoler / population and schools",
                 fontsize=20)
    return fig
