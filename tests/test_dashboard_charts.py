"""The dashboard's charts as ECharts options, without a browser or a model run: bands whose
tooltips show their edges, the scenario drawn against its baseline, the map's difference
from the baseline on a scale centred on zero, moves by reason as scenario minus baseline,
the classroom's school closures pinned where and when they happen, and the kommune polygons
in ECharts' compact encoding. Small made-up runs, exact figures."""

from __future__ import annotations

import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from dashboards import echart, logic, maps, plots

YEARS = [2026, 2027, 2028]
TABLE = pd.DataFrame({"kommunenummer": ["K01", "K02"], "name": ["Elvby", "Nesøy"],
                      "population": [1000, 100], "centroid_lon": [10.0, 11.0],
                      "centroid_lat": [63.0, 64.0], "sentralitetsklasse": [2, 6]})


def _run(pop: dict[str, list[float]], schools: dict[str, list[int]] | None = None,
         moves: list[tuple[str, str, str, int]] = (), seed: int = 1) -> SimpleNamespace:
    """A made-up RunResult of the landscape TABLE over YEARS."""
    rows = [(c, y, p) for c, path in pop.items() for y, p in zip(YEARS, path, strict=True)]
    kommuner = pd.DataFrame(rows, columns=["kommunenummer", "year", "population"])
    schools = schools or {c: [1] * len(YEARS) for c in pop}
    indicators = kommuner.assign(schools=[n for c in pop for n in schools[c]],
                                 jobs=kommuner["population"] / 2)
    moving = pd.DataFrame([(2027, c, d, r, n) for c, d, r, n in moves],
                          columns=["year", "kommunenummer", "direction", "reason", "persons"])
    return SimpleNamespace(kommuner=kommuner, indicators=indicators, moves_by_reason=moving,
                           scenario=SimpleNamespace(seed=seed))


def _bundle(results, baseline=None) -> logic.Bundle:
    scenario = SimpleNamespace(name="test", geography=SimpleNamespace(kind="landscape"))
    return logic.Bundle(scenario, results, baseline, table=TABLE)


def test_a_band_is_stacked_and_its_tooltips_show_its_edges_not_its_width():
    lower, upper = echart.band_series("x", [1.0, 2.0], [3.0, 5.0], "#000000", "s")
    assert lower["data"] == upper["data"] == [[0, 1.0, 2.0, 3.0], [1, 2.0, 3.0, 5.0]]
    assert lower["stack"] == upper["stack"] == "s"
    # stacked whatever the signs (ECharts stacks only same-signed values by default)
    assert lower["stackStrategy"] == upper["stackStrategy"] == "all"
    assert (lower["encode"], upper["encode"]) == ({"x": 0, "y": 1, "tooltip": [1]},
                                                  {"x": 0, "y": 2, "tooltip": [3]})
    assert "areaStyle" in upper and "areaStyle" not in lower


def test_one_seed_is_a_line_several_a_median_and_a_band_and_gaps_stay_gaps():
    (one,) = echart.seeds_series("a", [[1.0, np.nan, 3.0]], "#000000")
    assert one["data"] == [1.0, None, 3.0]
    median, lo, hi = echart.seeds_series("a", [[1.0, 2.0], [3.0, 4.0], [5.0, 9.0]], "#000000")
    assert median["data"] == [3.0, 4.0]
    assert [r[1] for r in lo["data"]] == [1.2, 2.2] and [r[3] for r in hi["data"]] == [4.8, 8.5]


def test_the_scenario_is_drawn_against_its_dashed_baseline():
    series = echart.compared([[1.0, 2.0]], [[1.0, 1.5]], scale=100)
    assert [s["name"] for s in series] == ["scenario", "grunnløp / baseline"]
    assert series[0]["data"] == [100.0, 200.0] and series[1]["data"] == [100.0, 150.0]
    assert series[1]["lineStyle"]["type"] == "dashed"
    assert [s["name"] for s in echart.compared([[1.0, 2.0]], None)] == ["scenario"]


