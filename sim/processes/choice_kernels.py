"""Threaded kernels of the destination choice (``sim.processes.choice``), one row per mover.

Each gives exactly what the NumPy expression in its docstring gives, whatever the number of
threads (``sim.world.threads``; the tests compare them), and reads the choice's cumulative
probabilities ``flat`` ([type x origin, destination]) where it needs them, instead of
differencing or offsetting all of them for every mover. Logarithms are looked up in tables
NumPy made; random numbers come in from NumPy.
"""

from __future__ import annotations

import numba
import numpy as np

from sim.world.threads import threaded


@threaded(rows=1)
def slot_extras(flat, rows, kommune, delta):
    """Per mover and slot, the extra weight of the slot's pull: its kommune's base
    probability times ``expm1(delta)`` (0 for an unused slot, -1):
    ``np.where(kommune >= 0, p[rows[:, None], np.maximum(kommune, 0)], 0.0) *
    np.expm1(delta)`` with ``p = np.diff(flat, axis=1, prepend=0.0)`` (``expm1`` is the C
    library's, as NumPy's on this machine; the tests compare them)."""
    n, slots = kommune.shape
    out = np.empty((n, slots))
    for i in numba.prange(n):
        r = rows[i]
        for s in range(slots):
            j = kommune[i, s]
            p = 0.0
            if j > 0:
                p = flat[r, j] - flat[r, j - 1]
            elif j == 0:
                p = flat[r, 0] - 0.0
            out[i, s] = p * np.expm1(delta[i, s])
    return out


@threaded(rows=1)
def base_destination(flat, rows, u):
    """Per mover, the destination of a base draw ``u`` (0 <= u < 1) from row ``rows`` of the
    cumulative probabilities: ``np.minimum(np.searchsorted(offset, rows + u, side="right")
    - rows * k, k - 1)`` with ``offset = (flat + np.arange(len(flat))[:, None]).ravel()``
    (rows of ``flat`` rise from 0 to 1, so the offset rows form one sorted array)."""
    k = flat.shape[1]
    out = np.empty(len(rows), dtype=np.int64)
    for i in numba.prange(len(rows)):
        r = rows[i]
        value = r + u[i]
        lo, hi = 0, k                 # slots of row r with flat + r <= value: a prefix
        while lo < hi:
            mid = (lo + hi) >> 1
            if flat[r, mid] + r <= value:
                lo = mid + 1
            else:
                hi = mid
        out[i] = min(lo, k - 1)
    return out


@threaded
def sparse_slots(tie_kommune, tie_counts, home, log1p, beta_ties, beta_home):
    """A mover's pulls: its tie kommuner with their ties, and its home kommune in the same
    slot if ties live there, else in an extra slot (``choice.sparse_pulls``): kommune (-1
    unused), delta ``beta_ties * log1p(ties) + beta_home * at_home`` (0 where unused) and
    ties, each [n, slots + 1]; ``log1p[c]`` is ``np.log1p(c)``."""
    n, slots = tie_kommune.shape
    kommune = np.full((n, slots + 1), -1, dtype=np.int64)
    delta = np.zeros((n, slots + 1))
    ties = np.zeros((n, slots + 1), dtype=tie_counts.dtype)
    for i in numba.prange(n):
        h = home[i]
        apart = h >= 0
        for s in range(slots):
            k = tie_kommune[i, s]
            at_home = h >= 0 and k == h
            if at_home:
                apart = False
            kommune[i, s] = k
            ties[i, s] = tie_counts[i, s]
            if k >= 0:
                home_pull = beta_home * (1.0 if at_home else 0.0)
                delta[i, s] = beta_ties * log1p[tie_counts[i, s]] + home_pull
        if apart:
            kommune[i, slots] = h
            delta[i, slots] = beta_ties * log1p[0] + beta_home * 1.0
    return kommune, delta, ties


@threaded(rows=1)
def reason_gains(terms, types, origins, dest, kommune, ties, home, log1p, beta_ties,
                 beta_home, community, at_ties, at_home, other):
    """Per mover, the index of the reason with the largest utility gain from origin to
    destination, ``other`` where none gains (``choice.reasons``): ``terms[c]`` is reason c's
    utility [type, kommune] (zeros for ties, home and other), the ties' gain
    ``beta_ties * (log1p[ties in dest] - log1p[ties in origin])`` plus the community's
    gain, the home's ``beta_home * ((dest == home) - (origin == home))``; the first largest,
    as ``argmax``."""
    n, n_reasons = len(dest), terms.shape[0]
    out = np.empty(n, dtype=np.int64)
    for i in numba.prange(n):
        t, o, d = types[i], origins[i], dest[i]
        best, best_gain = 0, 0.0
        for c in range(n_reasons):
            if c == at_ties:
                in_d, in_o = 0, 0
                for s in range(kommune.shape[1]):
                    if kommune[i, s] == d:
                        in_d += ties[i, s]
                    if kommune[i, s] == o:
                        in_o += ties[i, s]
                gain = beta_ties * (log1p[in_d] - log1p[in_o])
                gain += community[t, d] - community[t, o]
            elif c == at_home:
                gain = beta_home * ((1.0 if d == home[i] else 0.0) - (1.0 if o == home[i] else 0.0))
            else:
                gain = terms[c, t, d] - terms[c, t, o]
            if c == 0 or gain > best_gain or (np.isnan(gain) and not np.isnan(best_gain)):
                best, best_gain = c, gain
        out[i] = best if best_gain > 0 else other
    return out


@threaded(rows=None)
def exp_utilities(total, distance, stay, rows):
    """The unnormalised base choice weights of the choice table's ``rows`` (row r: type
    ``r // k``, origin ``r % k``), [row, destination]: ``np.exp(u - u.max(axis=1,
    keepdims=True))`` with ``u = total[t] + distance[o]`` and ``stay[o]`` added where the
    destination is the origin o (``exp`` is the C library's, as NumPy's on this machine; the
    tests compare them)."""
    k = distance.shape[0]
    p = np.empty((len(rows), k))
    for i in numba.prange(len(rows)):
        t, o = rows[i] // k, rows[i] % k
        top = -np.inf
        for d in range(k):
            v = total[t, d] + distance[o, d]
            if d == o:
                v = v + stay[o]
            p[i, d] = v
            if v > top or np.isnan(v):         # as np.max: a NaN wins
                top = v if not np.isnan(top) else top
        for d in range(k):
            p[i, d] = np.exp(p[i, d] - top)
    return p


@threaded(rows=None)
def cumulative(p, total):
    """Per row the cumulative choice probabilities, the last exactly 1: ``np.cumsum(p /
    total, axis=1)`` with ``[:, -1] = 1.0`` (``total`` [row, 1], NumPy's sums of ``p``)."""
    n, k = p.shape
    cum = np.empty_like(p)
    for i in numba.prange(n):
        acc = 0.0
        for d in range(k):
            q = p[i, d] / total[i, 0]
            acc = q if d == 0 else acc + q
            cum[i, d] = acc
        cum[i, k - 1] = 1.0
    return cum
