"""Threads (sim/world/threads.py): a run's results do not depend on how many threads its
kernels use, pool workers share the cores, and threaded kernels survive forked workers and
Python threads."""

from __future__ import annotations

import hashlib
import multiprocessing
import threading

import numba
import numpy as np
import pytest
from conftest import coarse_norway

from sim.model import SettlementModel
from sim.processes import spinup
from sim.world import rows, threads

needs_two = pytest.mark.skipif(threads.cores() < 2, reason="numba may start one thread here")


@pytest.fixture
def restore_threads():
    yield
    threads.set_threads(None)


def _digest(model: SettlementModel) -> str:
    """A hash of everything a run records and of its final person table."""
    h = hashlib.sha256()
    for name, column in model.population.cols.items():
        h.update(name.encode() + np.ascontiguousarray(column).tobytes())
    for name, table in model.records.tables().items():
        h.update(name.encode() + table.to_csv().encode())
    h.update(model.datacollector.get_model_vars_dataframe().to_csv().encode())
    h.update(model.datacollector.get_agenttype_vars_dataframe(
        type(model.kommune_agents[0])).to_csv().encode())
    return h.hexdigest()


@needs_two
@pytest.mark.slow
def test_a_run_is_the_same_on_one_thread_and_on_two(restore_threads, monkeypatch):
    # every kernel call threaded, however few its rows
    monkeypatch.setattr(threads, "MIN_ROWS", 0)
    digests = []
    for n in (1, 2, 1):
        threads.set_threads(n)
        spinup._REMEMBERED_RATIOS.clear()       # the spin-up runs again (in a thread on 2)
        model = SettlementModel(coarse_norway(end_year=2029))
        model.run()
        digests.append(_digest(model))
    assert digests[0] == digests[1] == digests[2]


def test_thread_count_is_set_in_one_place(restore_threads):
    assert threads.count() == threads.cores()            # a run alone: every core
    threads.share_cores(threads.cores())                 # one worker per core
    assert threads.count() == 1
    threads.share_cores(10 * threads.cores())
    assert threads.count() == 1                          # never below one
    threads.share_cores(1)
    assert threads.count() == threads.cores()
    threads.set_threads(10_000)
    assert threads.count() == threads.cores()            # never above the cores


def _count(_=None) -> list[int]:
    kommune = np.arange(200_000) % 7
    return rows.count_where(kommune, kommune % 2 == 0, 7).tolist()


@needs_two
@pytest.mark.filterwarnings("ignore:This process .* is multi-threaded:DeprecationWarning")
def test_forked_workers_run_threaded_kernels_after_their_parent(restore_threads):
    threads.set_threads(2)
    want = _count()                                   # the parent has started its threads
    with multiprocessing.get_context("fork").Pool(2) as pool:
        assert pool.map(_count, range(4)) == [want] * 4


@needs_two
def test_python_threads_share_the_kernels(restore_threads):
    threads.set_threads(2)
    want, got = _count(), []
    workers = [threading.Thread(target=lambda: got.extend(_count() for _ in range(20)))
               for _ in range(3)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert got == [want] * 60
    assert numba.threading_layer() in ("tbb", "omp", "workqueue")
