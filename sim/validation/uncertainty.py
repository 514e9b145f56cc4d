"""How sure the backcast's verdict is: chance in the runs, and chance in which kommuner boomed.

The validation (``sim.validation.backcast``) judges the model by one number, the correlation r
between
simulated and observed kommune growth out of sample, against the trend reference's r. Two
kinds of chance sit in that comparison, and this module measures both:

* **Chance in the runs** (who happened to move, be born, die). The report compares the mean
  of several runs; the noise left in that mean lowers r, most in small kommuner. The spread
  between the runs tells how large that noise is: each kommune's variance over the runs,
  divided by the number of runs, is the noise variance of its mean. Spearman's correction
  for attenuation then gives the r that the mean of infinitely many runs would reach:
  ``cov(sim, obs) / sqrt((var(sim) - noise) * var(obs))``. It needs at least two runs.
* **Chance in which kommuner happened to boom or shrink** (a plant, a housing project, an
  oil slump). A paired bootstrap over kommuner draws 357 kommuner with replacement, computes
  the model's and the trend reference's r on the same draw, and repeats; the middle 95 % of
  the differences is the interval for "model minus trend". When it spans zero, the observed
  history cannot tell the model and the trend apart.

The bootstrap uses a fixed seed, so the same runs always give the same report.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

BOOTSTRAP_SAMPLES = 2000     # resamples of the kommuner
BOOTSTRAP_SEED = 2015        # fixed: a report is reproducible
INTERVAL_PCT = (2.5, 97.5)   # a 95 % interval


def _aligned(*series: pd.Series) -> list[np.ndarray]:
    """The series' values over the kommuner they all have, finite everywhere."""
    frame = pd.concat(series, axis=1, join="inner").astype(float)
    frame = frame[np.isfinite(frame).all(axis=1)]
    return [frame.iloc[:, i].to_numpy() for i in range(frame.shape[1])]


def pearson(a: pd.Series, b: pd.Series) -> float:
    """Pearson r over the kommuner both series have (finite values); NaN when either has no
    variation."""
    x, y = _aligned(a, b)
    if len(x) < 2 or np.std(x) == 0 or np.std(y) == 0:
        return math.nan
    return float(np.corrcoef(x, y)[0, 1])


def corrected_r(sim: pd.Series, runs: pd.DataFrame, obs: pd.Series) -> float:
    """r between ``sim`` (the mean over the runs, per kommune) and ``obs``, corrected for
    the run-to-run noise left in the mean; ``runs`` holds one column per run. NaN with fewer
    than two runs, or when the noise would explain all of ``sim``'s variance."""
    n_runs = runs.shape[1]
    if n_runs < 2:
        return math.nan
    noise = (runs.var(axis=1, ddof=1) / n_runs).rename("noise")
    x, y, v = _aligned(sim, obs, noise)
    signal = np.var(x, ddof=1) - v.mean()
    if signal <= 0 or np.var(y) == 0:
        return math.nan
    return float(np.cov(x, y)[0, 1] / math.sqrt(signal * np.var(y, ddof=1)))


def _rowwise_r(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Pearson r of each row of x with the same row of y."""
    xc = x - x.mean(axis=1, keepdims=True)
    yc = y - y.mean(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        return (xc * yc).sum(axis=1) / np.sqrt((xc ** 2).sum(axis=1) * (yc ** 2).sum(axis=1))


def difference_interval(sim: pd.Series, reference: pd.Series, obs: pd.Series,
                        samples: int = BOOTSTRAP_SAMPLES, seed: int = BOOTSTRAP_SEED
                        ) -> tuple[float, float]:
    """95 % interval of r(sim, obs) − r(reference, obs) over kommuner drawn with replacement
    (a paired bootstrap: both r on the same draw)."""
    x, z, y = _aligned(sim, reference, obs)
    draw = np.random.default_rng(seed).integers(0, len(y), size=(samples, len(y)))
    diff = _rowwise_r(x[draw], y[draw]) - _rowwise_r(z[draw], y[draw])
    lo, hi = np.nanpercentile(diff, INTERVAL_PCT)
    return float(lo), float(hi)


def summary(sim: pd.Series, runs: pd.DataFrame, obs: pd.Series, reference: pd.Series
            ) -> dict:
    """The uncertainty of the out-of-sample verdict (JSON-ready): the model's r, each run's,
    the corrected r, and the model-minus-trend difference with its interval."""
    r_model, r_reference = pearson(sim, obs), pearson(reference, obs)
    single = [pearson(runs[c], obs) for c in runs.columns]
    lo, hi = difference_interval(sim, reference, obs)
    return {"runs": int(runs.shape[1]), "r": r_model, "single_run_r": single,
            "r_infinite_runs": corrected_r(sim, runs, obs),
            "difference_to_trend": r_model - r_reference, "interval": [lo, hi],
            "bootstrap_samples": BOOTSTRAP_SAMPLES}


def markdown(u: dict, period: str) -> list[str]:
    """The report's section on how sure the verdict is."""
    lo, hi = u["interval"]
    lines = ["## How sure is the verdict", ""]
    runs = f"mean of {u['runs']} runs" if u["runs"] > 1 else "one run"
    single = ""
    if u["runs"] > 1:
        single = (f"; single runs {min(u['single_run_r']):.3f}–"
                  f"{max(u['single_run_r']):.3f}")
    lines.append(f"- **Chance in the runs.** Out of sample ({period}) the model's r is "
                 f"{u['r']:.3f} ({runs}{single}).")
    if not math.isnan(u["r_infinite_runs"]):
        lines.append(f"  The noise left in the mean lowers it: the mean of infinitely many "
                     f"runs would reach about **{u['r_infinite_runs']:.3f}** (Spearman's "
                     "correction for attenuation, from the spread between the runs).")
    lines.append(f"- **Chance in which kommuner boomed.** The model's r minus the trend "
                 f"reference's is {u['difference_to_trend']:+.3f}. Drawing the kommuner "
                 f"again ({u['bootstrap_samples']:,} paired bootstrap samples) puts it between "
                 f"**{lo:+.3f} and {hi:+.3f}** (95 %).")
    verdict = ("spans zero: this history cannot tell the model and the trend apart"
               if lo <= 0 <= hi else "does not span zero")
    lines += [f"  The interval {verdict}.", ""]
    return lines
