"""The building blocks of the dashboard's charts as ECharts options: plain dicts that
``solara.FigureEcharts`` hands to the browser, which draws them with Apache ECharts (served
locally by ``solara-assets``) and gives tooltips with values, legends, zoom and a PNG download
for free. Everything here is a pure function of numbers and labels, so the charts are tested
without a browser.

A line over several seeds is its median and a band from the BAND percentiles: the band is two
stacked series (the lower edge, invisible, and the width, filled) whose tooltips show the
edges' own values. Labels are Norwegian / English.
"""

from __future__ import annotations

import math

import numpy as np

from sim.experiments.seeds import BAND, band

COLOURS = ["#1f5f8b", "#b5452b", "#3b8b4b", "#8b6f1f", "#6b3b8b", "#2b8b8b", "#8b2b5f"]
SCENARIO, BASELINE = "#b5452b", "#555555"
CALIBRATED = "#1f5f8b"      # the calibrated 80 % interval of a real kommune
INK = "#222222"
RDBU = ["#b2182b", "#ef8a62", "#fddbc7", "#f7f7f7", "#d1e5f0", "#67a9cf", "#2166ac"]
VIRIDIS = ["#440154", "#3b528b", "#21918c", "#5ec962", "#fde725"]
YEAR = "år / year"
SCENARIO_LABEL, BASELINE_LABEL = "scenario", "grunnløp / baseline"
BAND_LABEL = f"{BAND[0]}–{BAND[1]} %"


def _num(x) -> float | None:
    """A JSON number, or None (a gap) for NaN and infinities."""
    x = float(x)
    return round(x, 6) if math.isfinite(x) else None


def numbers(values) -> list[float | None]:
    return [_num(v) for v in np.asarray(values, dtype=float).ravel()]


def base(title: str, subtitle: str = "", legend: bool = True) -> dict:
    """The parts every chart has: a title, an axis tooltip, a legend, a PNG download and
    screen-reader descriptions."""
    option = {
        "title": {"text": title, "subtext": subtitle, "left": "center",
                  "textStyle": {"fontSize": 14}},
        "tooltip": {"trigger": "axis", "confine": True},
        "toolbox": {"right": 8, "feature": {"saveAsImage": {"title": "PNG"}}},
        "aria": {"enabled": True},
        "animation": False,
    }
    if legend:
        option["legend"] = {"bottom": 0, "type": "scroll"}
    return option


def time_chart(title: str, years, yname: str, series: list[dict],
               subtitle: str = "") -> dict:
    """Lines over the years (category axis, so that stacked bands line up); the legend names
    the lines, not the bands' edges."""
    option = base(title, subtitle)
    option.update({
        "grid": {"left": 64, "right": 24, "top": 64 if subtitle else 48, "bottom": 64},
        "xAxis": {"type": "category", "name": YEAR, "nameLocation": "middle", "nameGap": 26,
                  "boundaryGap": False, "data": [str(int(y)) for y in years]},
        "yAxis": {"type": "value", "name": yname, "scale": True,
                  "nameTextStyle": {"align": "left"}},
        "series": series,
    })
    option["legend"]["data"] = [s["name"] for s in series if "stack" not in s]   # no bands
    return option


def line(name: str, values, colour: str, dashed: bool = False, width: float = 2.0) -> dict:
    return {"type": "line", "name": name, "data": numbers(values), "showSymbol": False,
            "itemStyle": {"color": colour},
            "lineStyle": {"color": colour, "width": width,
                          "type": "dashed" if dashed else "solid"}}


