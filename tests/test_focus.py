"""Focus resolution: a focus area (whole commuting regions) at one agent per person and the
rest coarser; households that cross the border change scale; the focus kommune's figures
agree with a run at one agent per person everywhere; runs without a focus are unchanged
(the golden runs, ``diagnostics/golden_runs.py``, and ``test_a_run_without_focus_...``)."""

from __future__ import annotations

import numpy as np
import pytest
from typer.testing import CliRunner

from sim.cli import app
from sim.model import SettlementModel
from sim.scenario.errors import ScenarioError
from sim.scenario.files import load_scenario, parse_scenario
from sim.world import focus
from sim.world.population import Population
from sim.world.scale import Scale, focus_area

CLASSROOM = "scenarios/classroom-sentralisering.yaml"


def _classroom(**changes):
    raw = {**load_scenario(CLASSROOM).model_dump(), **changes}
    raw["immigration"]["yearly"] = {y: n for y, n in raw["immigration"]["yearly"].items()
                                    if y < raw["end_year"]}
    return parse_scenario(raw)


def test_the_focus_is_whole_commuting_regions_at_one_agent_per_person():
    region = np.array([1, 1, 2, 2, 3])
    s = Scale.of(20, region, np.array([2]))
    assert s.weight.tolist() == [20, 20, 1, 1, 20] and s.focused
    assert s.persons(np.array([1, 1, 1, 1, 1])).tolist() == [20, 20, 1, 1, 20]
    assert s.relative(np.array([1.0, 1, 20, 20, 1])).tolist() == [1, 1, 1, 1, 1]
    plain = Scale.of(20, region, np.array([], dtype=int))
    counts = np.array([3, 4, 5, 6, 7])
    assert not plain.focused and plain.relative(counts) is counts
    assert focus_area(load_scenario(CLASSROOM).geography, ["K05"]) == ["K02", "K05", "K06",
                                                                       "K07"]


def _table() -> Population:
    pop = Population()
    pop.append(kommune=np.array([0, 0, 1]), home=np.array([0, 0, 1]),
               age=np.array([40, 8, 30]), sex=np.array([0, 1, 1]), kind=np.zeros(3),
               subtype=np.zeros(3), household=pop.new_household_ids(2)[[0, 0, 1]],
               arrival_year=np.zeros(3), ties=np.array([[3, -1, -1, -1, -1, -1]] * 3))
    return pop


def test_a_household_entering_the_focus_becomes_persons_with_the_same_make_up():
    pop = _table()
    added = focus.enter(pop, np.array([0, 1]), copies=4)        # the family of two, x4
    assert len(added) == 6 and len(pop) == 9
    assert sorted(pop.age[added].tolist()) == [8, 8, 8, 40, 40, 40]
    households = pop.household[added]
    assert len(set(households.tolist())) == 3                    # three new households of 2
    assert not set(households.tolist()) & {int(pop.household[0])}
    assert (pop.ties[added] == pop.ties[0]).all() and len(set(pop.pid.tolist())) == 9


def test_every_coarse_th_household_leaving_the_focus_is_kept():
    pop = Population()
    n = 1000
    pop.append(kommune=np.zeros(2 * n), home=np.zeros(2 * n), age=np.full(2 * n, 30),
               sex=np.zeros(2 * n), kind=np.zeros(2 * n), subtype=np.zeros(2 * n),
               household=np.repeat(pop.new_household_ids(n), 2),
               arrival_year=np.zeros(2 * n))
    rng = np.random.default_rng(1)
    drop, carry = focus.leave(pop, np.arange(2 * n - 10), coarse=20, carry=7.0, rng=rng)
    kept_households = (2 * n - 10 - len(drop)) // 2
    assert kept_households == (7 + 995) // 20 and carry == (7 + 995) % 20


@pytest.fixture(scope="module")
def runs():
    """The classroom over six seeds at one agent per person, and with Fjordvik's region in
    focus and the city's at ten persons per agent."""
    out = {}
    for name, changes in (("exact", {"persons_per_agent": 1}),
                          ("focus", {"persons_per_agent": 10, "focus": ["K05"]})):
        pops = []
        for seed in range(1, 7):
            m = SettlementModel(_classroom(seed=seed, end_year=2034, **changes))
            m.run()
            pops.append({a.kommunenummer: a.population for a in m.kommune_agents})
        out[name] = pops
    return out


@pytest.mark.parametrize("code", ["K02", "K05", "K06", "K07"])
def test_the_focus_kommuners_figures_agree_with_one_agent_per_person(runs, code):
    exact = np.array([p[code] for p in runs["exact"]], dtype=float)
    focused = np.array([p[code] for p in runs["focus"]], dtype=float)
    se = np.sqrt(exact.var(ddof=1) / len(exact) + focused.var(ddof=1) / len(focused))
    assert abs(exact.mean() - focused.mean()) < 3 * max(se, 0.005 * exact.mean()), (
        code, exact, focused)


def test_a_focused_run_keeps_its_books():
    m = SettlementModel(_classroom(persons_per_agent=10, focus=["K05"], end_year=2031))
    start = m.national["population"]
    flows = 0
    while m.running:
        m.step()
        n = m.national
        flows += n["births"] - n["deaths"] + n["immigration"] - n["emigration"]
        # each agent stands for its kommune's persons: focus kommuner at one
        assert (m.scale.weight[m.population.kommune] == np.where(
            m.scale.in_focus[m.population.kommune], 1, 10)).all()
    drift = m.national["population"] - (start + flows)     # households leaving the focus,
    assert abs(drift) < 0.01 * start                       # kept one in ten on average


def test_focus_from_the_command_line_and_a_bad_focus_refused(tmp_path):
    out = CliRunner().invoke(app, ["run", CLASSROOM, "--persons-per-agent", "10",
                                   "--focus", "K05", "--out", str(tmp_path / "r")])
    assert out.exit_code == 0, out.output
    written = (tmp_path / "r" / "scenario.yaml").read_text()
    assert "focus:" in written and "K05" in written
    assert "held by fewer than 300 agents" in " ".join(out.output.split())   # region 1's
    bad = CliRunner().invoke(app, ["run", CLASSROOM, "--focus", "K99",
                                   "--out", str(tmp_path / "b")])
    assert bad.exit_code == 2 and "focus" in bad.output and "K99" in bad.output
    with pytest.raises(ScenarioError, match="focus"):
        _classroom(focus=["0301"])


def test_the_dashboard_focuses_on_the_chosen_kommune():
    from dashboards import logic

    spec = logic.build_scenario(logic.Settings(scenario="froya-housing.yaml", kommune="5014",
                                               area="norway", persons_per_agent="50",
                                               focus=True))
    assert spec.focus == ["5014"] and spec.persons_per_agent == 50
    plain = logic.build_scenario(logic.Settings(scenario="froya-housing.yaml", kommune="5014",
                                                area="norway", persons_per_agent="50"))
    assert plain.focus == []
