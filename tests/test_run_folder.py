"""The run folder is the output contract later tools and users rely on."""

from __future__ import annotations

import json

import pandas as pd
import yaml
from typer.testing import CliRunner

from sim.cli import app


def test_cli_run_writes_the_contract(tmp_path):
    scenario = tmp_path / "tiny.yaml"
    scenario.write_text(yaml.safe_dump({"name": "tiny", "start_year": 2026, "end_year": 2028,
                                        "persons_per_agent": 50, "seed": 3}))
    out = tmp_path / "run"
    result = CliRunner().invoke(app, ["run", str(scenario), "--out", str(out), "--seed", "4"])
    assert result.exit_code == 0, result.output
    assert "population" in result.output and "2028" in result.output
    names = {p.name for p in out.iterdir()}
    assert {"national.csv", "kommuner.csv", "kommuner.parquet", "scenario.yaml", "run.json",
            "population.png"} <= names
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".run.")]  # no temp left

    nat = pd.read_csv(out / "national.csv")
    assert list(nat.columns) == ["year", "population", "births", "deaths", "immigration",
                                 "emigration", "internal_moves"]
    assert nat["year"].tolist() == [2026, 2027, 2028]
    assert nat["births"].iloc[-1] != nat["births"].iloc[-1]  # NaN: last row is stock only
    kom = pd.read_csv(out / "kommuner.csv", dtype={"kommunenummer": str})
    assert list(kom.columns) == ["kommunenummer", "year", "population", "births", "deaths",
                                 "in_domestic", "out_domestic", "immigration", "emigration"]
    assert kom["kommunenummer"].nunique() == 357 and len(kom) == 357 * 3
    pq = pd.read_parquet(out / "kommuner.parquet")
    assert len(pq) == len(kom)
    # figures are persons: every count is a multiple of persons_per_agent
    assert (kom["population"] % 50 == 0).all()
    resolved = yaml.safe_load((out / "scenario.yaml").read_text())
    assert resolved["seed"] == 4 and resolved["immigration"]["alternative"] == "main"
    meta = json.loads((out / "run.json").read_text())
    assert meta["seed"] == 4 and meta["wall_time_s"] > 0 and "version" in meta
