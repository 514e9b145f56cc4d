"""Threaded kernels over all the person table's rows (``sim.world.threads``): keeping the rows
of a mask, counting rows by kommune, tables by person id and by age.

Each splits the rows into blocks of ``threads.BLOCK`` and gives exactly what the NumPy
expression in its docstring gives, whatever the number of threads (the tests compare them):
blocks are copied to places fixed by a count of each block, and counts are integer sums.
Counts split the rows into ``COUNT_CHUNKS`` chunks instead, each counting into a row of its
own: integer sums do not depend on how the rows are split, and a few rows of counts are
quicker to clear and add up than one per block (a table of 14,000 cells per block of all of
Norway was 20 MB).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numba
import numpy as np

from sim.world import threads
from sim.world.threads import BLOCK, threaded

COUNT_CHUNKS = 16   # chunks of rows a count splits into (each counts into its own row)


@numba.njit(cache=True, nogil=True)
def compact_in_place(column, mask):
    """Move the rows of ``column`` (1-D or 2-D) where ``mask`` is True to its front, in
    order, and return how many: afterwards ``column[:n]`` is what ``column[mask]`` was."""
    j = 0
    if column.ndim == 1:
        for i in range(len(mask)):
            if mask[i]:
                column[j] = column[i]
                j += 1
        return j
    for i in range(len(mask)):
        if mask[i]:
            for c in range(column.shape[1]):
                column[j, c] = column[i, c]
            j += 1
    return j


def keep_in_place(columns: list[np.ndarray], mask: np.ndarray) -> int:
    """``compact_in_place`` on every column, the columns spread over this process's threads
    (``sim.world.threads.count``; each column moved by one thread, so the result does not
    depend on them); returns the rows kept. Moving rows in place needs no new memory: a new
    column the size of the table is fresh pages the kernel must map and zero (the ties
    column's cost a year up to half a second of system time, measured)."""
    n_threads = min(threads.count(), len(columns))
    if n_threads <= 1:
        kept = [compact_in_place(column, mask) for column in columns]
    else:
        with ThreadPoolExecutor(n_threads) as pool:
            kept = list(pool.map(lambda column: compact_in_place(column, mask), columns))
    return int(kept[0]) if kept else int(np.count_nonzero(mask))


@numba.njit(cache=True, nogil=True)
def sum_blocks(part):
    """The blocks' counts added up: ``part.sum(axis=0)`` of integer counts [block, cell].
    Compiled on its own, without threads: inside a threaded kernel numba would make each
    ``out += part[b]`` a threaded loop of its own, waking the threads once per block."""
    out = np.zeros(part.shape[1], dtype=part.dtype)
    for b in range(part.shape[0]):
        for c in range(part.shape[1]):
            out[c] += part[b, c]
    return out


@numba.njit(cache=True, nogil=True, inline="always")
def _count_in_range(local, kommune, values, lo, hi, i, end):
    """Add to ``local`` [4, kommune] the rows ``i .. end - 1`` whose value lies in ``lo ..
    hi``, without a branch per row (a random mask would mispredict half of them), into four
    counts taken in turn (rows of one kommune follow each other, and one count would wait
    for itself). The loop of ``count_where`` and ``count_between``."""
    while i + 4 <= end:
        local[0, kommune[i]] += np.int64(lo <= values[i] <= hi)
        local[1, kommune[i + 1]] += np.int64(lo <= values[i + 1] <= hi)
        local[2, kommune[i + 2]] += np.int64(lo <= values[i + 2] <= hi)
        local[3, kommune[i + 3]] += np.int64(lo <= values[i + 3] <= hi)
        i += 4
    while i < end:
        local[0, kommune[i]] += np.int64(lo <= values[i] <= hi)
        i += 1


@threaded
def count_where(kommune, mask, n_kommuner):
    """Rows per kommune among those where ``mask`` is True:
    ``np.bincount(kommune[mask], minlength=n_kommuner)``, without the masked copy."""
    n, nc = len(kommune), COUNT_CHUNKS
    part = np.zeros((nc, 4, n_kommuner), dtype=np.int64)
    for c in numba.prange(nc):
        _count_in_range(part[c], kommune, mask, True, True, c * n // nc, (c + 1) * n // nc)
    return sum_blocks(part.reshape(nc * 4, n_kommuner))


@threaded
def count_between(kommune, values, lo, hi, n_kommuner):
    """Rows per kommune whose value lies in ``lo .. hi``: ``np.bincount(kommune[(values >=
    lo) & (values <= hi)], minlength=n_kommuner)``, without the mask (every row, given the
    kommune column itself and ``0 .. n_kommuner - 1``)."""
    n, nc = len(kommune), COUNT_CHUNKS
    part = np.zeros((nc, 4, n_kommuner), dtype=np.int64)
    for c in numba.prange(nc):
        _count_in_range(part[c], kommune, values, lo, hi, c * n // nc, (c + 1) * n // nc)
    return sum_blocks(part.reshape(nc * 4, n_kommuner))


@threaded
def in_flagged(household, flag):
    """Per row, whether its household is flagged: ``flag[household]``."""
    n = len(household)
    out = np.empty(n, dtype=np.bool_)
    for i in numba.prange(n):
        out[i] = flag[household[i]]
    return out


@threaded
def set_in_flagged(column, household, flag, value):
    """Set ``column`` to ``value`` in every row whose household is flagged:
    ``column[flag[household]] = value``."""
    for i in numba.prange(len(household)):
        if flag[household[i]]:
            column[i] = value


@threaded
def of_households(rows, household, table):
    """Each row's value in a table by household id: ``table[household[rows]]``."""
    n = len(rows)
    out = np.empty(n, dtype=table.dtype)
    for i in numba.prange(n):
        out[i] = table[household[rows[i]]]
    return out


@numba.njit(cache=True, nogil=True)
def count_into(sizes, household, members, step):
    """Add ``step`` to each member's household's count: ``np.add.at(sizes,
    household[members], step)`` (serial; one household's members may be anywhere)."""
    for i in range(len(members)):
        sizes[household[members[i]]] += step


@numba.njit(cache=True, nogil=True)
def mark_oldest(members, household, age, heads, best):
    """Make the oldest of each household's ``members`` (rows, ascending; the first of equals)
    its head in ``heads``, and no other member; ``best`` is scratch space indexed by
    household id, -1 for every household of the members. As ``np.lexsort((members,
    -age[members], household[members]))`` and its first row per household."""
    for i in range(len(members)):
        r = members[i]
        heads[r] = False
        h = household[r]
        if best[h] < 0 or age[r] > age[best[h]]:
            best[h] = r
    for i in range(len(members)):
        h = household[members[i]]
        if best[h] >= 0:
            heads[best[h]] = True
            best[h] = -1


@threaded
def age_values(age, table):
    """Each row's value in an age table (one value per single age, the last for all older):
    ``table[np.minimum(age, len(table) - 1)]``."""
    n, oldest = len(age), len(table) - 1
    out = np.empty(n, dtype=table.dtype)
    for i in numba.prange(n):
        out[i] = table[min(age[i], oldest)]
    return out


@threaded
def age_values_of(rows, age, table):
    """``table[np.minimum(age[rows], len(table) - 1)]`` (see ``age_values``)."""
    n, oldest = len(rows), len(table) - 1
    out = np.empty(n, dtype=table.dtype)
    for i in numba.prange(n):
        out[i] = table[min(age[rows[i]], oldest)]
    return out


@threaded
def below_by_sex_age(u, sex, age, table, oldest):
    """Per row, whether its draw ``u`` is below its value in a table by sex and single age:
    ``u < table[sex, np.minimum(age, oldest)]`` (the lookup and the comparison in one
    pass)."""
    n = len(u)
    out = np.empty(n, dtype=np.bool_)
    for i in numba.prange(n):
        out[i] = u[i] < table[sex[i], min(age[i], oldest)]
    return out


@threaded
def count_indicators(kommune, employed, kind, heads, owner, immigrant, n_kommuner):
    """Rows per kommune that are employed, immigrants, household heads, and heads of an
    owning household, in one pass: ``np.array([np.bincount(kommune[m],
    minlength=n_kommuner) for m in (employed == 1, kind == immigrant, heads, heads & (owner
    == 1))])``."""
    n, nc = len(kommune), COUNT_CHUNKS
    part = np.zeros((nc, 4, n_kommuner), dtype=np.int64)
    for c in numba.prange(nc):
        local = part[c]
        for i in range(c * n // nc, (c + 1) * n // nc):
            k = kommune[i]
            local[0, k] += np.int64(employed[i] == 1)
            local[1, k] += np.int64(kind[i] == immigrant)
            local[2, k] += np.int64(heads[i])
            local[3, k] += np.int64(heads[i] and owner[i] == 1)
    return sum_blocks(part.reshape(nc, 4 * n_kommuner)).reshape(4, n_kommuner)


@threaded
def count_cells(kommune, age, value, group_of, n_kommuner, n_groups, n_values):
    """Rows per kommune, age group and value (a sex, a kind: 0 .. ``n_values`` - 1),
    ``group_of`` giving each single age's group (the last for all older): ``np.bincount((
    kommune * n_groups + g) * n_values + value, minlength=n_kommuner * n_groups * n_values)``
    as [kommune, group, value], ``g = group_of[age]``."""
    n, cells, oldest = len(kommune), n_kommuner * n_groups * n_values, len(group_of) - 1
    nc = COUNT_CHUNKS
    part = np.zeros((nc, cells), dtype=np.int64)
    for c in numba.prange(nc):
        local = part[c]
        for i in range(c * n // nc, (c + 1) * n // nc):
            local[(kommune[i] * n_groups + group_of[min(age[i], oldest)]) * n_values
                  + value[i]] += 1
    return sum_blocks(part).reshape(n_kommuner, n_groups, n_values)


@threaded
def by_pid(pid, values, size, missing):
    """A table of ``size`` entries, ``values`` at the person ids ``pid`` (distinct) and
    ``missing`` elsewhere: ``table = np.full(size, missing); table[pid] = values``."""
    table = np.empty(size, dtype=values.dtype)
    for b in numba.prange((size + BLOCK - 1) // BLOCK):
        for i in range(b * BLOCK, min(size, (b + 1) * BLOCK)):
            table[i] = missing
    n = len(pid)
    for b in numba.prange((n + BLOCK - 1) // BLOCK):
        for i in range(b * BLOCK, min(n, (b + 1) * BLOCK)):
            table[pid[i]] = values[i]
    return table


@threaded
def settle_home(home, kommune, age, kind, oldest, immigrant):
    """The home kommune of the young who are not immigrants follows where they live:
    ``young = (age <= oldest) & (kind != immigrant); home[young] = kommune[young]``."""
    for i in numba.prange(len(home)):
        if age[i] <= oldest and kind[i] != immigrant:
            home[i] = kommune[i]
