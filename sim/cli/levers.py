"""``livskraft sweep`` and ``livskraft target``: how the effect and the cost grow with the size
of one policy lever (``sim.experiments.sweep``), and the smallest size that meets a goal
(``sim.experiments.target``). Everything a user can get wrong (the lever, its levels or range,
the goal, the area, the output folder) is refused with one message before anything runs."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from sim.cli.common import console, err_console, fail, load
from sim.cli.guards import check_seeds, out_folder
from sim.cli.startup import INTERRUPTED
from sim.scenario.errors import ScenarioError

DEFAULT_BASELINE = Path("scenarios/baseline.yaml")
DEFAULT_SEEDS = 10
BILLION = 1e9

SeedsOption = Annotated[int, typer.Option(help="seeds to run each level with (seed, seed+1, "
                                               "…; the same seeds at every level)")]
PersonsOption = Annotated[int | None, typer.Option(
    help="override persons per agent (e.g. 50 for a quick look)")]
WorkersOption = Annotated[int, typer.Option(help="runs in parallel (processes)")]


@contextmanager
def _interruptible(kind: str):
    """Ctrl-C: say that nothing was written and exit 130; a scenario the model cannot run, or
    an output folder that changed while the command ran: one message, exit 2."""
    from sim.output.out_folder import OutFolderError

    try:
        yield
    except KeyboardInterrupt:
        err_console.print(f"[bold]interrupted[/]: no {kind} result was written")
        raise typer.Exit(INTERRUPTED) from None
    except OutFolderError as err:
        fail(f"--out {err}")
    except ScenarioError as err:
        fail(str(err))


def sweep(
    scenario: Annotated[Path, typer.Argument(help="scenario YAML file")],
    set_: Annotated[str, typer.Option(
        "--set", help="the lever and its levels: policies\\[i].parameters.name=low:high:n, n "
                      "evenly spaced levels (e.g. policies[0].parameters.premium_nok="
                      "0:300000:7)")],
    seeds: SeedsOption = DEFAULT_SEEDS,
    baseline: Annotated[Path, typer.Option(help="baseline scenario YAML file")
                        ] = DEFAULT_BASELINE,
    persons_per_agent: PersonsOption = None,
    workers: WorkersOption = 1,
    out: Annotated[Path | None, typer.Option(
        help="folder for sweep.csv, sweep.png and sweep.json (default runs/sweep-<name>)")
    ] = None,
) -> None:
    """Dose–response: run a baseline and the scenario at evenly spaced levels of one policy
    lever over the same seeds; write and print, per level, the effect on the target area
    (with a band over seeds), the cost and the cost per extra resident-year."""
    from sim.cli import _check_engine, _RunProgress
    from sim.experiments.sweep import check_areas, level_scenarios, parse_set, run_sweep

    if seeds < 1:
        fail(f"--seeds must be at least 1, got {seeds}")
    _check_engine("local", None, workers)
    base = load(baseline, persons_per_agent=persons_per_agent)
    spec = load(scenario, persons_per_agent=persons_per_agent)
    try:
        lever, levels = parse_set(spec, set_)
        level_scenarios(spec, lever, levels)
        check_areas(base, spec)
    except ScenarioError as err:
        fail(str(err))
    check_seeds(spec.seed, seeds, str(scenario))
    out_dir = out_folder("sweep", out, spec.name, None, prefix="sweep-")
    progress = _RunProgress(f"{base.name} and {spec.name} at {len(levels)} levels",
                            seeds * (len(levels) + 1))
    with _interruptible("sweep"), progress:
        result = run_sweep(base, spec, lever, levels, seeds, out_dir=out_dir,
                           on_run=progress.advance_run, workers=workers)
    console.print(_sweep_table(result, lever))
    beyond = [level for level, notes in result.meta["extrapolation"].items() if notes]
    if beyond:
        console.print(f"EXTRAPOLATION at {lever.name} = {', '.join(beyond)}: "
                      + "; ".join(result.meta["extrapolation"][beyond[-1]]), highlight=False)
    console.print(f"wall time {result.meta['wall_time_s']:.0f} s; written: "
                  f"{out_dir / 'sweep.csv'}, {out_dir / 'sweep.png'}, "
                  f"{out_dir / 'sweep.json'}", highlight=False)


def _table(title: str, headers: list[str], rows: list[list[str]]) -> Table:
    """Right-aligned columns; a figure is one word, so it never wraps (a long header does)."""
    table = Table(title=title)
    for header in headers:
        table.add_column(header, justify="right")
    for row in rows:
        table.add_row(*row)
    return table


def _sweep_table(result, lever) -> Table:
    from sim.experiments.seeds import BAND

    m = result.meta
    lo, hi = BAND
    rows = [[lever.shown(row["level"]), f"{row['target_diff_p05']:+,.0f}",
             f"{row['target_diff_median']:+,.0f}", f"{row['target_diff_p95']:+,.0f}",
             f"{row['total_cost_nok'] / BILLION:,.2f}", f"{row['extra_resident_years']:,.0f}",
             "–" if row["cost_per_extra_resident_year"] is None
             else f"{row['cost_per_extra_resident_year']:,.0f}"] for row in m["rows"]]
    return _table(f"{m['scenario']} against {m['baseline']} by {lever.name}, "
                  f"{len(m['seeds'])} seeds: effect on the target area "
                  f"({len(m['target_kommuner'])} kommuner) on 1 January {m['effect_year']} "
                  "(persons); cost of all the scenario's policies",
                  [f"level ({m['unit']})", f"effect p{lo:02d}", "effect median", f"effect p{hi}",
                   "total cost (billion NOK)", "extra resident-years",
                   "NOK per extra resident-year"], rows)


def target(
    scenario: Annotated[Path, typer.Argument(help="scenario YAML file")],
    lever: Annotated[str, typer.Option(
        help="the policy parameter to size: policies\\[i].parameters.name (e.g. "
             "policies[0].parameters.premium_nok)")],
    goal: Annotated[str, typer.Option(
        help='"population YEAR >= population YEAR" or "population YEAR >= NUMBER" (or <=), '
             "judged on the median over seeds")],
    area: Annotated[str, typer.Option(
        help="whose population: target (the policies' places), norway (the whole simulated "
             "area) or a kommunenummer")] = "target",
    seeds: SeedsOption = DEFAULT_SEEDS,
    range_: Annotated[str | None, typer.Option(
        "--range", help="LOW:HIGH levels to search (default: the parameter's bounds)")] = None,
    tolerance: Annotated[float | None, typer.Option(
        help="stop when the level is known to within this (default: 2 % of the range)")
    ] = None,
    persons_per_agent: PersonsOption = None,
    workers: WorkersOption = 1,
    out: Annotated[Path | None, typer.Option(
        help="folder for target.json and levels.csv (default runs/target-<name>)")] = None,
) -> None:
    """Find the smallest level of one policy lever at which the scenario meets a population
    goal (a monotone search over the same seeds); write and print it with its margin."""
    from sim.cli import _check_engine, _RunProgress
    from sim.experiments import target as tg
    from sim.experiments.sweep import parse_lever

    if seeds < 1:
        fail(f"--seeds must be at least 1, got {seeds}")
    _check_engine("local", None, workers)
    spec = load(scenario, persons_per_agent=persons_per_agent)
    try:
        the_lever = parse_lever(spec, lever, "--lever")
        low, high = tg.parse_range(the_lever, range_)
        the_goal = tg.parse_goal(goal)
        if tolerance is None:
            tolerance = tg.DEFAULT_TOLERANCE_SHARE * (high - low)
        tg.check_search(spec, the_lever, the_goal, area, low, high, tolerance)
    except ScenarioError as err:
        fail(str(err))
    check_seeds(spec.seed, seeds, str(scenario))
    out_dir = out_folder("target", out, spec.name, None, prefix="target-")
    progress = _RunProgress(f"{spec.name}: {the_lever.name}",
                            seeds * tg.planned_levels(low, high, tolerance))
    with _interruptible("target"), progress:
        result = tg.run_target(spec, the_lever, the_goal, area=area, seeds=seeds, low=low,
                               high=high, tolerance=tolerance, out_dir=out_dir,
                               on_run=progress.advance_run, workers=workers)
        progress.set_runs(result.meta["runs"])
    for line in tg.describe(result, the_lever):
        console.print(line, highlight=False)
    console.print(_levels_table(result, the_lever))
    console.print(f"wall time {result.meta['wall_time_s']:.0f} s, {result.meta['runs']} runs; "
                  f"written: {out_dir / 'target.json'}, {out_dir / 'levels.csv'}",
                  highlight=False)


def _levels_table(result, lever) -> Table:
    from sim.experiments.seeds import BAND

    m = result.meta
    lo, hi = BAND
    rows = [[lever.shown(row["level"]), "yes" if row["met"] else "no",
             f"{row['margin_p05']:+,.0f}", f"{row['margin_median']:+,.0f}",
             f"{row['margin_p95']:+,.0f}", f"{row['seeds_meeting']}/{len(m['seeds'])}"]
            for row in result.levels.to_dict("records")]
    return _table(f"levels of {lever.name} evaluated: {m['goal']} in {m['area']} (margin in "
                  "persons)", [f"level ({m['unit']})", "meets", f"margin p{lo:02d}",
                               "margin median", f"margin p{hi}", "seeds meeting"], rows)
