"""Education moves of the young: who is a student, and how strongly study towns draw them.

A young mover without children aged 19–23 is a student with the chance SSB finds among
people of that age (``education.student_share``, scaled by year with
``education.student_share_trend``). Students weigh places as other young movers do, and the
study towns (``education.study_places``: kommuner with a university or university college)
draw them in addition, in proportion to the students living there (``sim.processes.choice``, stage
``student``, reason ``study``). After their studies they move again as young adults, so
where they settle follows jobs, housing, ties and home like everyone else's choice.
Immigrant movers are students with the same chance (SSB's shares for immigrants are
lower; left as a simplification).
"""

from __future__ import annotations

import numpy as np

from sim.parameters import ParameterSet


def is_student(age: np.ndarray, sex: np.ndarray, family: np.ndarray, year: int,
               params: ParameterSet, rng: np.random.Generator) -> np.ndarray:
    """Per mover (``sex`` 0 women, 1 men): True for those who move as students this year
    (movers with children never do)."""
    share = (params.by_sex_age("education.student_share", sex, age)
             * params.value("education.student_share_trend", year))
    return ~family & (rng.random(len(age)) < share)


def study_pull(codes: list[str], dwellings: np.ndarray, weight: np.ndarray | int,
               params: ParameterSet) -> np.ndarray:
    """Per kommune: a student's extra utility of living there (0 outside study towns).

    For a student a study town holds more alternatives than its dwellings: each student
    living there counts as ``education.study_place_weight`` dwellings more in the size
    measure (``migration.size_coefficient`` times log dwellings,
    ``sim.processes.choice``). So a small
    college town draws students in proportion to its students, not its size."""
    students = params.by_kommune("education.study_places", codes, 0.0) / weight
    extra = params.value("education.study_place_weight") * students
    return params.value("migration.size_coefficient") * np.log1p(
        extra / np.maximum(dwellings, 1.0))
