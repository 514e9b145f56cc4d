"""Calibrated prediction intervals: the interval's ends from a calibration by hand, coverage
counted by hand, a projection's bands carrying them, and the report on the observed history."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from sim.validation import intervals, observed

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
