"""Shared fixtures: small, fast runs of real Norway at a coarse scale."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml

from sim.output.run_folder import simulate
from sim.scenario.files import load_scenario
from sim.scenario.schema import Scenario

# tests neither read nor leave saved spin-ups (sim.processes.spinup); tests/test_spinup.py
# turns saving on in a folder of its own (set before any model runs, and inherited by the
# processes tests start)
os.environ["LIVSKRAFT_CACHE"] = "off"

CLASSROOM = Path(__file__).resolve().parents[1] / "scenarios" / "classroom-sentralisering.yaml"


def coarse_norway(**kw) -> Scenario:
    """Real Norway at 20 persons per agent, a few years: a fast stand-in for the baseline."""
    base = {"name": "test-coarse", "start_year": 2026, "end_year": 2029, "seed": 7,
            "persons_per_agent": 20}
    return Scenario(**{**base, **kw})


def short_classroom(folder: Path, years: int, **changes) -> Path:
    """The classroom landscape shortened to ``years`` years, as a scenario file in
    ``folder`` (its yearly immigration cut to the shorter run)."""
    raw = load_scenario(CLASSROOM).model_dump(mode="json")
    raw["end_year"] = raw["start_year"] + years
    raw["immigration"]["yearly"] = {y: n for y, n in raw["immigration"]["yearly"].items()
                                    if int(y) < raw["end_year"]}
    raw.update(changes)
    path = folder / f"classroom-{years}y.yaml"
    path.write_text(yaml.safe_dump(raw, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def pytest_addoption(parser):
    parser.addoption("--screenshots", default=None, metavar="DIR",
                     help="where the dashboard's journey tests save their screenshots "
                          "(default: $LIVSKRAFT_SCREENSHOTS, else the test's tmp folder)")


@pytest.fixture(autouse=True)
def _run_store(tmp_path_factory, monkeypatch):
    """Every test registers its runs in a store of its own, never in the repository's runs/."""
    monkeypatch.setenv("LIVSKRAFT_RUNS", str(tmp_path_factory.mktemp("run-store")))


@pytest.fixture(scope="session")
def coarse_run():
    return simulate(coarse_norway())
