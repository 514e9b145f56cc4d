"""The Policy base class: parameters with units and sources, where, when, effect and cost.

A policy is data: one object made from a scenario's ``policies:`` entry. It knows

* its parameters: defaults, units and sources live in the parameter tree
  (``sim/params/policies/<type>.yaml``: ``values``, ``units``, ``references``); the scenario's
  entry overrides them for this policy only;
* ``mask``: the kommuner it touches (a boolean array over the model's kommuner);
* ``first``/``last``: the calendar years it is in force (both included);
* ``utility(model, year)``: what it adds to movers' utility that year ([type, kommune]);
* ``apply(model, year)``: set the model's other hooks for that year (credit, jobs, …);
* ``cost(model, year)``: after the year, ``[(payer, NOK), …]`` with payer one of ``PAYERS``
  (state, fylke, kommune).

Hooks are reset every year by ``sim.policies.PolicySet`` before the policies in force add to
them, so a policy that ends stops acting. Figures in costs are persons and NOK, never agents.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from sim.parameters import ParameterSet

PAYERS = ("state", "fylke", "kommune")
# the ways a policy reaches the model: utility from income (tax, wages, premiums), firms'
# jobs and job search, housing (credit, dwellings), services and schools, the chance to move
# on, where refugees are settled, remote work. ``policies.channels_off`` switches a
# scenario's policies' use of a channel off (sim.experiments.attribution splits by them).
CHANNELS = ("income", "jobs", "housing", "services", "staying", "settlement", "remote")


def defaults(kind: str, params: ParameterSet | None = None) -> dict[str, Any]:
    """The default parameters of policy type ``kind`` (from ``policies.<kind>``)."""
    params = params or ParameterSet()
    return dict(params.value(f"policies.{kind}"))


def units(kind: str) -> dict[str, str]:
    p = ParameterSet()[f"policies.{kind}"]
    return dict(p.extra.get("units", {}))


# ----- areas --------------------------------------------------------------------------------
AGA_ZONES = ("I", "Ia", "II", "III", "IV", "IVa", "V")
# named zones of a ``where``: the tiltakssone, and each arbeidsgiveravgift zone as "aga-<zone>"
ZONES = ("finnmark-nord-troms", *(f"aga-{z}" for z in AGA_ZONES))


def aga_zones(codes: list[str], fylker: list[str], centrality: np.ndarray,
              params: ParameterSet) -> list[str]:
    """Arbeidsgiveravgift zone per kommune by the rule in ``policies.aga_zone_by_kommune``."""
    rule = params.value("policies.aga_zone_by_kommune")
    out = []
    for code, fylke, c in zip(codes, fylker, centrality, strict=True):
        if fylke in rule["zone_v_fylker"] or code in rule["zone_v_kommuner"]:
            out.append("V")
        elif code in rule["zone_iva_kommuner"]:
            out.append("IVa")
        elif fylke in rule["zone_iv_fylker"]:
            out.append("IV")
        else:
            out.append(str(rule["by_centrality"][int(c)]))
    return out


def area_mask(where, codes: list[str], fylker: list[str], centrality: np.ndarray,
              params: ParameterSet | None = None) -> np.ndarray:
    """Kommuner selected by a ``where`` (the union of kommuner, fylker, zone, centrality)."""
    params = params or ParameterSet()
    mask = np.zeros(len(codes), dtype=bool)
    if where.kommuner:
        mask |= np.isin(np.array(codes), where.kommuner)
    if where.fylker:
        mask |= np.isin(np.array(fylker), where.fylker)
    if where.centrality:
        mask |= np.isin(centrality, where.centrality)
    if where.zone:
        wanted = "V" if where.zone == "finnmark-nord-troms" else where.zone.removeprefix("aga-")
        zones = aga_zones(codes, fylker, centrality, params)
        mask |= np.array([z == wanted for z in zones])
    return mask


# ----- the base class -----------------------------------------------------------------------
class Policy:
    """One policy in force in some kommuner for some years. Subclasses set ``kind``."""

    kind: ClassVar[str] = ""
    channels: ClassVar[tuple[str, ...]] = ()   # of CHANNELS: the ways this policy acts
    kommune_run: ClassVar[bool] = False   # effect scaled by the kommune's delivery (capacity)
    payer: ClassVar[str] = "state"

    def __init__(self, model, spec, index: int = 0) -> None:
        self.index = index
        self.p = {**defaults(self.kind, model.params), **(spec.parameters or {})}
        geo = model.geo
        self.mask = area_mask(spec.where, geo.codes, geo.fylke, geo.centrality, model.params)
        self.first = spec.from_year if spec.from_year is not None else model.spec.start_year
        self.last = spec.to_year if spec.to_year is not None else model.spec.end_year - 1
        self.name = self.kind if index == 0 else f"{self.kind}#{index}"
        self.regime = False        # True for the policies really in force (never switched off)
        self.setup(model)

    def setup(self, model) -> None:
        """Called once when the model is built (after the economy)."""

    def on(self, model, channel: str) -> bool:
        """Whether this policy may act through ``channel`` (``policies.channels_off``
        switches a channel off for the scenario's policies; the regime always acts)."""
        return self.regime or channel not in model.policy_set.channels_off

    def active(self, year: int) -> bool:
        return self.first <= year <= self.last

    def fade(self, year: int) -> float:
        """The share of the policy's effect left in ``year``: 1 for its first
        ``effect_full_years`` years in force, then falling linearly to 0 at
        ``effect_gone_years`` (evaluations find novelty effects that fade); 1 always for a
        policy type without these parameters."""
        full, gone = self.p.get("effect_full_years"), self.p.get("effect_gone_years")
        if full is None or gone is None:
            return 1.0
        years_in = year - self.first
        if years_in < full:
            return 1.0
        return max(0.0, 1.0 - (years_in - full + 1) / max(gone - full + 1, 1))

    def strength(self, model) -> np.ndarray:
        """Per kommune: 1 in the area (or the kommune's delivery share for kommune-run
        policies), 0 outside."""
        s = self.mask.astype(float)
        return s * model.places.delivery if self.kommune_run else s

    def utility(self, model, year: int) -> np.ndarray | None:
        """What the policy adds to movers' utility this year, [type, kommune] (None: nothing);
        ``PolicySet.apply`` adds it to the hook ``terms`` before ``apply``. No side effects
        (the calculator, ``sim.experiments.explain``, reads it line by line)."""
        return None

    def apply(self, model, year: int) -> None:
        """Set the model's other hooks for ``year`` (credit, construction, jobs, …)."""

    def cost(self, model, year: int) -> list[tuple[str, float]]:
        """What the year cost, as ``[(payer, NOK)]``."""
        return []

    def after_moves(self, model, moves) -> None:
        """Called after the year's domestic moves (e.g. to pay relocation premiums)."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}({int(self.mask.sum())} kommuner, {self.first}–{self.last})"


def persons(model, counts: np.ndarray) -> np.ndarray:
    """Agents per kommune to persons (``sim.world.scale``)."""
    return model.scale.persons(np.asarray(counts, dtype=float))


def persons_of_rows(model, rows: np.ndarray) -> int:
    """The persons that person rows stand for."""
    return model.scale.total(model.population.kommune[rows])
