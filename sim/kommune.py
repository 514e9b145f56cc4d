"""The Kommune agent: one Mesa agent per kommune, holding its yearly accounts.

A Kommune knows its place in the geography and, each year, its population on 1 January and
the components of change over the year (births, deaths, moves in and out, immigration,
emigration). The model's DataCollector reads these attributes; later processes (housing,
services, policies) add their own state here.
"""

from __future__ import annotations

import mesa
import numpy as np

COMPONENTS = ("births", "deaths", "in_domestic", "out_domestic", "immigration", "emigration")


class Kommune(mesa.Agent):
    """A kommune. ``index`` is its position in the model's geography arrays."""

    def __init__(self, model: mesa.Model, index: int, code: str, name: str) -> None:
        super().__init__(model)
        self.index = index
        self.kommunenummer = code
        self.name = name
        self.population = 0
        self.reset_components()

    def reset_components(self) -> None:
        for c in COMPONENTS:
            setattr(self, c, 0)

    def __repr__(self) -> str:
        return f"Kommune({self.kommunenummer} {self.name}, population={self.population})"


def set_accounts(kommuner: list[Kommune], population: np.ndarray,
                 components: dict[str, np.ndarray]) -> None:
    """Write the 1 January population and the year's components (persons) onto the agents."""
    for k in kommuner:
        k.population = int(population[k.index])
        for c in COMPONENTS:
            setattr(k, c, int(components[c][k.index]) if c in components else 0)
