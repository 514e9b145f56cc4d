"""Calibrated prediction intervals per kommune: seed noise combined with the model's own
backcast errors by size and growth class, measured in the calibration window only.

How the 80 % interval of a kommune's population in ``end`` is built (no peeking past 2015):

1. **Backcast errors, in the calibration window.** The model's forecast of 2015 from the
   observed 2006 population (``pop_2006 · sim_2015 / sim_2006``) against the observed 2015,
   as a log error ``e = ln(observed / forecast)`` per kommune.
2. **Classes.** Each kommune falls in a size class (``accuracy.SIZE_LABELS``, by the observed
   population at the forecast's start) and a growth class (the model's simulated yearly log
   growth over the forecast: below the lower tercile, between, above the upper tercile of the
   calibration window's). The error quantiles (10th and 90th percentile) are taken in each
   size × growth cell; a cell with fewer than ``MIN_CELL`` kommuner, or one the calibration
   window did not have, uses its size class's.
3. **Horizon of the model's errors.** Forecast errors grow with the horizon, a little less
   than in proportion: the 10-year MAPE is 1.2–1.7 times the 5-year in Queensland's rounds
   (Wilson and Rowe 2011, table 3: 7.1 → 8.8 %, 6.5 → 10.9 %) and 1.8 times in the Swedish
   study (1.79 → 3.29 %). The model's quantiles are taken per year and scaled in proportion
   to the horizon (the cautious end: APPROXIMATION; they are the small part of the width).
4. **Out of sample the errors are larger than in sample**: the place effects were fitted on
   2006→2015, so the in-sample errors hold only what the fit could not absorb. The missing part
   is what a kommune's growth does after the fit: how far it swings from its trend. That swing
   is measured inside the calibration window from observed data only (``sim.validation.swing``):
   the log error of each kommune's 2006→2010 trend of its share of Norway (the model is given
   the national total's components) carried to 2015, its 10th and 90th percentile by the same
   cells. It is carried to the horizon by its size class's split into year-to-year noise
   (grows with √h) and shifts of the trend (grow with h), with a factor per size class from a
   rolling origin inside the window (``swing.scale``; before 7 December 2026, night: per year
   times the horizon, as if all of it were shifts); it is added in quadrature.
5. **Seed noise.** The noise left in the forecast (the mean of the runs): the variance over
   the runs of each kommune's simulated log growth over their number, added in quadrature (a
   single run carries all of it).

The interval around the forecast ``F``: ``F · exp(lo)`` to ``F · exp(hi)`` with
``lo = −sqrt(q10_model² + q10_swing² + (z · σ_seed)²)`` (likewise ``hi`` with the 90th
percentiles), where the quantiles are the cell's and z = 1.2816 (the normal 90th percentile).

A projection uses the same error model: ``livskraft validate`` writes what it learnt to
``interval_calibration.json``; ``add_to_bands(ensemble_folder, that_file)`` adds
``p10_calibrated`` and ``p90_calibrated`` to the ensemble's ``bands.csv`` around each
kommune's median, the horizon counted from the first year, the seed noise read from the
band itself. The calibration of the reported validation is shipped beside this module
(``SHIPPED``), and ``livskraft ensemble`` adds the columns from it to every ensemble of real
kommuner (``add_shipped``).
"""

from __future__ import annotations

import json
import math
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd

from sim.validation import swing
from sim.validation.accuracy import SIZE_LABELS, size_classes
from sim.validation.observed import IN_SAMPLE, OUT_OF_SAMPLE, PERCENT, observed_wide

LEVEL = 0.80                   # the interval's nominal coverage
QUANTILES = (0.10, 0.90)       # its ends
Z_90 = 1.2815515655446004      # the normal 90th percentile (seed noise is near normal)
MIN_CELL = 12                  # fewer kommuner in a size × growth cell: use the size class
GROWTH_TERCILES = (1 / 3, 2 / 3)
GROWTH_LABELS = ("slow", "middle", "fast")
INTERVALS_CSV = "intervals.csv"             # per kommune, in the validation folder
CALIBRATION_JSON = "interval_calibration.json"   # what ``calibrated_bands`` needs
SHIPPED = Path(__file__).with_name(CALIBRATION_JSON)   # from the reported validation
DECIMALS = 4


