"""The ``livskraft`` command: run and check scenarios from the shell.

``livskraft run FILE`` runs a scenario and writes its run folder; ``livskraft compare
BASELINE SCENARIO`` runs both over several seeds and writes the effect and cost;
``livskraft ensemble FILE`` runs many seeds in parallel (a process pool or a Dask cluster)
and writes each seed's run folder and bands over seeds; ``livskraft sensitivity FILE`` runs a
SALib design over parameters and writes the indices; ``livskraft runs list|show|diff`` looks
into the run store where each of these registers itself (``sim.output.store``); ``livskraft
sweep FILE`` runs a policy lever at several levels and ``livskraft target FILE`` finds the
smallest level that meets a population goal (``sim.cli.levers``; they write only their folder);
``livskraft check FILE`` only validates a scenario; ``livskraft schema`` prints the JSON
Schema of a scenario file. User errors (a bad scenario file, a bad option) print one clear
message and exit with status 2; nothing is written. Ctrl-C stops a command, leaves nothing
half-written and exits with status 130.
"""

from __future__ import annotations

from sim.cli import startup  # isort: skip (first: Ctrl-C while the rest loads exits 130)

import json
import signal
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from sim.cli.common import (
    AddressOption,
    EngineOption,
    FocusOption,
    StoreOption,
    console,
    err_console,
    fail,
    focus_codes,
    load,
)
from sim.cli.dashboard import dashboard
from sim.cli.explain import explain
from sim.cli.guards import SEED_MAX, SeedOption, check_seeds, out_folder
from sim.cli.levers import sweep, target
from sim.cli.runs import runs_app
from sim.cli.startup import INTERRUPTED
from sim.cli.summaries import delivery_summary, noise_note, summary_table
from sim.scenario.errors import ScenarioError
from sim.scenario.files import json_schema

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Livskraft: an agent-based settlement simulation of Norway.")
app.add_typer(runs_app, name="runs")
app.command()(dashboard)
app.command()(sweep)
app.command()(target)
app.command()(explain)


@app.callback()
def _root() -> None:
    """Livskraft: an agent-based settlement simulation of Norway."""


def _check_engine(engine: str, address: str | None, workers: int | None) -> None:
    from sim.experiments.pool import ENGINES

    if engine not in ENGINES:
        fail(f"--engine must be one of {', '.join(ENGINES)}, got {engine!r}")
    if address is not None and engine != "dask":
        fail("--address is the address of a Dask scheduler; use it with --engine dask")
    if workers is not None and workers < 1:
        fail(f"--workers must be at least 1, got {workers}")


@contextmanager
def _recorded(kind: str, spec, seeds: list[int], out_dir: Path, store: Path | None,
              persons_per_agent: int | None = None):
    """Register the command in the run store for its duration (see ``sim.output.store``)."""
    from sim.experiments.store_entries import recording
    from sim.output.out_folder import OutFolderError
    from sim.output.store import StoreError

    try:
        with recording(kind, spec, seeds, out_dir=out_dir, store=store,
                       persons_per_agent=persons_per_agent) as rec:
            yield rec
    except StoreError as err:
        fail(f"run store: {err}")
    except OutFolderError as err:     # the folder changed while the command ran
        fail(f"--out {err}")
    except KeyboardInterrupt:
        err_console.print(f"[bold]interrupted[/]: no {kind} result was written")
        raise typer.Exit(INTERRUPTED) from None


