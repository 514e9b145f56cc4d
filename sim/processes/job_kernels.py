"""Threaded kernels of the labour market's matching (``sim.processes.jobs``): one pass over
the workers or the seekers each instead of one NumPy pass per step.

Each gives exactly what the NumPy expression in its docstring gives, whatever the number of
threads (``sim.world.threads``; the tests compare them): cells are computed per row and
counted by exact integer sums; weighted sums stay in NumPy, and so do the random draws.
"""

from __future__ import annotations

import numba
import numpy as np

from sim.world.rows import COUNT_CHUNKS, sum_blocks
from sim.world.threads import threaded


@threaded
def worker_cells(rows, region, kommune, sector, n_sectors, n_cells):
    """Each row's cell (its kommune's region x its sector) and the rows per cell:
    ``cell = region[kommune[rows]] * n_sectors + sector[rows]`` and
    ``np.bincount(cell, minlength=n_cells)``."""
    n, nc = len(rows), COUNT_CHUNKS
    cell = np.empty(n, dtype=np.int64)
    part = np.zeros((nc, n_cells), dtype=np.int64)
    for chunk in numba.prange(nc):
        local = part[chunk]
        for i in range(chunk * n // nc, (chunk + 1) * n // nc):
            r = rows[i]
            c = region[kommune[r]] * n_sectors + sector[r]
            cell[i] = c
            local[c] += 1
    return cell, sum_blocks(part)


@threaded
def below(u, share, cell):
    """``u < share[cell]`` per row."""
    n = len(u)
    out = np.empty(n, dtype=np.bool_)
    for i in numba.prange(n):
        out[i] = u[i] < share[cell[i]]
    return out


@threaded
def seeking(employed, weight):
    """Per row, whether it looks for work: ``(employed == 0) & (weight > 0)``."""
    n = len(employed)
    out = np.empty(n, dtype=np.bool_)
    for i in numba.prange(n):
        out[i] = employed[i] == 0 and weight[i] > 0
    return out


@threaded
def seeker_regions(rows, region, kommune, weight):
    """Each seeker's region and weight: ``region[kommune[rows]]``, ``weight[rows]``."""
    n = len(rows)
    reg = np.empty(n, dtype=region.dtype)
    w = np.empty(n, dtype=weight.dtype)
    for i in numba.prange(n):
        r = rows[i]
        reg[i] = region[kommune[r]]
        w[i] = weight[r]
    return reg, w


@threaded
def hire_chances(w, reg, share):
    """``w * share[reg]`` per seeker."""
    n = len(w)
    out = np.empty(n)
    for i in numba.prange(n):
        out[i] = w[i] * share[reg[i]]
    return out


@threaded
def draw_sectors(u, cum, place, sector, rows):
    """Write each row's sector drawn from its place's cumulative sector shares:
    ``sector[rows] = (u[:, None] > cum[place]).sum(axis=1).clip(0, cum.shape[1] - 1)``
    (``place`` one per row of ``rows``)."""
    n_s = cum.shape[1]
    for i in numba.prange(len(rows)):
        p, below = place[i], 0
        for s in range(n_s):
            below += np.int64(u[i] > cum[p, s])
        sector[rows[i]] = min(below, n_s - 1)
