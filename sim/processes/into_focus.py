"""Coarse movers and immigrants whose choice can land in the focus area (``sim.world.scale``).

An agent of the coarse area stands for ``coarse`` households, each of which would choose on
its own. Sending all of them wherever the agent's one draw lands would bring the focus area
its in-movers in lumps of ``coarse`` households, and a kommune's what-if would be as noisy as
those lumps. So a coarse unit that moves is split as its households would split: k of them,
k ~ Binomial(coarse, p) with p the unit's chance to choose a focus kommune, come into the
focus area as persons, each copy drawing its own focus kommune from the same choice; the
agent itself goes where its draw sends it outside the focus area (drawn again while it lands
inside); and for every ``coarse`` households sent one of the sending agents is taken out
(``sim.world.focus.systematic``: each with chance k / coarse), so households are conserved up
to a remainder carried to next year, and persons on average, the agent taken out being of the
same make-up as its copies.

Immigrants are split the same way: each subtype's settlement weights are cut into the focus
area's part, which arrives at one agent per person, and the rest, which arrives at the
coarse scale (``split_weights``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.processes import choice, choice_kernels
from sim.world import focus
from sim.world.scale import Scale

REDRAWS = 1000   # draws at most for an agent to land outside the focus area (staying is
#                  always a choice, so a draw leaves it with chance above zero each time)


@dataclass
class Split:
    """Per unit: the destination of the agent itself, the copies it sends into the focus
    area and whether it is taken out; per copy, its unit and focus kommune."""

    dest: np.ndarray
    copies: np.ndarray
    dropped: np.ndarray
    copy_unit: np.ndarray
    copy_dest: np.ndarray


def focus_weights(flat: np.ndarray, rows: np.ndarray, sparse: choice.Sparse,
                  focus_idx: np.ndarray) -> np.ndarray:
    """Per mover (``rows`` of the cumulative base choice ``flat``, with its sparse pulls), the
    probability of each focus kommune (``focus_idx``), as ``choice.draw`` chooses."""
    before = np.where(focus_idx > 0, flat[rows[:, None], np.maximum(focus_idx - 1, 0)], 0.0)
    p = flat[rows[:, None], focus_idx] - before
    extra = choice_kernels.slot_extras(flat, rows, sparse.kommune, sparse.delta)
    column = np.full(flat.shape[1], -1)
    column[focus_idx] = np.arange(len(focus_idx))
    i, s = np.nonzero((sparse.kommune >= 0) & (column[np.maximum(sparse.kommune, 0)] >= 0))
    np.add.at(p, (i, column[sparse.kommune[i, s]]), extra[i, s])
    return p / (1.0 + extra.sum(axis=1))[:, None]


def subset(sparse: choice.Sparse, units: np.ndarray) -> choice.Sparse:
    return choice.Sparse(sparse.kommune[units], sparse.delta[units], sparse.ties[units])


def split_units(flat: np.ndarray, unit_rows: np.ndarray, origins: np.ndarray,
                sparse: choice.Sparse, dest: np.ndarray, scale: Scale,
                rng: np.random.Generator) -> Split:
    """Split the year's moving units of the coarse area (see the module docstring);
    ``flat[unit_rows]`` are the units' cumulative base probabilities."""
    dest = dest.copy()
    copies = np.zeros(len(dest), dtype=np.int64)
    dropped = np.zeros(len(dest), dtype=bool)
    coarse = np.flatnonzero(~scale.in_focus[origins])
    focus_idx = np.flatnonzero(scale.in_focus)
    rows = np.asarray(unit_rows[coarse], dtype=np.int64)
    p = focus_weights(flat, rows, subset(sparse, coarse), focus_idx)
    copies[coarse] = rng.binomial(scale.coarse, np.minimum(p.sum(axis=1), 1.0))
    inside = coarse[scale.in_focus[dest[coarse]]]
    for _ in range(REDRAWS):
        if len(inside) == 0:
            break
        dest[inside] = choice.draw(flat, unit_rows[inside], subset(sparse, inside), rng)
        inside = inside[scale.in_focus[dest[inside]]]
    senders = np.flatnonzero(copies)
    picked, scale.sent = focus.systematic(copies[senders].astype(float), scale.coarse,
                                          scale.sent, rng)
    dropped[senders[picked]] = True
    dest[dropped] = origins[dropped]            # taken out where it stood, not moved
    copy_unit = np.repeat(np.arange(len(dest)), copies)
    cond = p[np.searchsorted(coarse, copy_unit)]
    cond = np.cumsum(cond / cond.sum(axis=1, keepdims=True), axis=1)
    pick = (rng.random(len(copy_unit))[:, None] > cond[:, :-1]).sum(axis=1)
    return Split(dest, copies, dropped, copy_unit, focus_idx[pick])


def split_weights(weights: dict, in_focus: np.ndarray) -> tuple[dict, dict, dict]:
    """Each subtype's settlement weights cut at the focus border: the share of arrivals in the
    focus area, and the weights inside and outside it (each summing to 1, or all zero)."""
    share, inside, outside = {}, {}, {}
    for st, w in weights.items():
        share[st] = float(w[in_focus].sum())
        inside[st] = np.where(in_focus, w, 0.0) / max(share[st], 1e-300)
        outside[st] = np.where(in_focus, 0.0, w) / max(1.0 - share[st], 1e-300)
    return share, inside, outside