def _log_growth_per_year(wide: pd.DataFrame, y0: int, y1: int) -> pd.Series:
    """Yearly log growth y0→y1 per kommune (NaN where a population is not positive)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = np.log(wide[y1] / wide[y0]) / (y1 - y0)
    return rate.where(np.isfinite(rate))


def _growth_classes(rate: pd.Series, bounds: tuple[float, float]) -> pd.Series:
    idx = np.searchsorted(np.asarray(bounds), rate.to_numpy(float), side="right")
    return pd.Series(np.asarray(GROWTH_LABELS, dtype=object)[idx], index=rate.index)


def _cells(sizes: pd.Series, growth: pd.Series) -> pd.Series:
    return sizes.astype(str) + " / " + growth.astype(str)


def _quantiles(err: pd.Series, cells: pd.Series, sizes: pd.Series) -> dict:
    """The 10th and 90th percentile of ``err`` per cell; small cells take their size
    class's."""
    lo, hi = QUANTILES
    out = {}
    for cell in cells.unique():
        members = err[cells == cell].dropna()
        if len(members) < MIN_CELL:
            members = err[sizes == sizes[cells == cell].iloc[0]].dropna()
        out[cell] = [float(members.quantile(lo)), float(members.quantile(hi))]
    for size in sizes.unique():              # each size class pooled: for unseen cells
        members = err[sizes == size].dropna()
        out[size] = [float(members.quantile(lo)), float(members.quantile(hi))]
    return out


def calibration(sim_wide: pd.DataFrame) -> dict:
    """What the intervals learn from the calibration window (2006→2015), JSON-ready: the
    growth class bounds (yearly log growth) and, per size × growth cell, the 10th and 90th
    percentile of the model's log error and of the observed swing, per year of horizon."""
    obs = observed_wide()
    y0, y1 = IN_SAMPLE
    rate = _log_growth_per_year(sim_wide, y0, y1).reindex(obs.index)
    bounds = [float(rate.quantile(q)) for q in GROWTH_TERCILES]
    sizes = size_classes(obs[y0])
    cells = _cells(sizes, _growth_classes(rate, bounds))
    model_err = np.log(obs[y1] / (obs[y0] * np.exp(rate * (y1 - y0)))) / (y1 - y0)
    return {"window": list(IN_SAMPLE), "growth_bounds": bounds,
            "model": _quantiles(model_err, cells, sizes),
            "swing": _quantiles(swing.swings(obs, IN_SAMPLE), cells, sizes),
            "swing_scaling": swing.components(obs, IN_SAMPLE, sizes)}


def _swing_ends(cal: dict, cells: pd.Series, sizes: pd.Series, horizon: float) -> np.ndarray:
    """The swing's quantiles carried ``horizon`` years ahead per kommune: by its size class's
    noise and trend shift (``swing.scale``), or, in a calibration without them (before
    7 December 2026, night), per year times the horizon."""
    s = np.array([cal["swing"][c] for c in cells], dtype=float)
    comp = cal.get("swing_scaling")
    if comp is None:
        return horizon * s
    k = np.array([swing.scale(comp, size, horizon) for size in sizes])
    return k[:, None] * s


def log_bounds(cal: dict, base: pd.Series, rate: pd.Series, horizon: float,
               seed_sd: pd.Series | None = None) -> pd.DataFrame:
    """The interval's ends in log terms around a forecast, per kommune: ``base`` the
    population at the start (its size class), ``rate`` the forecast's yearly log growth (its
    growth class), ``horizon`` years ahead, ``seed_sd`` the forecast's own noise (log sd)."""
    sizes = size_classes(base)
    cells = _cells(sizes, _growth_classes(rate.reindex(base.index), cal["growth_bounds"]))
    cells = cells.where(cells.isin(list(cal["model"])), sizes)   # unseen: its size class
    m = np.array([cal["model"][c] for c in cells])
    s = _swing_ends(cal, cells, sizes, horizon)
    sd = np.zeros(len(base)) if seed_sd is None else (
        seed_sd.reindex(base.index).fillna(0.0).to_numpy())
    noise = (Z_90 * sd) ** 2
    lo = -np.sqrt((horizon * m[:, 0]) ** 2 + s[:, 0] ** 2 + noise)
    hi = np.sqrt((horizon * m[:, 1]) ** 2 + s[:, 1] ** 2 + noise)
    return pd.DataFrame({"lo": lo, "hi": hi, "error_class": cells.to_numpy()},
                        index=base.index)


