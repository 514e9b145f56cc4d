"""How a scenario changes the attractiveness accounts (``sim.output.attractiveness``): scenario
minus baseline for each part, seed by seed, for the whole area, the target area and each
kommune; ``compare`` writes it as ``accounts.csv`` and the dashboard draws it.

Only the yearly periods are compared. Each column is the mean over seeds (of both runs, and
of their paired difference), not the median, so that the parts add up to the change, as
they do in every run: ``structural + business + residential + residual == change`` for the
baseline, the difference, and the cumulative sums over years.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.experiments.seeds import NORWAY
from sim.output.attractiveness import PARTS

FIELDS = ("change", *PARTS)
KEYS = ["kommunenummer", "year_from", "year_to"]
YEARLY = "1y"


def yearly(table: pd.DataFrame | None) -> pd.DataFrame | None:
    """A run's yearly accounts, only the columns a comparison needs (small to pickle)."""
    if table is None:
        return None
    rows = table[table["period"] == YEARLY]
    out = rows[[*KEYS, *FIELDS]].copy()
    out["kommunenummer"] = out["kommunenummer"].astype(str)
    out[list(FIELDS)] = out[list(FIELDS)].astype(float).fillna(0.0)   # no business: 0
    return out.reset_index(drop=True)


def _by_area(table: pd.DataFrame, target: list[str]) -> pd.DataFrame:
    """The parts per area (``norway``, ``target``, each kommune) and period."""
    spans = ["year_from", "year_to"]
    whole = table.groupby(spans, as_index=False)[list(FIELDS)].sum().assign(area=NORWAY)
    aim = table[table["kommunenummer"].isin(target)]
    aimed = aim.groupby(spans, as_index=False)[list(FIELDS)].sum().assign(area="target")
    each = table.rename(columns={"kommunenummer": "area"})
    return pd.concat([whole, aimed, each], ignore_index=True).set_index(["area", *spans])


def difference(baseline: list, scenario: list, target: list[str]) -> pd.DataFrame | None:
    """Area, year_from, year_to and, for each of change and the parts, the baseline's mean
    (``<part>_baseline``) and the mean paired difference (``<part>_diff``), over the seeds
    (the runs' yearly accounts, ``yearly``, in the same seed order); None without them."""
    if not baseline or any(t is None for t in (*baseline, *scenario)):
        return None
    base = [_by_area(t, target) for t in baseline]
    scen = [_by_area(t, target) for t in scenario]
    index = base[0].index[base[0].index.isin(scen[0].index)]     # norway, target, kommuner
    b = np.stack([t.reindex(index)[list(FIELDS)].to_numpy(float) for t in base])
    s = np.stack([t.reindex(index)[list(FIELDS)].to_numpy(float) for t in scen])
    out = index.to_frame(index=False)
    for i, name in enumerate(FIELDS):
        out[f"{name}_baseline"] = b[:, :, i].mean(axis=0)
        out[f"{name}_diff"] = (s[:, :, i] - b[:, :, i]).mean(axis=0)
    return out
