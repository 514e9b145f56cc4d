"""What each command keeps in the run store (``sim.output.store``), recording a command from start
to finish, and comparing two stored runs (``livskraft runs diff``).

Each kind keeps its Parquet tables and a few headline figures (persons and NOK):

=============  ==============================================  =============================
kind           tables                                          headline
=============  ==============================================  =============================
run            population, national, kommuner                  population first and last
                                                               year, change, flows summed
ensemble       population (median), bands, seeds, national     median and band, last year
compare        population (scenario median), compare           the effect and its cost
sensitivity    indices, samples                                the most influential factors
=============  ==============================================  =============================
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from sim.experiments.seeds import NORWAY
from sim.output.store import Store, StoreError, store_root
from sim.scenario.schema import Scenario

TOP_FACTORS = 3         # factors named in a sensitivity headline
DIFF_TOP = 10           # kommuner listed by runs diff
PERCENT = 100.0


# ----- recording -----------------------------------------------------------------------------
@dataclass
class Recording:
    """A command registered in the store; ``save`` its results when it has them."""

    store: Store
    id: str
    saved: bool = False

    def save(self, tables: dict[str, pd.DataFrame], headline: dict, meta: dict) -> Path:
        folder = self.store.complete(self.id, tables, headline, meta)
        self.saved = True
        return folder


@contextmanager
def recording(kind: str, scenario: Scenario, seeds: list[int], *, out_dir: Path | None,
              store: Path | None = None, persons_per_agent: int | None = None):
    """Register a command as running; mark it interrupted (Ctrl-C) or failed (an error, or
    leaving without ``save``) unless it saves its results."""
    st = Store(store_root(store))
    rid = st.begin(kind, scenario.name, seeds,
                   persons_per_agent=persons_per_agent or scenario.persons_per_agent,
                   years=(scenario.start_year, scenario.end_year), out_dir=out_dir)
    rec = Recording(st, rid)
    try:
        yield rec
    except KeyboardInterrupt:
        st.abandon(rid, "interrupted")
        raise
    except BaseException:
        st.abandon(rid, "failed")
        raise
    if not rec.saved:
        st.abandon(rid, "failed")


# ----- what each kind keeps ------------------------------------------------------------------
def _names(scenario: Scenario) -> dict[str, str]:
    from sim.world.landscape import area_table

    table = area_table(scenario.geography)
    return dict(zip(table["kommunenummer"].astype(str), table["name"].astype(str),
                    strict=True))


def population_table(scenario: Scenario, kommuner: pd.DataFrame,
                     national: pd.DataFrame) -> pd.DataFrame:
    """area, name, year, population: the whole area (``norway``) and each kommune, from
    kommuner (kommunenummer, year, population) and national (year, population) tables."""
    names = _names(scenario)
    kom = kommuner.rename(columns={"kommunenummer": "area"})[["area", "year", "population"]]
    whole = national[["year", "population"]].assign(area=NORWAY)
    out = pd.concat([whole, kom], ignore_index=True)
    out["area"] = out["area"].astype(str)
    out["name"] = out["area"].map(names).fillna("")
    out["population"] = out["population"].astype(float)
    out["year"] = out["year"].astype(int)
    return out[["area", "name", "year", "population"]]


def _first_last(pop: pd.DataFrame) -> dict:
    whole = pop[pop["area"] == NORWAY].sort_values("year")
    (y0, p0), (y1, p1) = whole.iloc[0][["year", "population"]], whole.iloc[-1][
        ["year", "population"]]
    return {f"population {int(y0)}": round(p0), f"population {int(y1)}": round(p1),
            "change %": round(PERCENT * (p1 - p0) / p0, 2) if p0 else None}


def run_entry(result) -> tuple[dict[str, pd.DataFrame], dict]:
    """A RunResult's tables and headline."""
    pop = population_table(result.scenario, result.kommuner, result.national)
    flows = {c: int(result.national[c].sum()) for c in
             ("births", "deaths", "immigration", "emigration", "internal_moves")}
    headline = {**_first_last(pop), **{c.replace("_", " "): v for c, v in flows.items()},
                "wall time s": result.meta.get("wall_time_s")}
    return {"population": pop, "national": result.national,
            "kommuner": result.kommuner}, headline


def ensemble_entry(ens) -> tuple[dict[str, pd.DataFrame], dict]:
    """An Ensemble's tables and headline."""
    names = _names(ens.scenario)
    median = ens.bands.rename(columns={"median": "population"})[["area", "year", "population"]]
    median = median.assign(name=median["area"].map(names).fillna(""))
    pop = median[["area", "name", "year", "population"]]
    last = ens.bands[(ens.bands["area"] == NORWAY)].sort_values("year").iloc[-1]
    headline = {**_first_last(pop),
                f"population {int(last['year'])} p05": round(last["p05"]),
                f"population {int(last['year'])} p95": round(last["p95"]),
                "wall time s": ens.meta.get("wall_time_s")}
    return {"population": pop, "bands": ens.bands, "seeds": ens.population,
            "national": ens.national}, headline


