"""Households that cross the border of the focus area change scale (``sim.world.scale``).

A household of the coarse area (each member an agent for ``coarse`` persons) that moves or
immigrates into the focus area becomes ``coarse`` households of the same make-up, each member
one person: copies with new person and household ids and the same ties. Households that move
out of the focus area to the coarse area are aggregated: of the households leaving in a year,
taken in a random order, every ``coarse``-th is kept (the count goes on from last year's
remainder), and each of its members then stands for ``coarse`` persons. Households entering
are conserved exactly, person for person; households leaving in number (up to the
remainder), and in persons on average (each is kept with chance 1 / ``coarse`` whatever its
size and make-up). No draw is made in a run without a focus.
"""

from __future__ import annotations

import numpy as np

from sim.world.population import COLUMNS, Population


def enter(pop: Population, rows: np.ndarray, copies: int) -> np.ndarray:
    """Add ``copies - 1`` copies of the households of ``rows`` (whole households, now in the
    focus area); returns the rows added."""
    if copies <= 1 or len(rows) == 0:
        return rows[:0]
    rows = np.sort(rows)
    old_ids, inverse = np.unique(pop.household[rows], return_inverse=True)
    extra = copies - 1
    new_ids = pop.new_household_ids(len(old_ids) * extra).reshape(extra, len(old_ids))
    values = {name: np.concatenate([pop.cols[name][rows]] * extra)
              for name in COLUMNS if name != "pid"}
    values["household"] = new_ids[:, inverse].ravel()
    return pop.append(**values)


def leave(pop: Population, rows: np.ndarray, coarse: int, carry: float,
          rng: np.random.Generator) -> tuple[np.ndarray, float]:
    """Of the households of ``rows`` (now in the coarse area, each member one person), the
    rows to drop, and the households carried over to next year: taken in a random order,
    every ``coarse``-th household is kept (counting on from last year's remainder), so each
    household stays with chance 1 / ``coarse`` whatever its size and make-up."""
    if len(rows) == 0:
        return rows[:0], carry
    ids = np.unique(pop.household[rows])
    ids = ids[rng.permutation(len(ids))]
    passed = np.floor((carry + np.arange(1, len(ids) + 1)) / coarse)
    kept = np.diff(np.concatenate([[np.floor(carry / coarse)], passed])) > 0
    carry = float((carry + len(ids)) % coarse)
    drop = np.isin(pop.household[rows], ids[~kept])
    return rows[drop], carry


def crossing(pop: Population, moves, scale) -> tuple[np.ndarray, np.ndarray] | None:
    """The person ids of this year's movers who entered and who left the focus area (None
    without a focus); taken before anyone leaves the table, converted after (``convert``)."""
    if not scale.focused:
        return None
    before, after = scale.in_focus[moves.origin], scale.in_focus[moves.destination]
    return pop.pid[moves.rows[after & ~before]], pop.pid[moves.rows[before & ~after]]


def convert(pop: Population, movers: tuple[np.ndarray, np.ndarray] | None, scale,
            rng: np.random.Generator) -> None:
    """Convert the movers ``crossing`` found, those still here: households that entered the
    focus area become persons (``enter``), those that left it are aggregated (``leave``)."""
    if movers is None:
        return
    entered, left = (r[r >= 0] for r in (pop.rows_of(p) for p in movers))
    drop, scale.carry = leave(pop, left, scale.coarse, scale.carry, rng)
    enter(pop, entered, scale.coarse)
    if len(drop):
        keep = np.ones(len(pop), dtype=bool)
        keep[drop] = False
        pop.keep(keep)
