"""The dashboard's finished runs in the run store (``sim.output.store``), so that a reload (or
a shared link, ``dashboards.urlstate``) shows them again.

A dashboard run is registered as kind ``dashboard`` when it starts (``begin``: its id goes into
the page's address at once) and saved when it finishes (``save``): every table of every run
result (the scenario's seeds, the baseline's, a split's) as one Parquet file per table with
the columns ``part`` (``scenario``, ``baseline``, ``split-<i>``) and ``run`` (the index within
the part) first, the store's ``population`` table of the scenario's first seed (for
``livskraft runs list/show``), and in ``meta`` the scenarios (as JSON), each run's own meta,
the effect year and the wall time. ``load`` rebuilds the ``logic.Bundle`` from them. An id
from the address is checked against the store's id format before it is looked up; only
complete entries of kind ``dashboard`` are read. Parquet and JSON only: nothing is unpickled.
"""

from __future__ import annotations

import re

import pandas as pd

from dashboards import logic
from sim.experiments.store_entries import population_table
from sim.output.run_folder import RunResult
from sim.output.store import Store, StoreError, store_root
from sim.scenario.schema import Scenario

KIND = "dashboard"
ID_PATTERN = re.compile(r"^\d{8}-\d{6}-[0-9a-f]{2,16}$")
TABLES = ("national", "kommuner", "policy_costs", "moves_by_reason", "movers_by_age",
          "leavers_by_age",
          "indicators", "age_structure", "refugee_stays", "jobs_by_sector", "attractiveness",
          "capacity")
LOOKUP = ("Fant ikke kjøringen / the run was not found in the run store")


def _store() -> Store:
    return Store(store_root(None))


def begin(spec: Scenario, seeds: int) -> str:
    """Register a run that starts now; its id."""
    return _store().begin(KIND, spec.name, [spec.seed + i for i in range(seeds)],
                          persons_per_agent=spec.persons_per_agent,
                          years=(spec.start_year, spec.end_year))


def abandon(rid: str, status: str) -> None:
    _store().abandon(rid, status)


def _parts(bundle: logic.Bundle) -> list[tuple[str, list]]:
    parts = [("scenario", bundle.results)]
    if bundle.baseline:
        parts.append(("baseline", bundle.baseline))
    parts += [(f"split-{i}", runs) for i, runs in enumerate(bundle.split or [])]
    return parts


def save(rid: str, bundle: logic.Bundle) -> None:
    """Write the finished ``bundle`` under the entry ``rid``."""
    frames: dict[str, list[pd.DataFrame]] = {name: [] for name in TABLES}
    specs, metas = {}, {}
    for part, runs in _parts(bundle):
        specs[part] = [r.scenario.model_dump(mode="json") for r in runs]
        metas[part] = [r.meta for r in runs]
        for i, r in enumerate(runs):
            for name in TABLES:
                df = getattr(r, name)
                if df is not None:
                    frames[name].append(df.assign(part=part, run=i)[
                        ["part", "run", *df.columns]])
    tables = {name: pd.concat(dfs, ignore_index=True) for name, dfs in frames.items() if dfs}
    first = bundle.results[0]
    tables["population"] = population_table(first.scenario, first.kommuner, first.national)
    meta = {"specs": specs, "metas": metas, "effect_year": bundle.effect_year,
            "wall_s": bundle.wall_s}
    headline = {"scenario": bundle.scenario.name, "seeds": len(bundle.results),
                "baseline": bool(bundle.baseline)}
    _store().complete(rid, tables, headline, meta)


def load(rid: object) -> logic.Bundle:
    """The bundle saved under ``rid``; StoreError with a plain message when there is none."""
    from sim.world.landscape import area_table

    if not isinstance(rid, str) or not ID_PATTERN.match(rid):
        raise StoreError(LOOKUP)
    st = _store()
    try:
        entry = st.entry(rid)
    except StoreError:
        raise StoreError(LOOKUP) from None
    if entry["kind"] != KIND or entry["status"] != "complete":
        raise StoreError(f"{LOOKUP} ({entry['status']})")
    tables = {name: st.table(entry, name) for name in TABLES if name in (entry["files"] or [])}
    meta = entry["meta"]
    parts = {}
    for part, specs in meta["specs"].items():
        runs = []
        for i, raw in enumerate(specs):
            own = {name: df[(df["part"] == part) & (df["run"] == i)].drop(
                columns=["part", "run"]).reset_index(drop=True) for name, df in tables.items()}
            national, kommuner = own.pop("national"), own.pop("kommuner")
            runs.append(RunResult(Scenario.model_validate(raw), national, kommuner,
                                  meta["metas"][part][i], **own))
        parts[part] = runs
    scenario = parts["scenario"][0].scenario
    split = [parts[p] for p in sorted((p for p in parts if p.startswith("split-")),
                                      key=lambda p: int(p.split("-")[1]))]
    return logic.Bundle(scenario, parts["scenario"], parts.get("baseline"),
                        float(meta.get("wall_s", 0.0)), area_table(scenario.geography),
                        split or None, int(meta.get("effect_year", logic.EFFECT_YEAR)))
