"""The analyst's answer from compare: the split of a package among its policies (Shapley and
leave-one-out on common seeds) and the budget window; each identity holds on a small
landscape."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from sim.cli import app
from sim.experiments import attribution
from sim.experiments.compare import compare
from sim.scenario.files import load_scenario
from tests.conftest import short_classroom

VILLAGES = {"kommuner": ["K03", "K04", "K05", "K06", "K07"]}
PACKAGE = [
    {"type": "income_tax_relief", "where": VILLAGES, "parameters": {"percentage_points": 5}},
    {"type": "flyttepremie", "where": VILLAGES, "parameters": {"premium_nok": 200000}},
    {"type": "startlan", "where": VILLAGES},
]
SEEDS = 3


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("analyst")
    base = short_classroom(folder, 6)
    pkg = folder / "package.yaml"
    raw = load_scenario(base).model_dump(mode="json")
    pkg.write_text(json.dumps({**raw, "name": "package", "policies": PACKAGE}), "utf-8")
    return base, pkg


@pytest.fixture(scope="module")
def split_result(files):
    base, pkg = files
    return compare(load_scenario(base), load_scenario(pkg), SEEDS, split=True)


def test_shapley_values_of_a_small_game_are_exact():
    v = {(): np.array([0.0]), (0,): np.array([1.0]), (1,): np.array([2.0]),
         (0, 1): np.array([5.0])}
    assert attribution.shapley(v, 2)[:, 0] == pytest.approx([2.0, 3.0])
    assert attribution.leave_one_out(v, 2)[:, 0] == pytest.approx([3.0, 4.0])


def test_the_split_sums_to_the_package_effect(split_result):
    s = split_result.summary
    att = s["attribution"]
    assert att["players"] == ["income_tax_relief", "flyttepremie", "startlan"]
    for measure in attribution.MEASURES:
        parts = sum(att[measure][p]["shapley"]["mean"] for p in att["players"])
        assert parts == pytest.approx(att["package"][measure]["mean"], abs=0.5)
    # the medians of the parts add up to about the package's median: medians do not add
    # exactly (the means do, above), so within half the package's 5-95 % band of it
    parts = sum(att["effect"][p]["shapley"]["median"] for p in att["players"])
    half_band = (s["target_diff_p95"] - s["target_diff_p05"]) / 2
    assert abs(parts - s["target_diff_median"]) <= half_band + 1, (parts, s["target_diff_median"],
                                                                   half_band)
    assert att["package"]["effect"]["median"] == pytest.approx(s["target_diff_median"])
    assert att["package"]["cost"]["mean"] == pytest.approx(s["total_cost_nok"], abs=1)
    # each policy's own cost lands on it: startlån is the kommune's, the others the state's
    assert att["cost"]["startlan"]["shapley"]["mean"] > 0
    assert att["effect"]["flyttepremie"]["shapley"]["median"] > 0


def test_the_budget_window_sums_to_the_total_cost(split_result):
    s = split_result.summary
    b = s["budget"]
    years = [row["year"] for row in b["by_year"]]
    assert years == list(range(s["years"][0], s["years"][1]))
    assert sum(r["gross"] for r in b["by_year"]) == pytest.approx(s["total_cost_nok"], abs=10)
    assert sum(r["nok"] for r in b["by_policy"]) == pytest.approx(s["total_cost_nok"], abs=10)
    for r in b["by_year"]:
        assert r["gross"] == pytest.approx(r["state"] + r["fylke"] + r["kommune"], abs=2)
        assert r["net_public"] == pytest.approx(r["gross"] - r["tax_paid_back"], abs=2)
    t = b["totals"]
    assert t["kommune"] > 0 and t["state"] > 0          # startlån; tax relief and premium
    assert t["target_kommune_income"] > 0               # the villages gain inhabitants


def test_compare_split_writes_the_tables(files, tmp_path):
    base, pkg = files
    out = tmp_path / "cmp"
    result = CliRunner().invoke(app, ["compare", str(base), str(pkg), "--seeds", "2",
                                      "--split", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert {"compare.csv", "compare.json", "budget.csv", "attribution.csv"} <= {
        p.name for p in out.iterdir()}
    assert "split of the effect" in result.output and "budget" in result.output


def test_split_refuses_a_scenario_without_policies(files, tmp_path):
    base, _ = files
    result = CliRunner().invoke(app, ["compare", str(base), str(base), "--seeds", "1",
                                      "--split", "--out", str(tmp_path / "x")])
    assert result.exit_code == 2
    assert "no policies to attribute" in result.output
    assert not (tmp_path / "x").exists()


def test_the_channel_split_sums_to_the_effect(split_result):
    """The why of an effect: each channel switched on and off on common seeds; with every
    channel off the policies do nothing (the baseline's population, to the person)."""
    ch = split_result.summary["channels"]
    assert ch["players"] == ["income", "housing"]
    off = ch["effect"][attribution.NO_CHANNEL]["shapley"]
    assert off["median"] == off["p05"] == off["p95"] == 0
    parts = sum(ch["effect"][c]["shapley"]["mean"] for c in ch["players"])
    assert parts == pytest.approx(ch["package"]["effect"]["mean"], abs=0.5)
    assert ch["effect"]["income"]["shapley"]["median"] > 0


def test_a_channel_switched_off_silences_the_policy():
    from sim.model import SettlementModel
    from sim.scenario.files import parse_scenario

    raw = {"name": "off", "start_year": 2026, "end_year": 2027, "seed": 1,
           "persons_per_agent": 50, "geography": {"fylker": ["50"]},
           "policies": [{"type": "income_tax_relief", "where": {"centrality": [5, 6]}}]}
    on = SettlementModel(parse_scenario(raw))
    on.step()
    off = SettlementModel(parse_scenario({**raw, "parameters": {
        "policies.channels_off": ["income"]}}))
    off.step()
    assert on.hooks.terms.max() > 0 and off.hooks.terms.max() == 0
    bad = {**raw, "parameters": {"policies.channels_off": ["wishes"]}}
    with pytest.raises(Exception, match="list of channels"):
        parse_scenario(bad)


def test_other_settings_are_their_own_part(files, tmp_path):
    """A scenario that differs from the baseline beyond its policies (here: no immigration)
    gets that difference as 'other settings', and the parts still add up."""
    base, _ = files
    raw = load_scenario(base).model_dump(mode="json")
    raw.update(name="premium-no-immigration", immigration={"alternative": "zero"},
               policies=[PACKAGE[1]])
    path = tmp_path / "other.yaml"
    path.write_text(json.dumps(raw), "utf-8")
    s = compare(load_scenario(base), load_scenario(path), 2, split=True).summary
    att = s["attribution"]
    assert set(att["effect"]) == {"flyttepremie", attribution.OTHER}
    total = att["effect"]["flyttepremie"]["shapley"]["mean"] + att["effect"][
        attribution.OTHER]["shapley"]["mean"]
    assert total == pytest.approx(att["package"]["effect"]["mean"], abs=0.5)
    assert att["effect"][attribution.OTHER]["shapley"]["median"] < 0   # no immigrants


def test_a_baseline_that_runs_longer_is_costed_over_the_common_years_only(tmp_path):
    """froya-housing ends in 2046, the baseline in 2050: the baseline's later costs (the
    regime's, a policy's) must not count against the scenario."""
    policy = {"type": "service_investment", "where": {"kommuner": ["K05"]},
              "parameters": {"nok_per_inhabitant": 5000}}
    long = load_scenario(short_classroom(tmp_path, years=4, policies=[policy],
                                         persons_per_agent=10,
                                         parameters={"spinup.years": 0}))   # (as long as
    # both runs, as in real scenarios: the spin-up stops at a scenario's end)
    short = long.model_copy(update={"end_year": long.end_year - 2, "name": "short"})
    result = compare(long, short, seeds=1)
    assert result.summary["years"] == [long.start_year, long.start_year + 2]
    assert result.summary["total_cost_nok"] == 0
    assert all(v == 0 for v in result.summary["total_cost_nok_by_payer"].values())
