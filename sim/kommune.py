"""The Kommune agent: one Mesa agent per kommune, holding its yearly accounts.

A Kommune knows its place in the geography, its population on 1 January of the model's
year and the components of change over the year before (births, deaths, moves in and out,
immigration, emigration). The model's DataCollector reads these attributes; later processes
(housing, services, policies) add their own state here.
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
                 components: dict[str, np.ndarray] | None) -> None:
    """Write the 1 January population and the last year's components (persons, or None
    before the first year) onto the agents."""
    for k in kommuner:
        k.population = int(population[k.index])
        for c in COMPONENTS:
            setattr(k, c, None if components is None else int(components[c][k.index]))
