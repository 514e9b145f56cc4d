"""The dashboard's views, one per tab, each drawn from one finished run (a ``logic.Bundle``)
or a preview before the first; and ``Guarded``, the error boundary the page puts around each
view and the start panel: an exception while drawing shows ``logic.VIEW_FAILED`` on the page
and goes to the server log, never to the page. The page and its state are in ``app.py``."""

from __future__ import annotations

from collections.abc import Callable

import solara

from dashboards import accounts, classroom, logic, maps, plots
from dashboards.capacity_view import CapacityPanel
from sim.experiments import report
from sim.experiments.compare import Comparison
from sim.scenario.errors import ScenarioError

BIG = {"font-size": "1.3em"}


# ----- views ----------------------------------------------------------------------------------
@solara.component
def Guarded(draw: Callable[[], None], what: str):
    """An error boundary: what ``draw`` draws, or, if drawing it raised, the plain
    VIEW_FAILED message (the exception goes to the server log) and a button to try again."""
    exception, clear = solara.use_exception()
    if exception is None:
        draw()
        return
    logic.log_failure(what, exception)
    solara.Error(logic.VIEW_FAILED, classes=["lk-view-error"])
    solara.Button("Prøv igjen / try again", on_click=clear, classes=["lk-retry"])


@solara.component
def Chart(option: dict, height: int = 360, geo: dict | None = None):
    """One ECharts chart, as wide as its column, redrawn when the window is resized; its
    tooltips, legend, zoom and PNG download are the browser's (``dashboards.echart``);
    ``geo``: the polygons its map series use, by name."""
    solara.FigureEcharts(option=option, maps=geo or {}, responsive=True,
                         attributes={"style": f"height: {height}px; width: 100%;"})


@solara.component
def ChartView(options: dict | list[dict] | None, cls: str, height: int = 360,
              columns: int = 1):
    """Charts in a grid of ``columns``, or "no run yet"."""
    if options is None:
        solara.Info("Ingen kjøring ennå / no run yet")
        return
    charts = [options] if isinstance(options, dict) else options
    with solara.Column(classes=[cls]):
        if columns == 1:
            for option in charts:
                Chart(option, height)
            return
        with solara.GridFixed(columns=columns):
            for option in charts:
                Chart(option, height)


def _polygons(landscape: bool) -> dict:
    """The kommune polygons a map of real Norway needs (none for a landscape)."""
    return {} if landscape else {maps.MAP: maps.norway_geojson()}


@solara.component
def MapChart(option: dict, cls: str, landscape: bool, height: int):
    """A map: its polygons are registered when the chart is made, so a map of another kind
    of geography is a new chart (``key``)."""
    with solara.Column(classes=[cls]):
        Chart(option, height, _polygons(landscape)).key(f"map-{landscape}")


@solara.component
def AreaPreview(scenario: str):
    """Before the first run: the chosen scenario's area at its start."""
    try:
        option = maps.area_chart(scenario)
        landscape = logic.base_scenario(scenario).geography.kind == "landscape"
    except ScenarioError:
        return
    with solara.Column(classes=["lk-preview"]):
        solara.Info("Ingen kjøring ennå: trykk Kjør / no run yet: press Run")
        MapChart(option, "lk-area-map", landscape, 520 if landscape else 680)


@solara.component
def PopulationView(bundle, scenario: str):
    charts = solara.use_memo(lambda: plots.population_charts(bundle) if bundle else None,
                             [bundle])
    if bundle is None:
        AreaPreview(scenario)
        return
    ChartView(charts, "lk-population-chart", 380, columns=3)


DIFFERENCE = "scenario − grunnløp / difference from baseline"
VALUE = "verdi / value"


@solara.component
def MapView(bundle, scenario: str):
    column = solara.use_reactive("growth_percent")
    mode = solara.use_reactive(VALUE)
    cols = logic.output_columns(bundle) if bundle else ["growth_percent"]
    col = column.value if column.value in cols else "growth_percent"
    difference = bool(bundle and bundle.baseline) and mode.value == DIFFERENCE
    option = solara.use_memo(lambda: maps.map_chart(bundle, col, difference) if bundle
                             else None, [bundle, col, difference])
    if bundle is None:
        AreaPreview(scenario)
        return
    labels = {maps.column_label(c): c for c in cols}

    def choose(label: str) -> None:
        if label in labels:
            column.set(labels[label])

    with solara.Row():
        solara.Select("Farge etter / colour by", values=list(labels),
                      value=maps.column_label(col), on_value=choose, classes=["lk-map-column"])
        if bundle.baseline:
            solara.ToggleButtonsSingle(value=mode, values=[VALUE, DIFFERENCE],
                                       classes=["lk-map-difference"])
    landscape = bundle.scenario.geography.kind == "landscape"
    MapChart(option, "lk-map", landscape, 560 if landscape else 720)