class _RunProgress(Progress):
    """A progress bar over runs (seeds or samples), redrawn when a run finishes rather than
    by a thread of its own, so that the engine can fork its workers from this process."""

    def __init__(self, label: str, total: int | None) -> None:
        super().__init__(TextColumn("[bold]{task.description}"), BarColumn(),
                         MofNCompleteColumn(), TextColumn("runs"), TimeElapsedColumn(),
                         console=console, transient=False, auto_refresh=False)
        self.task = self.add_task(label, total=total)

    def advance_run(self) -> None:
        self.update(self.task, advance=1)
        self.refresh()

    def set_runs(self, total: int) -> None:
        self.update(self.task, total=total)
        self.refresh()


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
    seed: SeedOption = None,
    persons_per_agent: Annotated[int | None, typer.Option(
        help="override persons per agent (1 = one agent per person)")] = None,
    focus: FocusOption = None,
    store: StoreOption = None,
) -> None:
    """Run one scenario and write its run folder (and register it in the run store)."""
    spec = load(scenario, seed=seed, persons_per_agent=persons_per_agent,
                focus=focus_codes(focus))
    check_seeds(spec.seed, 1, str(scenario))
    out_dir = out_folder("run", out, spec.name, store)
    from sim.experiments.store_entries import run_entry
    from sim.output.run_folder import run_scenario

    progress, on_year = _year_progress(spec.name, spec.end_year - spec.start_year)
    with _recorded("run", spec, [spec.seed], out_dir, store) as rec:
        with progress:
            try:
                result = run_scenario(spec, out_dir, on_year=on_year)
            except ScenarioError as err:  # e.g. a parameter override the model cannot use
                progress.stop()
                fail(str(err))
        rec.save(*run_entry(result), result.meta)
    console.print(summary_table(result))
    noise_note(result)
    for line in delivery_summary(result):
        console.print(line, highlight=False)
    console.print(f"wall time {result.meta['wall_time_s']:.1f} s "
                  f"(build {result.meta['build_time_s']:.1f} s); run folder: {out_dir}")


@app.command()
def validate(
    out: Annotated[Path, typer.Option(help="report folder")] = Path("runs/validation"),
    persons_per_agent: Annotated[int | None, typer.Option(
        help="persons per agent for the backcast (1 = one agent per person; default 1, "
             "or 10 with --quick)")] = None,
    seed: Annotated[int, typer.Option(min=0, max=SEED_MAX,
                                      help="seed of the (first) backcast")] = 1,
    seeds: Annotated[int | None, typer.Option(
        help="backcast runs (seed, seed+1, …); the report compares their mean (default 8, "
             "or 1 with --quick)")] = None,
    workers: Annotated[int | None, typer.Option(
        help="backcast runs in parallel (processes; default: the machine's cores)")] = None,
    quick: Annotated[bool, typer.Option(
        help="a coarse check (10 persons per agent, one run) instead of the reported "
             "configuration")] = False,
) -> None:
    """Run the 2006 backcast and write validation.md comparing it with 2006–2026 history.

    With no options it runs the configuration docs/validation.md reports (1 person per agent,
    8 seeds; about 5 minutes on two quiet cores)."""
    from sim.experiments.pool import default_workers
    from sim.validation.backcast import configuration
    from sim.validation.backcast import validate as run_validation

    persons_per_agent, seeds, note = configuration(persons_per_agent, seeds, quick)
    console.print(note, highlight=False)
    _check_engine("local", None, workers)
    check_seeds(seed, seeds, "validate")
    out = out_folder("validate", out, "validation", None)
    workers = min(workers or default_workers(), seeds)
    if workers > 1:       # a bar over runs, redrawn without a thread, so workers can fork
        progress, on_year = _RunProgress("backcast-2006", seeds), None
        on_run = progress.advance_run
    else:
        progress, on_year = _year_progress("backcast-2006", (2026 - 2006) * seeds)
        on_run = None
    with progress:
        report = run_validation(out, persons_per_agent=persons_per_agent, seed=seed,
                                on_year=on_year, seeds=seeds, workers=workers, on_run=on_run)
    console.print(f"validation report: {report}")
    verdict = [line for line in report.read_text(encoding="utf-8").splitlines()
               if "PASS" in line or "FAIL" in line]
    for line in verdict[:6]:
        console.print(line, highlight=False)


@app.command()
def calibrate(
    iterations: Annotated[int, typer.Option(help="calibration rounds")] = 10,
    persons_per_agent: Annotated[int, typer.Option(help="persons per agent")] = 10,
    seeds: Annotated[int, typer.Option(help="backcast runs (fresh seeds) per round")] = 2,
    workers: Annotated[int | None, typer.Option(
        help="backcast runs in parallel (processes; default: the machine's cores)")] = None,
) -> None:
    """Fit each kommune's place effect and its young part on the 2006–2015 backcast
    (rewrites both parameters)."""
    from sim.experiments.pool import default_workers
    from sim.validation.calibrate import calibrate as fit
    from sim.validation.calibrate import write_effects

    _check_engine("local", None, workers)
    workers = min(workers or default_workers(), seeds)
    result = fit(iterations, persons_per_agent, seeds, report=console.print, workers=workers)
    console.print(f"wrote {write_effects(result, persons_per_agent, iterations, seeds)}")


