"""Sizing a policy lever: the sweep's effect rises with a relocation premium and its files hold
one row per level; a level outside the lever's bounds is refused before anything runs; the
target search finds the smallest level that meets a reachable goal, says so when no level
does or the lowest already does, and refuses a goal it cannot read.

The runs are the classroom landscape, five years, with a premium in two of its villages
(Nesøy and Skogbygd), on two or three seeds."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from conftest import short_classroom
from typer.testing import CliRunner

from sim.cli import app
from sim.experiments.sweep import COLUMNS, parse_levels, parse_lever, parse_set
from sim.experiments.target import (
    FOUND,
    GOAL_GRAMMAR,
    LOWEST,
    NONE,
    Goal,
    Point,
    parse_goal,
    run_target,
    search,
)
from sim.scenario.errors import ScenarioError
from sim.scenario.files import load_scenario

runner = CliRunner()
YEARS = 5
END = 2026 + YEARS
VILLAGES = ["K05", "K06"]
LEVER = "policies[0].parameters.premium_nok"
HIGH = 1_000_000             # NOK per adult mover: a premium that surely draws people
WORKERS = ["--workers", "1"]


@pytest.fixture
def files(tmp_path):
    """The scenario (the premium in two villages) and its baseline (no policy)."""
    premium = {"type": "flyttepremie", "where": {"kommuner": VILLAGES},
               "parameters": {"premium_nok": 100_000}}
    (tmp_path / "scenario").mkdir()
    (tmp_path / "baseline").mkdir()
    return (short_classroom(tmp_path / "scenario", YEARS, policies=[premium]),
            short_classroom(tmp_path / "baseline", YEARS))


# ----- the lever, its levels and the goal ----------------------------------------------------
def test_both_spellings_of_a_lever_and_evenly_spaced_levels(files):
    spec = load_scenario(files[0])
    long, short = parse_lever(spec, LEVER), parse_lever(spec, "policies[0].premium_nok")
    assert long.factor == short.factor and long.allowed == (0, 5_000_000)
    lever, levels = parse_set(spec, f"{LEVER}=0:300000:7")
    assert levels == [0, 50_000, 100_000, 150_000, 200_000, 250_000, 300_000]
    for bad in ("0:300000", "0:300000:1", "300000:0:3", "a:b:3"):
        with pytest.raises(ScenarioError, match="low:high:n"):
            parse_levels(lever, bad)
    with pytest.raises(ScenarioError, match="has 1 policies"):
        parse_lever(spec, "policies[1].premium_nok")


def test_the_goal_parser():
    assert parse_goal("population 2040 >= population 2026") == Goal(2040, ">=", 2026)
    assert parse_goal("  Population 2035<=120000.5 ") == Goal(2035, "<=", number=120000.5)
    assert str(parse_goal("population 2040 >= 1000")) == "population 2040 >= 1000"
    pop = {2026: 100.0, 2040: 90.0}
    assert parse_goal("population 2040 >= population 2026").margin(pop) == -10
    assert parse_goal("population 2040 <= population 2026").margin(pop) == 10
    assert parse_goal("population 2040 <= 95").margin(pop) == 5
    for bad in ("population 2040 > population 2026", "population 2040 >= population",
                "pop 2040 >= 2026", "population 2040 == 5", "2040 >= population 2026",
                "population 2040 >= -5", "population 2040 >= population 2026 and more", ""):
        with pytest.raises(ScenarioError) as err:
            parse_goal(bad)
        assert GOAL_GRAMMAR in str(err.value)


def test_the_search_halves_to_the_smallest_level_that_meets():
    evaluated = []

    def evaluate(levels):              # the goal is met from 37.3 up
        evaluated.extend(levels)
        return [Point(x, (x - 37.3,), x, 37.3) for x in levels]

    found = search(evaluate, 0, 100, tolerance=2)
    assert found.outcome == FOUND and evaluated[:2] == [0, 100]
    miss, meet = found.interval
    assert miss < 37.3 <= meet == found.point.level and meet - miss < 2
    assert len(evaluated) == 2 + 6                          # 100 / 2**6 < 2
    assert search(evaluate, 40, 100, 2).outcome == LOWEST
    nothing = search(evaluate, 0, 30, 2)
    assert nothing.outcome == NONE and nothing.point.level == 30
    assert search(evaluate, 0, 100, 0.1, integer=True).point.level == 38


# ----- the sweep -----------------------------------------------------------------------------
def _sweep(scenario, baseline, out, levels: str):
    """``livskraft sweep`` of the premium at ``levels`` (low:high:n), two seeds."""
    return runner.invoke(app, ["sweep", str(scenario), "--set", f"{LEVER}={levels}",
                               "--baseline", str(baseline), "--seeds", "2", "--out", str(out),
                               *WORKERS])


def test_the_sweep_effect_rises_with_the_premium(files, tmp_path):
    scenario, baseline = files
    out = tmp_path / "sweep"
    result = _sweep(scenario, baseline, out, f"0:{HIGH}:3")
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out / "sweep.csv")
    assert list(table.columns) == list(COLUMNS)
    assert table["level"].tolist() == [0, HIGH // 2, HIGH]
    effect = table["target_diff_median"].tolist()
    assert effect[0] == 0 < effect[1] < effect[2]            # the same seeds: 0 means none
    assert (table["total_cost_nok"].iloc[1:] > 0).all()
    assert table["cost_per_extra_resident_year"].iloc[1:].gt(0).all()
    meta = json.loads((out / "sweep.json").read_text())
    assert meta["target_kommuner"] == VILLAGES and meta["effect_year"] == END
    assert len(meta["rows"]) == 3 and (out / "sweep.png").stat().st_size > 0
    assert "500,000" in result.output and "sweep.csv" in result.output


def test_a_level_outside_the_bounds_is_refused_before_anything_runs(files, tmp_path):
    scenario, baseline = files
    out = tmp_path / "sweep"
    result = _sweep(scenario, baseline, out, "0:6000000:3")
    assert result.exit_code == 2, result.output
    message = " ".join(result.output.split())
    assert "must be between 0 and 5,000,000 NOK per adult mover" in message
    assert "got 6000000" in message and "Traceback" not in message
    assert not out.exists() and sorted(p.name for p in tmp_path.iterdir()) == [
        "baseline", "scenario"]


# ----- the target search ---------------------------------------------------------------------
def test_the_target_search_finds_the_smallest_level_meeting_a_reachable_goal(files, tmp_path):
    spec = load_scenario(files[0])
    lever = parse_lever(spec, LEVER)
    # the villages' population at both ends of the range: a goal halfway is reachable
    ends = run_target(spec, lever, parse_goal(f"population {END} >= 0"), seeds=2, low=0,
                      high=HIGH, workers=1).meta
    assert ends["outcome"] == LOWEST and ends["level"] == 0
    low_end, high_end = (e["left_median"] for e in ends["evaluations"])
    assert high_end - low_end > 10
    goal = f"population {END} >= {round((low_end + high_end) / 2)}"
    out = tmp_path / "target"
    result = runner.invoke(app, ["target", str(files[0]), "--lever", LEVER, "--goal", goal,
                                 "--seeds", "2", "--range", f"0:{HIGH}", "--tolerance",
                                 "100000", "--out", str(out), *WORKERS])
    assert result.exit_code == 0, result.output
    meta = json.loads((out / "target.json").read_text())
    assert meta["outcome"] == FOUND and 0 < meta["level"] <= HIGH
    met = [e["level"] for e in meta["evaluations"] if e["met"]]
    missed = [e["level"] for e in meta["evaluations"] if not e["met"]]
    assert meta["level"] == min(met)
    below = max(x for x in missed if x < meta["level"])
    assert meta["interval"] == [below, meta["level"]] and meta["level"] - below < 100_000
    assert meta["at"]["margin_median"] >= 0 and 1 <= meta["at"]["seeds_meeting"] <= 2
    assert "smallest level meeting it" in " ".join(result.output.split())
    assert len(pd.read_csv(out / "levels.csv")) == len(meta["evaluations"]) == 2 + 4


def test_an_impossible_goal_has_no_level(files, tmp_path):
    out = tmp_path / "target"
    result = runner.invoke(app, ["target", str(files[0]), "--lever", LEVER, "--goal",
                                 f"population {END} >= 1000000", "--seeds", "2", "--out",
                                 str(out), *WORKERS])
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert "no level of" in text and "within its allowed range (0–5,000,000" in text
    meta = json.loads((out / "target.json").read_text())
    assert meta["outcome"] == NONE and meta["level"] is None
    assert [e["level"] for e in meta["evaluations"]] == [0, 5_000_000]


def test_a_malformed_goal_is_refused_before_anything_runs(files, tmp_path):
    out = tmp_path / "target"
    result = runner.invoke(app, ["target", str(files[0]), "--lever", LEVER, "--goal",
                                 "population 2031 > 1700", "--seeds", "2", "--out", str(out)])
    assert result.exit_code == 2, result.output
    message = " ".join(result.output.split())
    assert "not a goal" in message and "population YEAR >= population YEAR" in message
    assert not out.exists()
