"""How far a kommune's growth strays from its trend, measured inside the calibration window
(2006→2015, observed data only), split into year-to-year noise and changes of the trend, and
carried to any horizon: the "swing" part of the calibrated intervals (``intervals``).

The swing. On each kommune's share of Norway (the model is given the national total's
components), the log error of its 2006→2010 trend (``B_S`` = 4 years) carried to 2015
(``H_S`` = 5 years ahead): ``swing = ln(s_2015 / s_2010) − 5/4 · ln(s_2010 / s_2006)``.

Why not scale it in proportion to the horizon. Let the log share move each year by a drift
of its own plus noise, ``Δ ln s_t = d + ε_t`` with independent ``ε_t`` of variance σ², and let
the drift itself shift between periods with variance τ² per year² (a plant opens, a suburb is
zoned). A trend measured over ``b`` years and carried ``h`` years ahead then misses by

    Var(error) = (h + h² / b) · σ² + h² · τ²

(the noise of the ``h`` years ahead, the noise in the trend's own ``b`` years carried ``h``
years, and the drift's shift). The swing is that error with ``b = 4`` and ``h = 5``, so its
variance is ``11.25 σ² + 25 τ²``. For a kommune of 600 people the four-year trend is mostly
noise (σ about 0.016 a year in the kommuner under 2,000 against 0.003–0.004 in those over
20,000), which a linear scaling carried to ten years as if it were a shift of the trend.

σ² is measured per size class as the mean over its kommuner of the variance of their nine
yearly changes of log share 2006→2015 around their own mean (white noise within the window:
the lag-one autocorrelation of those changes is −0.09, −0.09, 0.02, 0.04 and 0.37 in the five
size classes, against the −1/9 a series of nine independent changes shows on average); τ² is
what is left of the swing's variance, ``(Var(swing) − 11.25 σ²) / 25``, at least 0.

The model's forecast from 2015 stands on place effects fitted on 2006→2015: it carries that
window's noise the way a nine-year trend would (``TREND_BASE`` = 9; APPROXIMATION: the place
effects are per kommune, fitted to its 2006→2015 growth, so the fit takes up its noise like a
trend does). At horizon ``h`` the swing's quantiles are scaled by

    k(h) = sqrt(((h + h² / 9) · σ² + h² · τ²) / Var(swing))

per size class: close to √h where the noise dominates (small kommuner), in proportion to
``h`` where the trend's shifts do (large ones). At ten years against five this is a ratio of
1.5–2.0, at the upper end of the published ratios of 10-year to 5-year MAPE (1.2–1.7 in
Queensland, Wilson and Rowe 2011, table 3; 1.8 in the Swedish study, 1.79 → 3.29 %).

A rolling origin inside the window checks the law and corrects its scale per size class: the
trends of 2006→2008, 2009, 2011 and 2012 carried to 2015 (``ROLLING_SPLITS``; horizons 7 to 3
years, each with its own base) against the 2010 split's percentiles carried there; the factor
is the one with which 80 % of those errors fall inside (``rolling_factors``; 0.97–1.06 in
the classes under 50,000, 1.24 in the 16 kommuner of 50,000 and over, on the observed data).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

SPLIT = 2010            # the trend 2006→2010 carried to 2015
TREND_BASE = 9          # years the model's place effects were fitted on (2006→2015)
ROLLING_SPLITS = (2008, 2009, 2011, 2012)   # other trends inside the window, for the factor
QUANTILES = (0.10, 0.90)    # the interval's ends (as ``intervals.QUANTILES``)
LEVEL = 0.80                # its nominal coverage


def log_shares(wide: pd.DataFrame) -> pd.DataFrame:
    """Each kommune's log share of the national total, kommune × year."""
    with np.errstate(divide="ignore"):
        return np.log(wide / wide.sum(axis=0))


def swings(wide: pd.DataFrame, window: tuple[int, int], split: int = SPLIT) -> pd.Series:
    """The log error of each kommune's ``window[0]``→``split`` trend of its share carried to
    ``window[1]`` (not per year)."""
    y0, y1 = window
    ls = log_shares(wide)
    trend = (ls[split] - ls[y0]) / (split - y0)
    return (ls[y1] - ls[split]) - trend * (y1 - split)


