"""The ``livskraft`` command: run and check scenarios from the shell.

``livskraft run FILE`` runs a scenario and writes its run folder; ``livskraft compare
BASELINE SCENARIO`` runs both over several seeds and writes the effect and cost;
``livskraft check FILE``
only validates it; ``livskraft schema`` prints the JSON Schema of a scenario file. User errors
(a bad scenario file, a bad option) print one clear message and exit with status 2; nothing
is written.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from sim.scenario import ScenarioError, json_schema, load_scenario, parse_scenario

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Livskraft: an agent-based settlement simulation of Norway.")
console = Console(width=120) if not Console().is_terminal else Console()
err_console = Console(stderr=True)

USER_ERROR = 2


@app.callback()
def _root() -> None:
    """Livskraft: an agent-based settlement simulation of Norway."""


def _fail(message: str) -> None:
    err_console.print(f"[bold red]error:[/] {escape(message)}", highlight=False,
                      soft_wrap=True)
    raise typer.Exit(USER_ERROR)


def _load(path: Path, **overrides):
    """Load a scenario and apply command-line overrides, validated like the file itself."""
    try:
        scenario = load_scenario(path)
        changes = {k: v for k, v in overrides.items() if v is not None}
        if changes:
            scenario = parse_scenario({**scenario.model_dump(), **changes},
                                      f"{path} (with command-line options)")
        return scenario
    except ScenarioError as err:
        _fail(str(err))


def _summary_table(result) -> Table:
    from sim.landscape import describe_area
    from sim.report import summary_rows

    area, _ = describe_area(result.scenario.geography)
    table = Table(title=f"{result.scenario.name}: {area}, persons (row = 1 January stock and "
                        "that year's flows)")
    cols = ["year", "population", "births", "deaths", "immigration", "emigration",
            "internal_moves"]
    for c in cols:
        table.add_column(c.replace("_", " "), justify="right")
    rows = summary_rows(result)
    cities = any(row["five_cities_share"] == row["five_cities_share"] for row in rows)  # not NaN
    if cities:
        table.add_column("5 largest cities", justify="right")
    for row in rows:
        cells = [str(row["year"])] + [
            "" if row[c] is None or str(row[c]) == "<NA>" else f"{int(row[c]):,}"
            for c in cols[1:]]
        if cities:
            cells.append(f"{100 * row['five_cities_share']:.1f} %")
        table.add_row(*cells)
    return table


def _year_progress(label: str, years: int):
    """A progress bar over simulated years and the ``on_year`` callback that advances it."""
    progress = Progress(TextColumn("[bold]{task.description}"), BarColumn(),
                        MofNCompleteColumn(), TextColumn("years"), TimeElapsedColumn(),
                        console=console, transient=False)
    task = progress.add_task(f"building the world ({label})", total=years)

    def on_year(model) -> None:
        progress.update(task, advance=1, description=f"{label}: 1 January {model.year}")

    return progress, on_year


@app.command()
def run(
    scenario: Annotated[Path, typer.Argument(help="scenario YAML file")],
    out: Annotated[Path | None, typer.Option(help="run folder (default runs/<name>)")] = None,
    seed: Annotated[int | None, typer.Option(help="override the scenario's seed")] = None,
    persons_per_agent: Annotated[int | None, typer.Option(
        help="override persons per agent (1 = one agent per person)")] = None,
) -> None:
    """Run one scenario and write its run folder."""
    spec = _load(scenario, seed=seed, persons_per_agent=persons_per_agent)
    from sim.run import run_scenario

    out_dir = out or Path("runs") / spec.name
    progress, on_year = _year_progress(spec.name, spec.end_year - spec.start_year)
    with progress:
        try:
            result = run_scenario(spec, out_dir, on_year=on_year)
        except ScenarioError as err:  # e.g. a parameter override the model cannot use
            progress.stop()
            _fail(str(err))
    console.print(_summary_table(result))
    console.print(f"wall time {result.meta['wall_time_s']:.1f} s "
                  f"(build {result.meta['build_time_s']:.1f} s); run folder: {out_dir}")


@app.command()
def validate(
    out: Annotated[Path, typer.Option(help="report folder")] = Path("runs/validation"),
    persons_per_agent: Annotated[int, typer.Option(
        help="persons per agent for the backcast (1 = one agent per person)")] = 10,
    seed: Annotated[int, typer.Option(help="seed of the backcast")] = 1,
) -> None:
    """Run the 2006 backcast and write validation.md comparing it with 2006–2026 history."""
    from sim.validate import validate as run_validation

    progress, on_year = _year_progress("backcast-2006", 2026 - 2006)
    with progress:
        report = run_validation(out, persons_per_agent=persons_per_agent, seed=seed,
                                on_year=on_year)
    console.print(f"validation report: {report}")
    verdict = [line for line in report.read_text(encoding="utf-8").splitlines()
               if "PASS" in line or "FAIL" in line]
    for line in verdict[:6]:
        console.print(line, highlight=False)


@app.command()
def calibrate(
    iterations: Annotated[int, typer.Option(help="calibration rounds")] = 10,
    persons_per_agent: Annotated[int, typer.Option(help="persons per agent")] = 10,
    seed: Annotated[int, typer.Option(help="seed of the backcast")] = 1,
) -> None:
    """Fit each kommune's place effect on the 2006–2015 backcast (rewrites the parameter)."""
    from sim.calibrate import calibrate as fit
    from sim.calibrate import write_effects

    effects = fit(iterations, persons_per_agent, seed, report=console.print)
    console.print(f"wrote {write_effects(effects, persons_per_agent, iterations)}")