def band_series(name: str, lo, hi, colour: str, stack: str,
                percentiles: tuple[int, int] = BAND) -> list[dict]:
    """A filled band between ``lo`` and ``hi`` (two stacked series, named by their
    ``percentiles``); each series' tooltip shows its own edge (``encode.tooltip``), not the
    width the stack draws."""
    lo, hi = np.asarray(lo, dtype=float), np.asarray(hi, dtype=float)
    rows = [[i, _num(a), _num(b - a), _num(b)] for i, (a, b) in enumerate(zip(lo, hi,
                                                                                strict=True))]
    common = {"type": "line", "stack": stack, "stackStrategy": "all",  # lo may be negative
              "showSymbol": False, "data": rows,
              "dimensions": ["x", "lo", "width", "hi"], "legendHoverLink": False,
              "itemStyle": {"color": colour}, "lineStyle": {"opacity": 0}}
    return [
        {**common, "name": f"{name} {percentiles[0]} %",
         "encode": {"x": 0, "y": 1, "tooltip": [1]}},
        {**common, "name": f"{name} {percentiles[1]} %",
         "encode": {"x": 0, "y": 2, "tooltip": [3]},
         "areaStyle": {"color": colour, "opacity": 0.18}},
    ]


def seeds_series(name: str, values, colour: str, dashed: bool = False) -> list[dict]:
    """``values[seed, year]`` as their median line, with the BAND band when there are
    several seeds."""
    values = np.atleast_2d(np.asarray(values, dtype=float))
    med, lo, hi = band(values)
    out = [line(name, med, colour, dashed)]
    if len(values) > 1:
        out += band_series(name, lo, hi, colour, stack=f"band-{name}")
    return out


def compared(scenario, baseline, scale: float = 1.0) -> list[dict]:
    """The scenario's seeds against the baseline's (dashed, grey), or the scenario alone."""
    out = seeds_series(SCENARIO_LABEL, np.asarray(scenario, dtype=float) * scale, SCENARIO)
    if baseline is not None:
        out += seeds_series(BASELINE_LABEL, np.asarray(baseline, dtype=float) * scale,
                            BASELINE, dashed=True)
    return out


def nice_max(value: float, ticks: int = 4) -> tuple[float, float]:
    """An axis end at or above ``value`` and its tick step (1, 2, 2.5 or 5 times a power of
    ten), about ``ticks`` steps from zero."""
    raw = max(float(value), 1e-9) / ticks
    mag = 10.0 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw * (1 - 1e-9))
    return math.ceil(value / step - 1e-9) * step, step


def zero_line() -> dict:
    """A horizontal line at zero, as a series' markLine."""
    return {"silent": True, "symbol": "none", "lineStyle": {"color": INK, "type": "solid"},
            "label": {"show": False}, "data": [{"yAxis": 0}]}


def note(option: dict, text: str) -> dict:
    """``option`` with ``text`` in its lower left corner (attribution, a hint)."""
    option.setdefault("graphic", []).append(
        {"type": "text", "left": 6, "bottom": 4, "silent": True,
         "style": {"text": text, "fontSize": 10, "fill": "#555555"}})
    return option


def empty(title: str, text: str) -> dict:
    """A chart with nothing to draw but ``text``."""
    option = base(title, legend=False)
    option["graphic"] = [{"type": "text", "left": "center", "top": "middle",
                          "style": {"text": text, "fontSize": 14, "fill": "#555555"}}]
    return option


def colour_scale(values, diverging: bool, name: str) -> dict:
    """A continuous visualMap over ``values``: red–blue around zero when ``diverging`` (its
    ends at ± the largest difference), viridis from the smallest to the largest otherwise."""
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    if diverging:
        m = float(np.abs(v).max()) if len(v) else 1.0
        lo, hi, colours = -(m or 1.0), m or 1.0, RDBU
    else:
        lo, hi = (float(v.min()), float(v.max())) if len(v) else (0.0, 1.0)
        hi, colours = (hi if hi > lo else lo + 1.0), VIRIDIS
    return {"type": "continuous", "min": _num(lo), "max": _num(hi), "calculable": True,
            "realtime": False, "text": [name, ""], "left": 8, "bottom": 24,
            "inRange": {"color": colours}, "outOfRange": {"color": "#d9d9d9"}}
