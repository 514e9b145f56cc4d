"""Recompute the calibrated 80 % intervals from a finished ``livskraft validate`` folder
without simulating again, for each way of carrying the in-window swing to the horizon, and
print their out-of-sample coverage (overall, below / above, median width, by size class) and
an in-window check of the swing's scaling (no data after 2015).

    PYTHONPATH=. python diagnostics/check_intervals.py runs/validation [--write]

``--write`` also writes the calibration of the default method to the shipped
``sim/validation/interval_calibration.json`` (the lead's step after a model change, when the
folder is a default ``livskraft validate``).

Variants (the calibration is the same; only how the swing reaches ten years differs):
``linear`` the swing per year times the horizon (the method before 7 December 2026, night);
``power 0.85`` the five-year swing times (h / 5) ** 0.85 (the Swedish study's 10-to-5-year
MAPE ratio of 1.8); ``components`` noise and trend shift (``sim.validation.swing``, the
default); ``components, no trend noise`` the same with the trend base infinite.
"""

from __future__ import annotations

import copy
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from sim.validation import intervals, swing
from sim.validation.accuracy import SIZE_LABELS, size_classes
from sim.validation.observed import IN_SAMPLE, OUT_OF_SAMPLE, PERCENT, observed_wide

PUBLISHED_EXPONENT = 0.85   # log2(3.29 / 1.79): the Swedish study's 10- vs 5-year MAPE
IN_WINDOW_SPLITS = swing.ROLLING_SPLITS   # other trends inside 2006→2015 to check
VARIANTS = ("linear", f"power {PUBLISHED_EXPONENT}", "components, no rolling factor",
            "components, no trend noise", "components")


def runs_wide(folder: Path) -> list[pd.DataFrame]:
    """Each run's population, kommune × year, from the report folder's run folders."""
    out = []
    for run in sorted(folder.glob("backcast*")):
        kom = pd.read_parquet(run / "kommuner.parquet")
        out.append(kom.pivot(index="kommunenummer", columns="year",
                             values="population").astype(float))
    return out


def variant(cal: dict, name: str) -> dict:
    """The calibration rewritten to carry the swing to the horizon the ``name``d way."""
    cal = copy.deepcopy(cal)
    comp = cal.pop("swing_scaling")
    h_s = comp["horizon"]
    if name == "linear":              # per year: the swing / its horizon
        cal["swing"] = {c: [v / h_s for v in q] for c, q in cal["swing"].items()}
    elif name.startswith("power"):    # k = (h / h_s) ** p: components with no noise, drift
        p = float(name.split()[1])    # set so k(h) matches (only the ratio matters)
        cal["swing_scaling"] = {**comp, "power": p}
    elif name == "components, no rolling factor":
        cal["swing_scaling"] = {**comp, "by_size": {
            s: {**c, "factor": 1.0} for s, c in comp["by_size"].items()}}
    elif name == "components, no trend noise":
        cal["swing_scaling"] = {**comp, "trend_base": float("inf")}
    else:
        cal["swing_scaling"] = comp
    return cal


def _power_scale(original):
    def scale(comp, size, horizon, base=None):
        if "power" in comp:
            return (horizon / comp["horizon"]) ** comp["power"]
        return original(comp, size, horizon, base)
    return scale


def row(name: str, iv: pd.DataFrame) -> str:
    cov = intervals.coverage(iv, observed_wide()[OUT_OF_SAMPLE[1]])
    by = ", ".join(f"{PERCENT * b['coverage']:.0f}" for b in cov["by_size"])
    return (f"| {name} | {PERCENT * cov['coverage']:.1f} % | {PERCENT * cov['below']:.1f} / "
            f"{PERCENT * cov['above']:.1f} % | {cov['median_width_pct']:.1f} % | {by} |")


def in_window_check(cal: dict) -> list[str]:
    """Coverage, inside 2006→2015, of other trends' errors by 2015 (the trend of
    2006→``split`` carried to 2015) by the swing's quantiles carried to that horizon from the
    2010 split's components, with the trend base of that split: tests the scaling law on data
    the calibration had, in the window only."""
    obs = observed_wide()
    sizes = size_classes(obs[IN_SAMPLE[0]])
    comp, lines = cal["swing_scaling"], []
    q = pd.DataFrame({s: cal["swing"][s] for s in SIZE_LABELS}, index=["lo", "hi"]).T
    for split in IN_WINDOW_SPLITS:
        err = swing.swings(obs, IN_SAMPLE, split)
        h, b = IN_SAMPLE[1] - split, split - IN_SAMPLE[0]
        covs = []
        for s in SIZE_LABELS:
            c = comp["by_size"][s]
            k = np.sqrt(swing.error_variance(c["noise"], c["drift"], h, b) / c["swing"])
            lin = h / comp["horizon"]
            e = err[sizes == s]
            covs.append((((e >= k * q.loc[s, "lo"]) & (e <= k * q.loc[s, "hi"])).mean(),
                         ((e >= lin * q.loc[s, "lo"]) & (e <= lin * q.loc[s, "hi"])).mean()))
        lines.append(f"| 2006→{split}, {h} years to 2015 | "
                     + ", ".join(f"{PERCENT * a:.0f}" for a, _ in covs) + " | "
                     + ", ".join(f"{PERCENT * b_:.0f}" for _, b_ in covs) + " |")
    return lines


def main(folder: Path, write: bool) -> None:
    runs = runs_wide(folder)
    mean = pd.concat(runs).groupby(level=0).mean()
    cal = intervals.calibration(mean)
    print(f"{len(runs)} runs from {folder}")
    for s, c in cal["swing_scaling"]["by_size"].items():
        print(f"  {s}: sigma {np.sqrt(c['noise']):.4f}/yr, tau {np.sqrt(c['drift']):.4f}/yr, "
              f"swing sd {np.sqrt(c['swing']):.4f}, factor {c['factor']:.2f}, "
              f"k(10) {swing.scale(cal['swing_scaling'], s, 10):.2f}")
    print("| variant | coverage | below / above | median width | by size class |")
    print("|---|---|---|---|---|")
    original = swing.scale
    swing.scale = _power_scale(original)
    try:
        for name in VARIANTS:
            print(row(name, intervals.intervals(mean, runs, cal=variant(cal, name))))
    finally:
        swing.scale = original
    print("\nin window: coverage by size class, components | linear")
    print("\n".join(in_window_check(cal)))
    if write:
        intervals.SHIPPED.write_text(json.dumps(cal, indent=2, ensure_ascii=False),
                                     encoding="utf-8")
        print(f"wrote {intervals.SHIPPED}")


if __name__ == "__main__":
    main(Path(sys.argv[1]), "--write" in sys.argv[2:])
