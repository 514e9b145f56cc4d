"""The dashboard's server-side checks of what a browser sends (``dashboards.logic``): only the
offered scenario files are read, texts are bounded, choices must be offered ones, seeds are
bounded, numbers are left to the scenario schema, and an unexpected failure shows a plain
message while its details go to the server log only."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from dashboards import logic
from dashboards.workers import WorkerDied
from sim.scenario.errors import ScenarioError

MARKER = "LIVSKRAFT-SECRET-MARKER-7f3a"


@pytest.fixture
def reads(monkeypatch):
    """The scenario files the dashboard reads (none cached from earlier tests)."""
    seen = []
    real = logic.load_scenario

    def recording(path, *args, **kw):
        seen.append(str(path))
        return real(path, *args, **kw)

    logic._load_base.cache_clear()
    monkeypatch.setattr(logic, "load_scenario", recording)
    yield seen
    logic._load_base.cache_clear()


@pytest.fixture
def secret(tmp_path) -> Path:
    """A valid scenario file outside scenarios/, holding a marker string."""
    path = tmp_path / "secret.yaml"
    path.write_text(f"name: x\ndescription: {MARKER}\n"
                    f"extends: {logic.SCENARIO_DIR / logic.CLASSROOM}\n")
    return path


def _forged_names(secret: Path) -> list:
    return ["../../../../etc/passwd", "/etc/shadow", "/etc/no-such-file", str(secret),
            f"../../../..{secret}", "../README.md", "missing.yaml",
            "scenarios/baseline.yaml", "./baseline.yaml", "baseline.yaml\x00", "", None, 5,
            ["baseline.yaml"], {"name": "baseline.yaml"}, "x" * 10_000]


def test_only_offered_scenarios_are_read(reads, secret):
    for name in _forged_names(secret):
        for call in (lambda n: logic.build_scenario(logic.Settings(scenario=n)),
                     logic.base_scenario):
            with pytest.raises(ScenarioError, match="one of the offered files") as err:
                call(name)
            assert MARKER not in str(err.value) and len(str(err.value)) < 400
    assert reads == []
    logic.build_scenario(logic.Settings(scenario=logic.CLASSROOM))
    assert reads == [str(logic.SCENARIO_DIR / logic.CLASSROOM)]


def test_a_missing_file_and_an_existing_one_get_the_same_answer(reads):
    def message(name: str) -> str:
        with pytest.raises(ScenarioError) as err:
            logic.base_scenario(name)
        return str(err.value).replace(repr(name), "NAME")

    assert message("/etc/passwd") == message("/etc/no-such-file-here")
    assert reads == []


@pytest.mark.parametrize(("settings", "message"), [
    ({"years": "1" * 65}, "years is longer than 64 characters"),
    ({"seeds": " " * 100 + "1"}, "seeds is longer than 64"),
    ({"persons_per_agent": "9" * 5000}, "persons per agent is longer than 64"),
    ({"kommune": "K05", "policies": {"mentoring": {"share": "0." + "1" * 80}}},
     "mentoring.share is longer than 64"),
    ({"seeds": "51"}, "from 1 to 50"), ({"seeds": "-1"}, "from 1 to 50"),
    ({"seeds": "1e300"}, "from 1 to 50"), ({"seeds": "2.5"}, "from 1 to 50"),
    ({"seeds": "inf"}, "from 1 to 50"), ({"seeds": "nan"}, "from 1 to 50"),
    ({"seeds": "abc"}, "from 1 to 50"), ({"seeds": ["1"]}, "from 1 to 50"),
    ({"area": "../../etc"}, "area must be one of"), ({"area": ["region"]}, "area must be"),
    ({"kommune": "9999"}, "not a kommune of this scenario"),
    ({"kommune": ["K05"]}, "not a kommune of this scenario"),
    ({"kommune": "K05", "policies": {"rm -rf": {}}}, "unknown policy type"),
    ({"kommune": "K05", "policies": {"mentoring": {"__class__": "1"}}}, "no parameter"),
    ({"kommune": "K05", "policies": ["mentoring"]}, "not a set of parameters"),
    ({"years": "1e300"}, "År / years"), ({"years": "-5"}, "from 1 to 74"),
    ({"years": "0"}, "from 1 to 74"), ({"years": "inf"}, "År / years"),
    ({"persons_per_agent": "-3"}, "persons per agent"),
    ({"persons_per_agent": "0"}, "persons per agent"),
    ({"persons_per_agent": "lots"}, "persons per agent"),
])
def test_forged_settings_are_refused_with_a_plain_message(settings, message):
    with pytest.raises(ScenarioError, match=message) as err:
        logic.build_scenario(logic.Settings(**settings))
    assert "Traceback" not in str(err.value) and str(logic.REPO) not in str(err.value)
    assert len(str(err.value)) < 600


def test_a_long_kommune_query_is_not_searched():
    options = logic.kommune_options(logic.base_scenario("froya-housing.yaml"))
    assert logic.find_kommune("Frøya" * 1000, options) == (None, [])
    assert logic.find_kommune(["5014"], options) == (None, [])
    assert logic.find_kommune("5014", options)[0] == "5014"


def test_an_unexpected_failure_is_a_plain_message_and_logged(caplog):
    err = IndexError(f"index 0 is out of bounds in {logic.REPO}/sim/world/households.py")
    with caplog.at_level(logging.ERROR, logger="livskraft.dashboard"):
        shown = logic.failure_message(err, "a run")
    assert shown == logic.RUN_FAILED and "server log" in shown
    assert "households.py" in caplog.text and "a run failed" in caplog.text
    user = ScenarioError(f"{logic.SCENARIO_DIR}/x.yaml: end_year must be at most 2100")
    assert logic.failure_message(user, "a run") == "scenarios/x.yaml: end_year must be at most 2100"
    assert "restarted" in logic.failure_message(WorkerDied("the workers were restarted"), "a run")


def test_a_run_that_breaks_in_the_model_raises_for_the_page_to_report():
    """10⁶ persons per agent on Norway is valid for the schema here (another branch bounds
    it) but leaves the model too few agents (an IndexError pairing couples): the run raises,
    and the page shows ``failure_message``'s plain text for it."""
    with pytest.raises(Exception) as err:
        logic.run_bundle(logic.build_scenario(logic.Settings(
            scenario="baseline.yaml", persons_per_agent="1000000")))
    if isinstance(err.value, ScenarioError):
        pytest.skip("the schema refuses it now (its own bound)")
    assert logic.failure_message(err.value, "a run") == logic.RUN_FAILED
