"""Shared fixtures: small, fast runs of real Norway at a coarse scale."""

from __future__ import annotations

import pytest

from sim.run import simulate
from sim.scenario import Scenario


def coarse_norway(**kw) -> Scenario:
    """Real Norway at 20 persons per agent, a few years: a fast stand-in for the baseline."""
    base = {"name": "test-coarse", "start_year": 2026, "end_year": 2029, "seed": 7,
            "persons_per_agent": 20}
    return Scenario(**{**base, **kw})


@pytest.fixture(scope="session")
def coarse_run():
    return simulate(coarse_norway())
