"""The dashboard's charts (ECharts options built with ``dashboards.echart``; the maps are in
``dashboards.maps``): population paths, the comparison with the baseline, one kommune's
view and the classroom frame. Wherever a run was compared, a kommune's paths show the
scenario and the baseline side by side (median and band over seeds), and moves by reason
show scenario minus baseline. Labels are Norwegian / English."""

from __future__ import annotations

import dataclasses
import itertools

import numpy as np
import pandas as pd

from dashboards import echart, labels, logic
from sim.experiments.seeds import BAND, NORWAY, band
from sim.validation import intervals

POPULATION = "Folketall / Population"
PERSONS = "personer / persons"
REASONS = {key: labels.reason(key) for key in labels.REASONS}   # a move's reason, plain words
KOMMUNE_PANELS = [     # indicators.csv column, title, scale, unit
    ("immigrant_retention_5y", "Innvandrere som blir / immigrant retention (5 y)", 100, "%"),
    ("owner_share", "Eierandel / ownership", 100, "% av husholdninger / of households"),
    ("jobs", "Arbeidsplasser / jobs", 1, "arbeidsplasser / jobs"),
    ("rent_nok", "Husleie / rent", 1e-3, "1 000 NOK i året / a year"),
    ("price_nok", "Boligpris / house price", 1e-6, "millioner NOK / million NOK"),
]
RETENTION_YEARS = 5    # the retention covers five years of arrivals after five years' run
CALIBRATED = "kalibrert / calibrated"
CALIBRATED_NOTE = "blått: kalibrert 80 % / blue: calibrated 80 %"


def baseline_bundle(bundle: logic.Bundle) -> logic.Bundle | None:
    """The baseline of a compared run as a bundle of its own; None when not compared."""
    return dataclasses.replace(bundle, results=bundle.baseline) if bundle.baseline else None


def group_label(label: str) -> str:
    """A line of ``logic.population_groups`` named Norwegian first, English beside."""
    if label.startswith("class "):
        return f"sentralitet / centrality {label.removeprefix('class ')}"
    if label.startswith("largest: "):
        return f"største / largest: {label.removeprefix('largest: ')}"
    return {"five largest cities": "fem største byer / five largest cities",
            "rest / resten": "resten / the rest"}.get(label, label)


def _seeds_text(bundle: logic.Bundle) -> str:
    n = len(bundle.results)
    return (f"median og / and {BAND[0]}–{BAND[1]} % over {n} frø / seeds" if n > 1
            else "ett frø / one seed")


# ----- population and the comparison ---------------------------------------------------------
def population_charts(bundle: logic.Bundle) -> list[dict]:
    """Population paths: the whole area (against the baseline when compared), centrality
    classes, the largest cities against the rest."""
    groups = logic.population_groups(bundle)
    years = groups["years"]
    sub = f"{bundle.scenario.name}: {_seeds_text(bundle)}"
    base = baseline_bundle(bundle)
    whole = next(iter(groups["area"].values()))
    area = echart.compared(whole, None if base is None else next(iter(
        logic.population_groups(base)["area"].values())))
    charts = [echart.time_chart(f"{POPULATION}: hele området / whole area", years,
                                PERSONS, area, sub)]
    for key, title in (("centrality", "Sentralitet / centrality"),
                       ("cities", "Største byer / largest cities")):
        series = []
        for i, (label, values) in enumerate(groups[key].items()):
            series += echart.seeds_series(group_label(label), values, echart.COLOURS[i % 7])
        charts.append(echart.time_chart(title, years, PERSONS, series, sub))
    return charts


def comparison_charts(bundle: logic.Bundle) -> list[dict] | None:
    """Scenario minus baseline in the target area and the whole area, over the years."""
    found = logic.comparison(bundle)
    if found is None:
        return None
    table, _ = found
    charts = []
    for area, title in (("target", "Målområdet / target area"),
                        (NORWAY, "Hele området / whole area")):
        t = table[table["area"] == area].sort_values("year")
        series = [echart.line("median", t["diff_median"], echart.SCENARIO),
                  *echart.band_series("persentil / percentile", t["diff_p05"], t["diff_p95"],
                                      echart.SCENARIO, "band")]
        series[0]["markLine"] = echart.zero_line()
        charts.append(echart.time_chart(f"{title}: scenario − grunnløp / baseline",
                                        t["year"], PERSONS, series))
    return charts


