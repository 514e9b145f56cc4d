"""The compiled kernels (sim/world/kernels.py, sim/world/rows.py) give exactly what their
NumPy expressions give, including empty slots and ties who have left, with one thread and
with two (``twins``: both compiled versions of a threaded kernel)."""

import numba
import numpy as np
import pytest

from sim.world import kernels, rows, threads


def two_threads() -> None:
    """Threaded kernels called directly run on two threads (where the machine allows)."""
    numba.set_num_threads(min(2, threads.cores()))


def twins(kernel, *args):
    """What the serial and the threaded version of ``kernel`` return for ``args``."""
    two_threads()
    return kernel.serial(*args), kernel.parallel(*args)


def same(*results) -> bool:
    """All equal, with the same dtype (tuples compared element by element)."""
    first = results[0]
    if isinstance(first, tuple):
        return all(same(*parts) for parts in zip(*results, strict=True))
    return all(r.dtype == first.dtype and np.array_equal(r, first) for r in results)


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
    want = (table[ties[rows]] == own[rows][:, None]).sum(axis=1).astype(np.int8)
    assert same(want, *twins(kernels.ties_matching, rows, ties, table, own))


def test_ties_by_value(case):
    ties, table, _, rows = case
    v = np.clip(table, -1, 1)[ties[rows]]
    want = ((v == 1).sum(axis=1).astype(np.int8), (v >= 0).sum(axis=1).astype(np.int8))
    assert same(want, *twins(kernels.ties_by_value, rows, ties, np.clip(table, -1, 1)))


def test_tie_kommune_runs(case):
    ties, table, _, rows = case
    srt = np.sort(table[ties[rows]].astype(np.int64), axis=1)
    kommune, counts = kernels.tie_kommune_runs(rows, ties, table)
    assert same((kommune, counts), *twins(kernels.tie_kommune_runs, rows, ties, table))
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
    assert same(want, *twins(kernels.slot_to_renew, rows, ties, random_slot))


@pytest.mark.parametrize("n", [0, 1, 10_000, 3 * threads.BLOCK + 7])
def test_count_where(n):
    rng = np.random.default_rng(5)
    kommune = rng.integers(0, 40, n).astype(np.intp)
    mask = rng.random(n) < 0.3
    want = np.bincount(kommune[mask], minlength=45)
    assert same(want, *twins(rows.count_where, kommune, mask, 45))


@pytest.mark.parametrize("n", [0, 1, 10_000])
@pytest.mark.parametrize("share", [0.0, 0.3, 0.99, 1.0])
@pytest.mark.parametrize("n_threads", [1, 2])
def test_keeping_rows_in_place_is_the_masked_copy(n, share, n_threads, monkeypatch):
    monkeypatch.setattr(threads, "_threads", n_threads)
    rng = np.random.default_rng(n)
    mask = rng.random(n) < share
    columns = [rng.integers(-9, 9, n).astype(np.int16), rng.random(n) < 0.5,
               rng.integers(-9, 9, (n, 6)).astype(np.int32), rng.random(n)]
    want = [column[mask] for column in columns]
    kept = rows.keep_in_place(columns, mask)
    assert kept == mask.sum()
    assert all(same(w, c[:kept]) for w, c in zip(want, columns, strict=True))


def test_tables_by_person_id():
    rng = np.random.default_rng(7)
    pid = np.sort(rng.choice(200_000, 150_000, replace=False)).astype(np.int64)
    values = rng.integers(0, 300, 150_000).astype(np.int16)
    want = np.full(200_001, -1, dtype=np.int16)
    want[pid] = values
    assert same(want, *twins(rows.by_pid, pid, values, 200_001, np.int16(-1)))


def test_households_flagged_and_their_oldest():
    rng = np.random.default_rng(8)
    household = rng.integers(0, 3_000, 100_000).astype(np.int64)
    age = rng.integers(0, 100, 100_000).astype(np.int16)
    flag = rng.random(3_000) < 0.2
    assert same(flag[household], *twins(rows.in_flagged, household, flag))
    members = np.flatnonzero(flag[household])
    heads = rng.random(100_000) < 0.5
    want = heads.copy()
    want[members] = False
    hh = household[members]
    order = np.lexsort((members, -age[members], hh))
    first = np.ones(len(order), dtype=bool)
    first[1:] = hh[order][1:] != hh[order][:-1]
    want[members[order[first]]] = True
    best = np.full(3_000, -1, dtype=np.int64)
    rows.mark_oldest(members, household, age, heads, best)
    assert np.array_equal(heads, want) and (best == -1).all()


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


def test_tables_by_age_and_by_sex_and_age():
    rng = np.random.default_rng(9)
    age = rng.integers(0, 130, 100_000).astype(np.int16)
    sex = rng.integers(0, 2, 100_000).astype(np.int8)
    table = rng.random(120)
    rows_ = np.sort(rng.choice(100_000, 70_000, replace=False))
    assert same(table[np.minimum(age, 119)], *twins(rows.age_values, age, table))
    assert same(table[np.minimum(age[rows_], 119)],
                *twins(rows.age_values_of, rows_, age, table))
    q = rng.random((2, 107))
    u = rng.random(100_000, dtype=np.float32)
    assert same(u < q[sex, np.minimum(age, 106)],
                *twins(rows.below_by_sex_age, u, sex, age, q, 106))


