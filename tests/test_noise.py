"""The noise guard: where a kommune's figures come from fewer than a few hundred agents, the
command line and the dashboard say so (and never at one agent per person)."""

from __future__ import annotations

import numpy as np
from conftest import short_classroom
from typer.testing import CliRunner

from sim.cli import app
from sim.output import noise


def test_a_small_kommune_at_a_coarse_scale_is_thin_and_never_at_one_agent_per_person():
    persons = np.array([1_300, 15_000, 5_800, 700_000])
    assert noise.is_thin(persons, 50).tolist() == [True, False, True, False]
    assert not noise.is_thin(persons, 1).any()
    note = noise.area_note("Frøya", 5_800, 50)
    assert "116 agents" in note and "--persons-per-agent 1" in note
    assert noise.area_note("Frøya", 5_800, 10) is None


def test_run_says_how_many_kommuner_are_too_few_agents(tmp_path):
    path = short_classroom(tmp_path, years=1)
    out = CliRunner().invoke(app, ["run", str(path), "--persons-per-agent", "10",
                                   "--out", str(tmp_path / "r")])
    assert out.exit_code == 0, out.output
    assert "5 of 7 kommuner are held by fewer than 300 agents" in " ".join(out.output.split())
    exact = CliRunner().invoke(app, ["run", str(path), "--persons-per-agent", "1",
                                     "--out", str(tmp_path / "r1")])
    assert exact.exit_code == 0 and "fewer than 300 agents" not in exact.output


def test_the_dashboard_and_compare_warn_about_a_thin_target_area():
    from dashboards import logic, views
    from sim.experiments.compare import compare
    from sim.experiments.describe import describe

    spec = logic.build_scenario(logic.Settings(
        years="1", kommune="K05", persons_per_agent="10",
        policies={"service_investment": {"nok_per_inhabitant": "5000"}}))
    bundle = logic.run_bundle(spec, seeds=1, baseline=True)
    note = views.noise_note(bundle, ["K05"], "Nesøy")
    assert note.startswith("Få agenter") and "60 agents" in note
    assert views.noise_note(bundle, ["K01"], "Elvby") is None       # 6,000 agents
    lines = describe(compare(logic.without_policies(spec), spec, seeds=1))
    assert any("the target area (1 kommuner) is 60 agents" in line for line in lines)
