"""Livskraft dashboard (Solara): start page, runs in the background, and the views.

Run it with ``livskraft dashboard`` (or ``solara run dashboards/app.py``). All state lives in
``solara.use_reactive`` hooks inside ``Page``, so each browser session (each Solara kernel)
has its own settings, run and results; module-level names are constants and caches of the
embedded data only.

Speed: the server prepares what a first page and a first run need before it answers
(``dashboards.serving``), charts are SVG drawn by the browser (``dashboards.svg``), a run
updates the page at most twice a second, and ``Page`` reads no state itself, so progress
redraws only the status line and a finished run only the views.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import solara
import solara.lab

if str(Path(__file__).resolve().parent.parent) not in sys.path:   # `solara run app.py`
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from dashboards import logic, plots, serving
from dashboards.workers import WorkerDied
from sim.experiments.seeds import BAND
from sim.scenario.errors import ScenarioError

PLAY_SECONDS_PER_YEAR = 0.25
PROGRESS_EVERY_S = 0.5
BIG = {"font-size": "1.3em"}
TABS = ("Befolkning / Population", "Kart / Map", "Sammenligning / Comparison", "Kommune",
        "Klasserom / Classroom", "Last ned / Downloads")

serving.warm_up()


@dataclass(frozen=True)
class Status:
    """What the status line says, and the run's progress in per cent (None: no bar)."""

    text: str = "Klar / ready"
    percent: float | None = None


# ----- start page ---------------------------------------------------------------------------
def _defaults(name: str) -> tuple[str, str]:
    """Years and persons per agent the start page proposes for a scenario file: the file's
    years; its scale, but at least 50 persons per agent on real Norway (a quick look)."""
    base = logic.base_scenario(name)
    ppa = base.persons_per_agent
    if base.geography.kind == "norway":
        ppa = max(ppa, 50)
    return str(base.end_year - base.start_year), str(ppa)


def use_settings() -> dict[str, solara.Reactive]:
    """The start page's settings of this session, as reactive variables."""
    years0, ppa0 = _defaults(logic.CLASSROOM)
    return {
        "scenario": solara.use_reactive(logic.CLASSROOM),
        "query": solara.use_reactive(""),
        "area": solara.use_reactive("region"),
        "years": solara.use_reactive(years0),
        "seeds": solara.use_reactive("1"),
        "ppa": solara.use_reactive(ppa0),
        "keep": solara.use_reactive(True),
        "baseline": solara.use_reactive(False),
        "policies": solara.use_reactive({}),
        "show_policies": solara.use_reactive(False),
    }


def current_settings(settings: dict[str, solara.Reactive]) -> logic.Settings:
    base = logic.base_scenario(settings["scenario"].value)
    code, _ = logic.find_kommune(settings["query"].value, logic.kommune_options(base))
    return logic.Settings(
        scenario=settings["scenario"].value, kommune=code, area=settings["area"].value,
        years=settings["years"].value or None, seeds=settings["seeds"].value,
        persons_per_agent=settings["ppa"].value or None,
        keep_file_policies=settings["keep"].value, policies=settings["policies"].value,
        baseline=settings["baseline"].value)


@solara.component
def PolicyEditor(kind: str, fields: list, policies: solara.Reactive):
    """A switch for one policy type and a text field per parameter (validated on run)."""
    on = kind in policies.value

    def toggle(value: bool):
        current = dict(policies.value)
        if value:
            current[kind] = {name: str(default) for name, default, _ in fields}
        else:
            current.pop(kind, None)
        policies.value = current

    def set_param(name: str, text: str):
        current = {k: dict(v) for k, v in policies.value.items()}
        current.setdefault(kind, {})[name] = text
        policies.value = current

    with solara.Column(gap="0px", classes=[f"lk-policy-{kind}"]):
        solara.Switch(label=kind.replace("_", " "), value=on, on_value=toggle)
        if on:
            for name, _, unit in fields:
                solara.InputText(f"{name} ({unit})", value=str(policies.value[kind].get(name, "")),
                                 on_value=lambda t, n=name: set_param(n, t),
                                 continuous_update=True, classes=[f"lk-param-{kind}-{name}"])


