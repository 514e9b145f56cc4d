"""The dashboard's computations without a browser: settings validated by the scenario schema,
kommune search, a short run with its baseline, the comparison, the plots and the downloads."""

from __future__ import annotations

import sys
import threading
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from dashboards import logic
from sim.scenario import ScenarioError


@pytest.mark.parametrize(("settings", "message"), [
    ({"years": "x"}, "end_year"),
    ({"years": "90"}, "at most 2100"),
    ({"seeds": "0"}, "seeds must be a whole number"),
    ({"kommune": "K05", "policies": {"startlan": {"loan_nok": "-5"}}}, "must not be negative"),
    ({"kommune": "K05", "policies": {"mentoring": {"share": "2"}}}, "between 0 and 1"),
    ({"kommune": "K05", "policies": {"mentoring": {"share": "abc"}}}, "must be a number"),
    ({"policies": {"mentoring": {}}}, "choose a kommune"),
    ({"scenario": "froya-housing.yaml", "area": "region"}, "choose a kommune"),
])
def test_bad_settings_are_refused_with_the_schemas_message(settings, message):
    with pytest.raises(ScenarioError, match=message):
        logic.build_scenario(logic.Settings(**settings))


def test_kommune_search_by_name_or_number():
    options = logic.kommune_options(logic.base_scenario("froya-housing.yaml"))
    assert logic.find_kommune("5014", options)[0] == "5014"
    assert logic.find_kommune("frøya", options)[0] == "5014"
    code, hints = logic.find_kommune("Frøy", options)
    assert code == "5014" or any("Frøya" in h for h in hints)


def test_a_region_run_of_froya_builds_its_area():
    spec = logic.build_scenario(logic.Settings(scenario="froya-housing.yaml", kommune="5014",
                                               area="region", years="3",
                                               persons_per_agent="20"))
    assert spec.geography.regions and spec.end_year == 2029
    assert {p.type for p in spec.policies} == {"startlan", "housing_construction"}


def test_run_compare_plot_and_download_a_short_classroom_run():
    from dashboards import plots

    spec = logic.build_scenario(logic.Settings(
        years="3", kommune="K05", policies={"service_investment": {"nok_per_inhabitant": "5000"}}))
    seen = []
    bundle = logic.run_bundle(spec, seeds=2, baseline=True,
                              on_progress=lambda d, t, label: seen.append((d, t)))
    assert seen[-1] == (12, 12) and bundle.seeds == [1, 2]
    table, summary = logic.comparison(bundle)
    assert set(table["area"]) == {"area", "target"}
    assert summary["target_kommuner"] == ["K05"] and summary["total_cost_nok"] > 0
    for fig in (plots.population_figure(bundle), plots.map_figure(bundle),
                plots.comparison_figure(bundle), plots.pyramid_figure(bundle, "K05", 2029),
                plots.kommune_figure(bundle, "K05"), plots.classroom_figure(bundle, 2028)):
        assert plots.png_bytes(fig).startswith(b"\x89PNG")
    csv = logic.csv_bytes(bundle, "national").decode()
    assert csv.splitlines()[0].startswith("seed,year,population")
    assert logic.compare_csv_bytes(bundle).startswith(b"area,year")


def test_a_set_cancel_event_stops_the_run():
    event = threading.Event()
    event.set()
    with pytest.raises(logic.Cancelled):
        logic.run_bundle(logic.build_scenario(logic.Settings(years="2")), cancel=event)
