"""The validation report: metrics, naive references and verdict on synthetic backcasts."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pandas as pd
import pytest

from sim import data
from sim.validation import backcast, metrics, observed, report


def _result(kommuner: pd.DataFrame, movers_by_age: pd.DataFrame | None = None):
    """A stand-in for sim.run.RunResult with the fields the validation reads."""
    national = kommuner.groupby("year", as_index=False)["population"].sum()
    national["internal_moves"] = pd.NA
    return SimpleNamespace(kommuner=kommuner, national=national, movers_by_age=movers_by_age)


@pytest.fixture(scope="module")
def perfect():
    return _result(data.population_by_year()[["kommunenummer", "year", "population"]].copy())


@pytest.fixture(scope="module")
def flat():
    obs = data.population_by_year()
    start = obs[obs["year"] == 2006].set_index("kommunenummer")["population"]
    rows = obs[["kommunenummer", "year"]].copy()
    rows["population"] = rows["kommunenummer"].map(start)
    return _result(rows)


def test_naive_references_reproduce_the_issue():
    ref = observed.naive_references()
    assert round(ref["trend_r"], 2) == 0.76
    assert round(ref["centrality_class_r"], 2) == 0.70
    assert ref["observed_share_declining"] == pytest.approx(0.41, abs=0.01)
    assert len(observed.observed_growth(2015, 2025)) == 357


def test_perfect_result_passes(perfect):
    m = metrics.metrics(perfect)
    for per in m["periods"].values():
        assert per["growth_r"] == pytest.approx(1.0)
        assert per["share_declining_simulated"] == per["share_declining_observed"]
        for c in per["class_growth"]:
            assert c["simulated"] == pytest.approx(c["observed"])
    assert m["national"]["max_abs_error_pct"] == pytest.approx(0.0, abs=1e-12)
    assert m["national"]["years_compared"] == 21
    assert all(t["passed"] for t in m["targets"]) and m["all_passed"]
    assert not m["mobility"]["available"] and not m["movers_by_age"]["available"]


def test_flat_result_fails(flat):
    m = metrics.metrics(flat)
    assert m["national"]["max_abs_error_pct"] > observed.NATIONAL_TOLERANCE_PCT
    assert not m["all_passed"]
    by_name = {t["name"]: t["passed"] for t in m["targets"]}
    assert not by_name["National population"]
    assert not by_name["Out-of-sample kommune growth correlation"]  # no variation: undefined


def _movers_like_ssb(pop: int = 100_000) -> pd.DataFrame:
    """Movers by age that match the SSB 2008 profile exactly, for 2006–2025."""
    return pd.DataFrame([{"year": year, "age_group": group, "movers": pop * per_1000 / 1000,
                          "population": pop}
                         for year in range(2006, 2026)
                         for group, per_1000 in observed.SSB_MOVERS_PER_1000_BY_AGE_2008.items()])


def test_write_report(tmp_path, perfect, flat):
    path = report.write_report(perfect, tmp_path / "ok")
    text = path.read_text(encoding="utf-8")
    assert path.name == "validation.md"
    assert "out of sample" in text and text.count("**PASS**") == 3 and "FAIL" not in text
    assert "not available" in text
    for name in ("national_population.png", "growth_scatter.png", "growth_by_centrality.png"):
        assert (tmp_path / "ok" / name).stat().st_size > 0
    assert not (tmp_path / "ok" / "movers_by_age.png").exists()
    saved = json.loads((tmp_path / "ok" / "validation_metrics.json").read_text())
    assert saved["all_passed"] is True
    ceiling = saved["references"]["ceiling"]
    assert f"**{ceiling['nearest_r']:.2f}** as the mean of the 40 most alike" in text

    with_movers = _result(flat.kommuner, _movers_like_ssb())
    path = report.write_report(with_movers, tmp_path / "bad", calibration_note="Note X.")
    text = path.read_text(encoding="utf-8")
    assert "Note X." in text and "**FAIL** — National population" in text
    assert (tmp_path / "bad" / "movers_by_age.png").exists()
    saved = json.loads((tmp_path / "bad" / "validation_metrics.json").read_text())
    assert saved["all_passed"] is False
    rows = saved["movers_by_age"]["rows"]
    assert saved["movers_by_age"]["basis"] == "2008"
    assert all(r["simulated_per_1000"] == pytest.approx(r["reference_per_1000"]) for r in rows)


def test_ensemble_mean_averages_runs(perfect, flat):
    """Several backcast runs are compared through their mean: two copies of the observed
    history are the observed history; the observed and a flat one meet halfway."""
    twice = backcast.ensemble_mean([perfect, perfect])
    assert metrics.metrics(twice)["periods"]["2015-2025"]["growth_r"] == pytest.approx(1.0)
    half = backcast.ensemble_mean([perfect, flat])
    obs = perfect.kommuner.set_index(["kommunenummer", "year"])["population"]
    low = flat.kommuner.set_index(["kommunenummer", "year"])["population"]
    got = half.kommuner.set_index(["kommunenummer", "year"])["population"]
    assert got.to_numpy() == pytest.approx(((obs + low) / 2).reindex(got.index).to_numpy())


def test_the_ceiling_predicts_each_kommune_from_a_line_fitted_without_it():
    import numpy as np

    from sim.validation import ceiling

    rng = np.random.default_rng(3)
    x = pd.DataFrame(rng.normal(size=(30, 3)), columns=["a", "b", "c"])
    y = pd.Series(x["a"] - 0.5 * x["b"] + rng.normal(size=30))
    left_out = []
    for i in range(30):                  # refit without each point, by hand
        others = np.delete(np.arange(30), i)
        design = np.column_stack([np.ones(29), x.to_numpy()[others]])
        beta = np.linalg.lstsq(design, y.to_numpy()[others], rcond=None)[0]
        left_out.append(beta[0] + x.to_numpy()[i] @ beta[1:])
    r, _ = ceiling.leave_one_out_r(x, y)
    assert r == pytest.approx(np.corrcoef(left_out, y)[0, 1], abs=1e-12)
    # nearest neighbours: two groups far apart; each point's 2 nearest are its own group's
    x = pd.DataFrame({"a": [0.0, 1.0, 2.0, 10.0, 11.0, 12.0]})
    y = pd.Series([1.0, 2.0, 3.0, 10.0, 20.0, 30.0])
    want = [2.5, 2.0, 1.5, 25.0, 20.0, 15.0]
    assert ceiling.nearest_r(x, y, 2) == pytest.approx(np.corrcoef(want, y)[0, 1])


def test_no_forecast_from_the_facts_of_2015_reaches_the_target_r():
    """The validation's ceiling on the pack's data (docs/validation.md): below 0.80."""
    from sim.validation import ceiling

    c = ceiling.ceiling()
    assert len(c["facts"]) == 15
    assert 0.75 < c["line_r"] < c["nearest_r"] < 0.80
