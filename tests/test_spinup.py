"""The spin-up: a scenario and its baseline start from one throwaway run."""

from __future__ import annotations

import numpy as np
from conftest import coarse_norway

from sim.model import SettlementModel
from sim.processes import spinup
from sim.scenario.schema import PolicySpec


def _housing(model: SettlementModel) -> list[np.ndarray]:
    h = model.housing
    return [h.dwellings.copy(), h.price.copy(), h.rent.copy()]


def test_a_scenario_and_its_baseline_share_one_throwaway_run(monkeypatch):
    runs = []
    housing_ratios = spinup._housing_ratios
    monkeypatch.setattr(spinup, "_housing_ratios",
                        lambda pre: runs.append(pre.spec.name) or housing_ratios(pre))
    spinup._REMEMBERED_RATIOS.clear()
    baseline = SettlementModel(coarse_norway(name="baseline", description="no policies"))
    policy = PolicySpec(type="startlan", where={"kommuner": ["5014"]})
    scenario = SettlementModel(coarse_norway(name="froya", description="more startlån",
                                             policies=[policy]))
    assert len(runs) == 1                       # the scenario reused the baseline's
    spinup._REMEMBERED_RATIOS.clear()
    alone = SettlementModel(coarse_norway(name="froya", policies=[policy]))
    assert len(runs) == 2                       # run again when nothing is remembered
    for a, b, c in zip(_housing(baseline), _housing(scenario), _housing(alone), strict=True):
        assert np.array_equal(a, b) and np.array_equal(b, c)
