"""Forecast accuracy as population forecasters report it: MAPE, MALPE and the population-weighted
error of each kommune's forecast population, by size class and centrality class, for the model
and three naive references.

A forecast of a kommune's population in ``end`` is built from its observed population in
``start`` and a growth rate:

* **model**: the backcast's own growth ``start``→``end`` (the mean of the runs), applied to the
  observed ``start`` population. From 2015 the model forecasts out of sample; from 2006 the
  first nine years lie in its calibration window.
* **trend**: the kommune's compound yearly growth 2006→2015 carried forward (the project's
  trend reference, ``observed.trend_reference``). For both horizons this is the same forecast
  of 2025: ``pop_2015 · (pop_2015 / pop_2006) ** (10 / 9)``.
* **trend, national total**: the trend forecasts scaled so that their sum is the observed
  national total of ``end`` (the model too is given Norway's observed births, deaths and
  migration, so this is the trend on an equal footing).
* **centrality class**: the unweighted mean observed growth ``start``→``end`` of the kommune's
  centrality class (the project's class reference; an oracle: it knows the class means of the
  forecast period).
* **constant share**: the kommune keeps its ``start`` share of Norway, the national total of
  ``end`` taken from the observed (an oracle of the national total).

Error measures over kommuner i with forecast F and observed A (all in per cent):
MAPE = mean |F − A| / A; MALPE = mean (F − A) / A (signed bias, + = too many people);
population-weighted error = Σ |F − A| / Σ A.

Size classes by the observed population at the forecast's start (2015 or 2006), persons:
under 2,000; 2,000–4,999; 5,000–19,999; 20,000–49,999; 50,000 and over.

Published anchors: Swedish municipalities' own projections (26 kommuner, 2010–2022) had MAPE
1.79 % after 5 and 3.29 % after 10 years, MALPE −2.17 % at 10 years (Nordregio working paper,
"Navigating demographic uncertainty", accepted in Population Research and Policy Review,
nordregio.org/publications/navigating-demographic-uncertainty); Queensland's official local
government area projections had MAPE 8.8 % (1996 and 1998 rounds) and 10.9 % (1989–1994
rounds) after 10 years (Wilson and Rowe, "The forecast accuracy of local government area
population projections: a case study of Queensland", Australasian Journal of Regional Studies
2011, table 3).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from sim.validation.observed import (
    IN_SAMPLE,
    PERCENT,
    centrality_classes,
    observed_wide,
)

SIZE_BOUNDS = (2_000, 5_000, 20_000, 50_000)     # persons at the forecast's start
SIZE_LABELS = ("under 2,000", "2,000–4,999", "5,000–19,999", "20,000–49,999", "50,000+")
HORIZONS = ((2015, 2025), (2006, 2025))          # out of sample; the full horizon
METHODS = ("model", "trend", "trend_national", "centrality_class", "constant_share")
LABELS = {"model": "model", "trend": "trend", "trend_national": "trend, national total",
          "centrality_class": "class (oracle)",
          "constant_share": "constant share"}
ANCHORS = [  # published 10-year MAPE of local population projections, per cent
    {"name": "Swedish municipalities' own projections, 10 years (Nordregio)", "mape": 3.29},
    {"name": "Queensland local government areas, 10 years (Wilson and Rowe 2011)",
     "mape": "8.8–10.9"},
]


# ----- error measures -----------------------------------------------------------------------
def errors(forecast: pd.Series, actual: pd.Series) -> dict:
    """MAPE, MALPE and the population-weighted absolute error (per cent) of ``forecast``
    against ``actual`` over the kommuner both have (finite, actual > 0)."""
    frame = pd.concat([forecast, actual], axis=1, join="inner").astype(float)
    frame = frame[np.isfinite(frame).all(axis=1) & (frame.iloc[:, 1] > 0)]
    f, a = frame.iloc[:, 0].to_numpy(), frame.iloc[:, 1].to_numpy()
    if len(a) == 0:
        return {"n": 0, "mape": math.nan, "malpe": math.nan, "weighted": math.nan}
    rel = (f - a) / a
    return {"n": len(a), "mape": float(PERCENT * np.abs(rel).mean()),
            "malpe": float(PERCENT * rel.mean()),
            "weighted": float(PERCENT * np.abs(f - a).sum() / a.sum())}


def size_classes(population: pd.Series) -> pd.Series:
    """Each kommune's size class label (``SIZE_LABELS``) by ``population``."""
    idx = np.searchsorted(np.asarray(SIZE_BOUNDS, dtype=float),
                          population.to_numpy(float), side="right")
    return pd.Series(np.asarray(SIZE_LABELS, dtype=object)[idx], index=population.index,
                     name="size_class")


