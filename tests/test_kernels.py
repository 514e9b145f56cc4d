"""The compiled kernels (sim/kernels.py) give exactly what their NumPy expressions give,
including empty slots and ties who have left."""

import numpy as np
import pytest

from sim.world import kernels


def _ties(n_people: int, rows: int, seed: int):
    rng = np.random.default_rng(seed)
    ties = rng.integers(-1, n_people, (n_people, 6)).astype(np.int32)
    ties[rng.random((n_people, 6)) < 0.2] = -1                  # empty slots
    table = np.append(rng.integers(-1, 5, n_people), -1).astype(np.int16)  # -1 = gone
    own = rng.integers(0, 5, n_people).astype(np.int16)
    picked = np.sort(rng.choice(n_people, rows, replace=False))
    return ties, table, own, picked


@pytest.fixture(params=[50, 5_000], ids=["few", "many"])
def case(request):
    rows = request.param
    return _ties(rows * 2, rows, seed=rows)


def test_ties_matching(case):
    ties, table, own, rows = case
    want = (table[ties[rows]] == own[rows][:, None]).sum(axis=1)
    assert np.array_equal(kernels.ties_matching(rows, ties, table, own), want)


def test_ties_by_value(case):
    ties, table, _, rows = case
    v = np.clip(table, -1, 1)[ties[rows]]
    ones, known = kernels.ties_by_value(rows, ties, np.clip(table, -1, 1))
    assert np.array_equal(ones, (v == 1).sum(axis=1))
    assert np.array_equal(known, (v >= 0).sum(axis=1))


def test_tie_kommune_runs(case):
    ties, table, _, rows = case
    srt = np.sort(table[ties[rows]].astype(np.int64), axis=1)
    kommune, counts = kernels.tie_kommune_runs(rows, ties, table)
    for r in range(len(rows)):
        values, n = np.unique(srt[r][srt[r] >= 0], return_counts=True)
        assert np.array_equal(kommune[r][kommune[r] >= 0], values)
        assert np.array_equal(counts[r][kommune[r] >= 0], n)
        assert (counts[r][kommune[r] < 0] == 0).all()
        # each kommune sits at the first slot of its run in the sorted row
        assert np.array_equal(np.flatnonzero(kommune[r] >= 0),
                              np.searchsorted(srt[r], values))


def test_slot_to_renew(case):
    ties, _, _, rows = case
    random_slot = np.random.default_rng(3).integers(0, 6, len(rows))
    empty = ties[rows] < 0
    want = np.where(empty.any(axis=1), empty.argmax(axis=1), random_slot)
    assert np.array_equal(kernels.slot_to_renew(rows, ties, random_slot), want)


def test_count_where():
    rng = np.random.default_rng(5)
    kommune = rng.integers(0, 40, 10_000).astype(np.intp)
    mask = rng.random(10_000) < 0.3
    want = np.bincount(kommune[mask], minlength=45)
    got = kernels.count_where(kommune, mask, 45)
    assert np.array_equal(got, want) and got.dtype == want.dtype


def test_income_by_household_is_bincount_to_the_last_bit():
    rng = np.random.default_rng(6)
    n = 10_000
    household = rng.integers(0, 3_000, n).astype(np.int64)
    employed = (rng.random(n) < 0.6).astype(np.int8)
    kommune = rng.integers(0, 40, n).astype(np.intp)
    wage = rng.random(40) * 700_000.0
    e = employed != 0
    want = np.bincount(household[e], wage[kommune[e]], minlength=3_100)
    got = kernels.income_by_household(household, employed, kommune, wage, 3_100)
    assert got.dtype == want.dtype and np.array_equal(got, want)