def _seed_sd(runs_wide: list[pd.DataFrame], start: int, end: int) -> pd.Series:
    """The noise of the runs' mean log growth per kommune (sd over the runs / √runs)."""
    if len(runs_wide) < 2:
        return pd.Series(0.0, index=observed_wide().index)
    with np.errstate(divide="ignore", invalid="ignore"):   # a coarse run may empty a kommune
        logs = pd.concat([np.log(w[end] / w[start]) for w in runs_wide], axis=1)
    logs = logs.where(np.isfinite(logs))
    return (logs.std(axis=1, ddof=1) / math.sqrt(len(runs_wide))).fillna(0.0)


def intervals(sim_wide: pd.DataFrame, runs_wide: list[pd.DataFrame],
              start: int = OUT_OF_SAMPLE[0], end: int = OUT_OF_SAMPLE[1],
              cal: dict | None = None) -> pd.DataFrame:
    """Per kommune: the forecast of ``end`` from the observed ``start`` population with the
    model's growth (``sim_wide``, the mean of ``runs_wide``), its calibrated 80 % interval
    (p10, p90), the class it took its errors from and the noise of the runs' mean (log sd).
    ``cal``: a calibration to use instead of ``calibration(sim_wide)``."""
    base = observed_wide()[start]
    rate = _log_growth_per_year(sim_wide, start, end).reindex(base.index)
    seed = _seed_sd(runs_wide, start, end).reindex(base.index).fillna(0.0)
    cal = calibration(sim_wide) if cal is None else cal
    b = log_bounds(cal, base, rate, end - start, seed)
    forecast = base * np.exp(rate * (end - start))
    return pd.DataFrame({"kommunenummer": base.index, "start": start, "end": end,
                         "forecast": forecast.to_numpy(),
                         "p10": (forecast * np.exp(b["lo"])).to_numpy(),
                         "p90": (forecast * np.exp(b["hi"])).to_numpy(),
                         "error_class": b["error_class"].to_numpy(),
                         "seed_log_sd": seed.to_numpy()})


def coverage(iv: pd.DataFrame, actual: pd.Series) -> dict:
    """Share of kommuner whose observed population lies in [p10, p90], overall and by size
    class; the shares below and above, and the median width (p90 / p10 − 1, per cent)."""
    frame = iv.set_index("kommunenummer").join(actual.rename("observed"), how="inner")
    frame = frame[np.isfinite(frame[["p10", "p90"]]).all(axis=1)]
    inside = (frame["observed"] >= frame["p10"]) & (frame["observed"] <= frame["p90"])
    sizes = size_classes(observed_wide()[int(iv["start"].iloc[0])].reindex(frame.index))
    by_size = [{"class": s, "n": int((sizes == s).sum()),
                "coverage": float(inside[sizes == s].mean()) if (sizes == s).any() else math.nan}
               for s in SIZE_LABELS]
    return {"n": len(frame), "level": LEVEL, "coverage": float(inside.mean()),
            "below": float((frame["observed"] < frame["p10"]).mean()),
            "above": float((frame["observed"] > frame["p90"]).mean()),
            "median_width_pct": float(PERCENT * (frame["p90"] / frame["p10"] - 1.0).median()),
            "by_size": by_size}


# ----- a projection's bands -----------------------------------------------------------------
SEED_BAND_Z = 1.6448536269514722   # bands.csv's p05/p95: the normal 95th percentile