# ----- the forecasts ------------------------------------------------------------------------
def forecasts(sim_wide: pd.DataFrame, start: int, end: int,
              obs_wide: pd.DataFrame | None = None) -> pd.DataFrame:
    """The four forecasts (``METHODS``) of each kommune's population in ``end`` made from the
    observed ``start``, one column each (see the module docstring)."""
    obs = observed_wide() if obs_wide is None else obs_wide
    base = obs[start]
    y0, y1 = IN_SAMPLE
    trend = obs[y1] * (obs[y1] / obs[y0]) ** ((end - y1) / (y1 - y0))
    growth = obs[end] / obs[start] - 1.0
    cls = centrality_classes().reindex(obs.index)
    class_growth = cls.map(growth.groupby(cls).mean())
    out = pd.DataFrame({
        "model": base * (sim_wide[end] / sim_wide[start]).reindex(obs.index),
        "trend": trend,
        "trend_national": trend / trend.sum() * obs[end].sum(),
        "centrality_class": base * (1.0 + class_growth),
        "constant_share": base / base.sum() * obs[end].sum(),
    })
    return out


def _grouped(fc: pd.DataFrame, actual: pd.Series, groups: pd.Series, order) -> list[dict]:
    rows = []
    for g in order:
        members = groups.index[groups == g]
        rows.append({"class": g if isinstance(g, str) else int(g),
                     **{m: errors(fc.loc[members, m], actual.loc[members]) for m in METHODS}})
    return rows


def horizon_summary(sim_wide: pd.DataFrame, start: int, end: int) -> dict:
    """The error measures of the four forecasts over one horizon: all kommuner, by size class
    (population at ``start``) and by centrality class."""
    obs = observed_wide()
    if start not in sim_wide.columns or end not in sim_wide.columns:
        return {"available": False, "start": start, "end": end}
    fc, actual = forecasts(sim_wide, start, end), obs[end]
    sizes = size_classes(obs[start])
    cls = centrality_classes().reindex(obs.index)
    return {"available": True, "start": start, "end": end,
            "all": {m: errors(fc[m], actual) for m in METHODS},
            "by_size": _grouped(fc, actual, sizes, SIZE_LABELS),
            "by_centrality": _grouped(fc, actual, cls, sorted(cls.dropna().unique()))}


def losses(h: dict) -> list[str]:
    """Where the model's MAPE is not below a reference's, by size class: "class: reference"."""
    return [f"{r['class']}: {LABELS[m]}" for r in h["by_size"] for m in METHODS[1:]
            if r[m]["n"] and not r["model"]["mape"] < r[m]["mape"]]


def summary(sim_wide: pd.DataFrame) -> dict:
    """The accuracy section's figures (JSON-ready) for each of ``HORIZONS``."""
    horizons = [horizon_summary(sim_wide, *h) for h in HORIZONS]
    for h in horizons:
        if h["available"]:
            h["model_loses"] = losses(h)
    return {"horizons": horizons,
            "size_bounds": list(SIZE_BOUNDS), "anchors": ANCHORS}


# ----- the report's section -----------------------------------------------------------------

def _cell(e: dict) -> str:
    return "n/a" if e["n"] == 0 else f"{e['mape']:.1f} / {e['malpe']:+.1f} / {e['weighted']:.1f}"


def _table(rows: list[dict], first: str) -> list[str]:
    head = f"| {first} | n | " + " | ".join(LABELS[m] for m in METHODS) + " |"
    lines = [head, "|" + "---|" * (len(METHODS) + 2)]
    for r in rows:
        best = min(METHODS, key=lambda m: (r[m]["mape"] if r[m]["n"] else math.inf))
        cells = [(f"**{_cell(r[m])}**" if m == best else _cell(r[m])) for m in METHODS]
        lines.append(f"| {r['class']} | {r['model']['n']} | " + " | ".join(cells) + " |")
    return lines


def markdown(acc: dict) -> list[str]:
    """The report's section on forecast accuracy."""
    lines = ["## Forecast accuracy as forecasters report it", "",
             "Each kommune's population in 2025 forecast from its observed population at the "
             "start and a growth rate: the model's own; its 2006→2015 trend carried forward, "
             "as it is and scaled to the observed national total (the model is given "
             "Norway's observed births, deaths and migration); the mean growth of its "
             "centrality class over the forecast period (an oracle); "
             "its share of Norway at the start, times the observed national total at the end "
             "(an oracle of the total). Each cell: **MAPE / MALPE / population-weighted "
             "error**, per cent (MALPE + = too many people); the lowest MAPE in bold. Size "
             "classes by the observed population at the start.", "",
             "Published 10-year anchors: Swedish municipalities' own projections MAPE 3.3 % "
             "(MALPE −2.2 %; Nordregio, 26 kommuner 2010–2022); Queensland local government "
             "areas MAPE 8.8–10.9 % (Wilson and Rowe 2011).", ""]
    for h in acc["horizons"]:
        if not h["available"]:
            lines += [f"{h['start']}→{h['end']}: not available in this result.", ""]
            continue
        note = (" (out of sample)" if h["start"] >= IN_SAMPLE[1]
                else " (the model's first nine years in sample)")
        all_row = [{"class": "all kommuner", **h["all"]}]
        lost = ("; ".join(h["model_loses"]) if h["model_loses"] else "nowhere")
        lines += [f"**{h['start']}→{h['end']}**{note}", "",
                  *_table(all_row + h["by_size"], "size class"), "",
                  f"The model's MAPE is not below a reference's in: {lost}.", "",
                  *_table(h["by_centrality"], "centrality class"), ""]
    return lines
