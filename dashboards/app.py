"""Livskraft dashboard (Solara): start page, runs in the background, and the views.

Run it with ``livskraft dashboard`` (or ``solara run dashboards/app.py``). All state lives in
``solara.use_reactive`` hooks inside ``Page``, so each browser session (each Solara kernel)
has its own settings, run and results; module-level names are constants and caches of the
embedded data only.

Speed: the server prepares what a first page and a first run need before it answers
(``dashboards.serving``), charts are ECharts options drawn by the browser
(``dashboards.echart``), a run updates the page at most twice a second, and ``Page`` reads
no state itself, so progress redraws only the status line and a finished run only the
views.

Robustness: every value a browser sends is checked on the server (``dashboards.logic``); a
user error shows its message, and anything unexpected, in a run, a button's action or a view,
shows a plain message (``logic.RUN_FAILED``, ``logic.VIEW_FAILED``) and goes to the server log
with its traceback; the session keeps working.
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

from dashboards import calculator, logic, serving
from dashboards import views as v
from dashboards.capacity_view import CapacityEditor
from sim.scenario.errors import ScenarioError

PLAY_SECONDS_PER_YEAR = 0.25
PROGRESS_EVERY_S = 0.5
TABS = ("Befolkning / Population", "Kart / Map", "Sammenligning / Comparison", "Kommune",
        "Klasserom / Classroom", "Kalkulator / Calculator", "Last ned / Downloads")

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
        "split": solara.use_reactive(False),
        "focus": solara.use_reactive(False),
        "policies": solara.use_reactive({}),
        "show_policies": solara.use_reactive(False),
        "capacity": solara.use_reactive({}),     # {"kommune": code, "scores": {part: text}}
    }


def current_settings(settings: dict[str, solara.Reactive]) -> logic.Settings:
    base = logic.base_scenario(settings["scenario"].value)
    code, _ = logic.find_kommune(settings["query"].value, logic.kommune_options(base))
    own = settings["capacity"].value      # the chosen kommune's own scores, if it has them
    return logic.Settings(
        scenario=settings["scenario"].value, kommune=code, area=settings["area"].value,
        years=settings["years"].value or None, seeds=settings["seeds"].value,
        persons_per_agent=settings["ppa"].value or None,
        keep_file_policies=settings["keep"].value, policies=settings["policies"].value,
        baseline=settings["baseline"].value, split=settings["split"].value,
        focus=settings["focus"].value,
        capacity=dict(own["scores"]) if own and own.get("kommune") == code else {})


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
def ScenarioChooser(settings: dict, session):
    """The scenario file (with its description) and the kommune search box."""
    s = settings
    base = logic.base_scenario(s["scenario"].value)
    options = solara.use_memo(lambda: logic.kommune_options(base), [s["scenario"].value])
    code, candidates = logic.find_kommune(s["query"].value, options)

    def choose(name: str) -> None:
        session.runs += 1
        try:                      # a broken file or a forged name keeps the current one
            years, ppa = _defaults(name)
        except Exception as err:
            session.error.set(logic.failure_message(err, "choosing a scenario"))
            session.status.set(Status(f"Ugyldig / invalid scenario (#{session.runs})"))
            return
        session.error.set(None)
        s["scenario"].set(name)
        s["years"].set(years)
        s["ppa"].set(ppa)

    def choose_area(area: str) -> None:
        if isinstance(area, str) and area in logic.AREAS:
            s["area"].set(area)

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
        solara.Select("Område / area", values=list(logic.AREAS), value=s["area"].value,
                      on_value=choose_area, classes=["lk-area"])
        solara.Text(logic.AREAS.get(s["area"].value, ""), style={"font-size": "0.8em"})


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
    if base.geography.kind == "norway":
        with solara.Column(classes=["lk-focus"]):
            solara.Checkbox(label="Fokus: valgt kommunes region med én agent per person / "
                                  "focus: the chosen kommune's region at one agent per person",
                            value=s["focus"])
    if s["baseline"].value:
        solara.Checkbox(label="Del opp etter tiltak og kanal / split by policy and channel "
                              "(runs every subset of the policies and channels)",
                        value=s["split"])
    solara.Switch(label="Tiltak for valgt kommune / policies for the chosen kommune",
                  value=s["show_policies"], classes=["lk-show-policies"])
    if s["show_policies"].value:        # drawn only when asked for: a light first view
        for kind, f in fields.items():
            PolicyEditor(kind, f, s["policies"])
        code, _ = logic.find_kommune(s["query"].value, logic.kommune_options(base))
        CapacityEditor(s["capacity"], code, lambda: current_settings(s))


@solara.component
def StartPanel(settings: dict, session, runner):
    with solara.Card("Start", classes=["lk-start"]):
        ScenarioChooser(settings, session)
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
    runs: int = 0                    # clicks and choices so far (the status line numbers them)


def work(session: Session, spec, seeds: int, baseline: bool, animate: bool,
         split: bool = False) -> None:
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
            result = logic.run_bundle(spec, seeds, baseline, on_progress, event, serving.pool(),
                                      split)
    except logic.Cancelled:
        session.status.set(Status("Avbrutt / cancelled"))
        return
    except Exception as err:            # a user error's message, else the plain one (logged)
        session.error.set(logic.failure_message(err, "a run"))
        session.status.set(Status(f"Feil / error (#{session.runs})"))
        return
    try:
        show(session, result, spec, baseline, animate, event, t0)
    except Exception as err:
        session.error.set(logic.failure_message(err, "showing a run"))
        session.status.set(Status(f"Feil / error (#{session.runs})"))


def show(session: Session, result, spec, baseline: bool, animate: bool, event: threading.Event,
         t0: float) -> None:
    """A finished run on the page (the views redraw), then the classroom animation if
    asked."""
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

    def run_in_background(spec, seeds: int, baseline: bool, animate: bool,
                          split: bool = False) -> None:
        work(session, spec, seeds, baseline, animate, split)

    task = solara.lab.use_task(run_in_background, dependencies=None)

    def start(spec, seeds: int, baseline: bool, animate: bool, split: bool = False) -> None:
        session.event = threading.Event()   # before the thread starts: Cancel reaches it
        task(spec, seeds, baseline, animate, split)

    def on_run():
        s = current_settings(settings)
        spec = logic.build_scenario(s)
        start(spec, int(logic._number(s.seeds)), bool(s.baseline), False,
              bool(s.baseline and s.split))

    def on_play():
        """One click: run the classroom landscape (unless shown already) and animate it."""
        b = session.bundle.value
        if b is not None and b.scenario.geography.kind == "landscape":
            start(None, 1, False, True)     # animate what is shown
            return
        start(logic.build_scenario(logic.Settings(scenario=logic.CLASSROOM)), 1, False, True)

    return Runner(task, guarded(session, on_run), lambda: session.event.set(),
                  guarded(session, on_play))


def guarded(session: Session, action: Callable[[], None]) -> Callable[[], None]:
    """A button's action that shows a user error's message (invalid settings) or, for
    anything unexpected, the plain failure message (logged), instead of raising. Each click
    counts in ``session.runs``, which the status line shows, so each answer is a new one."""

    def run() -> None:
        session.error.set(None)
        session.runs += 1
        try:
            action()
        except ScenarioError as err:
            session.error.set(logic.user_message(err))
            session.status.set(Status(f"Ugyldig / invalid settings (#{session.runs})"))
        except Exception as err:
            session.error.set(logic.failure_message(err, "a button's action"))
            session.status.set(Status(f"Feil / error (#{session.runs})"))

    return run


@solara.component
def Views(settings: dict, session: Session, runner: Runner):
    """The tabs; only the open one is drawn. A finished run redraws from here down."""
    tab = solara.use_reactive(0)
    bundle = session.bundle.value
    scenario = settings["scenario"].value
    options = solara.use_memo(lambda: logic.kommune_options(bundle.scenario) if bundle else {},
                              [bundle])
    code = logic.find_kommune(settings["query"].value, options)[0]
    views = (lambda: v.PopulationView(bundle, scenario), lambda: v.MapView(bundle, scenario),
             lambda: v.CompareView(bundle, code), lambda: v.KommuneView(bundle, code),
             lambda: v.ClassroomView(bundle, session.frame, runner),
             lambda: calculator.CalculatorView(
                 lambda: logic.build_scenario(current_settings(settings)), code),
             lambda: v.DownloadView(bundle))
    with solara.lab.Tabs(value=tab):
        for i, (label, view) in enumerate(zip(TABS, views, strict=True)):
            with solara.lab.Tab(label):
                if tab.value == i:
                    v.Guarded(view, f"the view {label!r}")


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
        v.Guarded(lambda: StartPanel(settings, session, runner), "the start panel")
    Views(settings, session, runner)
