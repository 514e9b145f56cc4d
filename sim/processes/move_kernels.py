"""Threaded kernels of who considers a move (``sim.processes.moves``, ``newcomers``), one
pass over the household heads each instead of one NumPy pass per fact.

Each gives exactly what the NumPy expression in its docstring gives, whatever the number of
threads (``sim.world.threads``; the tests compare them). Means stay in NumPy (its pairwise
sums), and so do ``exp`` and the random draws.
"""

from __future__ import annotations

import numba
import numpy as np

from sim.world.threads import threaded

IMMIGRANT, REFUGEE = 1, 2          # population.Kind.IMMIGRANT, population.Subtype.REFUGEE


@threaded
def stay_parts(heads, owner, ties, kommune_of_pid, kommune, age, employed, household, income,
               rent, floor, lo, hi):
    """Per head (rows [4, n]): owner, the share of ties living here, jobless, rent burden:
    ``owner[heads].astype(float)``, ``ties_here / ties.shape[1]`` (``kommune_of_pid`` of the
    ties equal to the head's kommune), ``((age >= lo) & (age <= hi) & (employed == 0))`` as
    float, and ``np.where(owner == 0, rent[k] / np.maximum(income[household], floor), 0.0)``."""
    n, slots = len(heads), ties.shape[1]
    out = np.empty((4, n))
    for i in numba.prange(n):
        r = heads[i]
        k = kommune[r]
        here = 0
        for s in range(slots):
            if kommune_of_pid[ties[r, s]] == k:
                here += 1
        out[0, i] = 1.0 if owner[r] != 0 else 0.0
        out[1, i] = here / slots
        out[2, i] = 1.0 if lo <= age[r] <= hi and employed[r] == 0 else 0.0
        if owner[r] != 0:
            out[3, i] = 0.0
        else:                                  # np.maximum: a NaN income stays NaN
            paid = income[household[r]]
            out[3, i] = rent[k] / (floor if paid < floor else paid)
    return out


@threaded
def immigrant_parts(heads, employed, owner, household, with_pupils, kommune, service,
                    attitude):
    """Per immigrant head (rows [5, n]): employed, owner, children at school, meeting places
    and attitude where it lives, as ``moves.immigrant_stay_terms`` lists them (floats); a
    household formed since ``with_pupils`` was counted has none."""
    n = len(heads)
    out = np.empty((5, n))
    for i in numba.prange(n):
        r = heads[i]
        k = kommune[r]
        out[0, i] = float(employed[r])
        out[1, i] = float(owner[r])
        h = household[r]
        out[2, i] = 1.0 if h < len(with_pupils) and with_pupils[h] else 0.0
        out[3, i] = service[k]
        out[4, i] = attitude[k]
    return out


@threaded
def centred_sum(parts, means, coefficients):
    """``sum(c * (part - mean) for c, part, mean in zip(coefficients, parts, means))`` per
    column of ``parts`` [m, n], added in that order starting from 0."""
    m, n = parts.shape
    out = np.empty(n)
    for i in numba.prange(n):
        total = 0.0
        for j in range(m):
            total = total + coefficients[j] * (parts[j, i] - means[j])
        out[i] = total
    return out


@threaded
def stay_exponent(parts, means, coefficients, immigrant, cap):
    """``np.minimum(x + immigrant, cap)`` with ``x`` the coefficients times the centred parts
    [4, n], added in order: ``c0 * (p0 - m0) + c1 * (p1 - m1) + c2 * (...) + c3 * (...)``."""
    m, n = parts.shape
    out = np.empty(n)
    for i in numba.prange(n):
        x = coefficients[0] * (parts[0, i] - means[0])
        for j in range(1, m):
            x = x + coefficients[j] * (parts[j, i] - means[j])
        out[i] = min(x + immigrant[i], cap)
    return out


@threaded
def newcomer_factor(heads, kind, subtype, arrival, kommune, year, immigrant_factor,
                    programme, first, programme_factor, onward):
    """Per head the newcomers' factor on considering a move (``newcomers.move_factor``): 1,
    ``immigrant_factor`` for immigrants, times ``programme_factor`` for refugees still in the
    programme (``year - arrival < programme[arrival - first]``; none arriving before
    ``first``), else times their kommune's ``onward``."""
    n = len(heads)
    out = np.ones(n)
    for i in numba.prange(n):
        r = heads[i]
        if kind[r] != IMMIGRANT:
            continue
        f = immigrant_factor
        if subtype[r] == REFUGEE:
            a = arrival[r]
            if a >= first and year - a < programme[a - first]:
                f = f * programme_factor
            else:
                f = f * onward[kommune[r]]
        out[i] = f
    return out


