"""A kommune's own capacity diamond in the dashboard, without any user interface: the five
score fields' labels, their text turned into a scenario's ``capacity:`` (or one plain message
saying what is wrong), the scores a run of the current settings would start with (to prefill
the fields), what a finished run says about a kommune's capacity and delivery, and the
diamond as an ECharts radar. The Solara components are in ``dashboards.capacity_view``."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd

from dashboards import echart
from sim.output.capacity import kommune_run_policies
from sim.scenario.errors import ScenarioError
from sim.world.places import DIMENSIONS, SCORES

LABELS = {"leadership": "Utviklingsledelse / leadership", "competence": "Kompetanse / competence",
          "culture": "Kultur / culture", "economy": "Økonomi / economy", "time": "Tid / time"}
REMEMBERED = 32          # settings whose start scores are kept (a few hundred bytes each)
SHOWN_CHARS = 20         # how much of a refused score a message repeats
DIAMOND_COLOUR = "#1f5f8b"


def scores_from_texts(texts: Any, source: str) -> dict[str, int]:
    """The five score fields as whole scores 1–5, or ScenarioError with one plain message
    naming the first bad field (empty, text, a fraction, 0, 6, …)."""
    if not isinstance(texts, dict) or set(texts) != set(DIMENSIONS):
        raise ScenarioError(f"{source}: the capacity scores must be the five parts "
                            f"({', '.join(DIMENSIONS)})")
    allowed = {str(v): v for v in range(SCORES[0], SCORES[1] + 1)}
    out = {}
    for part in DIMENSIONS:
        raw = texts[part]
        text = str(raw).strip() if isinstance(raw, str | int) and not isinstance(raw, bool) \
            else None
        if text not in allowed:
            shown = repr(raw) if len(repr(raw)) <= SHOWN_CHARS else repr(raw)[:SHOWN_CHARS] + "…"
            raise ScenarioError(f"{source}: {LABELS[part]}: skriv et helt tall fra "
                                f"{SCORES[0]} til {SCORES[1]} / write a whole number from "
                                f"{SCORES[0]} to {SCORES[1]}; got {shown}")
        out[part] = allowed[text]
    return out


def delivery_of(scores: dict[str, int]) -> float:
    """The share of a kommune-run policy a kommune with these scores delivers (mean / 5)."""
    return float(np.mean([scores[p] for p in DIMENSIONS])) / SCORES[1]


def start_scores(scenario, code: str) -> dict[str, int]:
    """The scores kommune ``code`` starts a run of ``scenario`` with (its seed's draw, or
    its own scores): what the fields are prefilled with."""
    return dict(zip(DIMENSIONS, _start_table(scenario.model_dump_json())[code], strict=True))


@lru_cache(maxsize=REMEMBERED)
def _start_table(scenario_json: str) -> dict[str, tuple[int, ...]]:
    from sim.output.capacity import start_capacity
    from sim.scenario.schema import Scenario

    table = start_capacity(Scenario.model_validate_json(scenario_json))
    return {str(r["kommunenummer"]): tuple(int(r[p]) for p in DIMENSIONS)
            for r in table.to_dict("records")}


def kommune_capacity(scenario, results: list, area: pd.DataFrame, code: str) -> dict | None:
    """What a finished run (``results``, one per seed) says about kommune ``code``: its
    first seed's scores, whether they are its own, its capacity and delivery share (mean over
    seeds, lowest and highest), and the kommune-run policies in force there."""
    from sim.policies.base import area_mask

    tables = [r.capacity for r in results if r.capacity is not None]
    if not tables:
        return None
    rows = [t[t["kommunenummer"].astype(str) == code] for t in tables]
    rows = [r.iloc[0] for r in rows if len(r)]
    if not rows:
        return None
    codes = area["kommunenummer"].astype(str).tolist()
    policies = [name for name, p in kommune_run_policies(scenario) if area_mask(
        p.where, codes, area["fylkesnummer"].astype(str).tolist(),
        area["sentralitetsklasse"].to_numpy())[codes.index(code)]]
    capacity = [float(r["capacity"]) for r in rows]
    return {"scores": {p: int(rows[0][p]) for p in DIMENSIONS},
            "own": rows[0]["scores"] == "own", "seeds": len(rows),
            "capacity": float(np.mean(capacity)), "low": min(capacity), "high": max(capacity),
            "delivery": float(np.mean([float(r["delivery"]) for r in rows])),
            "policies": policies}


def delivery_text(found: dict) -> str:
    """One kommune's capacity and delivery in words (Norwegian / English)."""
    share = f"{100 * found['delivery']:.0f} %"
    if found["own"]:
        source = "egne skårer / own scores"
    elif found["seeds"] > 1 and found["low"] != found["high"]:
        source = (f"trukket, {found['low']:.1f}–{found['high']:.1f} over {found['seeds']} frø"
                  f" / drawn, {found['low']:.1f}–{found['high']:.1f} over {found['seeds']} seeds")
    else:
        source = "trukket / drawn"
    head = f"Kapasitet / capacity {found['capacity']:.1f} av / of {SCORES[1]} ({source}). "
    if found["policies"]:
        return head + (f"Leverer / delivers {share} av / of: " + ", ".join(found["policies"]))
    return head + (f"Ingen kommunale tiltak her; den ville levert {share} / no kommune-run "
                   f"policy here; it would deliver {share}")


def diamond_chart(scores: dict[str, int], title: str) -> dict:
    """The capacity diamond as an ECharts radar: five axes from the centre (scores 0–5),
    the kommune's scores as a filled polygon, each value in the tooltip."""
    option = echart.base(title, legend=False)
    option["tooltip"] = {"trigger": "item"}
    option["radar"] = {"radius": "62%", "center": ["50%", "56%"], "splitNumber": SCORES[1],
                       "axisName": {"color": echart.INK, "fontSize": 12},
                       "indicator": [{"name": f"{LABELS[p]}: {scores[p]}", "min": 0,
                                      "max": SCORES[1]} for p in DIMENSIONS]}
    option["series"] = [{"type": "radar", "name": title, "data": [{
        "name": title, "value": [int(scores[p]) for p in DIMENSIONS],
        "areaStyle": {"color": DIAMOND_COLOUR, "opacity": 0.33},
        "itemStyle": {"color": DIAMOND_COLOUR}, "lineStyle": {"width": 2}}]}]
    return option
