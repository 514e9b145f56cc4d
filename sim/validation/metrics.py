"""The backcast's metrics: national error, kommune growth against observed and the naive
references, growth by centrality class, mobility and movers by age, and the pass/fail targets.
"""

from __future__ import annotations

import math

import pandas as pd

from sim.validation import (
    accuracy,
    age_structure,
    ceiling,
    components,
    intervals,
    refugee_stays,
    sex_balance,
    uncertainty,
)
from sim.validation.observed import (
    DECLINING_TOLERANCE_PP,
    NATIONAL_TOLERANCE_PCT,
    OUT_OF_SAMPLE,
    PER_1000,
    PERCENT,
    PERIODS,
    SSB_MOVERS_PER_1000_BY_AGE_2008,
    SSB_MOVERS_YEAR,
    SSB_MOVES_PER_1000_2020,
    SSB_MOVES_YEAR,
    class_growth,
    growth_between,
    naive_references,
    observed_growth,
    observed_wide,
    share_declining,
    trend_reference,
)
from sim.validation.uncertainty import pearson


# ----- metrics of a result ------------------------------------------------------------------
def simulated_wide(result) -> pd.DataFrame:
    kom = result.kommuner
    return kom.pivot(index="kommunenummer", columns="year", values="population").astype(float)


def national_error(result) -> pd.DataFrame:
    """Simulated vs observed national population for each year both have, error in %."""
    sim = result.national.set_index("year")["population"].astype(float)
    obs = observed_wide().sum(axis=0)
    years = [int(y) for y in sim.index if y in obs.index]
    df = pd.DataFrame({"year": years, "simulated": sim.loc[years].to_numpy(),
                       "observed": obs.loc[years].to_numpy()})
    df["error_pct"] = PERCENT * (df["simulated"] / df["observed"] - 1.0)
    return df


def _period_metrics(sim_wide: pd.DataFrame, y0: int, y1: int) -> dict:
    sim, obs = growth_between(sim_wide, y0, y1), observed_growth(y0, y1)
    if sim.empty:
        return {"available": False}
    sim_cls, obs_cls = class_growth(sim_wide, y0, y1), class_growth(observed_wide(), y0, y1)
    return {
        "available": True, "kommuner": len(sim.index.intersection(obs.index)),
        "growth_r": pearson(sim, obs),
        "share_declining_simulated": share_declining(sim),
        "share_declining_observed": share_declining(obs),
        "class_growth": [{"class": int(c), "simulated": float(sim_cls.get(c, math.nan)),
                          "observed": float(obs_cls[c])} for c in obs_cls.index],
    }


def mobility(result) -> dict:
    """Yearly share of people who change kommune (internal_moves / 1 January population)."""
    nat = result.national.set_index("year")
    ref = SSB_MOVES_PER_1000_2020 / PER_1000
    moves = pd.to_numeric(nat.get("internal_moves", pd.Series(dtype=float)), errors="coerce")
    share = (moves / nat["population"].astype(float)).dropna()
    if share.empty:
        return {"available": False, "reference_2020": ref}
    return {"available": True, "reference_2020": ref,
            "yearly": [{"year": int(y), "share": float(s)} for y, s in share.items()],
            "mean": float(share.mean()),
            "simulated_2020": float(share[SSB_MOVES_YEAR]) if SSB_MOVES_YEAR in share else None}


def movers_profile(result) -> dict:
    """Movers per 1,000 by age group vs SSB 2008; from ``result.movers_by_age`` if present.

    Uses the simulated year 2008 when the result has it (like for like with the reference),
    otherwise all years pooled (sum of movers / sum of 1 January population)."""
    df = getattr(result, "movers_by_age", None)
    if df is None or len(df) == 0:
        return {"available": False}
    df = df.dropna(subset=["movers", "population"])
    basis = "2008" if SSB_MOVERS_YEAR in set(df["year"]) else "all years pooled"
    if basis == "2008":
        df = df[df["year"] == SSB_MOVERS_YEAR]
    agg = df.groupby("age_group")[["movers", "population"]].sum().astype(float)
    rate = PER_1000 * agg["movers"] / agg["population"].where(agg["population"] > 0)
    rows = [{"age_group": g, "simulated_per_1000": num(rate.get(g, math.nan)),
             "reference_per_1000": float(ref)}
            for g, ref in SSB_MOVERS_PER_1000_BY_AGE_2008.items()]
    return {"available": True, "basis": basis, "rows": rows}


def num(x) -> float | None:
    """A JSON-safe float: None for missing or non-finite values."""
    try:
        x = float(x)
    except (TypeError, ValueError):
        return None
    return x if math.isfinite(x) else None


def _target(name: str, goal: str, passed: bool, figures: str) -> dict:
    return {"name": name, "target": goal, "passed": bool(passed), "figures": figures}