@solara.component
def CompareView(bundle, code: str | None = None):
    found = solara.use_memo(lambda: logic.comparison(bundle) if bundle else None, [bundle])
    charts = solara.use_memo(lambda: plots.comparison_charts(bundle) if found else None,
                             [bundle])
    books = solara.use_memo(lambda: accounts.comparison_accounts_chart(bundle, code) if found
                            else None, [bundle, code])
    page = solara.use_memo(lambda: analyst_page(found[0], found[1], bundle.scenario)
                           if found else None, [bundle])      # every hook before a return
    if found is None:
        solara.Info("Kryss av «sammenlign med grunnløp» og kjør / tick 'compare with baseline' "
                    "and run")
        return
    table, s = found
    with solara.Column(classes=["lk-compare"]):
        note = noise_note(bundle, s["target_kommuner"], "målområdet / the target area")
        if note:
            solara.Warning(note, classes=["lk-noise"])
        solara.HTML(tag="div", unsafe_innerHTML=page, classes=["lk-analyst"])
        ChartView(charts, "lk-compare-chart", columns=2)
        ChartView(books, "lk-compare-accounts", 420, columns=len(books or []) or 1)
        solara.FileDownload(lambda: logic.compare_csv_bytes(bundle), filename="compare.csv",
                            label="Last ned / download compare.csv")
        solara.FileDownload(lambda: report.report_html(
            Comparison(table, s), bundle.scenario).encode("utf-8"),
            filename="report.html", label="Last ned rapport / download report.html")


def analyst_page(table, s: dict, scenario) -> str:
    """The analyst's summary (``sim.experiments.report``): headline, target area, split by
    policy and channel, budget window, map of the effect, evidence."""
    parts = [report.headline(s), report.target_area(s, scenario), report.split_by_policy(s),
             report.split_by_channel(s), report.budget(s),
             report.effect_map(table, s, scenario), report.evidence(s)]
    return f"<style>{report.STYLE}</style>" + "".join(parts)


@solara.component
def KommuneView(bundle, code: str | None):
    year = solara.use_reactive(0)
    codes = bundle.table["kommunenummer"].astype(str).tolist() if bundle else []
    shown = code if code in codes else (codes[0] if codes else None)
    years = sorted(bundle.results[0].kommuner["year"].unique().tolist()) if bundle else [0]
    yr = year.value if year.value in years else years[-1]
    pyramid = solara.use_memo(lambda: plots.pyramid_chart(bundle, shown, yr) if bundle
                              else None, [bundle, shown, yr])
    panels = solara.use_memo(lambda: plots.kommune_charts(bundle, shown) if bundle else None,
                             [bundle, shown])
    books = solara.use_memo(lambda: accounts.kommune_accounts_chart(bundle, shown) if bundle
                            else None, [bundle, shown])
    if bundle is None:
        solara.Info("Ingen kjøring ennå / no run yet")
        return
    if shown != code:
        solara.Warning("Velg en kommune i området på startsiden / choose a kommune of the area "
                       f"on the start page; showing {shown}")
    names = dict(zip(codes, bundle.table["name"], strict=True))
    solara.Markdown(f"## {shown} {names[shown]}", style=BIG)
    note = noise_note(bundle, [shown], names[shown])
    if note:
        solara.Warning(note, classes=["lk-noise"])
    solara.SliderInt("År / year", value=yr, on_value=year.set, min=years[0], max=years[-1],
                     thumb_label="always")
    with solara.Column(classes=["lk-kommune-view"]):
        ChartView(pyramid, "lk-pyramid", 420)
        ChartView(panels, "lk-kommune-panels", 320, columns=3)
        ChartView(books, "lk-kommune-accounts", 420, columns=2)
        CapacityPanel(bundle, shown)


@solara.component
def ClassroomView(bundle, frame, runner):
    is_landscape = bundle is not None and bundle.scenario.geography.kind == "landscape"
    years = sorted(bundle.results[0].kommuner["year"].unique().tolist()) if is_landscape else [0]
    year = frame.value if frame.value in years else years[-1]
    option = solara.use_memo(lambda: plots.classroom_chart(bundle, year) if is_landscape
                             else None, [bundle, year])
    with solara.Column(style={"font-size": "1.4em"}, classes=["lk-classroom"]):
        solara.Markdown("## Hvorfor flytter de unge? / Why do the young leave?")
        solara.Markdown("Trykk **Spill av** for å se 30 år i landsbyene / press **Play** to "
                        "watch thirty years in the villages.")
        solara.Button("▶ Spill av / Play", on_click=runner.play, disabled=runner.running,
                      color="primary", classes=["lk-play"], style={"font-size": "1.2em"})
        if option is None:
            return
        solara.Text(f"År / Year {year}", classes=["lk-classroom-year"],
                    style={"font-size": "1.6em", "font-weight": "bold"})
        classroom.Controls(frame, runner.paused, years)
        ChartView(option, "lk-classroom-chart", 560)
        classroom.Story(bundle, year)


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
        solara.Text("Hvert plott lastes ned med knappen øverst til høyre i plottet / each "
                    "plot has its own download, the button at its top right (PNG).")


def noise_note(bundle, codes: list[str], label: str) -> str | None:
    """The noise guard's warning (``sim.output.noise``) for kommuner ``codes`` of a finished
    run: their persons at the start, at the run's scale; None when they are enough agents."""
    from sim.output import noise
    from sim.world.scale import focus_area

    if set(codes) <= set(focus_area(bundle.scenario.geography, bundle.scenario.focus)):
        return None                      # at one agent per person
    k = bundle.results[0].kommuner
    start = k[(k["year"] == k["year"].min()) & k["kommunenummer"].astype(str).isin(codes)]
    note = noise.area_note(label, float(start["population"].sum()),
                           bundle.scenario.persons_per_agent)
    return None if note is None else ("Få agenter: tallene er mest støy / few agents: "
                                      + note.removeprefix("note: "))
