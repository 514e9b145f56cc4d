"""The spin-up: a scenario and its baseline start from one throwaway run."""

from __future__ import annotations

import os
import time

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


def test_a_saved_spin_up_is_read_back_by_a_later_process(monkeypatch, tmp_path):
    monkeypatch.setenv("LIVSKRAFT_CACHE", str(tmp_path))
    spinup._REMEMBERED_RATIOS.clear()
    first = SettlementModel(coarse_norway())
    saved = list((tmp_path / "spinup").glob("*.npz"))
    assert len(saved) == 1
    spinup._REMEMBERED_RATIOS.clear()                   # as in a new process
    def no_run(pre):
        raise AssertionError("the throwaway scenario ran again")

    monkeypatch.setattr(spinup, "_housing_ratios", no_run)
    again = SettlementModel(coarse_norway())             # read, not run
    for a, b in zip(_housing(first), _housing(again), strict=True):
        assert np.array_equal(a, b)
    first.run(), again.run()
    assert np.array_equal(first.population.kommune, again.population.kommune)


def test_a_saved_spin_up_is_not_read_by_another_model(monkeypatch, tmp_path):
    monkeypatch.setenv("LIVSKRAFT_CACHE", str(tmp_path))
    spinup._REMEMBERED_RATIOS.clear()
    SettlementModel(coarse_norway())
    spinup._REMEMBERED_RATIOS.clear()
    monkeypatch.setattr(spinup, "model_fingerprint", lambda: "changed code")
    runs = []
    housing_ratios = spinup._housing_ratios
    monkeypatch.setattr(spinup, "_housing_ratios",
                        lambda pre: runs.append(1) or housing_ratios(pre))
    SettlementModel(coarse_norway())
    assert runs == [1]                                  # run again, and saved beside it
    assert len(list((tmp_path / "spinup").glob("*.npz"))) == 2
    monkeypatch.setenv("LIVSKRAFT_CACHE", "off")
    spinup._REMEMBERED_RATIOS.clear()
    SettlementModel(coarse_norway())
    assert runs == [1, 1]                               # off: nothing read


def test_saving_sweeps_half_written_files_a_killed_process_left(monkeypatch, tmp_path):
    """A process killed while saving leaves a ``.part`` file; the next save removes it once
    it is older than ``STALE_PART_S``, and leaves a fresh one (another process may be
    writing it) alone."""
    monkeypatch.setenv("LIVSKRAFT_CACHE", str(tmp_path))
    folder = tmp_path / "spinup"
    folder.mkdir()
    stale, fresh = folder / "abc.1.2.part", folder / "abc.3.4.part"
    stale.write_bytes(b"half")
    fresh.write_bytes(b"half")
    old = time.time() - spinup.STALE_PART_S - 60
    os.utime(stale, (old, old))
    spinup._REMEMBERED_RATIOS.clear()
    SettlementModel(coarse_norway())
    assert not stale.exists() and fresh.exists()
    assert len(list(folder.glob("*.npz"))) == 1


def test_a_failed_save_leaves_no_half_written_file(monkeypatch, tmp_path):
    monkeypatch.setenv("LIVSKRAFT_CACHE", str(tmp_path))

    def full_disk(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(spinup.os, "replace", full_disk)
    spinup._REMEMBERED_RATIOS.clear()
    SettlementModel(coarse_norway())                   # runs, saves nothing
    assert list((tmp_path / "spinup").iterdir()) == []