def targets(m: dict) -> list[dict]:
    """Pass/fail against the issue's three targets."""
    out_key = period_key(OUT_OF_SAMPLE)
    per, ref = m["periods"][out_key], m["references"]
    r, r_ref = per.get("growth_r"), ref["trend_r"]
    corr_ok = r is not None and not math.isnan(r) and r >= r_ref
    corr = _target("Out-of-sample kommune growth correlation",
                   f"r ≥ trend reference ({r_ref:.2f}), {period_label(out_key)}", corr_ok,
                   f"r = {fmt(r, '.3f', 'undefined (no variation)')} vs trend {r_ref:.3f}")
    sim_s, obs_s = per.get("share_declining_simulated"), per.get("share_declining_observed")
    diff = PERCENT * abs(sim_s - obs_s) if per.get("available") else math.nan
    share = _target("Share of kommuner declining",
                    f"within {DECLINING_TOLERANCE_PP:g} percentage points of observed, "
                    f"{period_label(out_key)}",
                    diff <= DECLINING_TOLERANCE_PP,
                    f"simulated {pct(sim_s)} vs observed {pct(obs_s)} "
                    f"(difference {fmt(diff, '.1f')} pp)")
    nat = m["national"]
    worst = nat["max_abs_error_pct"]
    full = nat["years_compared"] == nat["years_observed"]
    national = _target("National population", f"within {NATIONAL_TOLERANCE_PCT:g} % every year",
                       full and worst is not None and worst <= NATIONAL_TOLERANCE_PCT,
                       f"max |error| {fmt(worst, '.2f')} % (in {nat['worst_year']}), "
                       f"{nat['years_compared']} of {nat['years_observed']} years compared")
    return [corr, share, national]


def period_key(period: tuple[int, int]) -> str:
    return f"{period[0]}-{period[1]}"


def period_label(key: str) -> str:
    """A period key as people read it: 2015-2025 → 2015→2025."""
    return key.replace("-", "→")


def fmt(x, spec: str, missing: str = "n/a") -> str:
    return missing if x is None or (isinstance(x, float) and math.isnan(x)) else format(x, spec)


def pct(x) -> str:
    return "n/a" if x is None or math.isnan(x) else f"{PERCENT * x:.1f} %"


def interval_table(result, runs: list) -> pd.DataFrame:
    """The calibrated 80 % intervals of each kommune's 2025 population (``intervals``)."""
    return intervals.intervals(simulated_wide(result), [simulated_wide(r) for r in runs])


def metrics(result, runs: list | None = None) -> dict:
    """All validation metrics of a backcast result, with the verdict (JSON-ready); given the
    ``runs`` it is the mean of, also how sure the out-of-sample verdict is."""
    nat = national_error(result)
    err = nat["error_pct"].abs()
    worst = int(nat.loc[err.idxmax(), "year"]) if len(nat) else None
    sim_wide = simulated_wide(result)
    m = {
        "national": {"rows": nat.to_dict("records"), "years_compared": len(nat),
                     "years_observed": int(observed_wide().shape[1]),
                     "max_abs_error_pct": float(err.max()) if len(nat) else None,
                     "worst_year": worst},
        "periods": {period_key(p): _period_metrics(sim_wide, *p) for p in PERIODS},
        "references": {**naive_references(), "ceiling": ceiling.ceiling()},
        "mobility": mobility(result),
        "movers_by_age": movers_profile(result),
        "accuracy": accuracy.summary(sim_wide),
    }
    m["targets"] = targets(m)
    m["all_passed"] = all(t["passed"] for t in m["targets"])
    if runs:
        growth = pd.concat([growth_between(simulated_wide(r), *OUT_OF_SAMPLE) for r in runs],
                           axis=1,
                           ignore_index=True)
        m["uncertainty"] = uncertainty.summary(growth_between(sim_wide, *OUT_OF_SAMPLE), growth,
                                               observed_growth(*OUT_OF_SAMPLE),
                                               trend_reference())
    if runs:
        table = interval_table(result, runs)
        m["intervals"] = {"calibration": intervals.calibration(sim_wide),
                          "coverage": intervals.coverage(
                              table, observed_wide()[OUT_OF_SAMPLE[1]])}
    if runs and all(r.age_structure is not None for r in runs):
        m["age_structure"] = age_structure.summary([r.age_structure for r in runs])
        m["sex_balance"] = sex_balance.summary([r.age_structure for r in runs])
        m["moves_by_sex"] = sex_balance.moves(getattr(result, "movers_by_age", None))
    m["components"] = components.summary(getattr(result, "kommuner", None))
    if runs and all(r.refugee_stays is not None for r in runs):
        m["refugee_stays"] = refugee_stays.summary([r.refugee_stays for r in runs])
    return m