# ----- one kommune --------------------------------------------------------------------------
def kommune_paths(results: list, code: str, table: str, column: str
                  ) -> tuple[list[int], np.ndarray]:
    """Years and ``column`` of ``table`` (kommuner, indicators) for kommune ``code``,
    [seed, year]."""
    frames = []
    for r in results:
        df = getattr(r, table)
        df = df[df["kommunenummer"].astype(str) == code]
        frames.append(df.set_index("year")[column].astype(float))
    years = sorted(set().union(*(f.index for f in frames)))
    return years, np.array([f.reindex(years).to_numpy(float) for f in frames])


def _kommune_panel(bundle: logic.Bundle, code: str, table: str, column: str, title: str,
                   scale: float, unit: str, skip: int = 0, extra: list[dict] | None = None,
                   subtitle: str = "") -> dict:
    """One indicator of one kommune over the years (``extra``: more series drawn on it)."""
    years, values = kommune_paths(bundle.results, code, table, column)
    base = None
    if bundle.baseline:
        _, base = kommune_paths(bundle.baseline, code, table, column)
    if len(years) <= skip:
        return echart.empty(title, "trenger en kjøring på 5+ år / needs a run of 5+ years")
    base = None if base is None else base[:, skip:]
    return echart.time_chart(title, years[skip:], unit,
                             echart.compared(values[:, skip:], base, scale) + (extra or []),
                             subtitle)


def calibrated_series(bundle: logic.Bundle, code: str) -> list[dict]:
    """The calibrated 80 % interval of a real kommune's population around the scenario's
    median (``sim.validation.intervals``: the backcast's errors as well as the seeds' spread;
    the same columns as ``bands.csv``); none for a landscape or an area that is not a real
    kommune."""
    if bundle.scenario.geography.kind == "landscape" or not intervals.SHIPPED.exists():
        return []
    years, values = kommune_paths(bundle.results, code, "kommuner", "population")
    if len(years) < 2 or not np.isfinite(values).all():
        return []
    median, lo, hi = band(values)
    bands = pd.DataFrame({"area": code, "year": years, "median": median, "p05": lo,
                          "p95": hi})
    out = intervals.calibrated_bands(bands, intervals.shipped_calibration())
    if out["p10_calibrated"].isna().all():
        return []
    return echart.band_series(CALIBRATED, out["p10_calibrated"], out["p90_calibrated"],
                              echart.CALIBRATED, "calibrated",
                              percentiles=tuple(round(100 * q) for q in intervals.QUANTILES))


def kommune_charts(bundle: logic.Bundle, code: str) -> list[dict]:
    """One kommune: moves by reason, population (with its calibrated 80 % interval for a
    real kommune), immigrant retention, ownership, jobs, rent and price; the scenario
    against the baseline when the run was compared."""
    calibrated = calibrated_series(bundle, code)
    population = _kommune_panel(bundle, code, "kommuner", "population", POPULATION, 1,
                                PERSONS, extra=calibrated,
                                subtitle=CALIBRATED_NOTE if calibrated else "")
    charts = [moves_chart(bundle, code), population]
    columns = bundle.results[0].indicators.columns
    for col, title, scale, unit in KOMMUNE_PANELS:
        if col in columns:
            skip = RETENTION_YEARS if col == "immigrant_retention_5y" else 0
            charts.append(_kommune_panel(bundle, code, "indicators", col, title, scale, unit,
                                         skip))
    return charts


def _moves(results: list, code: str) -> pd.DataFrame:
    """Moves in and out of kommune ``code`` by reason over the run, mean over seeds."""
    moves = logic.mean_over_seeds(results, "moves_by_reason",
                                  ["year", "kommunenummer", "direction", "reason"])
    if moves.empty:
        return pd.DataFrame(columns=["in", "out"])
    moves = moves[moves["kommunenummer"].astype(str) == code]
    tot = moves.groupby(["reason", "direction"])["persons"].sum().unstack(fill_value=0)
    return tot.reindex(columns=["in", "out"], fill_value=0)


def moves_chart(bundle: logic.Bundle, code: str) -> dict:
    """Moves in and out by reason, summed over the run; scenario minus baseline when the run
    was compared."""
    tot = _moves(bundle.results, code)
    title, sub = "Flytting / moves", "etter grunn, sum over kjøringen / by reason, summed"
    if bundle.baseline:
        base = _moves(bundle.baseline, code)
        reasons = sorted(set(tot.index) | set(base.index))
        tot = (tot.reindex(reasons, fill_value=0) - base.reindex(reasons, fill_value=0))
        title = "Flytting / moves: scenario − grunnløp / baseline"
    if tot.empty:
        return echart.empty(title, "ingen flytting / no moves")
    order = [r for r in REASONS if r in tot.index] + [r for r in tot.index if r not in REASONS]
    tot = tot.reindex(order)
    option = echart.base(title, sub)
    option["tooltip"]["axisPointer"] = {"type": "shadow"}
    option.update({
        "grid": {"left": 64, "right": 24, "top": 64, "bottom": 90},
        "xAxis": {"type": "category", "data": [REASONS.get(r, r) for r in order],
                  "axisLabel": {"rotate": 30, "interval": 0}},
        "yAxis": {"type": "value", "name": PERSONS},
        "series": [{"type": "bar", "name": "inn / in", "data": echart.numbers(tot["in"]),
                    "itemStyle": {"color": echart.COLOURS[2]}},
                   {"type": "bar", "name": "ut / out", "data": echart.numbers(tot["out"]),
                    "itemStyle": {"color": echart.COLOURS[1]}}],
    })
    option["legend"]["bottom"] = 0
    return option