@app.command()
def compare(
    baseline: Annotated[Path, typer.Argument(help="baseline scenario YAML file")],
    scenario: Annotated[Path, typer.Argument(help="scenario YAML file to compare with it")],
    seeds: Annotated[int, typer.Option(help="seeds to run each with (seed, seed+1, …)")] = 10,
    persons_per_agent: Annotated[int | None, typer.Option(
        help="override persons per agent in both (e.g. 50 for a quick look)")] = None,
    out: Annotated[Path | None, typer.Option(
        help="folder for compare.csv and compare.json (default runs/compare-<name>)")] = None,
    workers: Annotated[int, typer.Option(help="runs in parallel (processes)")] = 1,
) -> None:
    """Run a baseline and a scenario over the same seeds; write and print the effect on
    population (with a band over seeds), the cost and the cost per extra resident-year."""
    if seeds < 1:
        _fail(f"--seeds must be at least 1, got {seeds}")
    if workers < 1:
        _fail(f"--workers must be at least 1, got {workers}")
    base = _load(baseline, persons_per_agent=persons_per_agent)
    spec = _load(scenario, persons_per_agent=persons_per_agent)
    from sim.compare import compare as run_compare
    from sim.compare import describe

    out_dir = out or Path("runs") / f"compare-{spec.name}"
    progress = Progress(TextColumn("[bold]{task.description}"), BarColumn(),
                        MofNCompleteColumn(), TextColumn("runs"), TimeElapsedColumn(),
                        console=console, transient=False)
    task = progress.add_task(f"{base.name} and {spec.name}", total=2 * seeds)
    with progress:
        try:
            result = run_compare(base, spec, seeds, out_dir=out_dir, workers=workers,
                                 on_run=lambda: progress.update(task, advance=1))
        except ScenarioError as err:
            progress.stop()
            _fail(str(err))
    for line in describe(result):
        console.print(line, highlight=False)
    console.print(f"wall time {result.summary['wall_time_s']:.0f} s; written: "
                  f"{out_dir / 'compare.csv'}, {out_dir / 'compare.json'}")


@app.command()
def dashboard(
    host: Annotated[str, typer.Option(help="address to listen on (127.0.0.1 = this machine "
                                           "only)")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port to listen on")] = 8765,
) -> None:
    """Start the dashboard (a Solara app in dashboards/app.py) and print its address."""
    import os
    import sys

    app_file = Path(__file__).resolve().parent.parent / "dashboards" / "app.py"
    if not app_file.exists():
        _fail(f"the dashboard app is not here: {app_file} (install from a clone of the "
              "repository, e.g. pip install -e .)")
    console.print(f"Livskraft dashboard: http://{host}:{port}/  (Ctrl+C stops it)",
                  highlight=False)
    cmd = [sys.executable, "-m", "solara", "run", str(app_file), "--host", host,
           "--port", str(port), "--production", "--no-open", "--no-check-version",
           "--log-level", "warning"]
    env = {**os.environ, "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False"}   # works offline
    sys.stdout.flush()
    os.execve(sys.executable, cmd, env)   # the server replaces this process: signals reach it


@app.command()
def check(
    scenario: Annotated[Path, typer.Argument(help="scenario YAML file")],
) -> None:
    """Validate a scenario file without running it."""
    from sim.landscape import describe_area

    spec = _load(scenario)
    _, n = describe_area(spec.geography)
    typer.echo(f"ok: {spec.name} ({n} kommuner, {spec.start_year}–{spec.end_year})")


@app.command()
def schema() -> None:
    """Print the JSON Schema of a scenario file."""
    typer.echo(json.dumps(json_schema(), indent=2, ensure_ascii=False))


def main() -> None:
    app()


if __name__ == "__main__":
    main()