@app.command()
def evidence(
    out: Annotated[Path, typer.Option(help="report folder")] = Path("runs/evidence"),
    quick: Annotated[bool, typer.Option(
        "--quick", help="coarse and few seeds (a minute or two; wide bands)")] = False,
    persons_per_agent: Annotated[int | None, typer.Option(
        help="persons per agent (default: 10, or 50 with --quick)")] = None,
    seeds: Annotated[int | None, typer.Option(
        help="seeds per replay (default: 6, or 2 with --quick)")] = None,
    workers: Annotated[int | None, typer.Option(
        help="runs in parallel (processes; default: the machine's cores)")] = None,
) -> None:
    """Replay Norway's evaluated policies in the model and judge it against the studies:
    write evidence.md and evidence.json."""
    from sim.experiments.pool import default_workers
    from sim.validation.evidence import FULL, QUICK, REPLAYS, Profile, run_evidence, write_evidence

    base = QUICK if quick else FULL
    profile = Profile(persons_per_agent or base.persons_per_agent, seeds or base.seeds)
    if profile.persons_per_agent < 1 or profile.seeds < 1:
        fail("--persons-per-agent and --seeds must be at least 1")
    _check_engine("local", None, workers)
    with _RunProgress("replays", len(REPLAYS) * profile.seeds) as progress:
        report = run_evidence(profile, workers or default_workers(), progress.advance_run)
    for r in report["replays"]:
        console.print(f"{r['lever']}: {r['verdict']}", highlight=False)
    console.print(f"evidence report: {write_evidence(report, out)}", highlight=False)


@app.command()
def compare(
    baseline: Annotated[Path, typer.Argument(help="baseline scenario YAML file")],
    scenario: Annotated[Path, typer.Argument(help="scenario YAML file to compare with it")],
    seeds: Annotated[int, typer.Option(help="seeds to run each with (seed, seed+1, …)")] = 10,
    persons_per_agent: Annotated[int | None, typer.Option(
        help="override persons per agent in both (e.g. 50 for a quick look)")] = None,
    focus: FocusOption = None,
    out: Annotated[Path | None, typer.Option(
        help="folder for compare.csv and compare.json (default runs/compare-<name>)")] = None,
    workers: Annotated[int, typer.Option(help="runs in parallel (processes)")] = 1,
    engine: EngineOption = "local",
    address: AddressOption = None,
    store: StoreOption = None,
    split: Annotated[bool, typer.Option(
        "--split", help="also run every subset of the scenario's policies and split the "
                        "effect and cost among them (Shapley, leave-one-out)")] = False,
    report: Annotated[bool, typer.Option(
        "--report", help="also write report.html, the analyst's summary as one page")] = False,
) -> None:
    """Run a baseline and a scenario over the same seeds; write and print the effect on
    population (with a band over seeds), the cost by year and payer, what the extra
    residents pay back, and the cost per extra resident-year."""
    if seeds < 1:
        fail(f"--seeds must be at least 1, got {seeds}")
    _check_engine(engine, address, workers)
    spec = load(scenario, persons_per_agent=persons_per_agent, focus=focus_codes(focus))
    base = load(baseline, focus=spec.focus or None, persons_per_agent=persons_per_agent or (
        spec.persons_per_agent if spec.focus else None))     # a focus: the same scale in both
    from sim.experiments.compare import compare as run_compare
    from sim.experiments.compare import runs_needed
    from sim.experiments.describe import describe
    from sim.experiments.seeds import seed_numbers
    from sim.experiments.store_entries import compare_entry

    check_seeds(spec.seed, seeds, str(scenario))
    out_dir = out_folder("compare", out, spec.name, store, prefix="compare-")
    try:
        total = runs_needed(base, spec, seeds, split)
    except ScenarioError as err:
        fail(str(err))
    progress = _RunProgress(f"{base.name} and {spec.name}", total)
    with _recorded("compare", spec, seed_numbers(spec.seed, seeds), out_dir, store) as rec:
        with progress:
            try:
                result = run_compare(base, spec, seeds, out_dir=out_dir, workers=workers,
                                     engine=engine, address=address,
                                     on_run=progress.advance_run, split=split,
                                     report=report)
            except ScenarioError as err:
                progress.stop()
                fail(str(err))
        rec.save(*compare_entry(result, spec), result.summary)
    for line in describe(result):
        console.print(line, highlight=False)
    console.print(f"wall time {result.summary['wall_time_s']:.0f} s; written: "
                  f"{out_dir / 'compare.csv'}, {out_dir / 'compare.json'}, "
                  f"{out_dir / 'budget.csv'}" + (f", {out_dir / 'attribution.csv'}"
                                                  if split else "")
                  + (f", {out_dir / 'report.html'}" if report else ""))