@threaded
def move_rates(heads, age, household, with_children, rate_by_age, family_factor, group,
               by_group):
    """Per head, the household's yearly chance to consider a move: ``np.where(
    with_children[household[heads]], rate * family_factor, rate) * by_group[g, a]`` with
    ``rate = rate_by_age[np.minimum(age[heads], len(rate_by_age) - 1)]``, ``g =
    group[household[heads]]`` (the household's sex group) and ``a`` the head's age capped
    at the last column of ``by_group``."""
    n, oldest = len(heads), len(rate_by_age) - 1
    last = by_group.shape[1] - 1
    out = np.empty(n)
    for i in numba.prange(n):
        r = heads[i]
        h = household[r]
        rate = rate_by_age[min(age[r], oldest)]
        base = rate * family_factor if with_children[h] else rate
        out[i] = base * by_group[group[h], min(age[r], last)]
    return out


@threaded
def young_at_home(heads, age, lo, hi):
    """Per row, whether it is no household's head and aged ``lo``..``hi``:
    ``~heads & (age >= lo) & (age <= hi)``."""
    n = len(heads)
    out = np.empty(n, dtype=np.bool_)
    for i in numba.prange(n):
        out[i] = not heads[i] and lo <= age[i] <= hi
    return out


# ``household_bits``: the adults' sexes (1 women, 2 men, 3 both), a child, a pupil
ADULT_SEXES, CHILD, PUPIL = 3, 4, 8


@numba.njit(cache=True, nogil=True)
def household_bits(household, age, sex, child_max_age, pupil_lo, pupil_hi, n_households):
    """Per household id, in one serial pass over the rows (rows of one household may lie
    anywhere): which sexes its adults have (bit 0 women, bit 1 men: ``bits[household[i]] |=
    1 << sex[i]`` for every row older than ``child_max_age``), whether it has a child (bit 2:
    a row of ``child_max_age`` or younger) and a pupil (bit 3: a row aged ``pupil_lo`` to
    ``pupil_hi``)."""
    bits = np.zeros(n_households, dtype=np.uint8)
    for i in range(len(household)):
        a = age[i]
        b = np.uint8(CHILD) if a <= child_max_age else np.uint8(1 << sex[i])
        if pupil_lo <= a <= pupil_hi:
            b |= np.uint8(PUPIL)
        bits[household[i]] |= b
    return bits


@numba.njit(cache=True, nogil=True)
def unique_units(household, n_leaving, n_households):
    """``np.unique(unit, return_index=True, return_inverse=True)[1:]`` for the units of
    ``moves.select_movers``: ``unit = np.concatenate([household, -1 - np.arange(n_leaving)])``
    with every household id below ``n_households`` (units in ascending order: the young
    leaving home last to first, then the households by id)."""
    n = len(household)
    rank = np.full(n_households, -1, dtype=np.int64)
    for i in range(n):
        rank[household[i]] = 0
    found = 0
    for h in range(n_households):
        if rank[h] == 0:
            rank[h] = found
            found += 1
    first = np.full(n_leaving + found, -1, dtype=np.intp)
    inverse = np.empty(n + n_leaving, dtype=np.intp)
    for i in range(n):
        u = n_leaving + rank[household[i]]
        inverse[i] = u
        if first[u] < 0:
            first[u] = i
    for j in range(n_leaving):
        inverse[n + j] = n_leaving - 1 - j
        first[n_leaving - 1 - j] = n + j
    return first, inverse


@threaded
def emigration_rates(heads, age, kind, arrival, year, rate_immigrant, duration, rate_native,
                     stay):
    """Per head, its household's yearly chance to emigrate: ``np.where(kind[heads] ==
    IMMIGRANT, rate_immigrant[a] * duration[y], rate_native[a]) * stay`` with ``a`` the age
    and ``y`` the years since arrival (at least 0), each capped at its table's last entry."""
    n = len(heads)
    out = np.empty(n)
    for i in numba.prange(n):
        r = heads[i]
        a = min(age[r], len(rate_native) - 1)
        if kind[r] == IMMIGRANT:
            a = min(age[r], len(rate_immigrant) - 1)
            y = min(max(year - arrival[r], 0), len(duration) - 1)
            rate = rate_immigrant[a] * duration[y]
        else:
            rate = rate_native[a]
        out[i] = rate * stay[i]
    return out


@threaded
def of_kind(heads, kind, value):
    """Per head, whether it is of ``kind`` ``value``: ``kind[heads] == value``."""
    n = len(heads)
    out = np.empty(n, dtype=np.bool_)
    for i in numba.prange(n):
        out[i] = kind[heads[i]] == value
    return out
