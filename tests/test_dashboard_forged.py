"""Forged input through the real page (issue item 5): the dashboard in Chromium, as in
``test_dashboard.py``, sent values no widget offers: through the widgets' own models from the
page's JavaScript (a select's or a text field's Vue component emits the forged value, which
ipyvue sends to the server just like a user's choice) and by typing into the fields. Paths to
files outside scenarios/ (a temporary file holding a marker string among them), huge,
negative and non-numeric numbers, very long strings, values of the wrong type, and a run that
breaks in the model (10⁶ persons per agent on Norway).

Each must end in a plain message on the page, with no file content (the marker), no
traceback ("Traceback", 'File "/') and no server path; and the session keeps working: a
small valid run completes afterwards. The status line numbers each click and choice, so each
answer is told from the one before. Short profile: a handful of forged values in one browser
session; full profile (``-m full``): many.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from test_dashboard import (  # the same server and browser as the browser test
    _fill,
    _open,
    _run_and_wait,
    _status,
    browser,  # noqa: F401  (a fixture)
    server,  # noqa: F401  (a fixture)
)

MARKER = "LIVSKRAFT-FORGED-MARKER-51c9"
REPO = Path(__file__).resolve().parent.parent
LEAKS = ("Traceback", 'File "/', MARKER, str(REPO), "/work/", "site-packages", "Error:")
LONG = "9" * 5000
OFFERED = ("one of the offered files",)
ANY = ()                         # any plain message, or a finished run
VALID = {"lk-seeds": "1", "lk-years": "3", "lk-ppa": "1", "lk-kommune": ""}
WAIT_MS = 60_000
pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def secret(tmp_path_factory) -> Path:
    """A file outside scenarios/ whose every line holds the marker (a valid scenario, too,
    so that a dashboard which read it would show or run it)."""
    path = tmp_path_factory.mktemp("forged") / "secret.yaml"
    path.write_text(f"name: {MARKER}\ndescription: {MARKER}\n"
                    f"extends: {REPO / 'scenarios' / 'classroom-sentralisering.yaml'}\n"
                    f"# root:x:0:0:{MARKER}:/root:/bin/bash\n")
    return path


def _emit(page, cls: str, value) -> None:
    """Send ``value`` as the widget of class ``cls`` (a select or a text field) would: its Vue
    component emits ``input`` with it, and ipyvue syncs it to the server as the widget's
    value."""
    page.evaluate("([sel, value]) => { document.querySelector(sel).__vue__"
                  ".$emit('input', value); }", [f".{cls}", value])


def _answer(page, before: str) -> str:
    """The status line once the server has answered the click or choice after ``before``."""
    page.wait_for_function(
        "before => { const s = document.querySelector('.lk-status').innerText;"
        " return s !== before && !s.startsWith('Starter') && !s.startsWith('Kjører'); }",
        arg=before, timeout=WAIT_MS)
    return _status(page)


def _check(page, status: str, words: tuple[str, ...], what: str) -> None:
    """A finished run (only when ``words`` is ANY) or a message saying one of ``words``; and
    nothing on the page that should not be there."""
    text = page.evaluate("() => document.body.innerText")
    leaked = [leak for leak in LEAKS if leak in text]
    assert not leaked, f"{what}: the page shows {leaked}: {text[:1500]}"
    if status.startswith("Ferdig"):
        assert words == ANY, f"{what}: ran, though it should have been refused ({status})"
        return
    assert status.startswith(("Ugyldig", "Feil")), f"{what}: status {status!r}"
    errors = page.locator(".lk-error")
    assert errors.count() == 1, f"{what}: no message on the page ({status})"
    message = errors.inner_text()
    assert not words or any(w in message for w in words), f"{what}: message {message!r}"


def _forge_scenario(page, value, words: tuple[str, ...]) -> None:
    before = _status(page)
    _emit(page, "lk-scenario", value)
    _check(page, _answer(page, before), words, f"scenario={str(value)[:40]!r}")


def _forge_field(page, cls: str, value, words: tuple[str, ...]) -> None:
    """``value`` in a text field (typed, or emitted when it is not a string), the others
    valid, then Run."""
    for other, good in VALID.items():
        if other != cls:
            _fill(page, other, good)
    if isinstance(value, str):
        _fill(page, cls, value)
    else:
        _emit(page, cls, value)
    before = _status(page)
    page.locator("button.lk-run").click()
    _check(page, _answer(page, before), words, f"{cls}={str(value)[:40]!r}")
    _fill(page, cls, VALID[cls])


def _broken_run(page) -> None:
    """10⁶ persons per agent on all of Norway: the schema allowed it (until its own bound)
    and the model broke (IndexError in a worker); the page says so plainly."""
    _emit(page, "lk-scenario", "baseline.yaml")
    page.wait_for_function("() => document.querySelector('.lk-years input').value === '24'",
                           timeout=WAIT_MS)
    page.locator(".lk-area").wait_for()
    _emit(page, "lk-area", "scenario")
    _fill(page, "lk-ppa", "1000000")
    _fill(page, "lk-years", "24")
    before = _status(page)
    page.locator("button.lk-run").click()
    _check(page, _answer(page, before), ("the run failed", "persons per agent"),
           "persons per agent 10⁶ on Norway")
    _emit(page, "lk-scenario", "classroom-sentralisering.yaml")
    page.wait_for_function("() => document.querySelector('.lk-years input').value === '30'",
                           timeout=WAIT_MS)


def _valid_run(page) -> None:
    """The session still works: a short classroom run finishes and draws its chart."""
    for cls, good in VALID.items():
        _fill(page, cls, good)
    _run_and_wait(page, timeout_s=60)
    assert "3 years" in _status(page)
    page.locator(".lk-population-chart .solara-echarts").first.wait_for()
    _check(page, _status(page), ANY, "the valid run")


def _short_trials(secret: Path) -> list:
    return [
        ("scenario", "../../../../etc/passwd", OFFERED),
        ("scenario", str(secret), OFFERED),
        ("scenario", "/etc/no-such-file.yaml", OFFERED),
        ("lk-seeds", "-1", ("seeds must be a whole number",)),
        ("lk-years", "abc", ("År / years",)),
        ("lk-ppa", "99999999999999999999", ANY),
        ("lk-years", LONG, ("longer than 64",)),
        ("broken run", None, ANY),
    ]


def _full_trials(secret: Path) -> list:
    paths = ["/etc/shadow", "/etc/passwd", f"../../../..{secret}",
             f"{secret.parent}/../{secret.parent.name}/secret.yaml", "../README.md",
             "../pyproject.toml", "scenarios/baseline.yaml", "baseline", "", " ", "x" * 10_000,
             "baseline.yaml/", "./baseline.yaml", "file:///etc/passwd", "~/.bashrc",
             "%2e%2e%2fetc%2fpasswd", "C:\\Windows\\win.ini", "baseline.yaml\u0000"]
    numbers = ["0", "-1", "-1e300", "1e300", "9" * 400, "nan", "inf", "-inf", "1.5", "0x10",
               "1_000", "1 000 000", "١٢", "²", "' OR 1=1 --", "<script>alert(1)</script>",
               "{{7*7}}", "${HOME}", LONG]
    wrong_types = [5, -1, 1e308, None, True, ["1"], {"a": 1}]
    trials = [("scenario", p, OFFERED) for p in paths]
    trials += [("scenario", v, OFFERED) for v in (5, None, ["baseline.yaml"], {"a": 1})]
    for cls in ("lk-seeds", "lk-years", "lk-ppa"):
        trials += [(cls, n, ANY) for n in numbers + wrong_types]
    trials += [("lk-kommune", v, ANY) for v in ("../../etc/passwd", LONG, "'; --", 5, None)]
    return [*trials, ("broken run", None, ANY)]


def _session(server, browser, trials: list) -> int:  # noqa: F811
    """All ``trials`` in one browser session, then a valid run; the number of failures."""
    context, page, _ = _open(browser, server)
    page.set_default_timeout(WAIT_MS)
    failures = []
    try:
        for target, value, words in trials:
            t0 = time.perf_counter()
            try:
                if target == "scenario":
                    _forge_scenario(page, value, words)
                elif target == "broken run":
                    _broken_run(page)
                else:
                    _forge_field(page, target, value, words)
            except Exception as err:          # each trial's failure is reported
                failures.append(f"{target}={str(value)[:40]!r}: {str(err)[:600]}")
            print(f"{target}={str(value)[:30]!r}: {time.perf_counter() - t0:.1f} s")
        print(f"forged input: {len(trials)} trials, {len(failures)} failures")
        assert not failures, "\n".join(failures)
        _valid_run(page)
    finally:
        context.close()
    return len(failures)


def test_forged_values_get_a_plain_message(server, browser, secret):  # noqa: F811
    _session(server, browser, _short_trials(secret))


@pytest.mark.full
def test_many_forged_values_get_a_plain_message(server, browser, secret):  # noqa: F811
    _session(server, browser, _full_trials(secret))
