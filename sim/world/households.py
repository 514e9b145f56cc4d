"""Households: grouping persons into households that move and emigrate together.

This module owns household formation. The data pack has no household data, so households
are formed by a documented rule (parameters ``households.*``): within each group (a kommune,
or a kommune and immigrant subtype for arriving immigrants),

1. a share of adult women, by age, live in a couple, and of men the share of women a few
   years younger; they are paired in age order (oldest with oldest), which gives the age
   gap of Norwegian couples;
2. children up to ``child_max_age``, and a share of young adults by age
   (``at_home_share_by_age``), live with a mother aged ``mother_min_age``..
   ``mother_max_age``; children and mothers are matched in age order, about
   ``children_per_mother`` children each, so older mothers have older children;
3. everyone else lives alone.
"""

from __future__ import annotations

import numpy as np

from sim.parameters import ParameterSet
from sim.world import rows
from sim.world.population import chance


def _pair_couples(a: np.ndarray, s: np.ndarray, adult: np.ndarray, own: np.ndarray,
                  rng: np.random.Generator, params: ParameterSet) -> np.ndarray:
    """Pair women and men in couples in age order; returns the mask of paired persons.

    Women live in a couple with their age's share (``households.couple_share_by_age``), men
    with the share of women ``households.partner_age_gap_years`` younger, so the pairs have
    the age gap of Norwegian couples, not a random man's age; when one side has more, a
    random part of it is paired."""
    women = np.flatnonzero(adult & (s == 0))
    men = np.flatnonzero(adult & (s == 1))
    gap = params.value("households.partner_age_gap_years")
    share = "households.couple_share_by_age"
    w_in = women[rng.random(len(women)) < params.by_age(share, a[women])]
    m_in = men[rng.random(len(men)) < params.by_age(
        share, np.maximum(np.rint(a[men] - gap), 0).astype(a.dtype))]
    n_pairs = min(len(w_in), len(m_in))
    paired = np.zeros(len(a), dtype=bool)
    if n_pairs:
        w, m = (x[np.sort(rng.choice(len(x), size=n_pairs, replace=False))]
                for x in (w_in, m_in))
        w = w[np.argsort(-a[w], kind="stable")]
        m = m[np.argsort(-a[m], kind="stable")]
        own[m] = own[w]
        paired[w] = paired[m] = True
    return paired


def _place_children(a: np.ndarray, s: np.ndarray, adult: np.ndarray, children: np.ndarray,
                    own: np.ndarray, rng: np.random.Generator, params: ParameterSet) -> None:
    """Give each child the household of a mother, matched in age order."""
    lo = params.value("households.mother_min_age")
    hi = params.value("households.mother_max_age")
    cand = np.flatnonzero(adult & (s == 0) & (a >= lo) & (a <= hi))
    if len(cand) == 0:
        cand = np.flatnonzero(adult)
    if len(cand) == 0:                        # a group of children only: one household
        own[children] = own[children[0]]
        return
    per = params.value("households.children_per_mother")
    n_mothers = int(min(len(cand), max(1, round(len(children) / per))))
    mothers = np.sort(rng.choice(cand, size=n_mothers, replace=False))
    mothers = mothers[np.argsort(-a[mothers], kind="stable")]
    kids = children[np.argsort(-a[children], kind="stable")]
    slot = (np.arange(len(kids)) * n_mothers) // len(kids)
    own[kids] = own[mothers[slot]]


def _form_group(idx: np.ndarray, age: np.ndarray, sex: np.ndarray, hh: np.ndarray,
                ids: np.ndarray, rng: np.random.Generator, params: ParameterSet) -> None:
    """Fill ``hh[idx]`` with household numbers taken from ``ids`` (one id per person)."""
    a, s = age[idx], sex[idx]
    own = ids.copy()                          # start: everyone alone
    adult = a > params.value("households.child_max_age")
    at_home = adult & (rng.random(len(a)) <
                       params.by_age("households.at_home_share_by_age", a))
    grown = adult & ~at_home
    _pair_couples(a, s, grown, own, rng, params)
    children = np.flatnonzero(~grown)
    if len(children):
        _place_children(a, s, grown, children, own, rng, params)
    hh[idx] = own


def form_households(group: np.ndarray, age: np.ndarray, sex: np.ndarray,
                    new_ids: np.ndarray, rng: np.random.Generator,
                    params: ParameterSet) -> np.ndarray:
    """Household id for each person; ``new_ids`` has one fresh id per person (some go unused).

    ``group`` holds an integer per person; households never cross groups.
    """
    hh = np.empty(len(age), dtype=np.int64)
    order = np.argsort(group, kind="stable")
    bounds = np.flatnonzero(np.diff(group[order])) + 1
    start = 0
    for part in np.split(order, bounds):
        if len(part):
            _form_group(part, age, sex, hh, new_ids[start:start + len(part)], rng, params)
            start += len(part)
    return hh


def form_couples(pop, params: ParameterSet, rng: np.random.Generator) -> int:
    """Single adults who live alone pair up with a single of the other sex in the same
    kommune (``households.partnering_rate_by_age``); the pair share one household from then
    on. Keeps the number of households in step with the population as young adults leave
    home. Returns the number of couples formed."""
    heads = pop.head_rows()
    alone = heads[rows.of_households(heads, pop.household, pop.household_sizes()) == 1]
    rate = params.by_age("households.partnering_rate_by_age", pop.age[alone])
    looking = alone[chance(rng, rate)]
    women = looking[pop.sex[looking] == 0]
    men = looking[pop.sex[looking] == 1]
    w_by_k = women[np.argsort(pop.kommune[women], kind="stable")]
    m_by_k = men[np.argsort(pop.kommune[men], kind="stable")]
    kw, km = pop.kommune[w_by_k], pop.kommune[m_by_k]
    # the i-th woman and i-th man of the same kommune pair up
    rank_w = np.arange(len(kw)) - np.searchsorted(kw, kw, side="left")
    rank_m = np.arange(len(km)) - np.searchsorted(km, km, side="left")
    key_m = km.astype(np.int64) * (len(pop) + 1) + rank_m
    key_w = kw.astype(np.int64) * (len(pop) + 1) + rank_w
    pos = np.searchsorted(key_m, key_w)
    pos = np.minimum(pos, max(len(key_m) - 1, 0))
    found = (len(key_m) > 0) & (key_m[pos] == key_w)
    old = pop.household[w_by_k[found]]
    pop.household[w_by_k[found]] = pop.household[m_by_k[pos[found]]]
    owner = np.maximum(pop.owner[w_by_k[found]], pop.owner[m_by_k[pos[found]]])
    pop.owner[w_by_k[found]] = owner
    pop.owner[m_by_k[pos[found]]] = owner
    # each pair is now all of the man's household; the woman's is empty
    pop.regrouped(np.concatenate([old, pop.household[w_by_k[found]]]),
                  members=np.sort(np.concatenate([w_by_k[found], m_by_k[pos[found]]])))
    return int(found.sum())
