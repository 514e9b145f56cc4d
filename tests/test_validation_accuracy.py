"""Forecast accuracy as forecasters report it: the error measures on hand-computed numbers, the
forecasts the references make, and the report's section."""

from __future__ import annotations

import pandas as pd
import pytest

from sim.validation import accuracy, observed


def test_mape_malpe_and_weighted_error_by_hand():
    actual = pd.Series([100.0, 100.0, 200.0], index=["a", "b", "c"])
    forecast = pd.Series([110.0, 90.0, 200.0], index=["a", "b", "c"])
    e = accuracy.errors(forecast, actual)
    # |rel| = 10 %, 10 %, 0 %: MAPE 20 / 3; signed errors cancel; Σ|F − A| / ΣA = 20 / 400
    assert e == {"n": 3, "mape": pytest.approx(20 / 3), "malpe": pytest.approx(0.0),
                 "weighted": pytest.approx(5.0)}
    # a small place off by 20 %, a large one by 10 %: the weighted error leans to the large
    e = accuracy.errors(pd.Series([120.0, 1100.0]), pd.Series([100.0, 1000.0]))
    assert e["mape"] == pytest.approx(15.0) and e["malpe"] == pytest.approx(15.0)
    assert e["weighted"] == pytest.approx(100 * 120 / 1100)
    # too few people gives a negative bias; kommuner missing on either side are left out
    e = accuracy.errors(pd.Series([80.0, 50.0], index=["a", "x"]),
                        pd.Series([100.0, 70.0], index=["a", "b"]))
    assert e == {"n": 1, "mape": pytest.approx(20.0), "malpe": pytest.approx(-20.0),
                 "weighted": pytest.approx(20.0)}


def test_size_classes_edges():
    pop = pd.Series([1_999, 2_000, 4_999, 5_000, 19_999, 20_000, 49_999, 50_000])
    assert list(accuracy.size_classes(pop)) == [
        "under 2,000", "2,000–4,999", "2,000–4,999", "5,000–19,999", "5,000–19,999",
        "20,000–49,999", "20,000–49,999", "50,000+"]


def test_forecasts_of_model_and_constant_share_by_hand():
    obs = pd.DataFrame({2006: [100.0, 300.0], 2015: [1000.0, 3000.0],
                        2025: [1500.0, 6500.0]}, index=["0301", "1151"])
    sim = pd.DataFrame({2015: [50.0, 300.0], 2025: [60.0, 330.0]}, index=["0301", "1151"])
    fc = accuracy.forecasts(sim, 2015, 2025, obs_wide=obs)
    # the model's growth (+20 %, +10 %) on the observed 2015 population
    assert fc["model"].tolist() == pytest.approx([1200.0, 3300.0])
    # each keeps its 2015 share (1/4, 3/4) of the observed 2025 total 8,000
    assert fc["constant_share"].tolist() == pytest.approx([2000.0, 6000.0])
    # the trend: ten times 1/9 of the 2006→2015 log growth (tenfold in nine years)
    assert fc["trend"].tolist() == pytest.approx([1000.0 * 10 ** (10 / 9),
                                                  3000.0 * 10 ** (10 / 9)])


def test_perfect_model_has_no_error_and_the_references_do():
    acc = accuracy.summary(observed.observed_wide())
    out = acc["horizons"][0]
    assert (out["start"], out["end"]) == (2015, 2025)
    assert out["all"]["model"]["mape"] == pytest.approx(0.0, abs=1e-9)
    assert sum(r["model"]["n"] for r in out["by_size"]) == 357
    assert sum(r["model"]["n"] for r in out["by_centrality"]) == 357
    # the trend reference on observed data only: 2015→2025 MAPE 4.9 %, too many people
    assert out["all"]["trend"]["mape"] == pytest.approx(4.9, abs=0.05)
    assert out["all"]["trend"]["malpe"] > 0
    text = "\n".join(accuracy.markdown(acc))
    assert "Forecast accuracy" in text and "| 50,000+ | 19 |" in text
