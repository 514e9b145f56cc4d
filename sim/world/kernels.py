"""Compiled loops (numba) for the per-tie operations that NumPy does slowly: looking up each
tie's kommune or kind, choosing the slot a renewed tie goes into and drawing its person, and
summing wages by household.

Looking up each tie's kommune and counting or sorting six slots per person is a gather and a
short reduction per row: NumPy makes several full temporaries for it and is slow on rows of
six, while one compiled loop over the rows does it in a single pass (measured with
``benchmarks/bench_kernels.py``: 2.5-8x at the classroom landscape's size, 2.3-17x at all of
Norway's).
Every kernel here gives exactly what the NumPy expression in its docstring gives; the tests
compare them. They draw no random numbers: draws stay in NumPy, so results depend only on
the seed.

Kernels made with ``threaded`` spread their rows over the threads ``sim.world.threads``
allows, each row written by one thread, so their results do not depend on the number of
threads; ``compiled`` ones run on one (a sum in row order, or a sort). Compiled code is
cached next to this file (``__pycache__``), so only the first run on a machine compiles it
(about a minute for all the model's kernels).
"""

from __future__ import annotations

import numba
import numpy as np

from sim.world.rows import COUNT_CHUNKS
from sim.world.threads import BLOCK, threaded

compiled = numba.njit(cache=True, nogil=True)


@threaded
def ties_matching(rows, ties, value_of_pid, value_of_row):
    """Per row, how many of its ties have ``value_of_pid`` equal to the row's own value:
    ``(value_of_pid[ties[rows]] == value_of_row[rows][:, None]).sum(axis=1)``; empty slots
    (-1) look up the table's last entry, a value no row has."""
    out = np.empty(len(rows), dtype=np.int8)
    for i in numba.prange(len(rows)):
        r = rows[i]
        own = value_of_row[r]
        n = 0
        for s in range(ties.shape[1]):
            if value_of_pid[ties[r, s]] == own:
                n += 1
        out[i] = n
    return out


@threaded
def ties_by_value(rows, ties, value_of_pid):
    """Per row, how many of its ties have value 1 and how many 0 or 1 in ``value_of_pid``
    (-1 = gone or empty): ``((v == 1).sum(axis=1), (v >= 0).sum(axis=1))`` for
    ``v = value_of_pid[ties[rows]]``."""
    ones = np.empty(len(rows), dtype=np.int8)
    known = np.empty(len(rows), dtype=np.int8)
    for i in numba.prange(len(rows)):
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


@threaded
def tie_kommune_runs(rows, ties, kommune_of_pid):
    """Per row, its ties' kommuner sorted, with the number of ties in each kept at the first
    slot of its run and -1 / 0 elsewhere: the same as sorting
    ``kommune_of_pid[ties[rows]]`` along each row and counting run lengths."""
    n, slots = len(rows), ties.shape[1]
    kommune = np.full((n, slots), -1, dtype=np.int64)
    counts = np.zeros((n, slots), dtype=np.int64)
    nb = (n + BLOCK - 1) // BLOCK
    scratch = np.empty((nb, slots), dtype=np.int64)
    for b in numba.prange(nb):
        srt = scratch[b]                               # one row's kommuner, sorted
        for i in range(b * BLOCK, min(n, (b + 1) * BLOCK)):
            r = rows[i]
            for s in range(slots):                     # insertion sort of six values
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


@threaded
def slot_to_renew(rows, ties, random_slot):
    """Per row, the slot a renewed tie goes into: its first empty slot (-1), else
    ``random_slot``; as ``np.where(empty.any(1), empty.argmax(1), random_slot)``."""
    out = np.empty(len(rows), dtype=np.int64)
    for i in numba.prange(len(rows)):
        r = rows[i]
        out[i] = random_slot[i]
        for s in range(ties.shape[1]):
            if ties[r, s] < 0:
                out[i] = s
                break
    return out


@threaded
def renewing(u, kommune, meeting_places, rate):
    """Per row, whether it renews a tie this year: ``u < rate * meeting_places[kommune]``
    (``u`` uniform draws, one per row)."""
    n = len(u)
    out = np.empty(n, dtype=np.bool_)
    for i in numba.prange(n):
        out[i] = u[i] < rate * meeting_places[kommune[i]]
    return out


@threaded
def stable_order(place, n_places):
    """The rows sorted by place, rows of one place in their order (``np.argsort(place,
    kind="stable")``), and each place's first position and number of rows in that order: a
    counting sort whose chunks of rows count their places, then each writes its rows from
    where the chunks before it leave off (``rows.COUNT_CHUNKS``; the order is the same
    however the rows are split)."""
    n, nc = len(place), COUNT_CHUNKS
    part = np.zeros((nc, n_places), dtype=np.int64)
    for c in numba.prange(nc):
        for i in range(c * n // nc, (c + 1) * n // nc):
            part[c, place[i]] += 1
    count = np.zeros(n_places, dtype=np.int64)
    start = np.zeros(n_places, dtype=np.int64)
    for p in range(n_places):
        for c in range(nc):
            count[p] += part[c, p]
        if p > 0:
            start[p] = start[p - 1] + count[p - 1]
    for p in range(n_places):                 # each chunk's first position of each place
        at = start[p]
        for c in range(nc):
            here = part[c, p]
            part[c, p] = at
            at += here
    order = np.empty(n, dtype=np.intp)
    for c in numba.prange(nc):
        nxt = part[c]
        for i in range(c * n // nc, (c + 1) * n // nc):
            order[nxt[place[i]]] = i
            nxt[place[i]] += 1
    return order, start, count


@threaded
def place_draw(i, u, place, start, count, sorted_pids, pids):
    """For each index ``i`` into ``place`` and ``pids``, a random person (id) of the same
    place from the draw ``u``, or -1 where it is the person themselves: ``other =
    sorted_pids[np.minimum(start[p] + (u * count[p]).astype(np.int64), len(sorted_pids) - 1)]``
    with ``p = place[i]``, then ``np.where(other != pids[i], other, -1)``."""
    n, last = len(i), len(sorted_pids) - 1
    out = np.empty(n, dtype=np.int64)
    for j in numba.prange(n):
        p = place[i[j]]
        other = sorted_pids[min(start[p] + np.int64(u[j] * count[p]), last)]
        out[j] = other if other != pids[i[j]] else -1
    return out


@threaded
def set_slots(ties, rows, slot, values):
    """``ties[rows, slot] = values`` (rows distinct)."""
    for j in numba.prange(len(rows)):
        ties[rows[j], slot[j]] = values[j]


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
