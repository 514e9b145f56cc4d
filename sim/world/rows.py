"""Threaded kernels over all the person table's rows (``sim.world.threads``): keeping the rows
of a mask, and counting rows by kommune.

Each splits the rows into blocks of ``threads.BLOCK`` and gives exactly what the NumPy
expression in its docstring gives, whatever the number of threads (the tests compare them):
blocks are copied to places fixed by a count of each block, and counts are integer sums.
"""

from __future__ import annotations

import numba
import numpy as np

from sim.world.threads import BLOCK, threaded


@threaded
def block_starts(mask):
    """Where each block's kept rows start among all kept rows, and their total at the end:
    ``np.concatenate([[0], np.cumsum(kept_per_block)])``."""
    n = len(mask)
    nb = (n + BLOCK - 1) // BLOCK
    starts = np.zeros(nb + 1, dtype=np.int64)
    for b in numba.prange(nb):
        kept = 0
        for i in range(b * BLOCK, min(n, (b + 1) * BLOCK)):
            if mask[i]:
                kept += 1
        starts[b + 1] = kept
    for b in range(nb):
        starts[b + 1] += starts[b]
    return starts


@threaded
def compact(column, mask, starts, out):
    """Write ``column[mask]`` into the first elements of ``out`` (a 1-D column);
    ``starts`` from ``block_starts(mask)``."""
    n = len(mask)
    for b in numba.prange(len(starts) - 1):
        j = starts[b]
        for i in range(b * BLOCK, min(n, (b + 1) * BLOCK)):
            if mask[i]:
                out[j] = column[i]
                j += 1


@threaded
def compact_2d(column, mask, starts, out):
    """Write ``column[mask]`` into the first rows of ``out`` (a 2-D column, row by row);
    ``starts`` from ``block_starts(mask)``."""
    n, width = len(mask), column.shape[1]
    for b in numba.prange(len(starts) - 1):
        j = starts[b]
        for i in range(b * BLOCK, min(n, (b + 1) * BLOCK)):
            if mask[i]:
                for c in range(width):
                    out[j, c] = column[i, c]
                j += 1


def keep_rows(column: np.ndarray, mask: np.ndarray, starts: np.ndarray,
              out: np.ndarray) -> None:
    """``out[:kept] = column[mask]`` for a 1-D column or a 2-D one (its rows)."""
    (compact_2d if column.ndim == 2 else compact)(column, mask, starts, out)


@threaded
def count_where(kommune, mask, n_kommuner):
    """Rows per kommune among those where ``mask`` is True:
    ``np.bincount(kommune[mask], minlength=n_kommuner)``, without the masked copy (and
    without a branch per row: a random mask would mispredict half of them)."""
    n = len(kommune)
    nb = (n + BLOCK - 1) // BLOCK
    part = np.zeros((nb, n_kommuner), dtype=np.int64)
    for b in numba.prange(nb):
        local = part[b]
        for i in range(b * BLOCK, min(n, (b + 1) * BLOCK)):
            local[kommune[i]] += np.int64(mask[i])
    out = np.zeros(n_kommuner, dtype=np.int64)
    for b in range(nb):
        out += part[b]
    return out


@threaded
def in_flagged(household, flag):
    """Per row, whether its household is flagged: ``flag[household]``."""
    n = len(household)
    out = np.empty(n, dtype=np.bool_)
    for i in numba.prange(n):
        out[i] = flag[household[i]]
    return out


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
def sex_age_values(sex, age, table, oldest):
    """Each row's value in a table by sex and single age: ``table[sex, np.minimum(age,
    oldest)]``."""
    n = len(age)
    out = np.empty(n, dtype=table.dtype)
    for i in numba.prange(n):
        out[i] = table[sex[i], min(age[i], oldest)]
    return out


@threaded
def count_masks(kommune, masks, n_kommuner):
    """Rows per kommune in each of several masks (a tuple of boolean columns), in one pass:
    ``np.array([np.bincount(kommune[m], minlength=n_kommuner) for m in masks])``."""
    n, m = len(kommune), len(masks)
    nb = (n + BLOCK - 1) // BLOCK
    part = np.zeros((nb, m, n_kommuner), dtype=np.int64)
    for b in numba.prange(nb):
        local = part[b]
        for i in range(b * BLOCK, min(n, (b + 1) * BLOCK)):
            k = kommune[i]
            for j in range(m):
                local[j, k] += np.int64(masks[j][i])
    out = np.zeros((m, n_kommuner), dtype=np.int64)
    for b in range(nb):
        out += part[b]
    return out


@threaded
def count_cells(kommune, age, sex, group_of, n_kommuner, n_groups):
    """Rows per kommune, age group and sex, ``group_of`` giving each single age's group (the
    last for all older): ``np.bincount((kommune * n_groups + g) * 2 + sex, minlength=
    n_kommuner * n_groups * 2)`` as [kommune, group, sex], ``g = group_of[age]``."""
    n, cells, oldest = len(kommune), n_kommuner * n_groups * 2, len(group_of) - 1
    nb = (n + BLOCK - 1) // BLOCK
    part = np.zeros((nb, cells), dtype=np.int64)
    for b in numba.prange(nb):
        local = part[b]
        for i in range(b * BLOCK, min(n, (b + 1) * BLOCK)):
            local[(kommune[i] * n_groups + group_of[min(age[i], oldest)]) * 2 + sex[i]] += 1
    out = np.zeros(cells, dtype=np.int64)
    for b in range(nb):
        out += part[b]
    return out.reshape(n_kommuner, n_groups, 2)
