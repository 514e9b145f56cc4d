"""The dashboard's maps as ECharts options: real Norway's 357 kommuner as a map series over
the embedded polygons (Kartverket, CC BY 4.0; sent to the browser once per map in ECharts'
compact encoding, zoom and pan with the mouse), a made-up landscape as circles at its
kommuner's centres sized by population. Each kommune's tooltip gives its name and value;
the colour scale is a legend with handles. A run compared with its baseline can be drawn as
the difference, scenario minus baseline, on a red–blue scale around zero."""

from __future__ import annotations

import dataclasses
import json
from functools import cache

import numpy as np
import pandas as pd

from dashboards import echart, logic
from sim.data import geojson_path, kommune_rings

MAP = "norge"                       # the name the polygons are registered under
ATTRIBUTION = "Kart / map: Kartverket, CC BY 4.0"
SCALE = 1024                        # ECharts' compact encoding: 1/1024 degree (about 100 m)
CENTRALITY = {1: "#08306b", 2: "#2171b5", 3: "#6baed6", 4: "#bdd7a7", 5: "#e3c770",
              6: "#c9822b"}
COLUMNS = {                         # map columns, Norwegian / English
    "growth_percent": "Vekst / growth %",
    "population": "Folketall / population",
    "births": "Fødte / births", "deaths": "Døde / deaths",
    "in_domestic": "Innflytting / moves in", "out_domestic": "Utflytting / moves out",
    "immigration": "Innvandring / immigration", "emigration": "Utvandring / emigration",
    "dwellings": "Boliger / dwellings", "immigrants": "Innvandrere / immigrants",
    "jobs": "Arbeidsplasser / jobs", "employed": "Sysselsatte / employed",
    "owner_share": "Eierandel / ownership share", "service_level": "Tjenester / service level",
    "rent_nok": "Husleie / rent (NOK)", "price_nok": "Boligpris / house price (NOK)",
    "schools": "Skoler / schools", "immigrant_retention_5y":
        "Innvandrere som blir / immigrant retention (5 y)",
}
LABEL_LINE = 16      # px between a place's name and its number (two-line labels)


def column_label(column: str) -> str:
    """A map column as the page names it: Norwegian / English, else its own name."""
    return COLUMNS.get(column, column.replace("_", " "))


def _encode_ring(ring: np.ndarray) -> tuple[str, list[int]]:
    """One ring in ECharts' compact encoding: quantised, delta and zigzag coded, two
    characters a point; and its start."""
    q = np.rint(np.asarray(ring, dtype=float) * SCALE).astype(np.int64)
    keep = np.ones(len(q), dtype=bool)
    keep[1:] = (np.diff(q, axis=0) != 0).any(axis=1)
    q = q[keep]
    delta = np.diff(q, axis=0, prepend=q[:1])
    zigzag = (delta << 1) ^ (delta >> 63)
    return "".join(chr(int(c) + 64) for c in zigzag.ravel()), [int(q[0, 0]), int(q[0, 1])]


@cache
def norway_geojson() -> dict:
    """The kommune polygons (outer rings) as a compact GeoJSON for ``echarts.registerMap``,
    each feature named "<kommunenummer> <name>"."""
    with geojson_path().open("r", encoding="utf-8") as fh:
        source = json.load(fh)["features"]
    features = []
    for f in source:
        geom = f["geometry"]
        polys = geom["coordinates"] if geom["type"] == "MultiPolygon" else [geom["coordinates"]]
        coords, offsets = [], []
        for poly in polys:
            text, start = _encode_ring(np.asarray(poly[0], dtype=float))
            coords.append([text])
            offsets.append([start])
        p = f["properties"]
        features.append({"type": "Feature",
                         "properties": {"name": f"{p['kommunenummer']} {p['name']}"},
                         "geometry": {"type": "MultiPolygon", "coordinates": coords,
                                      "encodeOffsets": offsets}})
    return {"type": "FeatureCollection", "UTF8Encoding": True, "UTF8Scale": SCALE,
            "features": features}


@cache
def _names() -> dict[str, str]:
    from sim import data

    t = data.kommuner()
    return dict(zip(t["kommunenummer"].astype(str), t["name"], strict=True))


def norway_map(title: str, data: list[dict], visual: dict, codes: list[str],
               name: str) -> dict:
    """The kommune map, ``data`` [{name, value}] coloured by ``visual``, the view around
    ``codes`` (all of Norway when empty), zoom and pan with the mouse."""
    all_codes, rings = kommune_rings()
    wanted = set(codes)
    inside = [r for c, r in zip(all_codes, rings, strict=True) if c in wanted] or rings
    pts = np.concatenate(inside)
    pad = np.array([0.3, 0.2])           # degrees around the shown kommuner
    lo, hi = pts.min(axis=0) - pad, pts.max(axis=0) + pad
    option = echart.base(title, legend=False)
    option["tooltip"] = {"trigger": "item"}
    option["visualMap"] = visual
    option["series"] = [{
        "type": "map", "map": MAP, "name": name, "roam": True, "data": data,
        "boundingCoords": [[float(lo[0]), float(hi[1])], [float(hi[0]), float(lo[1])]],
        "aspectScale": round(float(np.cos(np.radians(pts[:, 1].mean()))), 3),
        "scaleLimit": {"min": 0.5, "max": 40},
        "itemStyle": {"areaColor": "#ececec", "borderColor": "#777777", "borderWidth": 0.3},
        "emphasis": {"label": {"show": False}, "itemStyle": {"areaColor": "#ffd966"}},
        "select": {"disabled": True}}]
    return echart.note(option, ATTRIBUTION)