def _ages(results: list, code: str, year: int, order: list[str]) -> dict[str, np.ndarray]:
    """Persons by sex and age group of kommune ``code`` in ``year``, mean over seeds."""
    ages = logic.mean_over_seeds(results, "age_structure",
                                 ["kommunenummer", "year", "age_group", "sex"])
    ages = ages[(ages["kommunenummer"].astype(str) == code) & (ages["year"] == year)]
    return {sex: ages[ages["sex"] == sex].set_index("age_group")["persons"].reindex(order)
            .fillna(0).to_numpy(float) for sex in ("male", "female")}


def pyramid_chart(bundle: logic.Bundle, code: str, year: int) -> dict:
    """Age pyramid of one kommune in ``year``: men to the left, women to the right (two
    panels, so both count upwards from the middle), the first year as a thin line and, when
    compared, the baseline in ``year`` as outlined bars."""
    order = list(dict.fromkeys(bundle.results[0].age_structure["age_group"]))
    first = int(bundle.results[0].age_structure["year"].min())
    now, start = (_ages(bundle.results, code, y, order) for y in (year, first))
    base = _ages(bundle.baseline, code, year, order) if bundle.baseline else None
    widest = max(float(max(v.max(initial=0) for v in d.values()))
                 for d in (now, start, base or now)) or 1.0
    top, step = echart.nice_max(widest)
    option = echart.base(f"Alderspyramide / age pyramid {year} (linje / line {first})")
    option["tooltip"]["axisPointer"] = {"type": "shadow"}
    option.update({"grid": [], "xAxis": [], "yAxis": [], "series": []})
    sexes = (("male", "menn / men", echart.COLOURS[0]),
             ("female", "kvinner / women", echart.COLOURS[1]))
    for g, (sex, label, colour) in enumerate(sexes):
        option["grid"].append({"top": 48, "bottom": 64, "left": "8%" if g == 0 else "54%",
                               "width": "38%"})
        option["xAxis"].append({"type": "value", "gridIndex": g, "inverse": g == 0,
                                "max": top, "interval": step, "name": label,
                                "nameLocation": "middle", "nameGap": 26})
        option["yAxis"].append({"type": "category", "gridIndex": g, "data": order,
                                "position": "right" if g == 0 else "left",
                                "axisLabel": {"show": g == 0, "margin": 20},
                                "axisTick": {"show": False}})
        axes = {"xAxisIndex": g, "yAxisIndex": g}
        option["series"].append({"type": "bar", "name": f"{year}", **axes,
                                 "data": echart.numbers(now[sex]), "barWidth": "70%",
                                 "itemStyle": {"color": colour}})
        if base is not None:
            option["series"].append({
                "type": "bar", "name": f"{echart.BASELINE_LABEL} {year}", **axes,
                "barGap": "-100%", "barWidth": "70%", "data": echart.numbers(base[sex]),
                "itemStyle": {"color": "rgba(0,0,0,0)", "borderColor": "#000000",
                              "borderWidth": 1.2}})
        option["series"].append({"type": "line", "name": str(first), **axes,
                                 "data": echart.numbers(start[sex]), "showSymbol": False,
                                 "step": "middle", "itemStyle": {"color": "#888888"},
                                 "lineStyle": {"color": "#888888", "width": 1}})
    return option


# ----- the classroom ----------------------------------------------------------------------------
def school_counts(bundle: logic.Bundle) -> pd.DataFrame:
    """Schools per kommune (rows) and year (columns), mean over seeds rounded."""
    ind = logic.mean_over_seeds(bundle.results, "indicators", ["kommunenummer", "year"])
    counts = ind.pivot(index="kommunenummer", columns="year", values="schools")
    return counts.round().astype(int).rename(index=str)


