"""The attractiveness accounts in the dashboard (``sim.output.attractiveness``): a kommune's
accounts over the run, expected against actual growth (the kommune view), and how a policy
changes them, scenario minus baseline for the target area or the chosen kommune (the
comparison view). Tables are means over seeds, so the parts add up to the change; charts are
SVG (``dashboards.svg``), labels Norwegian / English."""

from __future__ import annotations

import numpy as np
import pandas as pd

from dashboards import logic
from dashboards.svg import Chart, Panel
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
DASHED = "6 4"


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


def _axes(panel: Panel) -> None:
    panel.xlabel, panel.x_years = "år / year", True
    panel.ylabel = "personer / persons"
    panel.hline(0)
    panel.legend_size = 9.0


def kommune_accounts_chart(bundle: logic.Bundle, code: str) -> bytes:
    """Left: actual growth against the structural (expected) growth since the start; right:
    each part year by year."""
    t = kommune_accounts(bundle, code)
    chart = Chart(1200, 380, "Attraktivitetsregnskap / attractiveness accounts "
                  f"({len(bundle.results)} seed{'s' if len(bundle.results) > 1 else ''})")
    left, right = chart.grid(1, 2)
    if t.empty:
        for panel in (left, right):
            panel.xlim, panel.ylim = (0.0, 1.0), (0.0, 1.0)
            panel.text(0.5, 0.5, "ingen regnskap / no accounts", size=12)
        return chart.svg()
    years = np.concatenate([[t["year_from"].iloc[0]], t["year_to"].to_numpy()])
    for name in FIELDS:
        total = np.concatenate([[0.0], t[f"{name}_total"].to_numpy(float)])
        left.line(years, total, COLOURS[name], label=LABELS[name],
                  width=2.6 if name == "change" else 1.8,
                  dash=DASHED if name == "structural" else None)
    left.title = "Forventet mot faktisk vekst / expected against actual growth (sum)"
    for name in FIELDS[1:]:
        right.line(t["year_to"], t[name], COLOURS[name], label=LABELS[name])
    right.title = "Per år / per year"
    for panel in (left, right):
        _axes(panel)
    return chart.svg()


def comparison_accounts_chart(bundle: logic.Bundle, code: str | None = None) -> bytes | None:
    """Scenario minus baseline, summed from the start, for the target area and (if chosen
    and different) one kommune; None without a baseline."""
    table = comparison_accounts(bundle)
    if table is None:
        return None
    areas = [("target", "Målområdet / target area")]
    if code and code in set(table["area"]) and target_codes(bundle.scenario) != [code]:
        areas.append((code, f"Kommune {code}"))
    chart = Chart(600 * len(areas), 380, "Tiltakets virkning på regnskapet / the policy's "
                  "effect on the accounts: scenario − baseline")
    for panel, (area, title) in zip(chart.grid(1, len(areas)), areas, strict=True):
        t = table[table["area"] == area].sort_values("year_from")
        years = np.concatenate([[t["year_from"].iloc[0]], t["year_to"].to_numpy()])
        for name in FIELDS:
            total = np.concatenate([[0.0], t[f"{name}_diff"].cumsum().to_numpy(float)])
            panel.line(years, total, COLOURS[name], label=LABELS[name],
                       width=2.6 if name == "change" else 1.8)
        panel.title = f"{title} (sum)"
        _axes(panel)
    return chart.svg()
