"""The dashboard's computations without a browser: settings validated by the scenario schema,
kommune search, a short run with its baseline, the comparison, the plots and the downloads."""

from __future__ import annotations

import json
import sys
import threading
from pathlib import Path

import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from dashboards import logic
from sim.experiments.compare import compare
from sim.scenario.errors import ScenarioError


def _titles(options) -> list[str]:
    return [o["title"]["text"] for o in ([options] if isinstance(options, dict) else options)]


def _names(option: dict) -> list[str]:
    return [s["name"] for s in option["series"]]


@pytest.mark.parametrize(("settings", "message"), [
    ({"years": "x"}, "År / years"),
    ({"years": "90"}, "from 1 to 74"),
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
    from dashboards import maps, plots

    spec = logic.build_scenario(logic.Settings(
        years="3", kommune="K05", policies={"service_investment": {"nok_per_inhabitant": "5000"}}))
    seen = []
    bundle = logic.run_bundle(spec, seeds=2, baseline=True,
                              on_progress=lambda d, t, label: seen.append((d, t)))
    assert seen[-1] == (12, 12) and bundle.seeds == [1, 2]
    table, summary = logic.comparison(bundle)
    assert set(table["area"]) == {"norway", "target", *bundle.table["kommunenummer"]}
    assert summary["target_kommuner"] == ["K05"] and summary["total_cost_nok"] > 0
    # the page's comparison is the command's, figure for figure (one implementation)
    cli = compare(logic.without_policies(spec), spec, seeds=2)
    assert {k: v for k, v in cli.summary.items() if k != "wall_time_s"} == summary
    pd.testing.assert_frame_equal(cli.table, table)
    charts = {"population": plots.population_charts(bundle), "map": maps.map_chart(bundle),
              "comparison": plots.comparison_charts(bundle),
              "pyramid": plots.pyramid_chart(bundle, "K05", 2029),
              "kommune": plots.kommune_charts(bundle, "K05"),
              "classroom": plots.classroom_chart(bundle, 2028)}
    for name, options in charts.items():
        json.dumps(options, allow_nan=False)      # what the browser gets: plain JSON
        assert all(_titles(options)), name
    # the whole area against the baseline, each centrality class (2, 4 and 6 in the
    # landscape) and the largest kommuner vs the rest: a median line and a band (two series)
    # over the two seeds each
    area, centrality, cities = charts["population"]
    assert _names(area) == ["scenario", "scenario 5 %", "scenario 95 %", "grunnløp / baseline",
                            "grunnløp / baseline 5 %", "grunnløp / baseline 95 %"]
    assert bundle.table["sentralitetsklasse"].nunique() == 3
    assert len(centrality["series"]) == 3 * 3 and len(cities["series"]) == 2 * 3
    assert [s["name"] for s in centrality["series"][::3]] == [
        f"sentralitet / centrality {c}" for c in (2, 4, 6)]       # Norwegian first
    assert area["title"]["text"].startswith("Folketall / Population")
    # the landscape map: a circle per kommune, named; the classroom frame: year and schools
    (circles,) = charts["map"]["series"]
    assert [d["name"] for d in circles["data"]] == bundle.table["name"].tolist()
    assert "Nesøy" in [d["name"] for d in circles["data"]]
    classroom = charts["classroom"]
    assert "2028" in classroom["title"]["text"]
    labels = [d["label"]["formatter"] for s in classroom["series"] for d in s["data"]
              if isinstance(d, dict)]
    assert any("school" in t for t in labels)
    csv = logic.csv_bytes(bundle, "national").decode()
    assert csv.splitlines()[0].startswith("seed,year,population")
    assert logic.compare_csv_bytes(bundle).startswith(b"area,year")


def test_the_dashboard_splits_a_package_as_compare_does():
    spec = logic.build_scenario(logic.Settings(
        years="3", kommune="K05", policies={"service_investment": {"nok_per_inhabitant": "5000"},
                                            "flyttepremie": {"premium_nok": "100000"}}))
    bundle = logic.run_bundle(spec, seeds=2, baseline=True, split=True)
    _, summary = logic.comparison(bundle)
    assert summary["attribution"]["players"] == ["service_investment", "flyttepremie"]
    assert summary["channels"]["players"] == ["income", "services"]
    cli = compare(logic.without_policies(spec), spec, seeds=2, split=True)
    assert {k: v for k, v in cli.summary.items() if k != "wall_time_s"} == summary


def test_start_maps_show_the_area_before_a_run():
    from dashboards import maps

    classroom = maps.area_chart(logic.CLASSROOM)
    assert len(classroom["series"][0]["data"]) == 7
    assert "76,350 personer / persons" in classroom["title"]["text"]
    norway = maps.area_chart("froya-housing.yaml")
    assert norway["series"][0]["map"] == maps.MAP
    assert len(maps.norway_geojson()["features"]) == 357
    assert "357 kommuner" in norway["title"]["text"]


def test_a_set_cancel_event_stops_the_run():
    event = threading.Event()
    event.set()
    with pytest.raises(logic.Cancelled):
        logic.run_bundle(logic.build_scenario(logic.Settings(years="2")), cancel=event)


def test_the_server_sends_plain_to_this_machine_and_gzip_to_others():
    import asyncio

    from dashboards.serving import _PlainToThisMachine

    used = []

    class FakeGzip:
        async def __call__(self, scope, receive, send):
            used.append("gzip")

        async def app(self, scope, receive, send):
            used.append("plain")

    layer = _PlainToThisMachine(FakeGzip())
    for scope in ({"type": "http", "client": ("127.0.0.1", 5000)},
                  {"type": "http", "client": ("::1", 5000)},
                  {"type": "http", "client": ("192.168.1.20", 5000)},
                  {"type": "http"},
                  {"type": "websocket", "client": ("127.0.0.1", 5000)}):
        asyncio.run(layer(scope, None, None))
    assert used == ["plain", "plain", "gzip", "gzip", "gzip"]


def test_warm_up_draws_every_start_map_before_the_first_page():
    from dashboards import maps, serving

    maps.area_chart.cache_clear()
    maps.norway_geojson.cache_clear()
    serving.warm_up()                   # no Solara server here: compression is left alone
    assert maps.area_chart.cache_info().currsize == len(logic.scenario_files())
    assert maps.norway_geojson.cache_info().currsize == 1


# ----- the server's worker processes (dashboards.workers) ------------------------------------
@pytest.fixture(scope="module")
def pool():
    from dashboards.serving import warm_worker
    from dashboards.workers import WorkerPool

    pool = WorkerPool(2, warm_worker)
    pool.wait_ready()
    return pool


def test_worker_processes_give_the_runs_of_this_process_with_all_progress(pool):
    spec = logic.build_scenario(logic.Settings(years="3"))
    seen = []
    there = logic.run_bundle(spec, seeds=2, baseline=True, pool=pool,
                             on_progress=lambda d, t, label: seen.append((d, t, label)))
    here = logic.run_bundle(spec, seeds=2, baseline=True)
    assert [(d, t) for d, t, _ in seen] == [(d, 12) for d in range(1, 13)]
    assert sum("baseline, seed 2: 1 January 2029" in label for *_, label in seen) == 1
    for a, b in zip(there.results + there.baseline, here.results + here.baseline, strict=True):
        assert a.scenario.seed == b.scenario.seed
        assert a.kommuner.equals(b.kommuner) and a.national.equals(b.national)


def test_a_cancelled_pool_run_stops_within_a_year_and_the_pool_runs_on(pool):
    import time

    event = threading.Event()
    started = []

    def on_progress(done, total, label):
        started.append(time.perf_counter())
        event.set()                     # cancel as soon as the first year is reported

    spec = logic.build_scenario(logic.Settings(years="60"))
    t0 = time.perf_counter()
    with pytest.raises(logic.Cancelled):
        logic.run_bundle(spec, seeds=4, on_progress=on_progress, cancel=event, pool=pool)
    assert len(started) == 1 and time.perf_counter() - started[0] < 1.0
    assert time.perf_counter() - t0 < 10
    bundle = logic.run_bundle(logic.build_scenario(logic.Settings(years="2")), pool=pool)
    assert bundle.results[0].national["year"].tolist() == [2026, 2027, 2028]


def test_a_killed_worker_fails_the_run_with_a_message_and_is_replaced(pool):
    import os
    import signal

    from dashboards.workers import WorkerDied

    def on_progress(done, total, label):
        if done == 1:                   # kill the workers mid-run (as the OOM killer would)
            for process in list(pool._executor._processes.values()):
                os.kill(process.pid, signal.SIGKILL)

    with pytest.raises(WorkerDied, match="ended unexpectedly"):
        logic.run_bundle(logic.build_scenario(logic.Settings(years="30")), pool=pool,
                         on_progress=on_progress)
    bundle = logic.run_bundle(logic.build_scenario(logic.Settings(years="2")), pool=pool)
    assert bundle.results[0].national["year"].tolist() == [2026, 2027, 2028]


def test_a_short_run_takes_turns_with_a_long_one_of_another_session(pool):
    """Session A runs four seeds; session B, starting a one-seed run while A's first two
    run, gets the next free worker instead of waiting for all of A's seeds."""
    spec = logic.build_scenario(logic.Settings(years="15"))
    finished, a_started = {}, threading.Event()

    def session_a():
        logic.run_bundle(spec, seeds=4, pool=pool, on_progress=lambda *_: a_started.set())
        finished["a"] = len(finished)

    a = threading.Thread(target=session_a)
    a.start()
    assert a_started.wait(60)
    logic.run_bundle(spec, pool=pool)
    finished["b"] = len(finished)
    a.join()
    assert finished == {"b": 0, "a": 1}


# ----- the kommune's own capacity diamond ---------------------------------------------------
OWN_TEXTS = {"leadership": "4", "competence": "3", "culture": " 4 ", "economy": "2", "time": "2"}


def test_the_five_score_fields_become_the_scenarios_capacity():
    from sim.model import SettlementModel

    spec = logic.build_scenario(logic.Settings(
        scenario="froya-housing.yaml", kommune="5014", area="region", years="3",
        persons_per_agent="20", capacity=OWN_TEXTS))
    assert spec.capacity["5014"].model_dump() == {"leadership": 4, "competence": 3,
                                                  "culture": 4, "economy": 2, "time": 2}
    model = SettlementModel(spec, places_only=True)
    assert model.places.delivery[model.geo.index("5014")] == pytest.approx(0.6)
    without = logic.build_scenario(logic.Settings(
        scenario="froya-housing.yaml", kommune="5014", area="region", years="3",
        persons_per_agent="20"))
    assert without.capacity == {}


@pytest.mark.parametrize("bad", ["0", "7", "", "høy", "2.5", "3.0", None, True, "9" * 5000])
def test_a_bad_score_gets_a_plain_message_naming_the_field(bad):
    settings = logic.Settings(kommune="K05", years="3", capacity={**OWN_TEXTS, "economy": bad})
    with pytest.raises(ScenarioError) as err:
        logic.build_scenario(settings)
    message = str(err.value)
    assert "Økonomi / economy" in message and "whole number from 1 to 5" in message
    assert len(message) < 300 and len(message.splitlines()) == 1


def test_scores_need_a_kommune_and_all_five_parts():
    with pytest.raises(ScenarioError, match="choose a kommune"):
        logic.build_scenario(logic.Settings(years="3", capacity=OWN_TEXTS))
    with pytest.raises(ScenarioError, match="five parts"):
        logic.build_scenario(logic.Settings(kommune="K05", years="3",
                                            capacity={"leadership": "4"}))


def test_fields_are_prefilled_with_the_scores_the_run_starts_with():
    """The prefill is the run's own draw for the first seed; a run with it unchanged gives
    the kommune the same scores, and the kommune view shows them and what it delivers."""
    from dashboards import capacity

    settings = logic.Settings(years="2", kommune="K05",
                              policies={"startlan": {"loan_nok": "450000"}})
    spec = logic.build_scenario(settings)
    drawn = capacity.start_scores(spec, "K05")
    bundle = logic.run_bundle(spec, seeds=1)
    row = bundle.results[0].capacity.set_index("kommunenummer").loc["K05"]
    assert {p: int(row[p]) for p in drawn} == drawn and row["scores"] == "drawn"
    found = capacity.kommune_capacity(bundle.scenario, bundle.results, bundle.table, "K05")
    assert found["scores"] == drawn and found["policies"] == ["startlan"]
    assert found["delivery"] == pytest.approx(sum(drawn.values()) / 25)
    assert "trukket / drawn" in capacity.delivery_text(found)
    # own scores: the run uses them, and the kommune view says so
    own = logic.build_scenario(logic.Settings(**{**settings.__dict__, "capacity": OWN_TEXTS}))
    bundle = logic.run_bundle(own, seeds=1)
    found = capacity.kommune_capacity(bundle.scenario, bundle.results, bundle.table, "K05")
    assert found["own"] and found["delivery"] == pytest.approx(0.6)
    text = capacity.delivery_text(found)
    assert "egne skårer / own scores" in text and "60 %" in text and "startlan" in text
    chart = capacity.diamond_chart(found["scores"], "Nesøy")
    labels = [axis["name"] for axis in chart["radar"]["indicator"]]
    assert any(t.startswith("Utviklingsledelse / leadership: 4") for t in labels)
    assert any(t.startswith("Tid / time: 2") for t in labels)
    assert "capacity" in logic.CSV_FILES
    assert logic.csv_bytes(bundle, "capacity").decode().splitlines()[0].startswith(
        "kommunenummer,leadership")
