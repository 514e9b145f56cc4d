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


def test_a_household_sent_into_the_focus_becomes_copies_with_the_same_make_up():
    pop = _table()
    added, copy = focus.clone(pop, np.array([0, 1, 2]), np.array([0, 0, 1]),
                              np.array([3, 1]))      # the family of two x3, the single x1
    assert len(added) == 7 and len(pop) == 10
    assert copy.tolist() == [0, 1, 2, 0, 1, 2, 3]
    assert sorted(pop.age[added].tolist()) == [8, 8, 8, 30, 40, 40, 40]
    households = pop.household[added]
    assert len(set(households.tolist())) == 4                    # four new households
    assert not set(households.tolist()) & set(pop.household[:3].tolist())
    assert (households[copy == 1] == households[copy == 1][0]).all()
    assert (pop.ties[added] == pop.ties[0]).all() and len(set(pop.pid.tolist())) == 10


def test_one_coarse_agent_is_taken_out_for_every_coarse_households_sent():
    rng = np.random.default_rng(3)
    sent = rng.integers(0, 4, size=2000).astype(float)
    picked, carry = focus.systematic(sent, 50, 30.0, rng)
    assert picked.sum() == (30 + sent.sum()) // 50 and carry == (30 + sent.sum()) % 50
    assert not picked[sent == 0].any()
    # each with chance sent / 50: the senders of 3 picked three times as often as those of 1
    share = [picked[sent == s].mean() for s in (1, 3)]
    assert 2.0 < share[1] / share[0] < 4.0


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


def test_a_coarse_unit_sends_households_into_the_focus_as_its_households_would_choose():
    from sim.processes import choice, into_focus

    cum = np.zeros((1, 3, 3))
    cum[0, 0] = [0.5, 0.8, 1.0]                  # from kommune 0: 50 %, 30 %, 20 % (focus)
    n = 20_000
    kommune = np.full((n, 1), -1)
    delta = np.zeros((n, 1))
    kommune[n // 2:, 0] = 2                      # half have ties in the focus kommune:
    delta[n // 2:, 0] = np.log(3.0)              # weight 0.2 x 3 against 0.8, so 0.6 / 1.4
    sparse = choice.Sparse(kommune, delta, np.zeros((n, 1), np.int64))
    rows, origins = np.zeros(n, np.int64), np.zeros(n, np.int64)   # type 0 from kommune 0
    rng = np.random.default_rng(5)
    flat = cum.reshape(3, 3)
    dest = choice.draw(flat, rows, sparse, rng)
    scale = Scale(np.array([50, 50, 1]), 50)
    s = into_focus.split_units(flat, rows, origins, sparse, dest, scale, rng)
    for part, p in ((slice(0, n // 2), 0.2), (slice(n // 2, n), 0.6 / 1.4)):
        copies = s.copies[part]
        assert abs(copies.mean() - 50 * p) < 0.1, (copies.mean(), p)       # binomial(50, p)
        assert abs(copies.var() / (50 * p * (1 - p)) - 1) < 0.05
    assert not scale.in_focus[s.dest].any()                 # the agents stay outside
    assert s.dropped.sum() == s.copies.sum() // 50 and scale.sent == s.copies.sum() % 50
    assert (s.dest[s.dropped] == 0).all() and (s.copy_dest == 2).all()
    assert len(s.copy_unit) == s.copies.sum()
    # outside the focus the agents go where their households would: 50 : 30 of the rest
    moved = s.dest[~s.dropped & (np.arange(n) < n // 2)]
    assert abs((moved == 1).mean() - 0.3 / 0.8) < 0.02


def test_who_left_each_kommune_by_age_adds_up_to_its_moves_out():
    """``leavers_by_age`` (the classroom's "who left") counts the same persons as the moves
    out in ``moves_by_reason``, with and without a focus."""
    for changes in ({"persons_per_agent": 1}, {"persons_per_agent": 10, "focus": ["K05"]}):
        m = SettlementModel(_classroom(seed=2, end_year=2030, **changes))
        m.run()
        t = m.records.tables()
        out = t["moves_by_reason"][t["moves_by_reason"]["direction"] == "out"]
        by_reason = out.groupby(["year", "kommunenummer"])["persons"].sum()
        by_age = t["leavers_by_age"].groupby(["year", "kommunenummer"])["persons"].sum()
        assert len(by_age) > 10
        assert (by_age.sort_index() - by_reason.sort_index()).abs().max() <= 1, changes
