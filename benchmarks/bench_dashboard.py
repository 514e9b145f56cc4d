"""Benchmark: what the dashboard adds to the classroom run, and how fast its first view is.

Starts ``livskraft dashboard`` on a free port and drives it with Playwright and Debian's
Chromium (as tests/test_dashboard.py does), for ``--rounds`` rounds of:

1. the bare model: ``simulate(classroom)`` in a fresh subprocess (its simulate() alone,
   after a one-year run of another seed has loaded the data and the compiled kernels, as the
   dashboard's warm-up does; the classroom's own spin-up is timed);
2. a first view in a new browser session: from ``goto`` until the start page's controls and
   the start map are drawn;
3. the classroom run of 30 years in that session: from the click on Run until the population
   chart is drawn, and the time the dashboard reports for the run itself.

With ``--floor`` each round also times the first view of ``floor_app.py``, the smallest Solara
page with the same markers served the same way: what Solara and the browser cost before the
dashboard draws anything of its own.

Bare and dashboard runs alternate, so their ratio holds under the load other work puts on
the machine; the 1-minute load average is printed with each round. The first view of the
first round is the one right after the server came up.

    .venv/bin/python benchmarks/bench_dashboard.py [--rounds N] [--floor] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
BARE = """
import time
from sim.output.run_folder import simulate
from sim.scenario.files import load_scenario
spec = load_scenario("scenarios/classroom-sentralisering.yaml")
simulate(spec.model_copy(update={"seed": spec.seed + 100, "end_year": spec.start_year + 1}))
t0 = time.perf_counter()
simulate(spec)
print(time.perf_counter() - t0)
"""
# drawn: the picture (SVG charts before 2026-12) loaded, or every ECharts chart in the
# container made and painted on its canvas
DRAWN = ("sel => { const c = document.querySelector(sel); if (c === null) return false;"
         " const i = c.querySelector('img'); if (i) return i.complete && i.naturalWidth > 0;"
         " const e = [...c.querySelectorAll('.solara-echarts')];"
         " return e.length > 0 && e.every(d => d.__vue__ && d.__vue__.chart"
         " && d.querySelector('canvas') !== null); }")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(port: int, app: Path | None = None) -> tuple[subprocess.Popen, float]:
    """``livskraft dashboard`` on ``port``, or Solara serving ``app`` the same way."""
    t0 = time.perf_counter()
    cmd = [sys.executable, "-m", "sim.cli", "dashboard", "--port", str(port)]
    if app is not None:
        cmd = [sys.executable, "-m", "solara", "run", str(app), "--port", str(port),
               "--production", "--no-open", "--no-check-version", "--log-level", "warning"]
    env = {**os.environ, "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False",
           "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    while True:
        if proc.poll() is not None:
            raise SystemExit("the dashboard server exited")
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return proc, time.perf_counter() - t0
        except OSError:
            time.sleep(0.1)


def bare_run() -> float:
    out = subprocess.run([sys.executable, "-c", BARE], cwd=ROOT, capture_output=True,
                         text=True, check=True)
    return float(out.stdout.split()[-1])


def first_view(browser, url: str):
    context = browser.new_context(viewport={"width": 1500, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(120_000)
    t0 = time.perf_counter()
    page.goto(url)
    page.locator("button.lk-run").wait_for()
    page.wait_for_function(DRAWN, arg=".lk-preview")
    return context, page, time.perf_counter() - t0


def _floor_view(browser, url: str) -> float:
    context, _, seconds = first_view(browser, url)
    context.close()
    return seconds


def classroom_run(page) -> tuple[float, float]:
    """Seconds from the click on Run until the population chart is drawn; the run's seconds
    as the dashboard reports them."""
    t0 = time.perf_counter()
    page.locator("button.lk-run").click()
    page.wait_for_function("() => document.querySelector('.lk-status').innerText"
                           ".startsWith('Ferdig')")
    page.wait_for_function(DRAWN, arg=".lk-population-chart")
    wall = time.perf_counter() - t0
    status = page.locator(".lk-status").inner_text()
    return wall, float(status.rsplit(" in ", 1)[1].split(" s")[0])


def main() -> None:
    from playwright.sync_api import sync_playwright

    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--floor", action="store_true",
                    help="also time the first view of the smallest Solara page (floor_app.py)")
    ap.add_argument("--json", type=Path, default=None, help="also write the figures here")
    args = ap.parse_args()
    port = free_port()
    proc, up = start_server(port)
    url = f"http://127.0.0.1:{port}/"
    print(f"server up after {up:.1f} s (load {os.getloadavg()[0]:.2f})")
    floor = floor_url = None
    if args.floor:
        floor_port = free_port()
        floor, _ = start_server(floor_port, ROOT / "benchmarks" / "floor_app.py")
        floor_url = f"http://127.0.0.1:{floor_port}/"
    rows = []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            for i in range(args.rounds):
                context, page, first = first_view(browser, url)
                bare = bare_run()
                wall, reported = classroom_run(page)
                context.close()
                row = {"round": i + 1, "first_view_s": round(first, 2),
                       **({"floor_first_view_s": round(_floor_view(browser, floor_url), 2)}
                          if floor_url else {}),
                       "bare_model_s": round(bare, 2), "dashboard_click_to_chart_s": round(wall, 2),
                       "dashboard_reported_s": round(reported, 2),
                       "ratio_dashboard_to_bare": round(wall / bare, 2),
                       "load_1min": round(os.getloadavg()[0], 2)}
                rows.append(row)
                print(json.dumps(row))
            browser.close()
    finally:
        for server in (proc, floor):
            if server is not None:
                server.terminate()
                server.wait(timeout=10)
    summary = {k: round(statistics.median(r[k] for r in rows), 2) for k in rows[0] if k != "round"}
    print("median:", json.dumps(summary))
    if args.json:
        args.json.write_text(json.dumps({"server_up_s": round(up, 1), "rounds": rows,
                                         "median": summary}, indent=2))


if __name__ == "__main__":
    main()