def test_a_difference_scale_is_centred_on_zero_and_a_level_scale_spans_the_values():
    diff = echart.colour_scale([-1.0, 3.0, np.nan], diverging=True, name="d")
    assert (diff["min"], diff["max"], diff["inRange"]["color"]) == (-3.0, 3.0, echart.RDBU)
    level = echart.colour_scale([2.0, 5.0], diverging=False, name="v")
    assert (level["min"], level["max"], level["inRange"]["color"]) == (2.0, 5.0,
                                                                      echart.VIRIDIS)


def test_axis_ends_are_round():
    assert echart.nice_max(550) == (600.0, 200.0)
    assert echart.nice_max(76_321) == (80_000.0, 20_000.0)
    assert echart.nice_max(0.8) == (0.8, 0.2)


def test_the_map_offers_the_difference_from_the_baseline():
    scenario = [_run({"K01": [1000, 1050, 1100], "K02": [100, 95, 90]})]
    baseline = [_run({"K01": [1000, 1040, 1080], "K02": [100, 90, 80]})]
    level = maps.map_chart(_bundle(scenario, baseline))
    diff = maps.map_chart(_bundle(scenario, baseline), difference=True)
    values = [d["value"][2] for d in diff["series"][0]["data"]]
    assert values == [pytest.approx(2.0), pytest.approx(10.0)]     # percentage points
    assert "scenario − grunnløp / baseline" in diff["title"]["text"]
    assert diff["visualMap"]["min"] == -diff["visualMap"]["max"]
    assert [d["value"][2] for d in level["series"][0]["data"]] == [10.0, -10.0]
    # without a baseline, no difference to draw: the values themselves
    assert maps.map_chart(_bundle(scenario), difference=True) == maps.map_chart(
        _bundle(scenario))


def test_moves_by_reason_are_scenario_minus_baseline_when_compared():
    pop = {"K01": [1000, 1000, 1000], "K02": [100, 100, 100]}
    scenario = [_run(pop, moves=[("K02", "in", "housing", 12), ("K02", "out", "job", 5)])]
    baseline = [_run(pop, moves=[("K02", "in", "housing", 4), ("K02", "out", "job", 9),
                                 ("K02", "out", "ties", 2)])]
    alone = plots.moves_chart(_bundle(scenario), "K02")
    assert alone["xAxis"]["data"] == ["jobb / work", "bolig / housing"]
    assert [s["data"] for s in alone["series"]] == [[0.0, 12.0], [5.0, 0.0]]
    compared = plots.moves_chart(_bundle(scenario, baseline), "K02")
    assert compared["xAxis"]["data"] == ["jobb / work", "bolig / housing",
                                         "familie og venner / family and friends"]
    assert [s["data"] for s in compared["series"]] == [[0.0, 8.0, 0.0], [-4.0, 0.0, -2.0]]
    assert "scenario − grunnløp" in compared["title"]["text"]


def test_a_kommunes_paths_show_scenario_and_baseline():
    scenario = [_run({"K01": [1000, 1050, 1100], "K02": [100, 95, 90]}, seed=s)
                for s in (1, 2)]
    baseline = [_run({"K01": [1000, 1040, 1080], "K02": [100, 90, 80]}, seed=s)
                for s in (1, 2)]
    charts = plots.kommune_charts(_bundle(scenario, baseline), "K02")
    population = next(c for c in charts if c["title"]["text"] == plots.POPULATION)
    lines = {s["name"]: s["data"] for s in population["series"] if "stack" not in s}
    assert lines == {"scenario": [100.0, 95.0, 90.0], "grunnløp / baseline": [100.0, 90.0, 80.0]}
    assert sum("stack" in s for s in population["series"]) == 4        # a band each
    assert population["legend"]["data"] == ["scenario", "grunnløp / baseline"]
    jobs = next(c for c in charts if c["title"]["text"].startswith("Arbeidsplasser"))
    assert [s["name"] for s in jobs["series"] if "stack" not in s] == ["scenario",
                                                                       "grunnløp / baseline"]


