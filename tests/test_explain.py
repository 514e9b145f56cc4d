"""The bygdekalkulator (``livskraft explain``): a household's choice laid out in the model's
own terms. The probabilities it shows are the rates at which such households really choose
each kommune in the run; the lines add up to the utility; NOK is the income the model values
the same; bad households are refused naming the field."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from sim.experiments import explain as ex
from sim.scenario.files import load_scenario, parse_scenario

CLASSROOM = "scenarios/classroom-sentralisering.yaml"


@pytest.fixture(scope="module")
def watched():
    """The classroom at one agent per person, the movers of Fjordvik (K02) in its third
    year watched."""
    spec = load_scenario(CLASSROOM).model_copy(update={"persons_per_agent": 1})
    return ex.run_to(spec, spec.start_year + 2, watch="K02")


def _expected(model, drop: str | None = None) -> np.ndarray:
    """Sum over the watched decisions of the calculator's probabilities (optionally with one
    line left out, to show that the test would notice a wrong calculator)."""
    lines_of = ex.Lines(model)
    total = np.zeros(model.geo.size)
    for i in range(len(model.decisions.pid)):
        h, _, _ = ex.household_of(model, i)
        p, lines, _ = ex.chances(lines_of, h)
        if drop is not None:
            lines.pop(drop)
            p = ex.probabilities(lines)
        total += p
    return total


def _p_value(observed: np.ndarray, expected: np.ndarray) -> float:
    """Chi-square of the destination counts, kommuner with few expected pooled."""
    big = expected >= 5
    obs = np.append(observed[big], observed[~big].sum())
    exp = np.append(expected[big], expected[~big].sum())
    return float(stats.chisquare(obs, exp * obs.sum() / exp.sum()).pvalue)


def test_the_calculators_chances_are_the_rates_households_really_choose(watched):
    m = watched
    observed = np.bincount(m.decisions.destination, minlength=m.geo.size)
    assert observed.sum() > 300 and (observed > 0).sum() >= 5
    assert _p_value(observed, _expected(m)) > 0.001
    # the same test refuses a calculator that forgets the pull of one's own home
    assert _p_value(observed, _expected(m, drop="stay")) < 1e-6


def test_the_lines_add_up_and_nok_is_the_income_the_model_values_the_same(watched):
    m = watched
    h = ex.Household(adults=[34, 32], children=[3, 6], owner=False, lives_in="K04",
                     grew_up_in="K02", ties={"K01": 4, "K04": 2}, income_nok=900_000)
    e = ex.explain_model(m, h)
    t = e.table.set_index("kommunenummer")
    keys = list(e.lines)
    assert np.allclose(t[[f"u:{k}" for k in keys]].sum(axis=1), t["gain"])
    assert (t.loc["K04", [f"u:{k}" for k in keys]] == 0).all()        # staying: no gain
    b = float(m.params.value("policies.income_utility_coefficient"))
    assert np.allclose(t["nok"], 900_000 * np.expm1(t["gain"] / b))
    # the probabilities are the logit of the gains, weighted by the homes to choose from
    w = t["homes"] * np.exp(t["gain"])
    assert np.allclose(t["probability"], w / w.sum())
    assert t.loc["K01", "homes"] > 10 > 1 == t.loc["K04", "homes"]
    assert t.loc["K02", "u:home"] > 0 and t.loc["K01", "u:ties"] > 0
    assert t.loc["K01", "u:distance"] < 0 < t.loc["K01", "u:ties"]
    stay = float(m.params.value("migration.stay_utility"))
    assert t.loc["K01", "u:stay"] == pytest.approx(-stay)


def test_a_woman_alone_weighs_places_with_womens_weights_a_couple_with_the_mean():
    """With the sex factors set, a young woman alone gets 1.5 times a couple's amenity line
    and a young man alone half of it; without ``sexes`` a household is both."""
    spec = parse_scenario({"extends": CLASSROOM, "persons_per_agent": 10, "parameters": {
        "migration.sex_weight_factors": {"amenity": {"young": {"women": 1.5, "men": 0.5}}}}})
    m = ex.run_to(spec, spec.start_year)
    line = {}
    for sexes in ("both", "women", "men"):
        h = ex.Household(adults=[24], lives_in="K04", employed=False, sexes=sexes)
        t = ex.explain_model(m, h).table.set_index("kommunenummer")
        line[sexes] = t["u:amenity"]
    assert np.allclose(line["women"], 1.5 * line["both"])
    assert np.allclose(line["men"], 0.5 * line["both"])
    assert ex.Household(adults=[24], lives_in="K04").sexes == "both"


def test_a_tax_relief_is_its_own_line_worth_its_percentage_of_income():
    spec = parse_scenario({"extends": CLASSROOM, "persons_per_agent": 10, "policies": [
        {"type": "income_tax_relief", "where": {"kommuner": ["K05"]},
         "parameters": {"percentage_points": 3}}]})
    m = ex.run_to(spec, spec.start_year)
    h = ex.Household(adults=[30], lives_in="K01", income_nok=500_000)
    e = ex.explain_model(m, h)
    t = e.table.set_index("kommunenummer")
    line = "nok:policy:income_tax_relief"
    assert t.loc["K05", line] == pytest.approx(0.03 * 500_000, rel=1e-9)
    assert t.loc["K02", line] == 0
    assert e.lines["policy:income_tax_relief"] == ("Lavere inntektsskatt", "income tax relief")


@pytest.mark.parametrize("change, field", [
    ({"adults": [12]}, "adults"), ({"children": [30]}, "children"),
    ({"lives_in": "9999"}, "lives_in"), ({"ties": {"K99": 2}}, "ties"),
    ({"immigrant": True, "grew_up_in": "K01"}, "grew_up_in"),
    ({"sector": "space"}, "sector")])
def test_a_household_the_model_cannot_hold_is_refused_naming_the_field(watched, change,
                                                                       field):
    h = ex.Household(**{"adults": [40], "lives_in": "K01", **change})
    with pytest.raises(ex.ExplainError, match=field):
        ex.explain_model(watched, h)


def test_a_year_outside_the_scenario_is_refused():
    spec = load_scenario(CLASSROOM)
    with pytest.raises(ex.ExplainError, match="year"):
        ex.run_to(spec, spec.end_year)


def test_livskraft_explain_ranks_a_described_household_and_a_simulated_one(tmp_path):
    from typer.testing import CliRunner

    from sim.cli import app

    runner = CliRunner()
    csv = tmp_path / "family.csv"
    described = runner.invoke(app, [
        "explain", CLASSROOM, "--adults", "34,32", "--children", "3,6", "--lives-in", "K04",
        "--grew-up-in", "K04", "--ties", "K01:3,K04:4", "--persons-per-agent", "5",
        "--against", CLASSROOM, "--show", "K02", "--csv", str(csv)])
    assert described.exit_code == 0, described.output
    for text in ("Sjanse / chance", "Boligkostnad og ledige boliger / housing cost",
                 "Der du vokste opp / where you grew up", "Fjordvik K02", "Startlån"):
        assert text in described.output
    table = pd.read_csv(csv, dtype={"kommunenummer": str})
    assert table["probability"].sum() == pytest.approx(1.0)
    simulated = runner.invoke(app, ["explain", CLASSROOM, "--from", "K04", "--year", "2030",
                                    "--persons-per-agent", "2"])
    assert simulated.exit_code == 0, simulated.output
    assert "Valgte / chose" in simulated.output and "of the run" in simulated.output


@pytest.mark.parametrize("args, message", [
    (["--lives-in", "K99"], "--lives-in"), (["--adults", "x"], "--adults"),
    (["--lives-in", "K01", "--income", "-5"], "--income"),
    (["--lives-in", "K01", "--ties", "K02"], "--ties"), ([], "--lives-in"),
    (["--lives-in", "K01", "--year", "1990"], "--year"),
    (["--lives-in", "K01", "--show", "K42"], "--show")])
def test_livskraft_explain_refuses_bad_input_with_one_message(args, message):
    from typer.testing import CliRunner

    from sim.cli import app

    out = CliRunner().invoke(app, ["explain", CLASSROOM, "--persons-per-agent", "20", *args])
    assert out.exit_code == 2 and message in out.output and "Traceback" not in out.output
