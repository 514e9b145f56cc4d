"""Who moves as a student, and how the study towns' pull is sized (sim.processes.students)."""

from __future__ import annotations

import numpy as np

from sim.parameters import ParameterSet
from sim.processes import students


def test_students_are_young_movers_without_children_in_ssbs_shares_by_sex():
    """Of movers aged 21, 58.5 % of women and 36.2 % of men are students (SSB 2024), fewer in
    2008 when fewer studied; nobody of 30, and no parent, moves as a student."""
    params, rng = ParameterSet(), np.random.default_rng(1)
    n = 200_000
    age = np.full(n, 21)
    women, men = np.zeros(n, dtype=np.int8), np.ones(n, dtype=np.int8)
    no_children = np.zeros(n, dtype=bool)
    assert abs(students.is_student(age, women, no_children, 2024, params, rng).mean()
               - 0.585) < 0.01
    assert abs(students.is_student(age, men, no_children, 2024, params, rng).mean()
               - 0.362) < 0.01
    share_2008 = students.is_student(age, women, no_children, 2008, params, rng).mean()
    assert abs(share_2008 - 0.585 * 0.798) < 0.01
    assert not students.is_student(np.full(n, 30), women, no_children, 2024, params, rng).any()
    assert not students.is_student(age, women, ~no_children, 2024, params, rng).any()


def test_a_study_towns_pull_follows_its_students_per_dwelling():
    """A small college town with as many students per dwelling as a university city pulls a
    student as hard; a kommune without students not at all; more students pull harder."""
    params = ParameterSet({"education.study_places": {"A": 20_000, "B": 2_000, "C": 4_000}})
    pull = students.study_pull(["A", "B", "C", "D"], np.array([100_000, 10_000, 10_000, 5_000]),
                                1, params)
    assert np.isclose(pull[0], pull[1]) and pull[0] > 0
    assert pull[2] > pull[1] and pull[3] == 0
    # at ten persons per agent the same towns have a tenth of the dwellings (as agents)
    coarse = students.study_pull(["A", "B"], np.array([10_000, 1_000]), 10, params)
    assert np.allclose(coarse, pull[:2])