BAND_YEARS_STEP = 5        # the ensemble's printed table shows every 5th year and the last


@app.command()
def ensemble(
    scenario: Annotated[Path, typer.Argument(help="scenario YAML file")],
    seeds: Annotated[int, typer.Option(help="seeds to run (seed, seed+1, …)")] = 10,
    engine: EngineOption = "local",
    address: AddressOption = None,
    workers: Annotated[int | None, typer.Option(
        help="processes (local pool or local Dask cluster; default: the machine's cores)")
    ] = None,
    persons_per_agent: Annotated[int | None, typer.Option(
        help="override persons per agent (e.g. 50 for a quick look)")] = None,
    focus: FocusOption = None,
    out: Annotated[Path | None, typer.Option(
        help="folder for seed-<n>/ and bands.csv (default runs/ensemble-<name>)")] = None,
    store: StoreOption = None,
) -> None:
    """Run a scenario over several seeds in parallel; write each seed's run folder and the
    median and 5–95 % band of population by kommune and year (bands.csv)."""
    if seeds < 1:
        fail(f"--seeds must be at least 1, got {seeds}")
    _check_engine(engine, address, workers)
    spec = load(scenario, persons_per_agent=persons_per_agent, focus=focus_codes(focus))
    from sim.experiments.ensemble import run_ensemble
    from sim.experiments.seeds import NORWAY, seed_numbers
    from sim.experiments.store_entries import ensemble_entry

    check_seeds(spec.seed, seeds, str(scenario))
    out_dir = out_folder("ensemble", out, spec.name, store, prefix="ensemble-")
    progress = _RunProgress(f"{spec.name}, {seeds} seeds ({engine})", seeds)
    with _recorded("ensemble", spec, seed_numbers(spec.seed, seeds), out_dir, store) as rec:
        with progress:
            try:
                result = run_ensemble(spec, seeds, out_dir=out_dir, engine=engine,
                                      workers=workers, address=address,
                                      on_run=progress.advance_run)
            except ScenarioError as err:
                progress.stop()
                fail(str(err))
        rec.save(*ensemble_entry(result), result.meta)
    whole = result.bands[result.bands["area"] == NORWAY]
    years = whole["year"].tolist()
    shown = whole[[(y - years[0]) % BAND_YEARS_STEP == 0 or y == years[-1] for y in years]]
    table = Table(title=f"{spec.name}: population of the whole area on 1 January over "
                        f"{seeds} seeds (persons)")
    for c in ("year", "p05", "median", "p95"):
        table.add_column(c, justify="right")
    for row in shown.itertuples():
        table.add_row(str(row.year), f"{row.p05:,.0f}", f"{row.median:,.0f}", f"{row.p95:,.0f}")
    console.print(table)
    from sim.validation.intervals import add_shipped
    calibrated = " with calibrated 80 % intervals" if add_shipped(out_dir, spec) else ""
    console.print(f"wall time {result.meta['wall_time_s']:.0f} s; written: {out_dir} "
                  f"(seed-<n>/ for seeds {result.seeds[0]}–{result.seeds[-1]}, bands.csv"
                  f"{calibrated})")


