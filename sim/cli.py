"""The ``livskraft`` command: run scenarios from the shell.

User errors (a bad scenario file, a bad option) print one clear message and exit with
status 2; nothing is written.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from sim.scenario import ScenarioError, load_scenario, parse_scenario

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Livskraft: an agent-based settlement simulation of Norway.")
console = Console(width=120) if not Console().is_terminal else Console()
err_console = Console(stderr=True)

USER_ERROR = 2


@app.callback()
def _root() -> None:
    """Livskraft: an agent-based settlement simulation of Norway."""


def _fail(message: str) -> None:
    err_console.print(f"[bold red]error:[/] {message}", highlight=False)
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
    from sim.report import summary_rows

    table = Table(title=f"{result.scenario.name}: Norway, persons (row = 1 January stock and "
                        "that year's flows)")
    cols = ["year", "population", "births", "deaths", "immigration", "emigration",
            "internal_moves"]
    for c in cols:
        table.add_column(c.replace("_", " "), justify="right")
    table.add_column("5 largest cities", justify="right")
    for row in summary_rows(result):
        cells = [str(row["year"])] + [
            "" if row[c] is None or str(row[c]) == "<NA>" else f"{int(row[c]):,}"
            for c in cols[1:]]
        table.add_row(*cells, f"{100 * row['five_cities_share']:.1f} %")
    return table


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
    years = spec.end_year - spec.start_year
    with Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TextColumn("years"), TimeElapsedColumn(), console=console,
                  transient=False) as progress:
        task = progress.add_task(f"building Norway ({spec.name})", total=years)

        def on_year(model) -> None:
            progress.update(task, advance=1, description=f"{spec.name}: 1 January {model.year}")

        result = run_scenario(spec, out_dir, on_year=on_year)
    console.print(_summary_table(result))
    console.print(f"wall time {result.meta['wall_time_s']:.1f} s "
                  f"(build {result.meta['build_time_s']:.1f} s); run folder: {out_dir}")


def main() -> None:
    app()


if __name__ == "__main__":
    main()