def test_indicator_counts_and_counts_by_age_group_and_sex():
    rng = np.random.default_rng(10)
    n = 3 * threads.BLOCK + 11
    kommune = rng.integers(0, 40, n).astype(np.intp)
    employed = (rng.random(n) < 0.5).astype(np.int8)
    kind = rng.integers(0, 3, n).astype(np.int8)
    heads = rng.random(n) < 0.4
    owner = (rng.random(n) < 0.6).astype(np.int8)
    masks = (employed == 1, kind == 1, heads, heads & (owner == 1))
    want = np.array([np.bincount(kommune[m], minlength=40) for m in masks])
    assert same(want, *twins(rows.count_indicators, kommune, employed, kind, heads, owner, 1,
                             40))
    assert same(np.bincount(kommune, minlength=40),
                *twins(rows.count_between, kommune, kommune, 0, 39, 40))
    age = rng.integers(0, 107, n).astype(np.int16)
    want = np.bincount(kommune[(age >= 6) & (age <= 15)], minlength=40)
    assert same(want, *twins(rows.count_between, kommune, age, 6, 15, 40))
    hh = rng.integers(0, 1000, n)
    sizes = np.bincount(hh, minlength=1000).astype(np.int32)
    some = np.sort(rng.choice(n, n // 3, replace=False))
    assert same(sizes[hh[some]], *twins(rows.of_households, some, hh, sizes))
    counted = np.zeros(1000, np.int32)
    rows.count_into(counted, hh, some, 1)
    assert np.array_equal(counted, np.bincount(hh[some], minlength=1000))
    rows.count_into(counted, hh, some[::2], -1)
    assert np.array_equal(counted, np.bincount(hh[some[1::2]], minlength=1000))
    flag = rng.random(1000) < 0.3
    want = owner.copy()
    want[flag[hh]] = 1
    for version in (rows.set_in_flagged.serial, rows.set_in_flagged.parallel):
        got = owner.copy()
        version(got, hh, flag, np.int8(1))
        assert same(want, got)
    age = rng.integers(0, 107, n).astype(np.int16)
    sex = rng.integers(0, 2, n).astype(np.int8)
    group_of = np.searchsorted([0, 6, 16, 20, 67, 80], np.arange(107), side="right") - 1
    cell = (kommune * 6 + group_of[age]) * 2 + sex
    want = np.bincount(cell, minlength=40 * 6 * 2).reshape(40, 6, 2)
    assert same(want, *twins(rows.count_cells, kommune, age, sex, group_of, 40, 6, 2))
    kind = rng.integers(0, 3, n).astype(np.int8)             # three values: by kind
    cell = (kommune * 6 + group_of[age]) * 3 + kind
    want = np.bincount(cell, minlength=40 * 6 * 3).reshape(40, 6, 3)
    assert same(want, *twins(rows.count_cells, kommune, age, kind, group_of, 40, 6, 3))


def test_drawing_a_person_of_the_same_place():
    rng = np.random.default_rng(11)
    place = rng.integers(0, 50, 100_000).astype(np.intp)
    pids = np.arange(1, 100_001, dtype=np.int64)
    order, start, count = kernels.stable_order(place, 50)
    assert same(*twins(kernels.stable_order, place, 50))
    assert np.array_equal(order, np.argsort(place, kind="stable"))
    assert np.array_equal(count, np.bincount(place, minlength=50))
    assert np.array_equal(start, np.concatenate([[0], np.cumsum(count)[:-1]]))
    i = rng.integers(0, 100_000, 80_000)
    u = rng.random(80_000)
    sorted_pids = pids[order]
    other = sorted_pids[np.minimum(start[place[i]] + (u * count[place[i]]).astype(np.int64),
                                   len(sorted_pids) - 1)]
    want = np.where(other != pids[i], other, -1)
    assert same(want, *twins(kernels.place_draw, i, u, place, start, count, sorted_pids, pids))
    ties = rng.integers(-1, 100, (100_000, 6)).astype(np.int32)
    rows_ = rng.choice(100_000, 80_000, replace=False)
    slot = rng.integers(0, 6, 80_000)
    want = ties.copy()
    want[rows_, slot] = other
    for version in (kernels.set_slots.serial, kernels.set_slots.parallel):
        got = ties.copy()
        two_threads()
        version(got, rows_, slot, other)
        assert np.array_equal(got, want)


def test_who_renews_a_tie():
    rng = np.random.default_rng(12)
    u = rng.random(100_000, dtype=np.float32)
    kommune = rng.integers(0, 40, 100_000).astype(np.intp)
    places = rng.random(40) * 1.3
    assert same(u < 0.12 * places[kommune],
                *twins(kernels.renewing, u, kommune, places, 0.12))


def test_home_follows_the_young():
    rng = np.random.default_rng(13)
    n = 100_000
    home = rng.integers(-1, 40, n).astype(np.int16)
    kommune = rng.integers(0, 40, n).astype(np.intp)
    age = rng.integers(0, 100, n).astype(np.int16)
    kind = rng.integers(0, 3, n).astype(np.int8)
    young = (age <= 17) & (kind != 1)
    want = home.copy()
    want[young] = kommune[young]
    for version in (rows.settle_home.serial, rows.settle_home.parallel):
        got = home.copy()
        two_threads()
        version(got, kommune, age, kind, 17, 1)
        assert np.array_equal(got, want)
