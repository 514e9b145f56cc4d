"""Seeds and bands: the one definition every command and the dashboard share.

A multi-seed command runs the scenario's seed and the ones after it (``seed_numbers``), each
as a copy of the scenario (``variant``); what varies over the seeds is shown as the median and
the ``BAND`` percentiles (``band``).
"""

from __future__ import annotations

import numpy as np

from sim.scenario.schema import Scenario

BAND = (5, 95)          # percentiles of the band over seeds
NORWAY = "norway"       # the area label of the whole simulated area


def seed_numbers(first: int, n: int) -> list[int]:
    """The ``n`` seeds of an ensemble starting at the scenario's seed ``first``."""
    return [first + i for i in range(n)]


def variant(spec: Scenario, seed: int, persons_per_agent: int | None = None) -> Scenario:
    """``spec`` with another seed (and persons per agent, if given)."""
    update: dict = {"seed": seed}
    if persons_per_agent is not None:
        update["persons_per_agent"] = persons_per_agent
    return spec.model_copy(update=update)


def band(values: np.ndarray, axis: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Median and the ``BAND`` percentiles over ``axis`` (the seeds)."""
    lo, hi = BAND
    return (np.median(values, axis=axis), np.percentile(values, lo, axis=axis),
            np.percentile(values, hi, axis=axis))
