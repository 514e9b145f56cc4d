"""Places: what makes a kommune a place to live, as arrays over kommuner, and its feedbacks
(services follow population, schools follow children). The Kommune agent that holds a
kommune's yearly accounts is in ``sim.agents``."""

from __future__ import annotations

import numpy as np

# the capacity diamond's five parts, in the order of the columns of ``Places.capacity``
DIMENSIONS = ("leadership", "competence", "culture", "economy", "time")
# the workshop method's scale: the lowest and the highest score of a part
# (docs/source-material.md#development-capacity)
SCORES = (1, 5)


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
      each 1–5), drawn around its centrality class's mean, or the kommune's own scores where
      a scenario gives them (``own_capacity``); ``delivery`` (0..1) is the share of a policy
      a kommune actually delivers;
    * ``attitude``: the local elite's attitude to immigrants (0..1), a stay-factor;
    * ``place_effect``: what else makes people choose a kommune, calibrated on 2006–2015
      (``place_effect_young`` and ``place_effect_family``: what young movers and families
      see in it beyond that);
    * ``emigration_factor``: how much more its households emigrate than their ages and
      origins explain (``emigration.factor_by_kommune``).
    """

    def __init__(self, geo, params, codes: list[str], rng: np.random.Generator,
                 own: dict[str, dict[str, int]] | None = None) -> None:
        self.params = params
        self.amenity = geo.centrality_index / 1000.0
        self.area_km2 = geo.area_km2
        self.schools = np.ones(geo.size)
        self.service_level = np.ones(geo.size)
        self.school_closures = np.zeros(geo.size)
        self.attitude = np.full(geo.size, params.value("kommune.attitude_default"))
        self.place_effect = params.by_kommune("kommune.place_effect", codes, 0.0)
        self.place_effect_young = params.by_kommune("kommune.place_effect_young", codes, 0.0)
        self.place_effect_family = params.by_kommune("kommune.place_effect_family", codes, 0.0)
        self.emigration_factor = params.by_kommune("emigration.factor_by_kommune", codes, 1.0)
        self.capacity = self._capacity(geo, rng)
        # a kommune's own scores replace its drawn ones after the draw, so every other
        # kommune's draw stays what it was (the same random numbers in the same order)
        self.own_capacity = np.zeros(geo.size, dtype=bool)
        for code, scores in (own or {}).items():
            k = codes.index(code)
            self.capacity[k] = [scores[d] for d in DIMENSIONS]
            self.own_capacity[k] = True

    def _capacity(self, geo, rng: np.random.Generator) -> np.ndarray:
        """Capacity diamond scores (K x 5, 1..5): larger administrations score higher on
        competence, economy and time; culture and leadership vary more between places."""
        mean = self.params.value("kommune.capacity_mean_by_centrality")
        base = np.array([float(mean[c]) for c in geo.centrality])
        spread = self.params.value("kommune.capacity_spread")
        scores = base[:, None] + rng.normal(0.0, spread, (geo.size, len(DIMENSIONS)))
        return np.clip(np.round(scores), *SCORES)

    @property
    def delivery(self) -> np.ndarray:
        """Share of a policy's effect a kommune delivers: its mean capacity score over the
        highest score (5)."""
        return self.capacity.mean(axis=1) / SCORES[1]

    def nature(self, population: np.ndarray) -> np.ndarray:
        density = population / np.maximum(self.area_km2, 1.0)
        return 1.0 / (1.0 + density / self.params.value("kommune.nature_density_scale"))

    def start(self, population: np.ndarray, children: np.ndarray) -> None:
        """Schools and service level at the start (persons, not agents)."""
        per_school = self.params.value("kommune.pupils_per_school")
        self.schools = np.maximum(1.0, np.round(children / per_school))
        self.schools0 = self.schools.copy()
        self.population0 = np.maximum(population, 1.0)
        self.service_level = self._service(population, np.zeros(len(population)))

    def _service(self, population: np.ndarray, boost: np.ndarray) -> np.ndarray:
        """Income per inhabitant is the same everywhere; the cost has a fixed part, so the
        service an inhabitant gets rises with size and falls when a kommune shrinks."""
        fixed = self.params.value("kommune.service_fixed_cost_persons")
        level = population / (population + fixed)
        ref = self.population0 / (self.population0 + fixed)
        # shrinking lowers services; growth restores them up to the start level, not beyond
        return np.minimum(level / ref, 1.0) + boost

    def update(self, population: np.ndarray, children: np.ndarray, service_boost: np.ndarray,
               keep_schools_open: np.ndarray) -> None:
        """Yearly feedback: services follow population (plus policies' ``service_boost``);
        schools close when too few pupils, except where ``keep_schools_open``."""
        self.service_level = self._service(population, service_boost)
        min_pupils = self.params.value("kommune.min_pupils_per_school")
        last_min = self.params.value("kommune.last_school_min_pupils")
        per_school = children / np.maximum(self.schools, 1.0)
        too_few = np.where(self.schools > 1, per_school < min_pupils,
                           (self.schools == 1) & (children < last_min))
        too_few &= ~keep_schools_open
        self.schools[too_few] -= 1
        self.school_closures[too_few] += 1

    def school_access(self) -> np.ndarray:
        """Log of schools open relative to the start (0 at the start; half a school added so
        a kommune whose last school closed is not minus infinity): what families feel when
        one closes. Differences between kommuner at the start are in place_effect."""
        return np.log((self.schools + 0.5) / (self.schools0 + 0.5))
