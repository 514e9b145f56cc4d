"""The calibration's own arithmetic: the young share it fits and the step it takes."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.validation import calibrate


def test_a_share_is_the_log_share_of_its_age_groups_in_the_year():
    ages = pd.DataFrame({
        "kommunenummer": ["0001"] * 3 + ["0002"] * 3 + ["0001"],
        "year": [2015] * 6 + [2014],
        "age_group": ["20-24", "25-29", "30-39"] * 2 + ["25-29"],
        "persons": [10, 20, 70, 0, 5, 45, 999],
    })
    share = calibrate.log_share(ages, 2015, "persons", ("25-29",))
    assert np.isclose(share["0001"], np.log(0.2))
    assert np.isclose(share["0002"], np.log(0.1))


def test_a_step_closes_part_of_the_gap_less_where_few_agents_and_keeps_the_mean_at_zero():
    effects = pd.Series({"a": 0.0, "b": 0.0, "c": 0.0})
    gap = pd.Series({"a": 0.1, "b": 0.1, "c": -0.2})
    agents = pd.Series({"a": 1e9, "b": calibrate.NOISE_AGENTS, "c": 1e9})
    moved = calibrate._step(effects, gap, agents, sensitivity=0.5)
    assert abs(moved.mean()) < 1e-12
    assert moved["a"] > moved["b"] > moved["c"]
    # before centring: a moves by DAMPING * gap / sensitivity, b by half of that
    raw_a, raw_b = calibrate.DAMPING * 0.1 / 0.5, calibrate.DAMPING * 0.1 / 0.5 / 2
    assert np.isclose(moved["a"] - moved["b"], raw_a - raw_b, rtol=1e-6)
