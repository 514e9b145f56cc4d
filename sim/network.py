"""Social ties: family, friends and colleagues, kept in a compact form with one interface.

Each person has ``TIE_SLOTS`` slots in the population's ``ties`` column holding the person ids
of their ties (-1 = empty). This compact form works for all of Norway (6 ids per person);
``to_networkx`` gives the same ties as a networkx graph for a sample of people, for
inspection and teaching. Ties matter in three places: ties in a kommune pull movers there,
ties where one lives hold one there, and an immigrant's ties to Norwegian-born residents
help them find work.

Ties form where people live: at the start each person gets ties among people of their own
kommune and commuting region; each year a share of slots is renewed with people from where
the person lives now (faster where the kommune has more meeting places). A young adult who
leaves home keeps a tie to the household they grew up in.
"""

from __future__ import annotations

import networkx as nx
import numpy as np

from sim.parameters import ParameterSet
from sim.population import TIE_SLOTS, Kind, Population


class _PlaceSampler:
    """Draws random people who share a place (kommune or region) with given rows."""

    def __init__(self, place: np.ndarray) -> None:
        self.place = place.astype(np.int16)        # 16-bit keys sort fast (radix sort)
        self.order = np.argsort(self.place, kind="stable")
        counts = np.bincount(self.place)
        self.start = np.concatenate([[0], np.cumsum(counts)[:-1]])
        self.count = counts

    def draw(self, pop: Population, rows: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """For each row, the pid of a random other person in the same place (or -1)."""
        p = self.place[rows]
        pick = self.start[p] + np.floor(rng.random(len(rows)) * self.count[p]).astype(np.int64)
        other = self.order[np.minimum(pick, len(self.order) - 1)]
        return np.where(other != rows, pop.pid[other], -1)


def form_initial_ties(pop: Population, region: np.ndarray, params: ParameterSet,
                      rng: np.random.Generator) -> None:
    """Fill every slot: most ties in one's own kommune, the rest in the commuting region."""
    rows = np.arange(len(pop))
    local = params.value("network.local_share")
    by_kommune, by_region = _PlaceSampler(pop.kommune), _PlaceSampler(region[pop.kommune])
    for slot in range(TIE_SLOTS):
        in_kommune = rng.random(len(pop)) < local
        pop.ties[:, slot] = np.where(in_kommune, by_kommune.draw(pop, rows, rng),
                                     by_region.draw(pop, rows, rng))
    newcomers = pop.kind == Kind.IMMIGRANT
    recent = newcomers & (rng.random(len(pop)) < params.value("network.newcomer_empty_share"))
    pop.ties[recent, TIE_SLOTS // 2:] = -1


def renew_ties(pop: Population, meeting_places: np.ndarray, params: ParameterSet,
               rng: np.random.Generator) -> None:
    """Each year some slots are replaced by a tie to someone in the kommune one lives in now;
    empty slots fill first, and more meeting places (a kommune's service level, 0..1+) means
    faster renewal."""
    rate = params.value("network.renewal_rate") * meeting_places[pop.kommune]
    rows = np.flatnonzero(rng.random(len(pop)) < rate)
    if len(rows) == 0:
        return
    empty = pop.ties[rows] < 0
    slot = np.where(empty.any(axis=1), empty.argmax(axis=1),
                    rng.integers(0, TIE_SLOTS, len(rows)))
    pop.ties[rows, slot] = _PlaceSampler(pop.kommune).draw(pop, rows, rng)


def keep_family_tie(pop: Population, leavers: np.ndarray) -> None:
    """A young adult moving out keeps a tie to the head of the household they grew up in
    (the first slot), which later pulls them back as a returnee."""
    heads = np.flatnonzero(pop.household_heads())
    head_of = np.full(pop.next_household, -1, dtype=np.int64)
    head_of[pop.household[heads]] = heads
    h = head_of[pop.household[leavers]]
    ok = (h >= 0) & (h != leavers)
    pop.ties[leavers[ok], 0] = pop.pid[h[ok]]


def tie_kommuner(pop: Population, rows: np.ndarray) -> np.ndarray:
    """Kommune index of each tie of each row (n x TIE_SLOTS), -1 for empty or gone ties."""
    tie_rows = pop.rows_of(pop.ties[rows].ravel()).reshape(len(rows), TIE_SLOTS)
    return np.where(tie_rows >= 0, pop.kommune[np.maximum(tie_rows, 0)], -1)


def ties_here(pop: Population, rows: np.ndarray) -> np.ndarray:
    """Number of each row's ties who live in the same kommune as the row."""
    return (tie_kommuner(pop, rows) == pop.kommune[rows][:, None]).sum(axis=1)


def native_tie_share(pop: Population, rows: np.ndarray) -> np.ndarray:
    """Share of each row's living ties who are Norwegian-born (Resident or Returnee)."""
    tie_rows = pop.rows_of(pop.ties[rows].ravel()).reshape(len(rows), TIE_SLOTS)
    alive = tie_rows >= 0
    native = alive & (pop.kind[np.maximum(tie_rows, 0)] != Kind.IMMIGRANT)
    return native.sum(axis=1) / np.maximum(alive.sum(axis=1), 1)


def to_networkx(pop: Population, rows: np.ndarray) -> nx.Graph:
    """The ties of ``rows`` as a networkx graph of person ids (nodes carry kommune and age)."""
    g = nx.Graph()
    for r in rows:
        g.add_node(int(pop.pid[r]), kommune=int(pop.kommune[r]), age=int(pop.age[r]))
    tie_rows = pop.rows_of(pop.ties[rows].ravel()).reshape(len(rows), TIE_SLOTS)
    for r, ties, trows in zip(rows, pop.ties[rows], tie_rows, strict=True):
        for pid, tr in zip(ties, trows, strict=True):
            if tr >= 0:
                g.add_node(int(pid), kommune=int(pop.kommune[tr]), age=int(pop.age[tr]))
                g.add_edge(int(pop.pid[r]), int(pid))
    return g
