"""What movers see of every kommune this year: the place view the destination choice weighs.

``place_view`` gathers it from the labour market (job prospects in the commuting region), the
housing market (cost, free dwellings), the places (amenity, nature, schools, services, the
calibrated place effect), the policies in force (their utility terms), the study towns and
immigrant communities. ``community_reach`` says how far an immigrant mover of each life stage
counts earlier immigrants: a family's network, shops and places of worship may be a city
region away; a young newcomer wants the city's own community
(``migration.community_distance_scale_km``, 0 km = the kommune itself).
"""

from __future__ import annotations

import numpy as np

from sim.parameters import ParameterSet
from sim.processes import choice, students
from sim.processes.housing import HousingMarket
from sim.processes.jobs import LabourMarket
from sim.world.places import Places
from sim.world.population import Kind, Population
from sim.world.scale import Scale


def community_reach(distance_km: np.ndarray, params: ParameterSet) -> list[np.ndarray]:
    """Per life stage of the choice: a kommune x kommune weight of the immigrants within
    that stage's reach (exp(-d / scale), or the kommune itself at scale 0)."""
    scales = params.value("migration.community_distance_scale_km")
    k = len(distance_km)
    return [np.exp(-distance_km / float(scales[s])) if float(scales[s]) > 0 else np.eye(k)
            for s in map(choice.weighs_as, choice.STAGES)]


def distance_terms(distance_km: np.ndarray, params: ParameterSet
                   ) -> tuple[list[np.ndarray], np.ndarray]:
    """What a run's choices take from the distances alone, computed once per run: the
    community reach (``community_reach``) and the moving cost (``choice.distance_cost``)."""
    return community_reach(distance_km, params), choice.distance_cost(distance_km, params)


def immigrant_community(pop: Population, reach: list[np.ndarray],
                        scale: Scale | None = None) -> np.ndarray:
    """Per life stage and kommune: log of the immigrants within that stage's reach, relative
    to the mean kommune (earlier immigrants' communities, which draw immigrant movers)."""
    imm = pop.count_between(len(reach[0]), "kind", Kind.IMMIGRANT, Kind.IMMIGRANT).astype(float)
    imm = (imm if scale is None else scale.relative(imm)) + 1.0
    within_reach = np.array([r @ imm for r in reach])
    return np.log(within_reach / within_reach.mean(axis=1, keepdims=True))


def persons_and_pupils(pop: Population, n_kommuner: int, weight: np.ndarray | int,
                       params: ParameterSet) -> tuple[np.ndarray, np.ndarray]:
    """Persons and pupils (school age) per kommune, in persons."""
    lo, hi = params.value("kommune.school_age")
    pupils = pop.count_between(n_kommuner, "age", lo, hi)
    return pop.count_by_kommune(n_kommuner) * weight, pupils * weight


def place_view(pop: Population, labour: LabourMarket, housing: HousingMarket, places: Places,
               policy_terms: np.ndarray, reach: list[np.ndarray], codes: list[str],
               scale: Scale, params: ParameterSet) -> choice.PlaceView:
    """What movers see of every kommune this year (``policy_terms``: [type, kommune]
    utility of the policies in force)."""
    size, tight = labour.job_prospects()
    persons, _ = persons_and_pupils(pop, len(codes), scale.weight, params)
    return choice.PlaceView(
        job_size=size, job_tightness=tight,
        cost_renter=housing.housing_cost(owner=False),
        cost_owner=housing.housing_cost(owner=True),
        vacancy=housing.vacancy(pop), dwellings=scale.relative(housing.dwellings),
        amenity=places.amenity,
        nature=places.nature(persons), school_access=places.school_access(),
        service=places.service_level, place_effect=places.place_effect,
        place_effect_young=places.place_effect_young,
        place_effect_family=places.place_effect_family,
        policy=policy_terms, community=immigrant_community(pop, reach, scale),
        study=students.study_pull(codes, housing.dwellings, scale.weight, params))
