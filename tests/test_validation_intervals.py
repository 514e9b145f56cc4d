"""Calibrated prediction intervals: the interval's ends from a calibration by hand, coverage
counted by hand, a projection's bands carrying them, and the report on the observed history."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from sim.validation import intervals, observed, swing
from sim.validation.accuracy import size_classes

CAL = {"window": [2006, 2015], "growth_bounds": [0.0, 0.01],
       "model": {"under 2,000 / middle": [-0.003, 0.004], "50,000+ / fast": [-0.001, 0.001],
                 "under 2,000": [-0.003, 0.003]},
       "swing": {"under 2,000 / middle": [-0.004, 0.003], "50,000+ / fast": [-0.002, 0.002],
                 "under 2,000": [-0.004, 0.004]}}


def test_interval_ends_combine_the_errors_in_quadrature():
    base = pd.Series([1_000.0, 60_000.0, 1_500.0], index=["a", "b", "c"])
    rate = pd.Series([0.005, 0.02, 0.03], index=["a", "b", "c"])
    b = intervals.log_bounds(CAL, base, rate, 10)
    # a: ten years of (−0.003, 0.004) and (−0.004, 0.003) per year: −√(0.03² + 0.04²) = −0.05
    assert b.loc["a", "lo"] == pytest.approx(-0.05) and b.loc["a", "hi"] == pytest.approx(0.05)
    assert b.loc["b", "lo"] == pytest.approx(-math.sqrt(0.01 ** 2 + 0.02 ** 2))
    # a cell the calibration never saw (small and fast) takes its size class's, pooled
    assert b.loc["c", "error_class"] == "under 2,000"
    assert b.loc["c", "hi"] == pytest.approx(0.05)
    # the seed noise widens both ends: √(0.05² + (1.2816 · 0.1)²)
    noisy = intervals.log_bounds(CAL, base, rate, 10, pd.Series(0.1, index=base.index))
    assert noisy.loc["a", "hi"] == pytest.approx(math.sqrt(0.05 ** 2 + (intervals.Z_90 * 0.1) ** 2))


def test_coverage_by_hand():
    iv = pd.DataFrame({"kommunenummer": ["0301", "1151", "5001", "3201"], "start": 2015,
                       "forecast": 100.0, "p10": [90.0, 90.0, 90.0, 90.0],
                       "p90": [110.0, 110.0, 110.0, 110.0]})
    actual = pd.Series([100.0, 89.0, 110.0, 95.0], index=["0301", "1151", "5001", "3201"])
    cov = intervals.coverage(iv, actual)
    assert cov["coverage"] == 0.75 and cov["below"] == 0.25 and cov["above"] == 0.0
    assert cov["median_width_pct"] == pytest.approx(100 * (110 / 90 - 1))
    # Utsira (1151) is the one under 2,000; it fell below
    assert cov["by_size"][0] == {"class": "under 2,000", "n": 1, "coverage": 0.0}


def test_a_projections_bands_carry_the_calibrated_interval():
    bands = pd.DataFrame({"area": ["norway", "norway", "1151", "1151", "1151"],
                          "year": [2025, 2035, 2025, 2030, 2035],
                          "p05": [1.0, 1.0, 1_000.0, 1_000.0, 1_000.0],
                          "median": [1.0, 1.0, 1_000.0, 1_000.0, 1_000.0],
                          "p95": [1.0, 1.0, 1_000.0, 1_000.0, 1_000.0]})
    out = intervals.calibrated_bands(bands, CAL)
    utsira = out[out["area"] == "1151"].set_index("year")
    assert utsira.loc[2025, "p10_calibrated"] == 1_000.0      # the start is known
    # ten years on, no growth (the middle class), no seed noise: 1,000 · e^(∓0.05)
    assert utsira.loc[2035, "p10_calibrated"] == pytest.approx(1_000 * math.exp(-0.05), abs=0.05)
    assert utsira.loc[2035, "p90_calibrated"] == pytest.approx(1_000 * math.exp(0.05), abs=0.05)
    assert utsira.loc[2030, "p90_calibrated"] < utsira.loc[2035, "p90_calibrated"]
    assert out[out["area"] == "norway"]["p10_calibrated"].isna().all()


def test_a_perfect_backcast_gets_intervals_from_the_swing_alone():
    """The observed history as the model: no backcast error, no seed noise; the intervals
    still hold most kommuner, from how growth swung inside 2006–2015."""
    wide = observed.observed_wide()
    cal = intervals.calibration(wide)
    assert all(lo == pytest.approx(0.0) and hi == pytest.approx(0.0)
               for lo, hi in cal["model"].values())
    iv = intervals.intervals(wide, [wide])
    assert (iv["p10"] <= iv["forecast"]).all() and (iv["forecast"] <= iv["p90"]).all()
    assert np.allclose(iv["forecast"], wide[2025])
    assert intervals.coverage(iv, wide[2025])["coverage"] == 1.0


def test_an_ensembles_bands_csv_gets_the_columns(tmp_path):
    bands = pd.DataFrame({"area": ["norway", "1151", "1151"], "year": [2025, 2025, 2035],
                          "p05": 1_000.0, "median": 1_000.0, "p95": 1_000.0})
    bands.to_csv(tmp_path / "bands.csv", index=False)
    (tmp_path / "cal.json").write_text(json.dumps(CAL), encoding="utf-8")
    intervals.add_to_bands(tmp_path, tmp_path / "cal.json")
    out = pd.read_csv(tmp_path / "bands.csv", dtype={"area": str})
    assert list(out.columns[-2:]) == ["p10_calibrated", "p90_calibrated"]
    assert out.loc[2, "p10_calibrated"] == pytest.approx(1_000 * math.exp(-0.05), abs=0.05)


# ----- the swing carried to the horizon: noise with √h, trend shifts with h -----------------
NOISE, DRIFT = 4e-4, 1e-5            # σ² and τ² per year
SWING_VAR = 11.25 * NOISE + 25 * DRIFT   # a four-year trend's error five years ahead
COMP = {"base": 4, "horizon": 5, "trend_base": 9,
        "by_size": {"under 2,000": {"noise": NOISE, "drift": DRIFT, "swing": SWING_VAR,
                                    "factor": 1.0},
                    "50,000+": {"noise": 0.0, "drift": DRIFT, "swing": 25 * DRIFT,
                                "factor": 1.2}}}


def test_the_swing_scales_by_its_noise_and_its_trend_shifts():
    # the swing's own base and horizon give it back unscaled
    assert swing.scale(COMP, "under 2,000", 5, 4) == pytest.approx(1.0)
    # ten years ahead of a nine-year trend: (10 + 100/9) σ² + 100 τ² against the swing's
    want = math.sqrt(((10 + 100 / 9) * NOISE + 100 * DRIFT) / SWING_VAR)
    assert swing.scale(COMP, "under 2,000", 10) == pytest.approx(want)
    assert want < 10 / 5                       # less than in proportion: mostly noise
    # only trend shifts: in proportion to the horizon (times the class's in-window factor)
    assert swing.scale(COMP, "50,000+", 10) == pytest.approx(1.2 * 10 / 5)


def test_a_noisy_small_kommunes_interval_grows_less_than_in_proportion():
    """With the swing's components the ten-year interval of a small kommune is narrower than
    the per-year swing times ten, the old scaling that covered 99 % of them out of sample."""
    cal = {**CAL, "swing": {k: [5 * v for v in q] for k, q in CAL["swing"].items()},
           "swing_scaling": COMP}
    base = pd.Series([1_000.0], index=["a"])
    rate = pd.Series([0.005], index=["a"])
    b = intervals.log_bounds(cal, base, rate, 10)
    k = swing.scale(COMP, "under 2,000", 10)
    # (−0.003, 0.004) per year for ten years and the five-year swing (−0.02, 0.015) times k
    assert b.loc["a", "lo"] == pytest.approx(-math.sqrt(0.03 ** 2 + (k * 0.02) ** 2))
    assert b.loc["a", "hi"] == pytest.approx(math.sqrt(0.04 ** 2 + (k * 0.015) ** 2))
    old = intervals.log_bounds(CAL, base, rate, 10)      # a calibration before the split
    assert b.loc["a", "hi"] < old.loc["a", "hi"]


def test_the_observed_swing_of_small_kommuner_is_mostly_noise():
    """On the observed 2006–2015 shares: the yearly noise of kommuner under 2,000 is about
    four times that of those over 50,000, and their swing reaches ten years by less than
    the factor two a linear scaling gives; the in-window factors stay near one."""
    obs = observed.observed_wide()
    comp = swing.components(obs, observed.IN_SAMPLE, size_classes(obs[2006]))
    small, large = comp["by_size"]["under 2,000"], comp["by_size"]["50,000+"]
    assert small["noise"] > 10 * large["noise"]
    assert swing.scale(comp, "under 2,000", 10) < 0.85 * 10 / 5
    assert all(0.8 < c["factor"] < 1.5 for c in comp["by_size"].values())
