"""Sensitivity analysis: factors reach the runs through the scenario, Morris and Sobol write
their indices, runs and chart, a strong factor shows as strong, and bad factors are refused."""

from __future__ import annotations

import json

import pandas as pd
import pytest
import yaml
from conftest import short_classroom
from typer.testing import CliRunner

from sim.cli import app
from sim.experiments.sensitivity import (
    default_factor_names,
    parse_factor,
    run_sensitivity,
    with_factors,
)
from sim.output.store import Store, store_root
from sim.parameters import ParameterSet
from sim.scenario.errors import ScenarioError
from sim.scenario.files import load_scenario

runner = CliRunner()
PREMIUM = {"type": "flyttepremie", "where": {"kommuner": ["K05", "K06"]},
           "parameters": {"premium_nok": 150000}}


def classroom_with_premium(folder, years: int):
    return short_classroom(folder, years=years, policies=[PREMIUM])


def test_factors_reach_the_scenario(tmp_path):
    spec = load_scenario(classroom_with_premium(tmp_path, years=2))
    factors = [parse_factor(spec, name) for name in (
        "migration.distance_coefficient", "migration.stay_coefficients.owner=-1:-0.5",
        "migration.stage_weights.amenity.young", "demography.fertility_tfr",
        "migration.leave_home_ages.1", "policies[0].premium_nok=0:300000")]
    distance, owner, _, tfr, leave, premium = factors
    assert (distance.low, distance.high) == pytest.approx((1.2, 1.8))   # ±20 % of 1.5
    assert (owner.low, owner.high) == (-1.0, -0.5)
    assert tfr.default == pytest.approx(ParameterSet()["demography.fertility_tfr"].at(2026))
    assert leave.integer and premium.default == 150000
    varied = with_factors(spec, factors, [1.7, -0.6, 3.0, 1.9, 31.4, 50000])
    params = ParameterSet(varied.parameters)
    assert params.value("migration.distance_coefficient") == 1.7
    stay = params.value("migration.stay_coefficients")
    assert stay["owner"] == -0.6 and stay["jobless"] == 0.5          # the rest untouched
    assert params.value("migration.stage_weights")["amenity"] == {
        "young": 3.0, "family": 0.5, "adult": 0.8, "senior": 0.3}
    assert params.value("demography.fertility_tfr", 2040) == 1.9       # a constant path
    assert params.value("migration.leave_home_ages") == [18, 31]       # integer, rounded
    assert varied.policies[0].parameters["premium_nok"] == 50000
    assert spec.parameters == {} and spec.policies[0].parameters["premium_nok"] == 150000
    assert default_factor_names(spec)[-1] == "policies[0].premium_nok"


def test_morris_finds_fertility_drives_population_and_writes_its_files(tmp_path):
    path = classroom_with_premium(tmp_path, years=5)
    out = tmp_path / "sens"
    result = runner.invoke(app, ["sensitivity", str(path), "--method", "morris", "--samples",
                                 "2", "--params", "demography.fertility_tfr=1.0:2.0",
                                 "--params", "policies[0].premium_nok=0:300000",
                                 "--output", "norway", "--workers", "2", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert {p.name for p in out.iterdir()} == {"indices.csv", "samples.csv", "indices.png",
                                               "sensitivity.json"}
    indices = pd.read_csv(out / "indices.csv").set_index("parameter")
    assert list(indices.columns) == ["mu", "mu_star", "sigma", "mu_star_conf"]
    fertility = indices.loc["demography.fertility_tfr"]
    assert fertility["mu"] > 0                         # more children, more people
    assert fertility["mu_star"] > indices.loc["policies[0].premium_nok", "mu_star"]
    samples = pd.read_csv(out / "samples.csv")
    assert len(samples) == 2 * (2 + 1) and samples["output"].nunique() > 1
    assert (out / "indices.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    meta = json.loads((out / "sensitivity.json").read_text())
    assert meta["runs"] == 6 and meta["output"] == "norway"
    entry = Store(store_root()).entries(kind="sensitivity").iloc[0]
    assert entry["status"] == "complete"
    shown = runner.invoke(app, ["runs", "show", entry["id"]])
    assert "demography.fertility_tfr" in shown.output


def test_sobol_gives_first_and_total_order_indices(tmp_path):
    spec = load_scenario(classroom_with_premium(tmp_path, years=2))
    factors = [parse_factor(spec, "demography.fertility_tfr=1.0:2.0"),
               parse_factor(spec, "policies[0].premium_nok=0:300000")]
    result = run_sensitivity(spec, "sobol", factors, samples=2, output="target", workers=1)
    assert list(result.indices.columns) == ["parameter", "S1", "S1_conf", "ST", "ST_conf"]
    assert len(result.samples) == 2 * (2 + 2)
    assert result.meta["output_kommuner"] == ["K05", "K06"]


@pytest.mark.parametrize("args, message", [
    (["--params", "migration.distanse_coefficient"], "did you mean migration.distance"),
    (["--params", "migration.stay_coefficients.owners"], "has no 'owners'"),
    (["--params", "policies[0].premium_nok=-5:10"], "must not be negative"),
    (["--params", "policies[3].premium_nok"], "has 1 policies"),
    (["--params", "migration.distance_coefficient=2:1"], "low must be below high"),
    (["--params", "migration.distance_coefficient=a:b"], "name=low:high"),
    (["--method", "sobol", "--samples", "6"], "power of 2"),
    (["--method", "fast"], "morris or sobol"),
    (["--output", "K99"], "--output K99"),
])
def test_sensitivity_refuses_bad_factors(tmp_path, args, message):
    path = classroom_with_premium(tmp_path, years=2)
    result = runner.invoke(app, ["sensitivity", str(path), *args, "--out", str(tmp_path / "s")])
    assert result.exit_code == 2 and message in result.output, result.output
    assert not (tmp_path / "s").exists()


def test_a_zero_default_needs_a_range(tmp_path):
    raw = yaml.safe_load(classroom_with_premium(tmp_path, years=2).read_text())
    raw["policies"][0]["parameters"]["premium_nok"] = 0
    path = tmp_path / "zero.yaml"
    path.write_text(yaml.safe_dump(raw))
    with pytest.raises(ScenarioError, match="give one as"):
        parse_factor(load_scenario(path), "policies[0].premium_nok")
