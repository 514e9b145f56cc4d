"""The kommune's own capacity diamond on the page (Solara): five score fields in the sidebar's
policy panel, prefilled with the scores a run of the current settings would start with, and
the diamond with what the kommune delivers in the kommune view. What they compute is in
``dashboards.capacity`` (tested without a browser)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import solara

from dashboards import capacity, logic
from sim.scenario.errors import ScenarioError
from sim.world.places import DIMENSIONS

TITLE = ("Egen kapasitet for valgt kommune / own capacity of the chosen kommune "
         "(kapasitetsdiamanten / the capacity diamond, 1–5)")


@solara.component
def CapacityEditor(own: solara.Reactive, code: str | None,
                   settings_now: Callable[[], logic.Settings]):
    """A switch and, when on, the five scores of kommune ``code``; ``own`` holds
    ``{"kommune": code, "scores": {part: text}}`` (empty: the drawn scores)."""
    problem = solara.use_reactive(None)
    on = bool(own.value) and own.value.get("kommune") == code

    def toggle(value: bool) -> None:
        problem.set(None)
        if not value:
            own.set({})
            return
        if not code:
            problem.set("Velg en kommune først / choose a kommune first")
            return
        try:      # the scores a run of these settings starts with (its first seed's draw)
            spec = logic.build_scenario(dataclasses.replace(settings_now(), capacity={}))
            scores = capacity.start_scores(spec, code)
        except Exception as err:      # a user error's own message, else the plain one
            problem.set(logic.failure_message(err, "reading the capacity scores"))
            return
        own.set({"kommune": code, "scores": {p: str(v) for p, v in scores.items()}})

    def set_score(part: str, text: str) -> None:
        if own.value.get("kommune") == code:
            own.set({"kommune": code, "scores": {**own.value["scores"], part: text}})

    with solara.Column(gap="0px", classes=["lk-capacity"]):
        solara.Switch(label=TITLE, value=on, on_value=toggle, classes=["lk-capacity-switch"])
        if problem.value:
            solara.Warning(problem.value, classes=["lk-capacity-problem"])
        if not on:
            return
        texts = own.value["scores"]
        for part in DIMENSIONS:
            solara.InputText(f"{capacity.LABELS[part]} (1–5)", value=str(texts.get(part, "")),
                             on_value=lambda t, p=part: set_score(p, t),
                             continuous_update=True, classes=[f"lk-capacity-{part}"])
        try:
            share = capacity.delivery_of(capacity.scores_from_texts(texts, "Kapasitet / capacity"))
            solara.Text(f"Leverer / delivers {100 * share:.0f} % av kommunale tiltak / of "
                        "kommune-run policies", classes=["lk-capacity-share"])
        except ScenarioError as err:
            solara.Warning(logic.user_message(err), classes=["lk-capacity-problem"])


@solara.component
def CapacityPanel(bundle, code: str):
    """The kommune's capacity diamond in a finished run and how much of its kommune-run
    policies it delivers."""
    found = solara.use_memo(lambda: capacity.kommune_capacity(
        bundle.scenario, bundle.results, bundle.table, code), [bundle, code])
    names = dict(zip(bundle.table["kommunenummer"].astype(str), bundle.table["name"],
                     strict=True))
    option = solara.use_memo(lambda: None if found is None else capacity.diamond_chart(
        found["scores"], f"Kapasitetsdiamant / capacity diamond: {names.get(code, code)}"),
        [bundle, code])
    if found is None:
        return
    with solara.Column(classes=["lk-capacity-view"]):
        solara.FigureEcharts(option=option, responsive=True,
                             attributes={"style": "height: 320px; width: 100%; max-width: 640px;"})
        solara.Text(capacity.delivery_text(found), classes=["lk-capacity-delivery"])