@solara.component
def ScenarioChooser(settings: dict, error: solara.Reactive):
    """The scenario file (with its description) and the kommune search box."""
    s = settings
    base = logic.base_scenario(s["scenario"].value)
    options = solara.use_memo(lambda: logic.kommune_options(base), [s["scenario"].value])
    code, candidates = logic.find_kommune(s["query"].value, options)

    def choose(name: str) -> None:
        try:                      # a broken file keeps the current one and says why
            years, ppa = _defaults(name)
        except ScenarioError as err:
            error.set(str(err))
            return
        error.set(None)
        s["scenario"].set(name)
        s["years"].set(years)
        s["ppa"].set(ppa)

    solara.Select("Scenario", values=logic.scenario_files(), value=s["scenario"].value,
                  on_value=choose, classes=["lk-scenario"])
    solara.Text(base.description.strip(), style={"font-style": "italic", "font-size": "0.9em"})
    solara.InputText("Kommune (navn eller nummer / name or number)", value=s["query"],
                     continuous_update=True, classes=["lk-kommune"])
    if code:          # always one line here, so the buttons below do not move
        solara.Text(f"✔ {code} {options[code]}", classes=["lk-kommune-found"])
    elif s["query"].value:
        solara.Text("Mente du / did you mean: " + (", ".join(candidates) or "–"))
    else:
        solara.Text("–")
    if base.geography.kind == "norway":
        solara.Select("Område / area", values=list(logic.AREAS), value=s["area"],
                      classes=["lk-area"])
        solara.Text(logic.AREAS[s["area"].value], style={"font-size": "0.8em"})


@solara.component
def RunSettings(settings: dict):
    """Years, seeds, scale, the file's policies, the baseline and the policy editors."""
    s = settings
    base = logic.base_scenario(s["scenario"].value)
    fields = solara.use_memo(logic.policy_fields, [])
    with solara.Row():
        solara.InputText("År / years", value=s["years"], continuous_update=True,
                         classes=["lk-years"])
        solara.InputText("Frø / seeds", value=s["seeds"], continuous_update=True,
                         classes=["lk-seeds"])
        solara.InputText("Personer per agent / persons per agent", value=s["ppa"],
                         continuous_update=True, classes=["lk-ppa"])
    if base.policies:
        solara.Checkbox(label="Behold filens tiltak / keep the file's policies ("
                        + ", ".join(p.type for p in base.policies) + ")", value=s["keep"])
    solara.Checkbox(label="Sammenlign med grunnløp / compare with baseline (no policies)",
                    value=s["baseline"])
    solara.Switch(label="Tiltak for valgt kommune / policies for the chosen kommune",
                  value=s["show_policies"], classes=["lk-show-policies"])
    if s["show_policies"].value:        # drawn only when asked for: a light first view
        for kind, f in fields.items():
            PolicyEditor(kind, f, s["policies"])


@solara.component
def StartPanel(settings: dict, session, runner):
    with solara.Card("Start", classes=["lk-start"]):
        ScenarioChooser(settings, session.error)
        RunSettings(settings)
        RunButtons(runner)
        RunStatus(session.status, session.error)


@solara.component
def RunButtons(runner):
    running = runner.running
    with solara.Row():
        solara.Button("Kjør / Run", on_click=runner.run, disabled=running, color="primary",
                      classes=["lk-run"])
        solara.Button("Avbryt / Cancel", on_click=runner.cancel, disabled=not running,
                      classes=["lk-cancel"])


@solara.component
def RunStatus(status: solara.Reactive, error: solara.Reactive):
    """Progress and status in their own component, so progress updates redraw only this."""
    if status.value.percent is not None:
        solara.ProgressLinear(max(status.value.percent, 1.0))   # determinate: no animation
    solara.Text(status.value.text, classes=["lk-status"])
    if error.value:
        solara.Error(error.value, classes=["lk-error"])


