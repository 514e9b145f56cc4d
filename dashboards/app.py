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

State that survives: the settings and the open tab go into the page's address when a run
starts or a tab opens (``dashboards.urlstate``), with the run's id in the run store, where the
finished run is saved (``dashboards.saved``); opening such an address (a reload, a shared
link) restores the settings and shows the saved run again.

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

from dashboards import answer, calculator, logic, saved, serving, urlstate
from dashboards import views as v
from dashboards.start import StartPanel, Status, current_settings, prepare, use_settings
from sim.scenario.errors import ScenarioError

PLAY_SECONDS_PER_YEAR = 0.25
PAUSE_POLL_S = 0.05      # how often a paused animation looks whether to go on
PROGRESS_EVERY_S = 0.5
TABS = ("Befolkning / Population", "Kart / Map", "Sammenligning / Comparison", "Kommune",
        "Klasserom / Classroom", "Kalkulator / Calculator", "Last ned / Downloads")

serving.warm_up()


# ----- running --------------------------------------------------------------------------------
@dataclass(eq=False)
class Session:
    """One browser session's results and messages, shared by the start page and the views."""

    bundle: solara.Reactive          # logic.Bundle of the last finished run, or None
    status: solara.Reactive          # Status
    error: solara.Reactive           # str or None
    frame: solara.Reactive           # the classroom year shown, or None
    paused: solara.Reactive          # the classroom animation stands still (bool)
    run_id: solara.Reactive          # the shown run's id in the run store, or None
    event: threading.Event = field(default_factory=threading.Event)   # cancels the run
    runs: int = 0                    # clicks and choices so far (the status line numbers them)


@dataclass(frozen=True)
class Job:
    """What one click asks the background run for."""

    spec: object = None             # the scenario; None: animate the classroom shown
    seeds: int = 1
    baseline: bool = False
    animate: bool = False
    split: bool = False
    effect_year: int = logic.EFFECT_YEAR


def work(session: Session, job: Job) -> None:
    """The background run (a thread of ``solara.lab.use_task``): progress at most every
    PROGRESS_EVERY_S, cancellation between years, then saved in the run store, then the
    classroom animation if asked."""
    event = session.event            # this run's, made when its button was clicked
    t0 = time.perf_counter()
    last = [0.0]

    def on_progress(done: int, total: int, label: str) -> None:
        now = time.perf_counter()       # each update costs a redraw of RunStatus
        if now - last[0] >= PROGRESS_EVERY_S or done == total:
            last[0] = now
            session.status.set(Status(f"Kjører / running: {label}", 100.0 * done / total))

    spec, rid = job.spec, None
    try:
        if spec is None:                # play: animate the landscape already shown
            result, spec = session.bundle.value, session.bundle.value.scenario
        else:
            session.status.set(Status("Starter / starting", 0.0))
            result = logic.run_bundle(spec, job.seeds, job.baseline, on_progress, event,
                                      serving.pool(), job.split)
            result.effect_year = job.effect_year
    except logic.Cancelled:
        session.status.set(Status("Avbrutt / cancelled"))
        return
    except Exception as err:            # a user error's message, else the plain one (logged)
        session.error.set(logic.failure_message(err, "a run"))
        session.status.set(Status(f"Feil / error (#{session.runs}): kjøringen feilet / the "
                                  "run failed"))
        return
    try:
        if result is not session.bundle.value:
            rid = keep(result, spec, job.seeds)
        show(session, result, spec, job, event, t0, rid)
    except Exception as err:
        session.error.set(logic.failure_message(err, "showing a run"))
        session.status.set(Status(f"Feil / error (#{session.runs})"))


def keep(result: logic.Bundle, spec, seeds: int) -> str | None:
    """Save a finished run in the run store; its id (None, logged, if the store failed: the
    run is still shown)."""
    try:
        rid = saved.begin(spec, seeds)
    except Exception as err:
        logic.log_failure("registering a run in the run store", err)
        return None
    try:
        saved.save(rid, result)
    except Exception as err:
        logic.log_failure("saving a run in the run store", err)
        saved.abandon(rid, "failed")
        return None
    return rid


def show(session: Session, result, spec, job: Job, event: threading.Event, t0: float,
         rid: str | None) -> None:
    """A finished run on the page (the views redraw), then the classroom animation if
    asked."""
    if result is not session.bundle.value:
        session.bundle.set(result)      # draws the open view's chart, in this thread
        session.run_id.set(rid)
        session.status.set(Status(
            f"Ferdig / finished (#{session.runs}): {spec.name}, {len(result.results)} "
            f"seed(s){' + baseline' if job.baseline else ''}, {spec.end_year - spec.start_year} "
            f"years in {time.perf_counter() - t0:.2f} s"))
    if job.animate:
        animate(session, sorted(result.results[0].kommuner["year"].unique().tolist()), event)


