"""The dashboard as each user's workbench, without a browser (issue #26): messages that name
the field as the page shows it, the checks of a trustworthy answer (too few agents, a
what-if on a region alone), the effect year the user chooses, the classroom's reasons and
story, the settings in the address, and a run saved in the run store and read back."""

from __future__ import annotations

import pandas as pd
import pytest

from dashboards import answer, classroom, labels, logic, saved, urlstate
from dashboards.start import prepare
from sim.scenario.errors import ScenarioError


@pytest.mark.parametrize(("settings", "field"), [
    ({"years": "2.5"}, "År / years"),
    ({"years": ""}, "År / years: feltet er tomt / the field is empty"),
    ({"years": " "}, "År / years"),
    ({"persons_per_agent": "1000000"}, "Personer per agent / persons per agent"),
    ({"effect_year": "20x"}, "Effektår / effect year"),
    ({"kommune": "K05", "policies": {"housing_construction": {"dwellings_per_year": "abc"}}},
     "Kommunale utleieboliger: Utleieboliger bygd av kommunen per år / rental homes built "
     "by the kommune a year"),
])
def test_a_refused_setting_names_the_field_as_the_page_shows_it(settings, field):
    with pytest.raises(ScenarioError) as err:
        logic.build_scenario(logic.Settings(**settings))
    text = logic.user_message(err.value)
    assert field in text
    for internal in ("policies[", "parameters[", "end_year", "dashboard settings"):
        assert internal not in text, text


def test_a_policy_twice_is_named_as_on_the_page():
    with pytest.raises(ScenarioError) as err:
        logic.build_scenario(logic.Settings(scenario="froya-housing.yaml", kommune="5014",
                                            policies={"housing_construction": {}}))
    text = logic.user_message(err.value)
    assert "«Kommunale utleieboliger / rental homes built by the kommune»" in text
    assert "policies[" not in text


def test_every_policy_field_has_a_plain_name_unit_and_help():
    for kind, fields in logic.policy_fields().items():
        assert " / " in labels.policy_name(kind)
        for name, _, _ in fields:
            assert (kind, name) in labels.PARAMS, (kind, name)
            label = labels.param_label(kind, name)
            assert ("_" not in name or name not in label) and labels.param_help(kind, name)
    assert labels.param_label("housing_construction", "dwellings_per_year").startswith(
        "Utleieboliger bygd av kommunen per år / rental homes built by the kommune a year")


def test_too_few_agents_are_refused_with_the_suggestion():
    froya = logic.Settings(scenario="froya-housing.yaml", kommune="5014", years="2",
                           persons_per_agent="50", focus=False)
    with pytest.raises(ScenarioError, match="fewer than 300") as err:
        prepare(froya)
    assert "5014 Frøya" in str(err.value) and "focus" in str(err.value)
    prepare(logic.Settings(**{**froya.__dict__, "focus": True}))   # its region at 1: enough
    with pytest.raises(ScenarioError, match="Personer per agent"):  # the whole classroom
        prepare(logic.Settings(persons_per_agent="1000", years="2"))


def test_a_region_alone_is_refused_for_a_what_if_that_needs_in_movers():
    region = logic.Settings(scenario="froya-housing.yaml", kommune="5014", area="region",
                            years="2", persons_per_agent="2")
    with pytest.raises(ScenarioError, match="rest of Norway") as err:
        prepare(region)
    assert "Kommunale utleieboliger" in str(err.value)
    spec = prepare(logic.Settings(**{**region.__dict__, "keep_file_policies": False,
                                     "policies": {"startlan": {}}}))   # acts on those there
    assert "cannot move in" not in answer.describe(spec, [1], False)
    assert "nobody can move in from the rest of Norway" in answer.describe(spec, [1], False)


def test_a_national_scenario_runs_its_own_area_and_says_what_ran():
    spec = prepare(logic.Settings(scenario="distriktspolitikk-2.0.yaml", years="2",
                                  persons_per_agent="200", baseline=True))
    assert spec.geography.kind == "norway" and not spec.geography.regions
    assert "hele Norge / all of Norway" in answer.describe(spec, [1, 2], True)
    froya = prepare(logic.Settings(scenario="froya-housing.yaml", kommune="5014", years="2",
                                   persons_per_agent="50", focus=True))
    text = answer.describe(froya, [3], True)
    assert "1 person per agent i fokus / in the focus (Frøya, Hitra), 50 utenfor" in text
    assert "frø / seed 3 + grunnløp / baseline" in text


def test_the_effect_year_chosen_is_the_comparisons():
    spec = logic.build_scenario(logic.Settings(
        years="3", kommune="K05", policies={"service_investment": {}}, effect_year="2028"))
    bundle = logic.run_bundle(spec, seeds=1, baseline=True)
    assert logic.comparison(bundle)[1]["effect_year"] == 2029   # 2040 is past its end
    bundle.effect_year = 2028
    assert logic.comparison(bundle)[1]["effect_year"] == 2028


@pytest.fixture(scope="module")
def classroom_run():
    return logic.run_bundle(logic.build_scenario(logic.Settings()))


def test_the_classroom_tells_why_they_left_and_when_a_school_closes(classroom_run):
    lines = classroom.story(classroom_run, 2056)
    closed = [line for line in lines if "legges ned / the school in" in line]
    assert closed and all(line[:4].isdigit() for line in closed)
    assert classroom.story(classroom_run, 2026) == []          # nothing yet in the first year
    why = classroom.reasons_left(classroom_run, 2056)
    assert why["persons"].sum() > 0 and abs(why["share"].sum() - 1) < 1e-9
    page = classroom.story_html(classroom_run, 2056)
    assert "familie og venner / family and friends" in page and closed[0] in page
    ages = classroom.ages(classroom_run, 2056)
    young = ages[ages["age_group"].isin(classroom.YOUNG)]
    assert young["now"].sum() < young["start"].sum()           # the villages' young leave


def test_the_address_round_trips_and_drops_forged_values():
    values = {"scenario": "froya-housing.yaml", "area": "norway", "kommune": "5014 Frøya",
              "years": "8", "seeds": "2", "ppa": "50", "effect_year": "2030",
              "run": "20260101-120000-ab12", "focus": True, "baseline": True, "tab": 3}
    assert urlstate.decode(urlstate.encode(values), 7) == values
    forged = urlstate.decode("?scenario=../../etc/passwd&area=x&tab=99&ppa=" + "9" * 500
                             + "&focus=yes&evil=1", 7)
    assert forged == {}


def test_a_dashboard_run_is_saved_in_the_run_store_and_read_back(tmp_path, monkeypatch):
    monkeypatch.setenv("LIVSKRAFT_RUNS", str(tmp_path))
    spec = logic.build_scenario(logic.Settings(
        years="2", kommune="K05", policies={"service_investment": {}}))
    bundle = logic.run_bundle(spec, seeds=2, baseline=True)
    bundle.effect_year = 2027
    rid = saved.begin(spec, 2)
    saved.save(rid, bundle)
    back = saved.load(rid)
    assert back.seeds == bundle.seeds and back.effect_year == 2027
    pd.testing.assert_frame_equal(back.results[1].kommuner, bundle.results[1].kommuner)
    assert logic.comparison(back)[1] == logic.comparison(bundle)[1]
    for forged in ("%", "../x", "20260101-120000-zz", None, 5):
        with pytest.raises(Exception, match="not found"):
            saved.load(forged)