# ----- running --------------------------------------------------------------------------------
@dataclass(eq=False)
class Session:
    """One browser session's results and messages, shared by the start page and the views."""

    bundle: solara.Reactive          # logic.Bundle of the last finished run, or None
    status: solara.Reactive          # Status
    error: solara.Reactive           # str or None
    frame: solara.Reactive           # the classroom year shown, or None
    event: threading.Event = field(default_factory=threading.Event)   # cancels the run
    runs: int = 0


def work(session: Session, spec, seeds: int, baseline: bool, animate: bool) -> None:
    """The background run (a thread of ``solara.lab.use_task``): progress at most every
    PROGRESS_EVERY_S, cancellation between years, then the classroom animation if asked."""
    event = session.event            # this run's, made when its button was clicked
    t0 = time.perf_counter()
    last = [0.0]

    def on_progress(done: int, total: int, label: str) -> None:
        now = time.perf_counter()       # each update costs a redraw of RunStatus
        if now - last[0] >= PROGRESS_EVERY_S or done == total:
            last[0] = now
            session.status.set(Status(f"Kjører / running: {label}", 100.0 * done / total))

    try:
        if spec is None:                # play: animate the landscape already shown
            result, spec = session.bundle.value, session.bundle.value.scenario
        else:
            session.status.set(Status("Starter / starting", 0.0))
            result = logic.run_bundle(spec, seeds, baseline, on_progress, event, serving.pool())
    except logic.Cancelled:
        session.status.set(Status("Avbrutt / cancelled"))
        return
    except (ScenarioError, WorkerDied) as err:
        session.error.set(str(err))
        session.status.set(Status("Feil / error"))
        return
    if result is not session.bundle.value:
        session.bundle.set(result)      # draws the open view's chart, in this thread
        session.status.set(Status(
            f"Ferdig / finished (#{session.runs}): {spec.name}, {len(result.results)} "
            f"seed(s){' + baseline' if baseline else ''}, {spec.end_year - spec.start_year} "
            f"years in {time.perf_counter() - t0:.2f} s"))
    if animate:
        for y in sorted(result.results[0].kommuner["year"].unique().tolist()):
            if event.is_set():
                return
            session.frame.set(y)
            time.sleep(PLAY_SECONDS_PER_YEAR)


@dataclass(eq=False)
class Runner:
    """The buttons' actions on this session's background run. ``running`` reads the task's
    state, so only the components that show it redraw when a run starts or ends."""

    task: solara.lab.Task
    run: Callable[[], None]
    cancel: Callable[[], None]
    play: Callable[[], None]

    @property
    def running(self) -> bool:
        return bool(self.task.pending)


def use_runner(settings: dict, session: Session) -> Runner:
    """One background run at a time per session."""

    def run_in_background(spec, seeds: int, baseline: bool, animate: bool) -> None:
        work(session, spec, seeds, baseline, animate)

    task = solara.lab.use_task(run_in_background, dependencies=None)

    def start(spec, seeds: int, baseline: bool, animate: bool) -> None:
        session.event = threading.Event()   # before the thread starts: Cancel reaches it
        task(spec, seeds, baseline, animate)

    def on_run():
        session.error.set(None)
        try:
            s = current_settings(settings)
            spec = logic.build_scenario(s)
        except ScenarioError as err:
            session.error.set(str(err))
            session.status.set(Status("Ugyldig / invalid settings"))
            return
        session.runs += 1
        start(spec, int(logic._number(s.seeds)), s.baseline, False)

    def on_play():
        """One click: run the classroom landscape (unless shown already) and animate it."""
        session.error.set(None)
        b = session.bundle.value
        if b is not None and b.scenario.geography.kind == "landscape":
            start(None, 1, False, True)     # animate what is shown
            return
        session.runs += 1
        start(logic.build_scenario(logic.Settings(scenario=logic.CLASSROOM)), 1, False, True)

    return Runner(task, on_run, lambda: session.event.set(), on_play)