def animate(session: Session, years: list[int], event: threading.Event) -> None:
    """The classroom's years one after the other, from the first; while paused it waits
    (a step shows another year meanwhile, and it goes on from there)."""
    session.paused.set(False)
    session.frame.set(years[0])
    while True:
        time.sleep(PLAY_SECONDS_PER_YEAR)
        while session.paused.value and not event.is_set():
            time.sleep(PAUSE_POLL_S)
        if event.is_set():
            return
        now = session.frame.value
        i = years.index(now) if now in years else len(years) - 1
        if i + 1 >= len(years):
            return
        session.frame.set(years[i + 1])


@dataclass(eq=False)
class Runner:
    """The buttons' actions on this session's background run. ``running`` reads the task's
    state, so only the components that show it redraw when a run starts or ends."""

    task: solara.lab.Task
    run: Callable[[], None]
    cancel: Callable[[], None]
    play: Callable[[], None]
    paused: solara.Reactive

    @property
    def running(self) -> bool:
        return bool(self.task.pending)


def use_runner(settings: dict, session: Session) -> Runner:
    """One background run at a time per session."""

    def run_in_background(job: Job) -> None:
        work(session, job)

    task = solara.lab.use_task(run_in_background, dependencies=None)

    def start(job: Job) -> None:
        session.event = threading.Event()   # before the thread starts: Cancel reaches it
        task(job)

    def on_run():
        s = current_settings(settings)
        spec = prepare(s)
        start(Job(spec, int(logic._number(s.seeds)), bool(s.baseline), False,
                  bool(s.baseline and s.split), int(logic._number(s.effect_year))))

    def on_play():
        """One click: run the classroom landscape (unless shown already) and animate it."""
        b = session.bundle.value
        if b is not None and b.scenario.geography.kind == "landscape":
            start(Job(animate=True))     # animate what is shown
            return
        start(Job(logic.build_scenario(logic.Settings(scenario=logic.CLASSROOM)),
                  animate=True))

    return Runner(task, guarded(session, on_run), lambda: session.event.set(),
                  guarded(session, on_play), session.paused)


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
    tab = settings["tab"]
    bundle = session.bundle.value
    scenario = settings["scenario"].value
    options = solara.use_memo(lambda: logic.kommune_options(bundle.scenario) if bundle else {},
                              [bundle])
    code = logic.find_kommune(settings["query"].value, options)[0]
    ran = solara.use_memo(lambda: answer.describe(bundle.scenario, bundle.seeds,
                                                  bool(bundle.baseline)) if bundle else None,
                          [bundle])
    if ran:
        solara.Text(ran, classes=["lk-ran"], style={"font-size": "0.9em"})
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


# ----- the address ------------------------------------------------------------------------------
def address(settings: dict, run_id: str | None) -> str:
    """The query that reproduces this view (``urlstate``)."""
    s = settings
    return urlstate.encode({
        "scenario": s["scenario"].value, "area": s["area"].value, "kommune": s["query"].value,
        "years": s["years"].value, "seeds": s["seeds"].value, "ppa": s["ppa"].value,
        "effect_year": s["effect_year"].value, "run": run_id, "focus": s["focus"].value,
        "baseline": s["baseline"].value, "tab": s["tab"].value})


@solara.component
def Address(settings: dict, session: Session):
    """Writes the address when a run is shown or a tab is opened (renders nothing)."""
    router = solara.use_router()
    run_id, tab = session.run_id.value, settings["tab"].value

    def write() -> None:
        query = address(settings, run_id)
        if query != "?" + (router.search or ""):
            router.push((router.path or "/") + query)

    solara.use_effect(write, [run_id, tab])


def restore(session: Session, run_id: str | None) -> None:
    """Show the run an address names, from the run store (a plain message if it is not
    there)."""
    if not run_id:
        return
    try:
        bundle = saved.load(run_id)
    except Exception as err:
        session.error.set(logic.failure_message(err, "loading a saved run"))
        return
    session.bundle.set(bundle)
    session.run_id.set(run_id)
    session.status.set(Status(f"Hentet fra lageret / loaded from the run store: {run_id}"))


# ----- the page -------------------------------------------------------------------------------
@solara.component
def Page():
    """Reads no state itself, so a run's progress and results redraw only what shows them."""
    solara.Title("Livskraft")
    router = solara.use_router()
    initial = solara.use_memo(lambda: urlstate.decode(router.search, len(TABS)), [])
    settings = use_settings(initial)
    bundle, status = solara.use_reactive(None), solara.use_reactive(Status())
    error, frame = solara.use_reactive(None), solara.use_reactive(None)
    paused, run_id = solara.use_reactive(False), solara.use_reactive(None)
    session = solara.use_memo(lambda: Session(bundle, status, error, frame, paused, run_id),
                              [])
    runner = use_runner(settings, session)
    solara.use_effect(lambda: restore(session, initial.get("run")), [])
    Address(settings, session)
    with solara.AppBar():
        solara.AppBarTitle("Livskraft — befolkning og bosetting / population and settlement")
    with solara.Sidebar():
        v.Guarded(lambda: StartPanel(settings, session, runner), "the start panel")
    Views(settings, session, runner)