def compare_entry(comparison, scenario: Scenario) -> tuple[dict[str, pd.DataFrame], dict]:
    """A Comparison's tables (population = the scenario's median) and headline."""
    t = comparison.table
    kept = t[t["area"] != "target"]
    kommuner = kept[kept["area"] != NORWAY].rename(
        columns={"area": "kommunenummer", "scenario_median": "population"})
    national = kept[kept["area"] == NORWAY].rename(columns={"scenario_median": "population"})
    s = comparison.summary
    headline = {"baseline": s["baseline"], "effect year": str(s["effect_year"]),
                "target population, baseline": s["target_baseline_median"],
                "target difference": s["target_diff_median"],
                "target difference p05": s["target_diff_p05"],
                "target difference p95": s["target_diff_p95"],
                "whole area difference": s["norway_diff_median"],
                "total cost NOK": s["total_cost_nok"],
                "extra resident-years": s["extra_resident_years"],
                "cost per extra resident-year NOK": s["cost_per_extra_resident_year"],
                "wall time s": s.get("wall_time_s")}
    pop = population_table(scenario, kommuner[["kommunenummer", "year", "population"]],
                           national)
    return {"population": pop, "compare": t}, headline


def sensitivity_entry(result) -> tuple[dict[str, pd.DataFrame], dict]:
    """A Sensitivity's tables and headline (the factors ranked by mu_star or ST)."""
    key = "mu_star" if result.meta["method"] == "morris" else "ST"
    ranked = result.indices.sort_values(key, ascending=False).head(TOP_FACTORS)
    y = result.samples["output"]
    headline = {"method": result.meta["method"], "runs": result.meta["runs"],
                "output": f"population of {result.meta['output']} on 1 January "
                          f"{result.meta['years'][1]}",
                "output min": round(float(y.min())), "output max": round(float(y.max())),
                "most influential": ", ".join(f"{r.parameter} ({key} {getattr(r, key):.3g})"
                                              for r in ranked.itertuples()),
                "wall time s": result.meta.get("wall_time_s")}
    return {"indices": result.indices, "samples": result.samples}, headline


# ----- comparing two entries -----------------------------------------------------------------
@dataclass
class Difference:
    """B minus A in the last year both have (persons)."""

    a: dict
    b: dict
    year: int
    national: dict          # a, b, diff, percent
    kommuner: pd.DataFrame  # area, name, a, b, diff, percent; largest changes first
    only_in_one: int        # kommuner in one entry only


def diff(store: Store, key_a: str, key_b: str, top: int = DIFF_TOP) -> Difference:
    """The whole area's and the kommuner's population in B minus A in their last common
    year, the kommuner with the largest changes first."""
    a, b = store.entry(key_a), store.entry(key_b)
    pa, pb = (store.table(e, "population") if "population" in (e["files"] or [])
              else _no_population(e) for e in (a, b))
    years = sorted(set(pa["year"]) & set(pb["year"]))
    if not years:
        raise StoreError(f"{a['id']} and {b['id']} have no year in common")
    year = years[-1]
    wide = pd.merge(pa[pa["year"] == year], pb[pb["year"] == year], on="area", how="outer",
                    suffixes=("_a", "_b"))
    wide["name"] = wide["name_b"].fillna(wide["name_a"]).fillna("")
    wide = wide.rename(columns={"population_a": "a", "population_b": "b"})
    wide["diff"] = wide["b"] - wide["a"]
    wide["percent"] = (PERCENT * wide["diff"] / wide["a"]).round(2)
    whole = wide[wide["area"] == NORWAY].iloc[0]
    kom = wide[wide["area"] != NORWAY]
    both = kom.dropna(subset=["a", "b"])
    ranked = both.reindex(both["diff"].abs().sort_values(ascending=False).index).head(top)
    return Difference(a, b, int(year),
                      {k: float(whole[k]) for k in ("a", "b", "diff", "percent")},
                      ranked[["area", "name", "a", "b", "diff", "percent"]].reset_index(
                          drop=True), len(kom) - len(both))


def _no_population(entry: dict) -> pd.DataFrame:
    raise StoreError(f"run {entry['id']} ({entry['kind']}, {entry['status']}) has no "
                     "population to compare" + (" (a sensitivity analysis keeps indices)"
                                                if entry["kind"] == "sensitivity" else ""))
