"""Households that cross the border of the focus area change scale (``sim.world.scale``).

An agent of the coarse area stands for ``coarse`` households. When it moves, some of them go
into the focus area as persons (``sim.processes.into_focus`` decides how many and where):
they are added as copies of the agent's household with new person and household ids and the
same ties (``clone``), and, to conserve households, coarse agents are taken out as their
households are sent (``systematic``). Households that move out of the focus area to the
coarse area are aggregated: of the households leaving in a year, taken in a random order,
every ``coarse``-th is kept (the count goes on from last year's remainder), and each of its
members then stands for ``coarse`` persons. Both ways households are conserved up to the
remainder carried to next year, and persons on average. No draw is made in a run without a
focus.
"""

from __future__ import annotations

import numpy as np

from sim.world.population import COLUMNS, Population


def clone(pop: Population, rows: np.ndarray, unit: np.ndarray, copies: np.ndarray
          ) -> tuple[np.ndarray, np.ndarray]:
    """Add ``copies[u]`` copies of the members ``rows`` of each unit u (``unit``: the unit of
    each row, 0..len(copies)-1), each copy a household with a new id; returns the rows added
    and the copy (0..copies.sum()-1, unit by unit) each belongs to."""
    n_copies = int(copies.sum())
    if n_copies == 0 or len(rows) == 0:
        return rows[:0], rows[:0]
    first = np.concatenate([[0], np.cumsum(copies)[:-1]])      # each unit's first copy
    member = np.repeat(np.arange(len(rows)), copies[unit])
    # copy number of each new row: its unit's first copy plus its place among the unit's
    starts = np.concatenate([[0], np.cumsum(copies[unit])[:-1]])
    within = np.arange(len(member)) - np.repeat(starts, copies[unit])
    copy = first[unit[member]] + within
    ids = pop.new_household_ids(n_copies)
    values = {name: pop.cols[name][rows[member]] for name in COLUMNS if name != "pid"}
    values["household"] = ids[copy]
    return pop.append(**values), copy


def systematic(weights: np.ndarray, coarse: int, carry: float, rng: np.random.Generator
               ) -> tuple[np.ndarray, float]:
    """Which of the items with ``weights`` (households each sent or let go) are picked, one
    per ``coarse`` households counted in a random order, the count going on from ``carry``;
    and the new remainder. Each item is picked with chance ``weight / coarse`` (at most
    once)."""
    order = rng.permutation(len(weights))
    total = carry + np.cumsum(weights[order])
    before = np.concatenate([[carry], total[:-1]])
    picked = np.zeros(len(weights), dtype=bool)
    picked[order] = np.floor(total / coarse) > np.floor(before / coarse)
    return picked, float((carry + weights.sum()) % coarse)


def leave(pop: Population, rows: np.ndarray, coarse: int, carry: float,
          rng: np.random.Generator) -> tuple[np.ndarray, float]:
    """Of the households of ``rows`` (now in the coarse area, each member one person), the
    rows to drop, and the households carried over to next year: every ``coarse``-th household
    is kept (``systematic``), so each stays with chance 1 / ``coarse`` whatever its size and
    make-up."""
    if len(rows) == 0:
        return rows[:0], carry
    ids = np.unique(pop.household[rows])
    kept, carry = systematic(np.ones(len(ids)), coarse, carry, rng)
    drop = np.isin(pop.household[rows], ids[~kept])
    return rows[drop], carry


def crossing(pop: Population, moves, scale) -> tuple[np.ndarray, np.ndarray] | None:
    """The person ids of the coarse agents taken out for the households they sent into the
    focus area (``moves.dropped``) and of this year's movers who left the focus area (None
    without a focus); taken before anyone leaves the table, converted after (``convert``)."""
    if not scale.focused:
        return None
    left = scale.in_focus[moves.origin] & ~scale.in_focus[moves.destination]
    return moves.dropped, pop.pid[moves.rows[left]]


def convert(pop: Population, movers: tuple[np.ndarray, np.ndarray] | None, scale,
            rng: np.random.Generator) -> None:
    """Convert the agents ``crossing`` found, those still here: coarse agents whose
    households went into the focus area are taken out, households that left it are
    aggregated (``leave``)."""
    if movers is None:
        return
    sent, left = (r[r >= 0] for r in (pop.rows_of(p) for p in movers))
    drop, scale.carry = leave(pop, left, scale.coarse, scale.carry, rng)
    drop = np.concatenate([drop, sent])
    if len(drop):
        keep = np.ones(len(pop), dtype=bool)
        keep[drop] = False
        pop.keep(keep)