@app.command()
def sensitivity(
    scenario: Annotated[Path, typer.Argument(help="scenario YAML file")],
    method: Annotated[str, typer.Option(help="morris (elementary effects) or sobol")
                      ] = "morris",
    params: Annotated[list[str] | None, typer.Option(
        "--params", help="a factor: name=low:high, or name for ±20 % around its default; "
        "name is a parameter of sim/params with dots (and keys into a table, e.g. "
        "migration.stay_coefficients.owner) or policies[i].name; repeat or separate with "
        "commas (default: four migration coefficients and the policies' parameters)")] = None,
    samples: Annotated[int | None, typer.Option(
        help="N: Morris trajectories (N·(D+1) runs, default 4) or Sobol base samples "
             "(N·(D+2) runs, a power of 2, default 8)")] = None,
    output: Annotated[str, typer.Option(
        help="the output: population in the last year of norway (the whole simulated area), "
             "target (the policies' places) or a kommunenummer")] = "target",
    engine: EngineOption = "local",
    address: AddressOption = None,
    workers: Annotated[int | None, typer.Option(
        help="processes (default: the machine's cores)")] = None,
    persons_per_agent: Annotated[int | None, typer.Option(
        help="override persons per agent")] = None,
    out: Annotated[Path | None, typer.Option(
        help="folder for indices.csv, samples.csv, indices.png "
             "(default runs/sensitivity-<name>)")] = None,
    store: StoreOption = None,
) -> None:
    """Sensitivity of a scenario's output to behavioural and policy parameters (SALib):
    write the indices (CSV), the runs and a bar chart."""
    _check_engine(engine, address, workers)
    spec = load(scenario, persons_per_agent=persons_per_agent)
    from sim.experiments import sensitivity as sa
    from sim.experiments.store_entries import sensitivity_entry

    names = [n.strip() for p in params or [] for n in p.split(",") if n.strip()]
    try:
        sa.check_samples(method, samples or sa.DEFAULT_SAMPLES.get(method, 0))
        factors = [sa.parse_factor(spec, n) for n in names or sa.default_factor_names(spec)]
        sa.check_factors(spec, factors)
        sa.output_codes(spec, output)
    except ScenarioError as err:
        fail(str(err))
    check_seeds(spec.seed, 1, str(scenario))
    out_dir = out_folder("sensitivity", out, spec.name, store, prefix="sensitivity-")
    progress = _RunProgress(f"{spec.name}: {method}, {len(factors)} factors", None)
    with _recorded("sensitivity", spec, [spec.seed], out_dir, store) as rec:
        with progress:
            result = sa.run_sensitivity(
                spec, method, factors, samples=samples, output=output, out_dir=out_dir,
                engine=engine, workers=workers, address=address,
                on_design=progress.set_runs, on_run=progress.advance_run)
        rec.save(*sensitivity_entry(result), result.meta)
    console.print(_indices_table(result))
    console.print(f"wall time {result.meta['wall_time_s']:.0f} s; written: {out_dir} "
                  "(indices.csv, samples.csv, indices.png, sensitivity.json)")


def _indices_table(result) -> Table:
    meta = result.meta
    table = Table(title=f"{meta['scenario']}: sensitivity of the population of "
                        f"{meta['output']} on 1 January {meta['years'][1]} ({meta['runs']} runs)")
    for c in result.indices.columns:
        table.add_column(c, justify="left" if c == "parameter" else "right")
    for row in result.indices.itertuples(index=False):
        table.add_row(row[0], *(f"{v:,.3g}" for v in row[1:]))
    return table


@app.command()
def check(
    scenario: Annotated[Path, typer.Argument(help="scenario YAML file")],
) -> None:
    """Validate a scenario file without running it."""
    from sim.world.landscape import describe_area

    spec = load(scenario)
    _, n = describe_area(spec.geography)
    typer.echo(f"ok: {spec.name} ({n} kommuner, {spec.start_year}–{spec.end_year})")


@app.command()
def schema() -> None:
    """Print the JSON Schema of a scenario file."""
    typer.echo(json.dumps(json_schema(), indent=2, ensure_ascii=False))


def main() -> None:
    """The command; Ctrl-C at any moment ends it with status 130 (and no traceback)."""
    pressed = []

    def ctrl_c(signum, frame) -> None:
        pressed.append(signum)
        raise KeyboardInterrupt

    if startup.is_the_command():
        signal.signal(signal.SIGINT, ctrl_c)
    try:
        app()
    except SystemExit as stop:      # typer ends every command so; Ctrl-C as "Aborted!" (1)
        if pressed and stop.code not in (0, None):
            raise SystemExit(INTERRUPTED) from None
        raise
    except Exception:               # a library that turns Ctrl-C into its own error (DuckDB:
        if pressed:                 # "Query interrupted") before our handlers see it
            err_console.print("[bold]interrupted[/]: nothing was written")
            raise SystemExit(INTERRUPTED) from None
        raise


if __name__ == "__main__":
    main()
