"""Each user's journey through the dashboard in Chromium (issue #26), on the same server and
browser as ``test_dashboard.py``: the teacher (the classroom's reasons in plain words, a line in
the story log when a school closes, pause and step), the analyst (distriktspolitikk 2.0
compared with the baseline on its own national area, the effect year chosen), the kommune
(Frøya's what-if at the focus resolution, the page saying what it ran, the policy fields in
plain words with Run still in reach, and the run back after a reload), and bad input (plain
messages naming the field, a clickable suggestion, no traceback, a working session after).

Screenshots go to ``--screenshots DIR``, else ``$LIVSKRAFT_SCREENSHOTS``, else the test's tmp
folder. Small areas and coarse scales keep each journey to a minute or two.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from test_dashboard import (  # the same server and browser as the browser test
    _choose,
    _fill,
    _open,
    _run_and_wait,
    _status,
    _tab,
    browser,  # noqa: F401  (a fixture)
    server,  # noqa: F401  (a fixture)
)

LEAKS = ("Traceback", 'File "/', "policies[", "parameters[", "end_year", "site-packages")
pytestmark = pytest.mark.browser


@pytest.fixture
def shots(request, tmp_path) -> Path:
    where = request.config.getoption("--screenshots") or os.environ.get("LIVSKRAFT_SCREENSHOTS")
    folder = Path(where) if where else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _year(page) -> int:
    return int(page.locator(".lk-classroom-year").inner_text().split()[-1])


def _no_leaks(page) -> None:
    text = page.locator("body").inner_text()
    for leak in LEAKS:
        assert leak not in text, leak


def test_teacher(server, browser, shots):  # noqa: F811
    context, page, _ = _open(browser, server)
    _tab(page, "Klasserom / Classroom")
    page.locator("button.lk-play").click()          # runs the 30 years and animates them
    page.locator("button.lk-pause").wait_for(timeout=120_000)
    page.wait_for_function("() => /20(2[7-9]|3)/.test(document.querySelector("
                           "'.lk-classroom-year').innerText)")
    page.locator("button.lk-pause").click()
    stopped = _year(page)
    time.sleep(1.0)                                  # four animation steps' time
    assert _year(page) == stopped                    # it stands still
    page.locator("button.lk-step").click()
    page.wait_for_function(f"() => document.querySelector('.lk-classroom-year')"
                           f".innerText.endsWith('{stopped + 1}')")
    page.locator("button.lk-step-back").click()
    page.wait_for_function(f"() => document.querySelector('.lk-classroom-year')"
                           f".innerText.endsWith('{stopped}')")
    story = page.locator(".lk-story").inner_text()
    assert "Hvorfor de flyttet fra landsbyene / why they left the villages" in story
    assert "familie og venner / family and friends" in story
    assert "Hvem ble igjen / who stayed" in story and "Hvem flyttet / who moved" in story
    assert "Hvem dro / who left" in story and "20-24" in page.locator(".lk-leavers").inner_text()
    page.locator("button.lk-resume").click()         # on to the end of the run
    page.wait_for_function("() => document.querySelector('.lk-classroom-year')"
                           ".innerText.endsWith('2056')", timeout=60_000)
    log = page.locator(".lk-story-log").inner_text()
    assert "skolen i Nesøy legges ned / the school in Nesøy closes" in log
    page.locator(".lk-story").scroll_into_view_if_needed()
    page.screenshot(path=shots / "teacher-story.png", full_page=True)
    page.locator(".lk-classroom-year").scroll_into_view_if_needed()   # the villages, pins
    page.screenshot(path=shots / "teacher-classroom.png", full_page=True)
    context.close()


def test_analyst(server, browser, shots):  # noqa: F811
    context, page, _ = _open(browser, server)
    _choose(page, "lk-scenario", "distriktspolitikk-2.0.yaml")
    page.wait_for_function("() => document.querySelector('.lk-years input')?.value === '24'")
    assert "scenario" in page.locator(".lk-area").inner_text()     # its own area
    _fill(page, "lk-years", "4")
    _fill(page, "lk-ppa", "200")
    _fill(page, "lk-effect-year", "2029")
    page.get_by_text("Sammenlign med grunnløp").click()
    _run_and_wait(page, timeout_s=400)
    assert "choose a kommune" not in page.locator("body").inner_text()
    ran = page.locator(".lk-ran").inner_text()
    assert "hele Norge / all of Norway" in ran and "grunnløp / baseline" in ran
    _tab(page, "Sammenligning / Comparison")
    page.locator(".lk-analyst").wait_for()
    assert "1 January 2029" in page.locator(".lk-analyst").inner_text()
    page.screenshot(path=shots / "analyst-comparison.png", full_page=True)
    context.close()


def test_kommune(server, browser, shots):  # noqa: F811
    context, page, _ = _open(browser, server)
    _choose(page, "lk-scenario", "froya-housing.yaml")
    page.wait_for_function("() => document.querySelector('.lk-years input')?.value === '20'")
    _fill(page, "lk-kommune", "Frøya")
    page.locator(".lk-kommune-found").wait_for()
    _fill(page, "lk-years", "3")
    _fill(page, "lk-ppa", "200")
    page.get_by_text("Sammenlign med grunnløp").click()
    page.get_by_text("Del opp etter tiltak og kanal").wait_for()   # the panel has grown:
    # the policies in plain words, and Run still in reach with them open (click once it stands)
    page.get_by_text("Tiltak for valgt kommune").click()
    page.locator(".lk-policy-housing_construction").get_by_text(
        "Kommunale utleieboliger / rental homes built by the kommune").click()
    label = "Utleieboliger bygd av kommunen per år / rental homes built by the kommune a year"
    field = page.locator(".lk-param-housing_construction-dwellings_per_year")
    field.wait_for()
    assert label in field.inner_text()
    page.locator(".lk-policy-service_investment").scroll_into_view_if_needed()
    assert page.locator("button.lk-run").is_visible()
    box, view = page.locator("button.lk-run").bounding_box(), page.viewport_size
    assert 0 <= box["y"] and box["y"] + box["height"] <= view["height"]
    page.screenshot(path=shots / "kommune-policies.png")
    page.locator(".lk-policy-housing_construction").get_by_text(   # the file has it already
        "Kommunale utleieboliger / rental homes built by the kommune").click()
    page.get_by_text("Tiltak for valgt kommune").click()
    # a region alone cannot hold a what-if that draws people from elsewhere
    _choose(page, "lk-area", "region")
    page.locator("button.lk-run").click()
    page.locator(".lk-error").wait_for()
    assert "rest of Norway" in page.locator(".lk-error").inner_text()
    _choose(page, "lk-area", "scenario")
    page.locator(".lk-error").wait_for(state="detached")     # the message goes when fixed
    _run_and_wait(page, timeout_s=400)
    ran = page.locator(".lk-ran").inner_text()
    assert "1 person per agent i fokus / in the focus (Frøya, Hitra), 200 utenfor" in ran
    _tab(page, "Kommune")
    page.get_by_text("5014 Frøya").first.wait_for()
    # its population has the calibrated 80 % interval (ECharts names the series in the
    # chart's description for screen readers)
    page.locator('[aria-label*="kalibrert / calibrated 90 %"]').first.wait_for()
    page.screenshot(path=shots / "kommune-froya.png", full_page=True)
    # the address holds the settings and the run: a reload shows them again
    assert "run=" in page.url and "kommune=Fr" in page.url and "tab=3" in page.url
    page.reload()
    page.locator(".lk-ran").wait_for()
    assert page.locator(".lk-kommune input").input_value() == "Frøya"
    assert "Hentet fra lageret / loaded from the run store" in _status(page)
    assert "200 utenfor" in page.locator(".lk-ran").inner_text()
    context.close()


def test_bad_inputs(server, browser, shots):  # noqa: F811
    context, page, _ = _open(browser, server)

    def refused(cls: str, text: str, expect: str) -> str:
        _fill(page, cls, text)
        page.locator("button.lk-run").click()
        page.locator(".lk-error").wait_for()
        message = page.locator(".lk-error").inner_text()
        assert expect in message, message
        _no_leaks(page)
        return message

    refused("lk-ppa", "1000000", "Personer per agent / persons per agent")
    _fill(page, "lk-ppa", "1")
    refused("lk-years", "2.5", "År / years")
    refused("lk-years", "", "År / years: feltet er tomt / the field is empty")
    _fill(page, "lk-years", "2")
    page.locator(".lk-error").wait_for(state="detached")     # gone once the field is fixed
    _choose(page, "lk-scenario", "froya-housing.yaml")
    page.wait_for_function("() => document.querySelector('.lk-years input')?.value === '20'")
    _fill(page, "lk-kommune", "Frøyya")
    page.locator(".lk-suggestion", has_text="5014 Frøya").click()   # the suggestion fills it
    page.locator(".lk-kommune-found").wait_for()
    assert page.locator(".lk-kommune input").input_value() == "5014 Frøya"
    page.screenshot(path=shots / "bad-input.png")
    # the session still works: a small valid run finishes
    _choose(page, "lk-scenario", "classroom-sentralisering.yaml")
    page.wait_for_function("() => document.querySelector('.lk-years input')?.value === '30'")
    _fill(page, "lk-years", "2")
    _run_and_wait(page)
    assert "Ferdig / finished" in _status(page)
    _no_leaks(page)
    context.close()
