"""The dashboard's start panel (Solara): the settings of one browser session, the scenario and
kommune choosers, the run settings and policy editors, and the run buttons with the status
line, which stay at the top of the panel (sticky) however long the policies make it.

Every label is Norwegian first with English beside it (``dashboards.labels``). A refused
setting's message stays only as long as it is true: whenever a setting changes, the settings
are checked again (``prepare``), and the message is replaced or cleared. A national scenario
opens with its own area ("as in the scenario file"); a what-if for a chosen kommune on real
Norway runs at the focus resolution unless the user unticks it; the checks of a trustworthy
answer are ``dashboards.answer``'s.
"""

from __future__ import annotations

from dataclasses import dataclass

import solara

from dashboards import answer, labels, logic
from dashboards.capacity_view import CapacityEditor
from sim.scenario.schema import Scenario

STICKY = {"position": "sticky", "top": "0", "z-index": "5", "background": "white",
          "padding-bottom": "4px"}


@dataclass(frozen=True)
class Status:
    """What the status line says, and the run's progress in per cent (None: no bar)."""

    text: str = "Klar / ready"
    percent: float | None = None


def defaults(name: str) -> tuple[str, str]:
    """Years and persons per agent the start page proposes for a scenario file: the file's
    years; its scale, but at least 50 persons per agent on real Norway (a quick look; the
    focus keeps a chosen kommune's region at one agent per person)."""
    base = logic.base_scenario(name)
    ppa = base.persons_per_agent
    if base.geography.kind == "norway":
        ppa = max(ppa, 50)
    return str(base.end_year - base.start_year), str(ppa)


def use_settings(initial: dict) -> dict[str, solara.Reactive]:
    """The start page's settings of this session, as reactive variables, starting from
    ``initial`` (an address's, ``urlstate.decode``) where it has them."""
    scenario = initial.get("scenario", logic.CLASSROOM)
    years0, ppa0 = defaults(scenario)

    def start(key: str, default):
        return solara.use_reactive(initial.get(key, default))

    return {
        "scenario": solara.use_reactive(scenario),
        "query": start("kommune", ""),
        "area": start("area", "scenario"),
        "years": start("years", years0),
        "seeds": start("seeds", "1"),
        "ppa": start("ppa", ppa0),
        "effect_year": start("effect_year", str(logic.EFFECT_YEAR)),
        "keep": solara.use_reactive(True),
        "baseline": start("baseline", False),
        "split": solara.use_reactive(False),
        "focus": start("focus", True),
        "policies": solara.use_reactive({}),
        "show_policies": solara.use_reactive(False),
        "capacity": solara.use_reactive({}),     # {"kommune": code, "scores": {part: text}}
        "tab": start("tab", 0),
    }


def current_settings(settings: dict[str, solara.Reactive]) -> logic.Settings:
    """The settings as typed (an empty field stays empty: it is refused, not defaulted)."""
    base = logic.base_scenario(settings["scenario"].value)
    code, _ = logic.find_kommune(settings["query"].value, logic.kommune_options(base))
    own = settings["capacity"].value      # the chosen kommune's own scores, if it has them
    return logic.Settings(
        scenario=settings["scenario"].value, kommune=code, area=settings["area"].value,
        years=settings["years"].value, seeds=settings["seeds"].value,
        persons_per_agent=settings["ppa"].value, effect_year=settings["effect_year"].value,
        keep_file_policies=settings["keep"].value, policies=settings["policies"].value,
        baseline=settings["baseline"].value, split=settings["split"].value,
        focus=settings["focus"].value,
        capacity=dict(own["scores"]) if own and own.get("kommune") == code else {})


def prepare(s: logic.Settings) -> Scenario:
    """The scenario to run for settings ``s``, after every check (ScenarioError if not): the
    schema's, then a trustworthy answer's (``dashboards.answer``)."""
    spec = logic.build_scenario(s)
    answer.check_in_movers(spec, s.area)
    answer.check_agents(spec, s.kommune)
    return spec


@solara.component
def PolicyEditor(kind: str, fields: list, policies: solara.Reactive):
    """A switch for one policy type and a text field per parameter (validated on run), each
    with its plain name, unit and one-line help."""
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
        solara.Switch(label=labels.policy_name(kind), value=on, on_value=toggle)
        if on:
            for name, _, _ in fields:
                solara.InputText(labels.param_label(kind, name),
                                 value=str(policies.value[kind].get(name, "")),
                                 on_value=lambda t, n=name: set_param(n, t),
                                 continuous_update=True, classes=[f"lk-param-{kind}-{name}"])
                solara.Text(labels.param_help(kind, name),
                            style={"font-size": "0.75em", "color": "#555"})


