"""Livskraft dashboard (Solara): start page, runs in the background, and the views.

Run it with ``livskraft dashboard`` (or ``solara run dashboards/app.py``). All state lives in
``solara.use_reactive`` hooks inside ``Page``, so each browser session (each Solara kernel)
has its own settings, run and results; module-level names are constants and caches of the
embedded data only.
"""

from __future__ import annotations

import sys
import threading
import time
from pathlib import Path

import solara
import solara.lab

if str(Path(__file__).resolve().parent.parent) not in sys.path:   # `solara run app.py`
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from dashboards import logic
from sim.scenario import ScenarioError

PLAY_SECONDS_PER_YEAR = 0.25
PROGRESS_EVERY_S = 0.4
BIG = {"font-size": "1.3em"}


def warm_up() -> None:
    """Fill the caches of the embedded data and import the model while the server starts,
    so the first page and the first run do not pay for it."""
    import sim.run  # noqa: F401
    from dashboards import plots  # noqa: F401

    for name in logic.scenario_files():
        try:
            logic.kommune_options(logic.base_scenario(name))
        except ScenarioError:
            pass                     # a broken file shows its message when it is chosen
    logic.policy_fields()


warm_up()


def _png(fig) -> bytes:
    from dashboards.plots import png_bytes

    return png_bytes(fig)


# ----- start page ---------------------------------------------------------------------------
def _defaults(name: str) -> tuple[str, str]:
    """Years and persons per agent the start page proposes for a scenario file: the file's
    years; its scale, but at least 50 persons per agent on real Norway (a quick look)."""
    base = logic.base_scenario(name)
    ppa = base.persons_per_agent
    if base.geography.kind == "norway":
        ppa = max(ppa, 50)
    return str(base.end_year - base.start_year), str(ppa)


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
def StartPanel(settings: dict, on_run, on_cancel, running: bool, progress, status, error):
    s = settings
    base = logic.base_scenario(s["scenario"].value)
    options = solara.use_memo(lambda: logic.kommune_options(base), [s["scenario"].value])
    code, candidates = logic.find_kommune(s["query"].value, options)
    fields = solara.use_memo(logic.policy_fields, [])
    with solara.Card("Start", classes=["lk-start"]):
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
        solara.Text(base.description.strip(), style={"font-style": "italic",
                                                      "font-size": "0.9em"})
        solara.InputText("Kommune (navn eller nummer / name or number)", value=s["query"],
                         continuous_update=True, classes=["lk-kommune"])
        if code:      # always one line here, so the buttons below do not move
            solara.Text(f"✔ {code} {options[code]}", classes=["lk-kommune-found"])
        elif s["query"].value:
            solara.Text("Mente du / did you mean: " + (", ".join(candidates) or "–"))
        else:
            solara.Text("–")
        if base.geography.kind == "norway":
            solara.Select("Område / area", values=list(logic.AREAS), value=s["area"],
                          classes=["lk-area"])
            solara.Text(logic.AREAS[s["area"].value], style={"font-size": "0.8em"})
        with solara.Row():
            solara.InputText("År / years", value=s["years"], continuous_update=True,
                             classes=["lk-years"])
            solara.InputText("Frø / seeds", value=s["seeds"], continuous_update=True,
                             classes=["lk-seeds"])
            solara.InputText("Personer per agent / persons per agent", value=s["ppa"],
                             continuous_update=True, classes=["lk-ppa"])
        if base.policies:
            solara.Checkbox(label="Behold filens tiltak / keep the file's policies ("
                            + ", ".join(p.type for p in base.policies) + ")",
                            value=s["keep"])
        solara.Checkbox(label="Sammenlign med grunnløp / compare with baseline (no policies)",
                        value=s["baseline"])
        solara.Switch(label="Tiltak for valgt kommune / policies for the chosen kommune",
                      value=s["show_policies"], classes=["lk-show-policies"])
        if s["show_policies"].value:        # drawn only when asked for: a light first view
            for kind, f in fields.items():
                PolicyEditor(kind, f, s["policies"])
        with solara.Row():
            solara.Button("Kjør / Run", on_click=on_run, disabled=running, color="primary",
                          classes=["lk-run"])
            solara.Button("Avbryt / Cancel", on_click=on_cancel, disabled=not running,
                          classes=["lk-cancel"])
        RunStatus(progress, status, error, running)


@solara.component
def RunStatus(progress, status, error, running: bool):
    """Progress and status in their own component, so progress updates redraw only this."""
    if running:
        solara.ProgressLinear(max(progress.value, 1.0))   # determinate: no endless animation
    solara.Text(status.value, classes=["lk-status"])
    if error.value:
        solara.Error(error.value, classes=["lk-error"])


