"""Compiled loops (numba) for the few per-person operations that NumPy does slowly: the
per-tie lookups below, and counting or summing by kommune and household under a mask, where
NumPy first copies the masked rows.

Looking up each tie's kommune and counting or sorting six slots per person is a gather and a
short reduction per row: NumPy makes several full temporaries for it and is slow on rows of
six, while one compiled loop over the rows does it in a single pass (measured with
``benchmarks/bench_kernels.py``: 2.5-8x at the classroom landscape's size, 2.3-17x at all of
Norway's).
Every kernel here gives exactly what the NumPy expression in its docstring gives; the tests
compare them. They draw no random numbers: draws stay in NumPy, so results depend only on
the seed.

The kernels run on one core: the ensemble engine already keeps every core busy with one run
each, and on the classroom landscape starting threads costs more than it saves. Compiled code
is cached next to this file (``__pycache__``), so only the first run on a machine compiles
it (about 10 s).
"""

from __future__ import annotations

import numba
import numpy as np

compiled = numba.njit(cache=True, nogil=True)


@compiled
def ties_matching(rows, ties, value_of_pid, value_of_row):
    """Per row, how many of its ties have ``value_of_pid`` equal to the row's own value:
    ``(value_of_pid[ties[rows]] == value_of_row[rows][:, None]).sum(axis=1)``; empty slots
    (-1) look up the table's last entry, a value no row has."""
    out = np.empty(len(rows), dtype=np.int8)
    for i in range(len(rows)):
        r = rows[i]
        own = value_of_row[r]
        n = 0
        for s in range(ties.shape[1]):
            if value_of_pid[ties[r, s]] == own:
                n += 1
        out[i] = n
    return out


@compiled
def ties_by_value(rows, ties, value_of_pid):
    """Per row, how many of its ties have value 1 and how many 0 or 1 in ``value_of_pid``
    (-1 = gone or empty): ``((v == 1).sum(axis=1), (v >= 0).sum(axis=1))`` for
    ``v = value_of_pid[ties[rows]]``."""
    ones = np.empty(len(rows), dtype=np.int8)
    known = np.empty(len(rows), dtype=np.int8)
    for i in range(len(rows)):
        r = rows[i]
        a = 0
        b = 0
        for s in range(ties.shape[1]):
            v = value_of_pid[ties[r, s]]
            if v == 1:
                a += 1
            if v >= 0:
                b += 1
        ones[i] = a
        known[i] = b
    return ones, known


@compiled
def tie_kommune_runs(rows, ties, kommune_of_pid):
    """Per row, its ties' kommuner sorted, with the number of ties in each kept at the first
    slot of its run and -1 / 0 elsewhere: the same as sorting
    ``kommune_of_pid[ties[rows]]`` along each row and counting run lengths."""
    n, slots = len(rows), ties.shape[1]
    kommune = np.full((n, slots), -1, dtype=np.int64)
    counts = np.zeros((n, slots), dtype=np.int64)
    srt = np.empty(slots, dtype=np.int64)             # one row's kommuner, sorted
    for i in range(n):
        r = rows[i]
        for s in range(slots):                         # insertion sort of six values
            v = kommune_of_pid[ties[r, s]]
            j = s
            while j > 0 and srt[j - 1] > v:
                srt[j] = srt[j - 1]
                j -= 1
            srt[j] = v
        s = 0
        while s < slots:
            e = s
            while e + 1 < slots and srt[e + 1] == srt[s]:
                e += 1
            if srt[s] >= 0:
                kommune[i, s] = srt[s]
                counts[i, s] = e - s + 1
            s = e + 1
    return kommune, counts


@compiled
def slot_to_renew(rows, ties, random_slot):
    """Per row, the slot a renewed tie goes into: its first empty slot (-1), else
    ``random_slot``; as ``np.where(empty.any(1), empty.argmax(1), random_slot)``."""
    out = np.empty(len(rows), dtype=np.int64)
    for i in range(len(rows)):
        r = rows[i]
        out[i] = random_slot[i]
        for s in range(ties.shape[1]):
            if ties[r, s] < 0:
                out[i] = s
                break
    return out


@compiled
def count_where(kommune, mask, n_kommuner):
    """Rows per kommune among those where ``mask`` is True:
    ``np.bincount(kommune[mask], minlength=n_kommuner)``, without the masked copy."""
    out = np.zeros(n_kommuner, dtype=np.int64)
    for i in range(len(kommune)):
        if mask[i]:
            out[kommune[i]] += 1
    return out


@compiled
def income_by_household(household, employed, kommune, wage, n_households):
    """Sum of the local wage over each household's employed members:
    ``np.bincount(household[e], wage[kommune[e]], minlength=n_households)`` with
    ``e = employed != 0``; the sums are added in row order, as bincount adds them, so the
    result is the same to the last bit."""
    out = np.zeros(n_households, dtype=np.float64)
    for i in range(len(household)):
        if employed[i] != 0:
            out[household[i]] += wage[kommune[i]]
    return out