def calibrated_bands(bands: pd.DataFrame, cal: dict, start_year: int | None = None
                     ) -> pd.DataFrame:
    """``bands`` (bands.csv: area, year, p05, median, p95 over seeds) with ``p10_calibrated``
    and ``p90_calibrated``: each kommune's calibrated 80 % interval around its median, the
    horizon counted from ``start_year`` (default the first year), the seed noise read from
    its p05–p95 band. Rows of areas that are not kommuner (``norway``) get NaN."""
    out = bands.copy()
    start_year = int(out["year"].min()) if start_year is None else start_year
    wide = out.pivot(index="area", columns="year", values="median")
    codes = [a for a in wide.index if a in set(observed_wide().index)]
    base = wide.loc[codes, start_year].astype(float)
    lo = pd.Series(np.nan, index=out.index)
    hi = pd.Series(np.nan, index=out.index)
    for year in wide.columns:
        h = year - start_year
        rows = out.index[(out["year"] == year) & out["area"].isin(codes)]
        if h <= 0 or len(rows) == 0:
            continue
        sub = out.loc[rows].set_index("area")
        rate = np.log(sub["median"].astype(float) / base.reindex(sub.index)) / h
        sd = np.log(sub["p95"] / sub["p05"].where(sub["p05"] > 0)) / (2 * SEED_BAND_Z)
        b = log_bounds(cal, base.reindex(sub.index), rate, h, sd.fillna(0.0))
        lo[rows] = (sub["median"] * np.exp(b["lo"])).to_numpy()
        hi[rows] = (sub["median"] * np.exp(b["hi"])).to_numpy()
    same = out["year"] == start_year
    lo[same & out["area"].isin(codes)] = out.loc[same & out["area"].isin(codes), "median"]
    hi[same & out["area"].isin(codes)] = out.loc[same & out["area"].isin(codes), "median"]
    out["p10_calibrated"], out["p90_calibrated"] = lo.round(1), hi.round(1)
    return out


def markdown(iv: dict) -> list[str]:
    """The report's section on the calibrated intervals and their coverage."""
    cov = iv["coverage"]
    rows = "\n".join(f"| {b['class']} | {b['n']} | {PERCENT * b['coverage']:.0f} % |"
                      for b in cov["by_size"])
    return ["## Calibrated 80 % intervals, 2015→2025", "",
            "Each kommune's forecast of 2025 (observed 2015 times the model's growth) with an "
            "80 % interval from errors measured in the calibration window 2006→2015 only: the "
            "model's own backcast errors and how far kommuner' growth swung from their "
            "2006→2010 trend by 2015, by size and growth class, carried to ten years by "
            "their year-to-year noise and trend shifts, with the "
            f"noise of the runs' mean (`{INTERVALS_CSV}`; the method in "
            "`sim/validation/intervals.py`). Out of sample, observed 2025 lies inside the "
            f"interval for **{PERCENT * cov['coverage']:.1f} %** of {cov['n']} kommuner "
            f"(target 75–85 %); {PERCENT * cov['below']:.1f} % below it, "
            f"{PERCENT * cov['above']:.1f} % above; median width "
            f"{cov['median_width_pct']:.1f} % of the forecast.", "",
            "| size class (2015) | n | coverage |", "|---|---|---|", rows, ""]


def add_to_bands(folder, calibration_path, start_year: int | None = None) -> Path:
    """Rewrite ``folder/bands.csv`` (an ensemble's or a comparison's) with the calibrated
    columns of ``calibrated_bands``, from a validation folder's ``interval_calibration.json``
    (``calibration_path``); returns the path written."""
    path = Path(folder) / "bands.csv"
    bands = pd.read_csv(path, dtype={"area": str})
    cal = json.loads(Path(calibration_path).read_text(encoding="utf-8"))
    calibrated_bands(bands, cal, start_year).to_csv(path, index=False)
    return path


@cache
def shipped_calibration() -> dict:
    """The shipped calibration (``SHIPPED``), read once."""
    return json.loads(SHIPPED.read_text(encoding="utf-8"))


def add_shipped(folder, scenario) -> bool:
    """Add the calibrated columns to an ensemble's ``bands.csv`` from the shipped calibration
    when the scenario runs real kommuner (a landscape has no backcast to learn from); whether
    it did."""
    if scenario.geography.kind == "landscape" or not SHIPPED.exists():
        return False
    add_to_bands(folder, SHIPPED, scenario.start_year)
    return True
