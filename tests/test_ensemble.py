"""Ensembles: the same seeds give the same results on a process pool and on a Dask cluster,
the folder holds one run folder per seed and the bands over seeds, and the engine returns
results in job order."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
import yaml
from conftest import CLASSROOM, short_classroom
from typer.testing import CliRunner

from sim.cli import app
from sim.experiments.ensemble import population_bands, run_ensemble
from sim.experiments.pool import run_jobs
from sim.output.store import Store, store_root
from sim.scenario.files import load_scenario, parse_scenario

SEEDS = 4
RUN_FOLDER = {"national.csv", "kommuner.csv", "kommuner.parquet", "policy_costs.csv",
              "moves_by_reason.csv", "movers_by_age.csv", "leavers_by_age.csv",
              "indicators.csv",
              "age_structure.csv", "refugee_stays.csv", "jobs_by_sector.csv",
              "attractiveness.csv", "capacity.csv", "scenario.yaml", "run.json",
              "population.png"}


def test_ensemble_is_the_same_per_seed_on_dask_and_a_process_pool(tmp_path):
    path = short_classroom(tmp_path, years=5)
    pool = run_ensemble(load_scenario(path), SEEDS, out_dir=tmp_path / "pool", engine="local",
                        workers=2)
    result = CliRunner().invoke(app, ["ensemble", str(path), "--seeds", str(SEEDS),
                                      "--engine", "dask", "--workers", "2",
                                      "--out", str(tmp_path / "dask")])
    assert result.exit_code == 0, result.output
    dask, local = tmp_path / "dask", tmp_path / "pool"
    assert {p.name for p in dask.iterdir()} == {*(f"seed-{s}" for s in range(1, SEEDS + 1)),
                                                "bands.csv", "ensemble.json"}
    for s in range(1, SEEDS + 1):
        assert {p.name for p in (dask / f"seed-{s}").iterdir()} == RUN_FOLDER
        a = pd.read_csv(local / f"seed-{s}" / "kommuner.csv")
        b = pd.read_csv(dask / f"seed-{s}" / "kommuner.csv")
        pd.testing.assert_frame_equal(a, b)
        pd.testing.assert_frame_equal(pd.read_csv(local / f"seed-{s}" / "moves_by_reason.csv"),
                                      pd.read_csv(dask / f"seed-{s}" / "moves_by_reason.csv"))
        assert yaml.safe_load((dask / f"seed-{s}" / "scenario.yaml").read_text())["seed"] == s
    # different seeds are different runs
    first = pd.read_csv(local / "seed-1" / "kommuner.csv")
    second = pd.read_csv(local / "seed-2" / "kommuner.csv")
    assert not first["population"].equals(second["population"])
    bands = pd.read_csv(dask / "bands.csv", dtype={"area": str})
    assert list(bands.columns) == ["area", "year", "p05", "median", "p95"]
    pd.testing.assert_frame_equal(bands, pd.read_csv(local / "bands.csv", dtype={"area": str}))
    pd.testing.assert_frame_equal(bands, pool.bands.astype({"year": "int64"}),
                                  check_dtype=False)
    assert set(bands["area"]) == {"norway", *first["kommunenummer"]}
    assert ((bands["p05"] <= bands["median"]) & (bands["median"] <= bands["p95"])).all()
    assert (bands["p05"] < bands["p95"]).any()          # seeds differ, so bands have width
    assert "median" in result.output and "seed-<n>" in result.output
    entry = Store(store_root()).entries(kind="ensemble").iloc[0]
    assert entry["status"] == "complete" and list(entry["seeds"]) == [1, 2, 3, 4]


def test_bands_are_percentiles_over_seeds():
    rows = [(seed, code, year, float(seed * 10 + (code == "B")))
            for seed in range(1, 6) for code in ("A", "B") for year in (2026, 2027)]
    pop = pd.DataFrame(rows, columns=["seed", "kommunenummer", "year", "population"])
    bands = population_bands(pop).set_index(["area", "year"])
    assert bands.loc[("A", 2026), "median"] == 30
    assert bands.loc[("A", 2026), "p05"] == pytest.approx(np.percentile([10, 20, 30, 40, 50], 5))
    assert bands.loc[("B", 2027), "p95"] == pytest.approx(np.percentile([11, 21, 31, 41, 51],
                                                                        95))
    assert bands.loc[("norway", 2026), "median"] == 61          # 30 + 31, per seed then median


def test_engine_keeps_job_order_and_raises_a_jobs_error():
    done = []
    out = run_jobs(math.sqrt, [16.0, 1.0, 9.0, 4.0], workers=2,
                   on_done=lambda i, r: done.append(i))
    assert out == [4.0, 1.0, 3.0, 2.0] and sorted(done) == [0, 1, 2, 3]
    with pytest.raises(ValueError):
        run_jobs(math.sqrt, [4.0, -1.0], workers=2)
    with pytest.raises(ValueError, match="engine"):
        run_jobs(math.sqrt, [4.0], engine="spark")


def test_ensemble_cli_refuses_bad_options(tmp_path):
    for args, message in ((["--seeds", "0"], "--seeds"), (["--engine", "spark"], "--engine"),
                          (["--address", "tcp://127.0.0.1:1"], "--address"),
                          (["--workers", "0"], "--workers")):
        result = CliRunner().invoke(app, ["ensemble", str(CLASSROOM), *args,
                                          "--out", str(tmp_path / "e")])
        assert result.exit_code == 2 and message in result.output, result.output
    assert not (tmp_path / "e").exists()


def test_ensemble_of_a_scenario_variant_keeps_persons_per_agent(tmp_path):
    raw = load_scenario(short_classroom(tmp_path, years=2)).model_dump()
    spec = parse_scenario(raw)
    ens = run_ensemble(spec, 2, persons_per_agent=5, workers=1)
    assert ens.meta["persons_per_agent"] == 5 and ens.seeds == [1, 2]
    assert (ens.population["population"] % 5 == 0).all()


def test_an_ensemble_of_real_kommuner_carries_the_calibrated_intervals(tmp_path):
    """``livskraft ensemble`` adds the calibrated 80 % interval of the reported validation
    (``sim.validation.intervals.SHIPPED``) to bands.csv for real kommuner, not a landscape."""
    path = tmp_path / "trondelag.yaml"
    path.write_text(json.dumps({"name": "trondelag", "start_year": 2026, "end_year": 2029,
                                "persons_per_agent": 50, "geography": {"fylker": ["50"]}}))
    out = CliRunner().invoke(app, ["ensemble", str(path), "--seeds", "2", "--workers", "1",
                                   "--out", str(tmp_path / "ens")])
    assert out.exit_code == 0 and "calibrated 80 % intervals" in out.output, out.output
    bands = pd.read_csv(tmp_path / "ens" / "bands.csv", dtype={"area": str})
    kommune = bands[(bands["area"] == "5001") & (bands["year"] == 2029)].iloc[0]
    assert kommune["p10_calibrated"] < kommune["median"] < kommune["p90_calibrated"]
    land = CliRunner().invoke(app, ["ensemble", str(short_classroom(tmp_path, years=2)), "--seeds",
                                    "2", "--workers", "1", "--out", str(tmp_path / "land")])
    assert land.exit_code == 0 and "calibrated" not in land.output