# ----- views ----------------------------------------------------------------------------------
@solara.component
def ChartView(svg: bytes | None, cls: str, name: str):
    """A chart (SVG, drawn by the browser) and its download."""
    if svg is None:
        solara.Info("Ingen kjøring ennå / no run yet")
        return
    with solara.Column(classes=[cls]):
        solara.Image(svg, format="svg+xml")
        solara.FileDownload(svg, filename=f"{name}.svg", label=f"Last ned / download {name}.svg")


@solara.component
def AreaPreview(scenario: str):
    """Before the first run: the chosen scenario's area at its start."""
    try:
        svg = plots.area_chart(scenario)
    except ScenarioError:
        return
    with solara.Column(classes=["lk-preview"]):
        solara.Info("Ingen kjøring ennå: trykk Kjør / no run yet: press Run")
        solara.Image(svg, format="svg+xml")


@solara.component
def PopulationView(bundle, scenario: str):
    svg = solara.use_memo(lambda: plots.population_chart(bundle) if bundle else None, [bundle])
    if bundle is None:
        AreaPreview(scenario)
        return
    ChartView(svg, "lk-population-chart", "population")


@solara.component
def MapView(bundle, scenario: str):
    column = solara.use_reactive("growth_percent")
    cols = logic.output_columns(bundle) if bundle else ["growth_percent"]
    col = column.value if column.value in cols else "growth_percent"
    svg = solara.use_memo(lambda: plots.map_chart(bundle, col) if bundle else None,
                          [bundle, col])
    if bundle is None:
        AreaPreview(scenario)
        return
    solara.Select("Farge etter / colour by", values=cols, value=column, classes=["lk-map-column"])
    ChartView(svg, "lk-map", f"map-{col}")


@solara.component
def CompareView(bundle):
    found = solara.use_memo(lambda: logic.comparison(bundle) if bundle else None, [bundle])
    svg = solara.use_memo(lambda: plots.comparison_chart(bundle) if found else None, [bundle])
    if found is None:
        solara.Info("Kryss av «sammenlign med grunnløp» og kjør / tick 'compare with baseline' "
                    "and run")
        return
    _, s = found
    cpy = s["cost_per_extra_resident_year"]
    lines = [
        f"**Målområdet / target area**: {', '.join(s['target_kommuner'][:10])}"
        + (" …" if len(s["target_kommuner"]) > 10 else ""),
        f"**Forskjell 1. januar / difference on 1 January {s['effect_year']}**: "
        f"{s['target_diff_median']:+,.0f} persons (band {BAND[0]}–{BAND[1]} %: "
        f"{s['target_diff_p05']:+,.0f} to {s['target_diff_p95']:+,.0f}), {len(s['seeds'])} seeds",
        f"**Kostnad / cost**: {s['total_cost_nok'] / 1e6:,.1f} million NOK",
        f"**Ekstra innbyggerår / extra resident-years**: {s['extra_resident_years']:,.0f}",
        "**Kostnad per ekstra innbyggerår / cost per extra resident-year**: "
        + (f"{cpy:,.0f} NOK" if cpy is not None else "– (no extra resident-years)"),
    ]
    with solara.Column(classes=["lk-compare"]):
        solara.Markdown("\n\n".join(lines))
        ChartView(svg, "lk-compare-chart", "comparison")
        solara.FileDownload(lambda: logic.compare_csv_bytes(bundle), filename="compare.csv",
                            label="Last ned / download compare.csv")


@solara.component
def KommuneView(bundle, code: str | None):
    year = solara.use_reactive(0)
    codes = bundle.table["kommunenummer"].astype(str).tolist() if bundle else []
    shown = code if code in codes else (codes[0] if codes else None)
    years = sorted(bundle.results[0].kommuner["year"].unique().tolist()) if bundle else [0]
    yr = year.value if year.value in years else years[-1]
    pyramid = solara.use_memo(lambda: plots.pyramid_chart(bundle, shown, yr) if bundle
                              else None, [bundle, shown, yr])
    panels = solara.use_memo(lambda: plots.kommune_chart(bundle, shown) if bundle else None,
                             [bundle, shown])
    if bundle is None:
        solara.Info("Ingen kjøring ennå / no run yet")
        return
    if shown != code:
        solara.Warning("Velg en kommune i området på startsiden / choose a kommune of the area "
                       f"on the start page; showing {shown}")
    names = dict(zip(codes, bundle.table["name"], strict=True))
    solara.Markdown(f"## {shown} {names[shown]}", style=BIG)
    solara.SliderInt("År / year", value=yr, on_value=year.set, min=years[0], max=years[-1],
                     thumb_label="always")
    with solara.Column(classes=["lk-kommune-view"]):
        ChartView(pyramid, "lk-pyramid", f"pyramid-{shown}-{yr}")
        ChartView(panels, "lk-kommune-panels", f"kommune-{shown}")


