"""The attractiveness accounts in the dashboard (``sim.output.attractiveness``): a kommune's
accounts over the run, expected against actual growth (the kommune view), and how a policy
changes them, scenario minus baseline for the target area or the chosen kommune (the
comparison view). Tables are means over seeds, so the parts add up to the change; charts are
ECharts options (``dashboards.echart``), labels Norwegian / English."""

from __future__ import annotations

import numpy as np
import pandas as pd

from dashboards import echart, logic
from sim.experiments.accounts import FIELDS, difference, yearly
from sim.experiments.compare import target_codes

LABELS = {
    "change": "Faktisk vekst / actual change",
    "structural": "Strukturell vekst / structural growth",
    "business": "Næringsattraktivitet / business attractiveness",
    "residential": "Bostedsattraktivitet / residential attractiveness",
    "residual": "Rest / residual",
}
COLOURS = {"change": "#222222", "structural": "#1f5f8b", "business": "#8b6f1f",
           "residential": "#3b8b4b", "residual": "#999999"}


def kommune_accounts(bundle: logic.Bundle, code: str) -> pd.DataFrame:
    """One kommune's yearly accounts, mean over seeds: year_from, year_to, the change and
    each part (persons), and their cumulative sums from the start (``<part>_total``)."""
    tables = [yearly(r.attractiveness) for r in bundle.results
              if getattr(r, "attractiveness", None) is not None]
    if not tables:
        return pd.DataFrame(columns=["year_from", "year_to", *FIELDS])
    rows = pd.concat(tables, ignore_index=True)
    rows = rows[rows["kommunenummer"] == str(code)]
    out = (rows.groupby(["year_from", "year_to"], as_index=False)[list(FIELDS)].sum()
           .sort_values("year_from").reset_index(drop=True))
    out[list(FIELDS)] = out[list(FIELDS)] / len(tables)
    for name in FIELDS:
        out[f"{name}_total"] = out[name].cumsum()
    return out


def comparison_accounts(bundle: logic.Bundle) -> pd.DataFrame | None:
    """Scenario minus baseline in the accounts, as ``livskraft compare`` writes
    ``accounts.csv`` (``sim.experiments.accounts``); None without a baseline."""
    if not bundle.baseline:
        return None
    return difference([yearly(getattr(r, "attractiveness", None)) for r in bundle.baseline],
                      [yearly(getattr(r, "attractiveness", None)) for r in bundle.results],
                      target_codes(bundle.scenario))


def _chart(title: str, subtitle: str, years, series: list[dict]) -> dict:
    option = echart.time_chart(title, years, "personer / persons", series, subtitle)
    option["legend"]["type"] = "plain"            # five parts: all of them, on two rows
    option["grid"]["bottom"] = 112
    if series:
        series[0]["markLine"] = echart.zero_line()
    return option


def kommune_accounts_chart(bundle: logic.Bundle, code: str) -> list[dict]:
    """Left: actual growth against the structural (expected) growth since the start; right:
    each part year by year."""
    t = kommune_accounts(bundle, code)
    n = len(bundle.results)
    head = (f"Attraktivitetsregnskap / attractiveness accounts, {n} frø / "
            f"seed{'s' if n > 1 else ''}")
    titles = ("Forventet mot faktisk vekst / expected against actual growth (sum)",
              "Per år / per year")
    if t.empty:
        return [echart.empty(title, "ingen regnskap / no accounts") for title in titles]
    years = np.concatenate([[t["year_from"].iloc[0]], t["year_to"].to_numpy()])
    totals = [echart.line(LABELS[name], np.concatenate([[0.0], t[f"{name}_total"]]),
                          COLOURS[name], dashed=name == "structural",
                          width=2.6 if name == "change" else 1.8) for name in FIELDS]
    yearly = [echart.line(LABELS[name], t[name], COLOURS[name]) for name in FIELDS[1:]]
    return [_chart(titles[0], head, years, totals),
            _chart(titles[1], head, t["year_to"], yearly)]


def comparison_accounts_chart(bundle: logic.Bundle, code: str | None = None
                              ) -> list[dict] | None:
    """Scenario minus baseline, summed from the start, for the target area and (if chosen
    and different) one kommune; None without a baseline."""
    table = comparison_accounts(bundle)
    if table is None:
        return None
    areas = [("target", "Målområdet / target area")]
    if code and code in set(table["area"]) and target_codes(bundle.scenario) != [code]:
        areas.append((code, f"Kommune {code}"))
    charts = []
    for area, title in areas:
        t = table[table["area"] == area].sort_values("year_from")
        years = np.concatenate([[t["year_from"].iloc[0]], t["year_to"].to_numpy()])
        series = [echart.line(LABELS[name], np.concatenate([[0.0], t[f"{name}_diff"].cumsum()]),
                              COLOURS[name], width=2.6 if name == "change" else 1.8)
                  for name in FIELDS]
        charts.append(_chart(f"{title}: scenario − grunnløp / baseline (sum)",
                             "Tiltakets virkning på regnskapet / the policy's effect on the "
                             "accounts", years, series))
    return charts