def landscape_map(title: str, table: pd.DataFrame, values, visual: dict, name: str,
                  labels: list[str]) -> dict:
    """A made-up landscape: a circle per kommune at its centre, sized by its population,
    coloured by ``values``, labelled; zoom with the mouse wheel."""
    pop = table["population"].to_numpy(float)
    size = 12 + 70 * np.sqrt(pop / max(pop.max(), 1.0))
    lon, lat = table["centroid_lon"].to_numpy(float), table["centroid_lat"].to_numpy(float)
    data = [{"name": n, "value": [echart._num(x), echart._num(y), echart._num(v)],
             "symbolSize": echart._num(s), "label": {"formatter": lab}}
            for n, x, y, v, s, lab in zip(table["name"], lon, lat, np.asarray(values, float),
                                          size, labels, strict=True)]
    dx, dy = float(np.ptp(lon)) or 1.0, float(np.ptp(lat)) or 1.0
    option = echart.base(title, legend=False)
    option["tooltip"] = {"trigger": "item", "formatter": "{b}: {@[2]}"}
    option["visualMap"] = {**visual, "dimension": 2}
    option["grid"] = {"left": 110, "right": 20, "top": 50, "bottom": 30}
    axis = {"type": "value", "show": False, "scale": True}
    option["xAxis"] = {**axis, "min": echart._num(lon.min() - 0.35 * dx),
                       "max": echart._num(lon.max() + 0.35 * dx)}
    option["yAxis"] = {**axis, "min": echart._num(lat.min() - 0.3 * dy),
                       "max": echart._num(lat.max() + 0.3 * dy)}
    option["dataZoom"] = [{"type": "inside", "xAxisIndex": 0, "filterMode": "none"},
                          {"type": "inside", "yAxisIndex": 0, "filterMode": "none"}]
    option["series"] = [{"type": "scatter", "name": name, "data": data,
                         "itemStyle": {"borderColor": echart.INK, "borderWidth": 1},
                         "label": {"show": True, "position": "top", "fontSize": 13,
                                   "lineHeight": LABEL_LINE, "color": echart.INK}}]
    return option


def difference_values(bundle: logic.Bundle, column: str) -> pd.Series:
    """Per kommune: scenario minus baseline of ``column`` (growth in percentage points, else
    its value in the last year), medians over seeds."""
    baseline = dataclasses.replace(bundle, results=bundle.baseline)
    return logic.map_values(bundle, column) - logic.map_values(baseline, column)


def map_chart(bundle: logic.Bundle, column: str = "growth_percent",
              difference: bool = False) -> dict:
    """Kommuner coloured by ``column`` (growth over the run by default), or with
    ``difference`` (and a baseline) by scenario minus baseline."""
    difference = difference and bool(bundle.baseline)
    values = difference_values(bundle, column) if difference else logic.map_values(bundle,
                                                                                    column)
    growth = column == "growth_percent"
    label = column_label(column)
    last = int(bundle.results[0].kommuner["year"].max())
    when = "over kjøringen / over the run" if growth else f"1. januar / 1 January {last}"
    if difference:
        label = f"{label}: scenario − grunnløp / baseline"
    title = f"{label}, {when}"
    if bundle.scenario.geography.kind == "landscape":
        t = bundle.table
        v = values.reindex(t["kommunenummer"].astype(str)).to_numpy(float)
        visual = echart.colour_scale(v, growth or difference, label)
        return landscape_map(title, t, v, visual, label, t["name"].tolist())
    ok = values.dropna()
    names = _names()
    data = [{"name": f"{c} {names.get(c, c)}", "value": echart._num(x)}
            for c, x in ok.items()]
    visual = echart.colour_scale(ok.to_numpy(float), growth or difference, label)
    return norway_map(title, data, visual, list(ok.index), label)


@cache
def area_chart(name: str) -> dict:
    """The scenario file's area before any run: its kommuner coloured by centrality class
    (1 most central … 6 least), with the population on 1 January of the start year."""
    from sim.world.landscape import area_table

    scenario = logic.base_scenario(name)
    table = area_table(scenario.geography)
    cls = table["sentralitetsklasse"].astype(int).to_numpy()
    total = int(table["population"].sum())
    title = (f"Området / the area, 1. januar / 1 January {scenario.start_year}: {len(table)} "
             f"kommuner, {total:,} personer / persons")
    visual = {"type": "piecewise", "left": 8, "bottom": 24,
              "pieces": [{"value": int(c), "label": f"sentralitet / centrality {c}",
                          "color": CENTRALITY[int(c)]} for c in sorted(set(cls.tolist()))]}
    label = "sentralitet / centrality"
    if scenario.geography.kind == "landscape":
        labels = [f"{n}\n{p:,}" for n, p in zip(table["name"], table["population"],
                                                strict=True)]
        return landscape_map(title, table, cls, visual, label, labels)
    codes = table["kommunenummer"].astype(str).tolist()
    data = [{"name": f"{c} {n}", "value": int(k)}
            for c, n, k in zip(codes, table["name"], cls, strict=True)]
    return norway_map(title, data, visual, codes, label)