@solara.component
def ClassroomView(bundle, frame, runner):
    is_landscape = bundle is not None and bundle.scenario.geography.kind == "landscape"
    years = sorted(bundle.results[0].kommuner["year"].unique().tolist()) if is_landscape else [0]
    year = frame.value if frame.value in years else years[-1]
    svg = solara.use_memo(lambda: plots.classroom_chart(bundle, year) if is_landscape
                          else None, [bundle, year])
    with solara.Column(style={"font-size": "1.4em"}, classes=["lk-classroom"]):
        solara.Markdown("## Hvorfor flytter de unge? / Why do the young leave?")
        solara.Markdown("Trykk **Spill av** for å se 30 år i landsbyene / press **Play** to "
                        "watch thirty years in the villages.")
        solara.Button("▶ Spill av / Play", on_click=runner.play, disabled=runner.running,
                      color="primary", classes=["lk-play"], style={"font-size": "1.2em"})
        if svg is None:
            return
        solara.Text(f"År / Year {year}", classes=["lk-classroom-year"],
                    style={"font-size": "1.6em", "font-weight": "bold"})
        solara.Image(svg, format="svg+xml", classes=["lk-classroom-chart"])


@solara.component
def DownloadView(bundle):
    if bundle is None:
        solara.Info("Ingen kjøring ennå / no run yet")
        return
    with solara.Column(classes=["lk-downloads"]):
        for name in logic.CSV_FILES:
            solara.FileDownload(lambda name=name: logic.csv_bytes(bundle, name),
                                filename=f"{name}.csv", label=f"{name}.csv")
        if bundle.baseline:
            solara.FileDownload(lambda: logic.compare_csv_bytes(bundle), filename="compare.csv",
                                label="compare.csv")
        solara.Text("Hvert plott lastes ned under plottet / each plot has its own download "
                    "(SVG).")


@solara.component
def Views(settings: dict, session: Session, runner: Runner):
    """The tabs; only the open one is drawn. A finished run redraws from here down."""
    tab = solara.use_reactive(0)
    bundle = session.bundle.value
    scenario = settings["scenario"].value
    options = solara.use_memo(lambda: logic.kommune_options(bundle.scenario) if bundle else {},
                              [bundle])
    code = logic.find_kommune(settings["query"].value, options)[0]
    views = (lambda: PopulationView(bundle, scenario), lambda: MapView(bundle, scenario),
             lambda: CompareView(bundle), lambda: KommuneView(bundle, code),
             lambda: ClassroomView(bundle, session.frame, runner),
             lambda: DownloadView(bundle))
    with solara.lab.Tabs(value=tab):
        for i, (label, view) in enumerate(zip(TABS, views, strict=True)):
            with solara.lab.Tab(label):
                if tab.value == i:
                    view()


# ----- the page -------------------------------------------------------------------------------
@solara.component
def Page():
    """Reads no state itself, so a run's progress and results redraw only what shows them."""
    solara.Title("Livskraft")
    settings = use_settings()
    bundle, status = solara.use_reactive(None), solara.use_reactive(Status())
    error, frame = solara.use_reactive(None), solara.use_reactive(None)
    session = solara.use_memo(lambda: Session(bundle, status, error, frame), [])
    runner = use_runner(settings, session)
    with solara.AppBar():
        solara.AppBarTitle("Livskraft — befolkning og bosetting / population and settlement")
    with solara.Sidebar():
        StartPanel(settings, session, runner)
    Views(settings, session, runner)