@solara.component
def ScenarioChooser(settings: dict, session):
    """The scenario file (with its description), the kommune search box with clickable
    suggestions, and the area."""
    s = settings
    base = logic.base_scenario(s["scenario"].value)
    options = solara.use_memo(lambda: logic.kommune_options(base), [s["scenario"].value])
    code, candidates = logic.find_kommune(s["query"].value, options)

    def choose(name: str) -> None:
        session.runs += 1
        try:                      # a broken file or a forged name keeps the current one
            years, ppa = defaults(name)
        except Exception as err:
            session.error.set(logic.failure_message(err, "choosing a scenario"))
            session.status.set(Status(f"Ugyldig / invalid scenario (#{session.runs})"))
            return
        session.error.set(None)
        s["scenario"].set(name)
        s["years"].set(years)
        s["ppa"].set(ppa)
        s["area"].set("scenario")     # a scenario opens with its own area

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
        with solara.Row(gap="4px", style={"flex-wrap": "wrap", "align-items": "center"},
                        classes=["lk-suggestions"]):
            solara.Text("Mente du / did you mean:" + ("" if candidates else " –"))
            for c in candidates:
                solara.Button(c, on_click=lambda c=c: s["query"].set(c), small=True,
                              text=True, color="primary", classes=["lk-suggestion"])
    else:
        solara.Text("–")
    if base.geography.kind == "norway":
        solara.Select(labels.field("area"), values=list(logic.AREAS), value=s["area"].value,
                      on_value=choose_area, classes=["lk-area"])
        note = logic.AREAS.get(s["area"].value, "")
        if s["area"].value in answer.PART_OF_NORWAY:
            note += ". " + answer.REGION_NOTE
        solara.Text(note, style={"font-size": "0.8em"}, classes=["lk-area-note"])


@solara.component
def RunSettings(settings: dict):
    """Years, seeds, scale, effect year, the file's policies, the baseline and the policy
    editors."""
    s = settings
    base = logic.base_scenario(s["scenario"].value)
    fields = solara.use_memo(logic.policy_fields, [])
    with solara.Row():
        solara.InputText(labels.field("years"), value=s["years"], continuous_update=True,
                         classes=["lk-years"])
        solara.InputText(labels.field("seeds"), value=s["seeds"], continuous_update=True,
                         classes=["lk-seeds"])
        solara.InputText(labels.field("persons_per_agent"), value=s["ppa"],
                         continuous_update=True, classes=["lk-ppa"])
    if base.policies:
        solara.Checkbox(label="Behold filens tiltak / keep the file's policies ("
                        + ", ".join(labels.policy_name(p.type) for p in base.policies) + ")",
                        value=s["keep"])
    with solara.Column(classes=["lk-baseline"]):
        solara.Checkbox(label="Sammenlign med grunnløp / compare with baseline (no policies)",
                        value=s["baseline"])
    solara.InputText(labels.field("effect_year") + " (sammenligningen / the comparison)",
                     value=s["effect_year"], continuous_update=True, classes=["lk-effect-year"])
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


@solara.component
def Recheck(settings: dict, session):
    """While a message shows, check the settings again whenever one changes: the message
    follows the settings, and goes when they are fixed."""
    keys = ("scenario", "query", "area", "years", "seeds", "ppa", "effect_year", "keep",
            "baseline", "focus", "policies", "capacity")
    values = [settings[k].value for k in keys]

    def check() -> None:
        if session.error.value is None:
            return
        try:
            prepare(current_settings(settings))
        except Exception as err:     # the current problem's own message
            session.error.set(logic.failure_message(err, "checking the settings"))
            return
        session.error.set(None)

    solara.use_effect(check, values)


@solara.component
def StartPanel(settings: dict, session, runner):
    with solara.Card("Start", classes=["lk-start"]):
        with solara.Column(style=STICKY, classes=["lk-run-bar"]):
            RunButtons(runner)
            RunStatus(session.status, session.error)
        Recheck(settings, session)
        ScenarioChooser(settings, session)
        RunSettings(settings)