def test_a_real_kommunes_population_shows_its_calibrated_80_percent_interval():
    """For a real kommune the population panel adds the calibrated 80 % interval (the
    backcast's errors with the seeds' spread, as ``bands.csv`` has it) around the scenario's
    median: wider than the seeds' band and widening with the years; a landscape has none."""
    froya = [_run({"5014": [5000, 5050, 5100]}, seed=1),
             _run({"5014": [5000, 5070, 5140]}, seed=2)]
    real = logic.Bundle(SimpleNamespace(name="test", geography=SimpleNamespace(kind="norway")),
                        froya, None, table=TABLE)
    population = next(c for c in plots.kommune_charts(real, "5014")
                      if c["title"]["text"] == plots.POPULATION)
    names = [s["name"] for s in population["series"]]
    assert names[-2:] == ["kalibrert / calibrated 10 %", "kalibrert / calibrated 90 %"]
    assert "calibrated 80 %" in population["title"]["subtext"]
    lo = [row[1] for row in population["series"][-2]["data"]]
    hi = [row[3] for row in population["series"][-1]["data"]]
    seeds_lo = [row[1] for row in population["series"][1]["data"]]
    seeds_hi = [row[3] for row in population["series"][2]["data"]]
    assert lo[0] == hi[0] == 5000.0                        # the start is known
    assert lo[1] < seeds_lo[1] and seeds_hi[1] < hi[1]      # wider than the seeds alone
    assert hi[2] - lo[2] > hi[1] - lo[1]                    # and wider further ahead
    landscape = plots.kommune_charts(_bundle([_run({"K01": [1, 2, 3], "K02": [1, 2, 3]})]),
                                     "K02")
    assert not any("calibrated" in s["name"] for c in landscape for s in c.get("series", []))


def test_a_school_closure_is_pinned_on_its_village_from_its_year():
    run = _run({"K01": [1000, 1000, 1000], "K02": [100, 90, 80]},
               schools={"K01": [3, 3, 2], "K02": [1, 0, 0]})
    bundle = _bundle([run])
    assert plots.school_closures(bundle) == [
        {"year": 2027, "kommune": "K02", "name": "Nesøy", "before": 1, "after": 0},
        {"year": 2028, "kommune": "K01", "name": "Elvby", "before": 3, "after": 2}]

    def pins(year):
        chart = plots.classroom_chart(bundle, year)
        return [(p["value"], p["coord"], p["name"]) for s in chart["series"]
                for p in s.get("markPoint", {}).get("data", [])]

    assert pins(2026) == []
    assert pins(2027) == [("2027", ["Nesøy", 90.0],
                           "2027: skolen i Nesøy stenger / the school in Nesøy closes")]
    assert pins(2028)[0][:2] == ("2027", ["Nesøy", 80.0])
    assert pins(2028)[1][:2] == ("2028", ["Elvby", 1000.0])
    assert "Nesøy" in plots.classroom_chart(bundle, 2028)["title"]["subtext"]


def _decode(text: str, start: list[int]) -> np.ndarray:
    """ECharts' own decoding of a compact ring (echarts.js, decodeRing)."""
    x, y, out = start[0], start[1], []
    for i in range(0, len(text), 2):
        dx, dy = ord(text[i]) - 64, ord(text[i + 1]) - 64
        x += (dx >> 1) ^ -(dx & 1)
        y += (dy >> 1) ^ -(dy & 1)
        out.append((x / maps.SCALE, y / maps.SCALE))
    return np.array(out)


def test_kommune_polygons_survive_the_compact_encoding_to_about_100_m():
    ring = np.array([[8.5, 63.7], [8.6001, 63.75], [8.6002, 63.75], [8.4, 63.9], [8.5, 63.7]])
    text, start = maps._encode_ring(ring)
    back = _decode(text, start)
    assert len(back) == 4                        # the repeated point (same 100 m) is dropped
    np.testing.assert_allclose(back, ring[[0, 1, 3, 4]], atol=0.5 / maps.SCALE)
    geo = maps.norway_geojson()
    froya = next(f for f in geo["features"] if f["properties"]["name"] == "5014 Frøya")
    assert len(froya["geometry"]["coordinates"]) == len(froya["geometry"]["encodeOffsets"])