def school_closures(bundle: logic.Bundle) -> list[dict]:
    """Each year a kommune has fewer schools than the year before: year, kommune (code and
    name), schools before and after; in order of the years."""
    counts = school_counts(bundle)
    names = dict(zip(bundle.table["kommunenummer"].astype(str), bundle.table["name"],
                     strict=True))
    out = []
    years = list(counts.columns)
    for before, after in itertools.pairwise(years):
        for code in counts.index[counts[after] < counts[before]]:
            out.append({"year": int(after), "kommune": code, "name": names.get(code, code),
                        "before": int(counts.at[code, before]),
                        "after": int(counts.at[code, after])})
    return sorted(out, key=lambda c: (c["year"], c["name"]))


def _closure_text(c: dict) -> str:
    if c["after"] == 0:
        return f"{c['year']}: skolen i {c['name']} stenger / the school in {c['name']} closes"
    return (f"{c['year']}: {c['name']} mister en skole / loses a school "
            f"({c['before']} → {c['after']})")


def _schools_label(n: int) -> str:
    return f"{n} skole{'r' if n != 1 else ''} / school{'s' if n != 1 else ''}"


def classroom_chart(bundle: logic.Bundle, year: int) -> dict:
    """The classroom frame of ``year``: population bars of the city and town (left) and the
    villages (right), the first year as a grey bar behind, each kommune's schools above its
    bar, and a pin on each village whose school closed by ``year``, with the year."""
    codes, years, cube = logic.population_cube(bundle.results)
    pop = np.median(cube, axis=0)
    yi = years.index(year)
    table = bundle.table.set_index(bundle.table["kommunenummer"].astype(str)).loc[codes]
    names = table["name"].tolist()
    schools = school_counts(bundle)[year].reindex(codes).fillna(0).astype(int)
    closed = [c for c in school_closures(bundle) if c["year"] <= year]
    small = table["population"].to_numpy() < 5000
    option = echart.base(f"År / Year {year} — folketall og skoler / population and schools",
                         "\n".join(_closure_text(c) for c in closed))
    option["title"]["textStyle"]["fontSize"] = 20
    option["title"]["subtextStyle"] = {"fontSize": 14, "lineHeight": 18, "color": "#b2182b"}
    option["tooltip"]["axisPointer"] = {"type": "shadow"}
    top = 80 + 18 * len(closed)
    option.update({"grid": [], "xAxis": [], "yAxis": [], "series": []})
    parts = [p for p in ((~small, "By og tettsted / city and town", echart.COLOURS[0]),
                         (small, "Bygdene / the villages", echart.COLOURS[2])) if p[0].any()]
    edges = np.cumsum([0] + [1.0 if m.sum() > 2 else 0.45 for m, _, _ in parts])
    edges = 3 + 94 * edges / edges[-1]
    for g, (mask, title, colour) in enumerate(parts):
        idx = np.flatnonzero(mask)
        option["grid"].append({"left": f"{edges[g] + 4:.0f}%", "width":
                               f"{edges[g + 1] - edges[g] - 6:.0f}%", "top": top,
                               "bottom": 70})
        option["xAxis"].append({"type": "category", "gridIndex": g, "name": title,
                                "nameLocation": "middle", "nameGap": 34,
                                "nameTextStyle": {"fontSize": 15, "fontWeight": "bold"},
                                "data": [names[k] for k in idx],
                                "axisLabel": {"fontSize": 14, "interval": 0}})
        option["yAxis"].append({"type": "value", "gridIndex": g, "boundaryGap": [0, "35%"]})
        option["series"].append({"type": "bar", "name": str(years[0]), "xAxisIndex": g,
                                 "yAxisIndex": g, "barGap": "-90%", "barWidth": "60%",
                                 "data": echart.numbers(pop[idx, 0]),
                                 "itemStyle": {"color": "#dddddd", "borderColor": "#888888"}})
        data = [{"value": echart._num(pop[k, yi]), "label": {
            "formatter": f"{int(pop[k, yi]):,}\n{_schools_label(int(schools.iloc[k]))}"}}
            for k in idx]
        pins = [{"name": _closure_text(c), "value": str(c["year"]), "coord": [
            c["name"], echart._num(pop[codes.index(c["kommune"]), yi])]}
            for c in closed if codes.index(c["kommune"]) in idx]
        option["series"].append({
            "type": "bar", "name": str(year), "xAxisIndex": g, "yAxisIndex": g,
            "barWidth": "45%", "data": data, "itemStyle": {"color": colour},
            "label": {"show": True, "position": "top", "fontSize": 13, "lineHeight": 16},
            "markPoint": {"symbol": "pin", "symbolSize": 56, "symbolOffset": [0, -64],
                          "itemStyle": {"color": "#b2182b"},
                          "label": {"fontSize": 11, "color": "#ffffff"}, "data": pins}})
    return option
