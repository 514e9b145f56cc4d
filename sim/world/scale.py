"""The scale of a run: how many persons an agent stands for in each kommune.

Without a focus every agent stands for the scenario's ``persons_per_agent``. With a focus
(``focus:`` in a scenario, ``--focus`` on the command line) the focus area runs at one agent
per person and the rest of the simulated area at the scenario's scale, so a kommune's
what-if is answered at full resolution without simulating all of Norway at it. The focus
area is always whole commuting (BA) regions: jobs are matched within a region, so a region
holds agents of one scale only.

Every agent in kommune k stands for ``weight[k]`` persons. Counts of agents become persons by
``persons``; counts compared between kommuner (shares, sizes, logs of sizes) use
``relative``, which is the agent count itself without a focus (so runs without one are
unchanged to the last bit) and the count in units of the coarse scale with one. Households
that cross the focus border are converted (``sim.world.focus``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

FOCUS_PERSONS_PER_AGENT = 1     # the focus area's scale: one agent per person
# persons per agent outside the focus when a focus is asked for on a scenario that runs at
# one agent per person everywhere (the baseline): all of Norway is then about 113,000 agents
# and a 24-year run takes seconds (benchmarks/bench_focus.py)
DEFAULT_COARSE = 50


@dataclass
class Scale:
    """Persons per agent, per kommune (``weight``), and the scenario's scale (``coarse``)."""

    weight: np.ndarray          # int64 per kommune
    coarse: int
    carry: float = 0.0          # households leaving the focus, not yet aggregated (focus.py)
    sent: float = 0.0           # households sent into the focus, no agent taken out yet

    @classmethod
    def of(cls, persons_per_agent: int, region: np.ndarray, focus: np.ndarray) -> Scale:
        """The scale with the commuting regions of the kommuner ``focus`` (indices) at one
        agent per person."""
        weight = np.full(len(region), int(persons_per_agent), dtype=np.int64)
        if len(focus) and persons_per_agent > FOCUS_PERSONS_PER_AGENT:
            weight[np.isin(region, region[focus])] = FOCUS_PERSONS_PER_AGENT
        return cls(weight, int(persons_per_agent))

    @property
    def focused(self) -> bool:
        return bool((self.weight != self.coarse).any())

    @property
    def in_focus(self) -> np.ndarray:
        return self.weight != self.coarse

    def persons(self, counts: np.ndarray) -> np.ndarray:
        """Agents per kommune (or [..., kommune]) as persons."""
        return counts * self.weight

    def relative(self, counts: np.ndarray) -> np.ndarray:
        """Agent counts per kommune made comparable between kommuner: unchanged without a
        focus, else in agents of the coarse scale."""
        if not self.focused:
            return counts
        return counts * (self.weight / self.coarse)

    def of_rows(self, kommune: np.ndarray) -> np.ndarray:
        """Persons each row stands for (rows given by their kommune index)."""
        return self.weight[kommune]

    def total(self, kommune: np.ndarray) -> int:
        """Persons the rows stand for, together (rows given by their kommune index)."""
        if not self.focused:
            return len(kommune) * self.coarse
        return int(self.weight[kommune].sum())

    def moved(self, where: np.ndarray, origin: np.ndarray, n: int) -> np.ndarray:
        """Persons per kommune ``where`` of movers who stood for their origin's scale."""
        if not self.focused:
            return np.bincount(where, minlength=n) * self.coarse
        return np.rint(np.bincount(where, self.weight[origin], minlength=n)).astype(np.int64)


def focus_area(geography, focus: list[str]) -> list[str]:
    """The kommuner a scenario's ``focus`` runs at one agent per person: the commuting regions
    of the kommuner named (``sim.world.landscape.area_table``'s ``baregion_code``)."""
    if not focus:
        return []
    from sim.world.landscape import area_table

    table = area_table(geography)
    codes = table["kommunenummer"].astype(str)
    regions = set(table.loc[codes.isin(focus), "baregion_code"])
    return sorted(codes[table["baregion_code"].isin(regions)])
