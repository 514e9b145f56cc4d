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


class Places:
    """What makes a kommune a place to live, as arrays over kommuner, and its feedbacks.

    * ``amenity``: urban amenities, from SSB's centrality index (0..1);
    * ``nature``: room and nature, falling with population density (0..1);
    * ``schools``: schools kept open; they follow the number of children, and a school that
      closes lowers the place's pull for families (the downward spiral of small places);
    * ``service_level``: kommune services and meeting places per inhabitant, from income
      (which follows population) over a cost with a fixed part — small kommuner that shrink
      can afford less per inhabitant;
    * ``capacity``: the capacity diamond (leadership, competence, culture, economy, time,
      each 1–5); ``delivery`` (0..1) is the share of a policy a kommune actually delivers;
    * ``attitude``: the local elite's attitude to immigrants (0..1), a stay-factor;
    * ``place_effect``: what else makes people choose a kommune, calibrated on 2006–2015.
    """

    def __init__(self, geo, params, codes: list[str], rng: np.random.Generator) -> None:
        self.params = params
        self.amenity = geo.centrality_index / 1000.0
        self.area_km2 = geo.area_km2
        self.schools = np.ones(geo.size)
        self.service_level = np.ones(geo.size)
        self.school_closures = np.zeros(geo.size)
        self.attitude = np.full(geo.size, params.value("kommune.attitude_default"))
        self.place_effect = params.by_kommune("kommune.place_effect", codes, 0.0)
        self.capacity = self._capacity(geo, rng)
        self.service_boost = np.zeros(geo.size)     # policies (service_investment) add here
        self.keep_schools_open = np.zeros(geo.size, dtype=bool)

    def _capacity(self, geo, rng: np.random.Generator) -> np.ndarray:
        """Capacity diamond scores (K x 5, 1..5): larger administrations score higher on
        competence, economy and time; culture and leadership vary more between places."""
        mean = self.params.value("kommune.capacity_mean_by_centrality")
        base = np.array([float(mean[c]) for c in geo.centrality])
        spread = self.params.value("kommune.capacity_spread")
        scores = base[:, None] + rng.normal(0.0, spread, (geo.size, 5))
        return np.clip(np.round(scores), 1, 5)

    @property
    def delivery(self) -> np.ndarray:
        """Share of a policy's effect a kommune delivers: its mean capacity score over 5."""
        return self.capacity.mean(axis=1) / 5.0

    def nature(self, population: np.ndarray) -> np.ndarray:
        density = population / np.maximum(self.area_km2, 1.0)
        return 1.0 / (1.0 + density / self.params.value("kommune.nature_density_scale"))

    def start(self, population: np.ndarray, children: np.ndarray) -> None:
        """Schools and service level at the start (persons, not agents)."""
        per_school = self.params.value("kommune.pupils_per_school")
        self.schools = np.maximum(1.0, np.round(children / per_school))
        self.schools0 = self.schools.copy()
        self.population0 = np.maximum(population, 1.0)
        self.service_level = self._service(population)

    def _service(self, population: np.ndarray) -> np.ndarray:
        """Income per inhabitant is the same everywhere; the cost has a fixed part, so the
        service an inhabitant gets rises with size and falls when a kommune shrinks."""
        fixed = self.params.value("kommune.service_fixed_cost_persons")
        level = population / (population + fixed)
        ref = self.population0 / (self.population0 + fixed)
        # shrinking lowers services; growth restores them up to the start level, not beyond
        return np.minimum(level / ref, 1.0) + self.service_boost

    def update(self, population: np.ndarray, children: np.ndarray) -> None:
        """Yearly feedback: services follow population; schools close when too few pupils."""
        self.service_level = self._service(population)
        min_pupils = self.params.value("kommune.min_pupils_per_school")
        last_min = self.params.value("kommune.last_school_min_pupils")
        per_school = children / np.maximum(self.schools, 1.0)
        too_few = np.where(self.schools > 1, per_school < min_pupils,
                           (self.schools == 1) & (children < last_min))
        too_few &= ~self.keep_schools_open
        self.schools[too_few] -= 1
        self.school_closures[too_few] += 1

    def school_access(self) -> np.ndarray:
        """Log of schools open relative to the start (0 at the start; half a school added so
        a kommune whose last school closed is not minus infinity): what families feel when
        one closes. Differences between kommuner at the start are in place_effect."""
        return np.log((self.schools + 0.5) / (self.schools0 + 0.5))