# ----- views ----------------------------------------------------------------------------------
@solara.component
def PngView(png: bytes | None, cls: str, name: str):
    if png is None:
        solara.Info("Ingen kjøring ennå / no run yet")
        return
    with solara.Column(classes=[cls]):
        solara.Image(png)
        solara.FileDownload(png, filename=f"{name}.png", label=f"Last ned / download {name}.png")


@solara.component
def PopulationView(bundle):
    from dashboards import plots

    png = solara.use_memo(lambda: _png(plots.population_figure(bundle)) if bundle else None,
                          [bundle])
    PngView(png, "lk-population-chart", "population")


@solara.component
def MapView(bundle):
    from dashboards import plots

    column = solara.use_reactive("growth_percent")
    cols = logic.output_columns(bundle) if bundle else ["growth_percent"]
    col = column.value if column.value in cols else "growth_percent"
    png = solara.use_memo(lambda: _png(plots.map_figure(bundle, col)) if bundle else None,
                          [bundle, col])
    if bundle is None:
        solara.Info("Ingen kjøring ennå / no run yet")
        return
    solara.Select("Farge etter / colour by", values=cols, value=column, classes=["lk-map-column"])
    PngView(png, "lk-map", f"map-{col}")


@solara.component
def CompareView(bundle):
    from dashboards import plots

    found = solara.use_memo(lambda: logic.comparison(bundle) if bundle else None, [bundle])
    png = solara.use_memo(lambda: _png(plots.comparison_figure(bundle)) if found else None,
                          [bundle])
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
        f"{s['target_diff_median']:+,.0f} persons (band {logic.BAND[0]}–{logic.BAND[1]} %: "
        f"{s['target_diff_p05']:+,.0f} to {s['target_diff_p95']:+,.0f}), {len(s['seeds'])} seeds",
        f"**Kostnad / cost**: {s['total_cost_nok'] / 1e6:,.1f} million NOK",
        f"**Ekstra innbyggerår / extra resident-years**: {s['extra_resident_years']:,.0f}",
        "**Kostnad per ekstra innbyggerår / cost per extra resident-year**: "
        + (f"{cpy:,.0f} NOK" if cpy is not None else "– (no extra resident-years)"),
    ]
    with solara.Column(classes=["lk-compare"]):
        solara.Markdown("\n\n".join(lines))
        PngView(png, "lk-compare-chart", "comparison")
        solara.FileDownload(lambda: logic.compare_csv_bytes(bundle), filename="compare.csv",
                            label="Last ned / download compare.csv")


@solara.component
def KommuneView(bundle, code: str | None):
    from dashboards import plots

    year = solara.use_reactive(0)
    codes = bundle.table["kommunenummer"].astype(str).tolist() if bundle else []
    shown = code if code in codes else (codes[0] if codes else None)
    years = sorted(bundle.results[0].kommuner["year"].unique().tolist()) if bundle else [0]
    yr = year.value if year.value in years else years[-1]
    pyramid = solara.use_memo(
        lambda: _png(plots.pyramid_figure(bundle, shown, yr)) if bundle else None,
        [bundle, shown, yr])
    panels = solara.use_memo(lambda: _png(plots.kommune_figure(bundle, shown)) if bundle
                             else None, [bundle, shown])
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
        PngView(pyramid, "lk-pyramid", f"pyramid-{shown}-{yr}")
        PngView(panels, "lk-kommune-panels", f"kommune-{shown}")


@solara.component
def ClassroomView(bundle, frame, play, playing: bool):
    from dashboards import plots

    is_landscape = bundle is not None and bundle.scenario.geography.kind == "landscape"
    years = sorted(bundle.results[0].kommuner["year"].unique().tolist()) if is_landscape else [0]
    year = frame.value if frame.value in years else years[-1]
    png = solara.use_memo(lambda: _png(plots.classroom_figure(bundle, year)) if is_landscape
                          else None, [bundle, year])
    with solara.Column(style={"font-size": "1.4em"}, classes=["lk-classroom"]):
        solara.Markdown("## Hvorfor flytter de unge? / Why do the young leave?")
        solara.Markdown("Trykk **Spill av** for å se 30 år i landsbyene / press **Play** to "
                        "watch thirty years in the villages.")
        solara.Button("▶ Spill av / Play", on_click=play, disabled=playing, color="primary",
                      classes=["lk-play"], style={"font-size": "1.2em"})
        if png is None:
            return
        solara.Text(f"År / Year {year}", classes=["lk-classroom-year"],
                    style={"font-size": "1.6em", "font-weight": "bold"})
        solara.Image(png, classes=["lk-classroom-chart"])


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
        solara.Text("Plottene lastes ned under hvert plott / each plot has its own download.")


