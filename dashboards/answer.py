"""One trustworthy answer: what the dashboard refuses to run and what it says it ran.

A what-if for one kommune on real Norway runs at the focus resolution by default (its
commuting region at one agent per person, the rest at the chosen scale: ``sim.world.scale``).
Before a run the page refuses

* settings that leave the chosen kommune, the policies' target area or (with neither) the
  whole simulated area with fewer than ``noise.MIN_AGENTS`` agents: their figures would be
  mostly chance; the message says how to get enough (the focus, or fewer persons per agent);
* a what-if on a region or fylke alone with a policy that works by drawing people from the
  rest of Norway (``IN_MOVERS``): in such a run nobody can move in from elsewhere in Norway
  (only immigrants from abroad arrive), so the policy's effect would be missing.

After a run, ``describe`` says in one line what ran: the area, persons per agent in and
outside the focus, the seeds, and (on a part of Norway) that nobody moves in from the rest.
"""

from __future__ import annotations

import numpy as np

from dashboards import labels
from sim.output import noise
from sim.scenario.errors import ScenarioError
from sim.scenario.schema import Scenario

# policies whose effect comes through people moving in from elsewhere in Norway: a tax cut,
# a wage rise or a bonus for those who move in, homes built for newcomers, a remote-work hub
# for movers, state jobs filled by movers, empty homes put back on the market for them.
# Startlån, mentoring, services, founder support and refugee settlement act on those already
# there or arriving from abroad, and may run on a region alone.
IN_MOVERS = ("income_tax_relief", "arbeidsgiveravgift", "flyttepremie",
             "housing_construction", "remote_work", "state_jobs", "held_back_dwellings")
PART_OF_NORWAY = ("region", "fylke")
REGION_NOTE = ("På en region eller et fylke alene kan ingen flytte inn fra resten av Norge (bare "
               "innvandrere fra utlandet kommer) / on a region or fylke alone nobody can move "
               "in from the rest of Norway (only immigrants from abroad arrive)")


def start_persons(spec: Scenario) -> tuple[list[str], dict[str, str], np.ndarray, np.ndarray]:
    """The simulated area's kommuner, their names, persons at the start and persons per
    agent (one at the focus)."""
    from sim.world.landscape import area_table
    from sim.world.scale import focus_area

    table = area_table(spec.geography)
    codes = table["kommunenummer"].astype(str).tolist()
    names = dict(zip(codes, table["name"].astype(str), strict=True))
    focus = set(focus_area(spec.geography, spec.focus))
    weight = np.array([1 if c in focus else spec.persons_per_agent for c in codes])
    return codes, names, table["population"].to_numpy(float), weight


def target(spec: Scenario, kommune: str | None) -> tuple[str, list[str]]:
    """The area whose figures the user reads: the chosen kommune, else the policies' target
    area, else the whole simulated area; (its label, its kommuner)."""
    from sim.experiments.compare import target_codes

    if kommune:
        return kommune, [kommune]
    codes = target_codes(spec) if spec.policies or spec.shocks else []
    if codes:
        return "målområdet / the target area", codes
    return "hele området / the whole area", []


def check_agents(spec: Scenario, kommune: str | None) -> None:
    """ScenarioError when the area the user reads (``target``) is held by fewer than
    ``noise.MIN_AGENTS`` agents at the settings' scale."""
    codes, names, persons, weight = start_persons(spec)
    label, chosen = target(spec, kommune)
    inside = np.isin(codes, chosen) if chosen else np.ones(len(codes), dtype=bool)
    agents = float((persons[inside] / weight[inside]).sum())
    if agents >= noise.MIN_AGENTS or (weight[inside] <= noise.EXACT).all():
        return
    if kommune:
        label = f"{kommune} {names.get(kommune, '')}"
    most = max(1, int(persons[inside].sum() // noise.MIN_AGENTS))
    ways = [f"sett {labels.field('persons_per_agent')} til høyst / at most {most}"]
    if spec.geography.kind == "norway" and kommune and not spec.focus:
        ways.insert(0, "kryss av for fokus / tick the focus (its region at one agent per "
                       "person)")
    raise ScenarioError(
        f"{labels.field('persons_per_agent')}: {label} ville bare vært / would be only "
        f"{agents:,.0f} agenter / agents at {spec.persons_per_agent:,} persons per agent "
        f"(under / fewer than {noise.MIN_AGENTS}): tallene ville vært mest tilfeldigheter / "
        f"its figures would be mostly chance. Forslag / suggestion: " + "; or ".join(ways))


def check_in_movers(spec: Scenario, area: str) -> None:
    """ScenarioError for a what-if on a region or fylke alone with a policy of IN_MOVERS."""
    if area not in PART_OF_NORWAY:
        return
    kinds = sorted({p.type for p in spec.policies} & set(IN_MOVERS), key=IN_MOVERS.index)
    if not kinds:
        return
    names = ", ".join(labels.policy_name(k) for k in kinds)
    raise ScenarioError(
        f"{labels.field('area')}: {names} virker ved at folk flytter inn fra resten av Norge / "
        f"works by drawing people from the rest of Norway. {REGION_NOTE}. Forslag / "
        f"suggestion: velg området «{labels.both(*labels.AREAS['norway'])}» (fokuset holder "
        f"kommunen på én agent per person / the focus keeps the kommune at one agent per "
        f"person) or «{labels.both(*labels.AREAS['scenario'])}»")


def area_words(spec: Scenario, names: dict[str, str]) -> str:
    g = spec.geography
    if g.kind == "landscape":
        return "klasseromslandskapet / the classroom landscape"
    if getattr(g, "regions", None):
        return f"bo- og arbeidsmarkedsregion / commuting region {', '.join(map(str, g.regions))}"
    if getattr(g, "fylker", None):
        return f"fylke {', '.join(map(str, g.fylker))}"
    if getattr(g, "kommuner", None):
        return ", ".join(names.get(str(k), str(k)) for k in g.kommuner)
    return "hele Norge / all of Norway"


def describe(spec: Scenario, seeds: list[int], baseline: bool) -> str:
    """What ran, in one line (Norwegian, then English)."""
    from sim.world.scale import focus_area

    codes, names, _, _ = start_persons(spec)
    focus = focus_area(spec.geography, spec.focus)
    seed_text = (f"frø / seed {seeds[0]}" if len(seeds) == 1 else
                 f"frø / seeds {seeds[0]}–{seeds[-1]}")
    parts = [f"Kjørte / ran: {area_words(spec, names)} ({len(codes)} kommuner)"]
    if focus and spec.persons_per_agent > 1:
        parts.append(f"1 person per agent i fokus / in the focus ("
                     f"{', '.join(names[c] for c in focus)}), {spec.persons_per_agent} "
                     f"utenfor / outside")
    else:
        parts.append(f"{spec.persons_per_agent} person(er) per agent / persons per agent")
    parts.append(seed_text + (" + grunnløp / baseline" if baseline else ""))
    text = "; ".join(parts)
    g = spec.geography
    if g.kind == "norway" and (getattr(g, "regions", None) or getattr(g, "fylker", None)):
        text += ". " + REGION_NOTE
    return text