def yearly_noise(wide: pd.DataFrame, window: tuple[int, int]) -> pd.Series:
    """Per kommune: the variance (n − 1) of its yearly changes of log share in ``window``
    around their own mean."""
    ls = log_shares(wide)
    years = [y for y in range(window[0], window[1] + 1) if y in ls.columns]
    steps = ls[years].diff(axis=1).iloc[:, 1:]
    return steps.var(axis=1, ddof=1)


def error_variance(noise: float, drift: float, horizon: float, base: float) -> float:
    """The variance of a ``base``-year trend's log error ``horizon`` years ahead, given the
    yearly noise σ² (``noise``) and the trend's shift τ² (``drift``)."""
    return (horizon + horizon ** 2 / base) * noise + horizon ** 2 * drift


def components(wide: pd.DataFrame, window: tuple[int, int], sizes: pd.Series,
               split: int = SPLIT) -> dict:
    """Per size class (``sizes``: each kommune's label): σ² (``noise``), τ² (``drift``), the
    swing's variance (``swing``) and the 10th and 90th percentile of the swing (``ends``),
    with the swing's base and horizon in years."""
    swing = swings(wide, window, split)
    noise = yearly_noise(wide, window)
    b, h = split - window[0], window[1] - split
    out = {}
    for size in sizes.dropna().unique():
        members = sizes == size
        v_swing = float(swing[members].var(ddof=1))
        sig2 = float(noise[members].mean())
        tau2 = max(0.0, (v_swing - error_variance(sig2, 0.0, h, b)) / h ** 2)
        out[str(size)] = {"noise": sig2, "drift": tau2, "swing": v_swing, "factor": 1.0}
    comp = {"base": b, "horizon": h, "trend_base": TREND_BASE, "by_size": out}
    for size, f in rolling_factors(wide, window, sizes, comp).items():
        out[size]["factor"] = f
    return comp


def rolling_factors(wide: pd.DataFrame, window: tuple[int, int], sizes: pd.Series,
                    comp: dict, splits: tuple[int, ...] = ROLLING_SPLITS) -> dict:
    """Per size class, the factor on ``scale`` that makes the swing's 10th–90th percentile
    (of the ``SPLIT`` trend) hold 80 % of the errors of the other trends inside the window
    (``splits``: the trend of ``window[0]``→split carried to ``window[1]``, each scaled to
    its own base and horizon by ``comp``'s σ² and τ²): a rolling origin inside 2006→2015."""
    ref = swings(wide, window)
    errors = {split: swings(wide, window, split) for split in splits}
    out = {}
    for size in comp["by_size"]:
        members = sizes == size
        lo, hi = (float(ref[members].quantile(q)) for q in QUANTILES)
        if not (lo < 0 < hi):
            out[size] = 1.0
            continue
        c = {**comp["by_size"][size], "factor": 1.0}
        need = []                        # the factor each error needs to fall inside
        for split, err in errors.items():
            k = scale({**comp, "by_size": {size: c}}, size, window[1] - split,
                      split - window[0])
            e = err[members].dropna().to_numpy()
            need.append(np.where(e >= 0, e / (k * hi), e / (k * lo)))
        out[size] = float(np.quantile(np.concatenate(need), LEVEL))
    return out


def scale(comp: dict, size: str, horizon: float, base: float | None = None) -> float:
    """The factor that carries the swing's quantiles of ``size`` to ``horizon`` years ahead
    of a trend of ``base`` years (default: the model's, ``TREND_BASE``), times the size
    class's in-window correction (``factor``, see ``rolling_factors``)."""
    c = comp["by_size"][size]
    if not c["swing"] > 0:
        return 0.0
    base = comp["trend_base"] if base is None else base
    return c.get("factor", 1.0) * math.sqrt(
        error_variance(c["noise"], c["drift"], horizon, base) / c["swing"])
