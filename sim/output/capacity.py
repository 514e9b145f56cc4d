"""How much of its kommune-run policies a kommune delivers, as the summaries say it.

A kommune-run policy (startlån, housing construction, mentoring, service investment: the
policy classes with ``kommune_run``) acts at the kommune's delivery share, its mean capacity
score over 5 (``sim.world.places.Places.delivery``). A run records every kommune's scores in
``capacity.csv`` (``sim.records``); ``delivery_rows`` reads those tables (one per seed) and
``delivery_lines`` says, per kommune-run policy of the scenario, the capacity it ran at and
the share delivered, e.g. "Frøya delivers 60 % of its startlan: capacity 3.0 of 5 (own
scores)". A policy over more than ``MAX_NAMED`` kommuner gets one line for its whole area.

``start_capacity`` gives the scores a run of a scenario starts with without running it: the
drawn ones depend on the seed and on the draws made before them (the start population, jobs
and housing), so it builds the world up to the places.
"""

from __future__ import annotations

import pandas as pd

from sim.world.places import SCORES

MAX_NAMED = 3     # a policy over at most this many kommuner gets a line per kommune


def start_capacity(scenario) -> pd.DataFrame:
    """Each kommune's capacity scores as a run of ``scenario`` (its seed) starts, as in
    ``capacity.csv``, without running it."""
    from sim.model import SettlementModel
    from sim.records import capacity_table

    model = SettlementModel(scenario, places_only=True)
    return capacity_table(model.places, model.geo.codes)


def kommune_run_policies(scenario) -> list[tuple[str, object]]:
    """The scenario's kommune-run policies, named as the run names them (``#k`` for the
    k-th repeat of a type)."""
    from sim.policies import REGISTRY

    seen: dict[str, int] = {}
    out = []
    for p in scenario.policies:
        n = seen.get(p.type, 0)
        seen[p.type] = n + 1
        if REGISTRY[p.type].kommune_run:
            out.append((p.type if n == 0 else f"{p.type}#{n}", p))
    return out


def delivery_rows(scenario, tables: list[pd.DataFrame]) -> list[dict]:
    """Per kommune-run policy of ``scenario`` and kommune of its area (or its whole area when
    it has more than ``MAX_NAMED``): the mean capacity and delivery share over the runs'
    capacity tables (one per seed) and kommuner, the lowest and highest capacity, and how
    many of the kommuner have their own scores."""
    from sim.policies.base import area_mask
    from sim.world.landscape import area_table

    policies = kommune_run_policies(scenario)
    if not policies or not tables:
        return []
    area = area_table(scenario.geography)
    codes = area["kommunenummer"].astype(str).tolist()
    names = dict(zip(codes, area["name"].astype(str), strict=True))
    runs = pd.concat(tables, ignore_index=True)
    runs = runs.assign(kommunenummer=runs["kommunenummer"].astype(str))
    rows = []
    for name, p in policies:
        mask = area_mask(p.where, codes, area["fylkesnummer"].astype(str).tolist(),
                         area["sentralitetsklasse"].to_numpy())
        chosen = [c for c, m in zip(codes, mask, strict=True) if m]
        groups = [[c] for c in chosen] if len(chosen) <= MAX_NAMED else [chosen]
        for group in groups:
            here = runs[runs["kommunenummer"].isin(group)]
            own = here.loc[here["scores"] == "own", "kommunenummer"].nunique()
            rows.append({
                "policy": name, "kommuner": len(group),
                "where": names[group[0]] if len(group) == 1 else f"{len(group)} kommuner",
                "delivery": round(float(here["delivery"].mean()), 4),
                "capacity": round(float(here["capacity"].mean()), 2),
                "capacity_low": float(here["capacity"].min()),
                "capacity_high": float(here["capacity"].max()), "own": int(own)})
    return rows


def delivery_lines(rows: list[dict], seeds: int = 1) -> list[str]:
    """The rows of ``delivery_rows`` in plain words, one line each."""
    lines = []
    for r in rows:
        share, cap = f"{100 * r['delivery']:.0f} %", f"{r['capacity']:.1f} of {SCORES[1]}"
        spread = f"{r['capacity_low']:.1f}–{r['capacity_high']:.1f}"
        if r["kommuner"] > 1:
            lines.append(f"{r['where']} deliver {share} of their {r['policy']} on average: "
                         f"capacity {cap} ({spread}; {r['own']} with own scores)")
            continue
        if r["own"]:
            source = "own scores"
        elif r["capacity_low"] == r["capacity_high"]:
            source = "drawn"
        else:
            source = f"drawn, {spread} over {seeds} seeds"
        lines.append(f"{r['where']} delivers {share} of its {r['policy']}: capacity {cap} "
                     f"({source})")
    return lines