# ----- the page -------------------------------------------------------------------------------
@solara.component
def Page():
    solara.Title("Livskraft")
    years0, ppa0 = _defaults(logic.CLASSROOM)
    settings = {
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
    bundle = solara.use_reactive(None)
    progress = solara.use_reactive(0.0)
    status = solara.use_reactive("Klar / ready")
    error = solara.use_reactive(None)
    frame = solara.use_reactive(None)
    tab = solara.use_reactive(0)
    cancel = solara.use_memo(lambda: {"event": threading.Event(), "runs": 0}, [])


    def current_settings() -> logic.Settings:
        base = logic.base_scenario(settings["scenario"].value)
        code, _ = logic.find_kommune(settings["query"].value, logic.kommune_options(base))
        return logic.Settings(
            scenario=settings["scenario"].value, kommune=code, area=settings["area"].value,
            years=settings["years"].value or None, seeds=settings["seeds"].value,
            persons_per_agent=settings["ppa"].value or None,
            keep_file_policies=settings["keep"].value, policies=settings["policies"].value,
            baseline=settings["baseline"].value)

    def work(spec, seeds: int, baseline: bool, animate: bool):
        event = threading.Event()
        cancel["event"] = event
        progress.set(0.0)
        t0 = time.perf_counter()

        last = [0.0]

        def on_progress(done: int, total: int, label: str) -> None:
            now = time.perf_counter()   # a few updates a second: each one costs a redraw
            if now - last[0] < PROGRESS_EVERY_S and done < total:
                return
            last[0] = now
            progress.set(100.0 * done / total)
            status.set(f"Kjører / running: {label}")

        try:
            if spec is None:                # play: animate the landscape already shown
                result, spec = bundle.value, bundle.value.scenario
            else:
                result = logic.run_bundle(spec, seeds, baseline, on_progress, event)
        except logic.Cancelled:
            status.set("Avbrutt / cancelled")
            return
        except ScenarioError as err:
            error.set(str(err))
            status.set("Feil / error")
            return
        if result is not bundle.value:
            bundle.set(result)
            status.set(f"Ferdig / finished (#{cancel['runs']}): {spec.name}, "
                       f"{len(result.results)} seed(s){' + baseline' if baseline else ''}, "
                       f"{spec.end_year - spec.start_year} years in "
                       f"{time.perf_counter() - t0:.2f} s")
        if animate:
            years = sorted(result.results[0].kommuner["year"].unique().tolist())
            for y in years:
                if event.is_set():
                    return
                frame.set(y)
                time.sleep(PLAY_SECONDS_PER_YEAR)

    task = solara.lab.use_task(work, dependencies=None)
    running = bool(task.pending)

    def on_run():
        error.set(None)
        try:
            s = current_settings()
            spec = logic.build_scenario(s)
        except ScenarioError as err:
            error.set(str(err))
            status.set("Ugyldig / invalid settings")
            return
        cancel["runs"] += 1
        status.set("Starter / starting")
        task(spec, int(logic._number(s.seeds)), s.baseline, False)

    def on_cancel():
        cancel["event"].set()

    def on_play():
        """One click: run the classroom landscape (unless shown already) and animate it."""
        error.set(None)
        b = bundle.value
        if b is not None and b.scenario.geography.kind == "landscape":
            task(None, 1, False, True)      # animate what is shown
            return
        spec = logic.build_scenario(logic.Settings(scenario=logic.CLASSROOM))
        cancel["runs"] += 1
        status.set("Starter / starting")
        task(spec, 1, False, True)

    with solara.AppBar():
        solara.AppBarTitle("Livskraft — befolkning og bosetting / population and settlement")
    with solara.Sidebar():
        StartPanel(settings, on_run, on_cancel, running, progress, status, error)
    b = bundle.value
    code = logic.find_kommune(settings["query"].value,
                              logic.kommune_options(b.scenario) if b else {})[0]
    views = [("Befolkning / Population", lambda: PopulationView(b)),
             ("Kart / Map", lambda: MapView(b)),
             ("Sammenligning / Comparison", lambda: CompareView(b)),
             ("Kommune", lambda: KommuneView(b, code)),
             ("Klasserom / Classroom", lambda: ClassroomView(b, frame, on_play, running)),
             ("Last ned / Downloads", lambda: DownloadView(b))]
    with solara.lab.Tabs(value=tab):
        for i, (label, view) in enumerate(views):
            with solara.lab.Tab(label):
                if tab.value == i:          # only the open tab is drawn
                    view()
