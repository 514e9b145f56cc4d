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
from sim.world import kernels
from sim.world import rows as row_kernels
from sim.world.population import TIE_SLOTS, Kind, Population, chance


class _PlaceSampler:
    """Draws random people who share a place (kommune or region) with given people.

    ``place`` and ``pids`` describe the people to draw from (one entry each); ``draw(i)``
    gives, for each index ``i`` into them, the pid of a random person in the same place, or
    -1 where it drew the person themselves."""

    def __init__(self, place: np.ndarray, pids: np.ndarray) -> None:
        self.place = place
        order, self.start, self.count = kernels.stable_order(
            place, int(place.max(initial=-1)) + 1)
        self.sorted_pids = pids[order]
        self.pids = pids

    def draw(self, i: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        return kernels.place_draw(i, rng.random(len(i)), self.place, self.start, self.count,
                                  self.sorted_pids, self.pids)


def form_initial_ties(pop: Population, region: np.ndarray, params: ParameterSet,
                      rng: np.random.Generator) -> None:
    """Fill every slot: most ties in one's own kommune, the rest in the commuting region."""
    local = params.value("network.local_share")
    by_kommune = _PlaceSampler(pop.kommune, pop.pid)
    by_region = _PlaceSampler(region[pop.kommune], pop.pid)
    for slot in range(TIE_SLOTS):
        in_kommune = chance(rng, local, len(pop))
        here, there = np.flatnonzero(in_kommune), np.flatnonzero(~in_kommune)
        pop.ties[here, slot] = by_kommune.draw(here, rng)
        pop.ties[there, slot] = by_region.draw(there, rng)
    newcomers = pop.kind == Kind.IMMIGRANT
    recent = newcomers & (rng.random(len(pop)) < params.value("network.newcomer_empty_share"))
    pop.ties[recent, TIE_SLOTS // 2:] = -1


def renew_ties(pop: Population, meeting_places: np.ndarray, params: ParameterSet,
               rng: np.random.Generator) -> None:
    """Each year some slots are replaced by a tie to someone in the kommune one lives in now;
    empty slots fill first, and more meeting places (a kommune's service level, 0..1+) means
    faster renewal. The new tie is another person renewing a tie in the same kommune this
    year: the chance to renew is the same for everyone in a kommune, so that is a random
    person of the kommune (and drawing among them avoids sorting all of Norway)."""
    rows = np.flatnonzero(kernels.renewing(
        rng.random(len(pop), dtype=np.float32), pop.kommune,
        np.asarray(meeting_places, np.float64), float(params.value("network.renewal_rate"))))
    if len(rows) == 0:
        return
    slot = kernels.slot_to_renew(rows, pop.ties, rng.integers(0, TIE_SLOTS, len(rows)))
    sampler = _PlaceSampler(pop.kommune[rows], pop.pid[rows])
    kernels.set_slots(pop.ties, rows, slot, sampler.draw(np.arange(len(rows)), rng))


def keep_family_tie(pop: Population, leavers: np.ndarray) -> None:
    """A young adult moving out keeps a tie to the head of the household they grew up in
    (the first slot), which later pulls them back as a returnee."""
    households = pop.household[leavers]
    flag = np.zeros(pop.next_household, dtype=bool)
    flag[households] = True
    heads = pop.head_rows()
    theirs = heads[row_kernels.in_flagged(pop.household[heads], flag)]    # one per household
    if len(theirs) == 0:
        return
    theirs = theirs[np.argsort(pop.household[theirs])]               # by household id
    at = np.searchsorted(pop.household[theirs], households)
    h = theirs[np.minimum(at, len(theirs) - 1)]
    ok = (pop.household[h] == households) & (h != leavers)
    pop.ties[leavers[ok], 0] = pop.pid[h[ok]]


def kommune_of_pid(pop: Population) -> np.ndarray:
    """The kommune of each person id (-1 for ids no longer here, and for the id -1)."""
    return pop.kommune_of_pid()


def tie_kommune_runs(pop: Population, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per row, the kommuner its ties live in and how many ties in each (n x TIE_SLOTS;
    kommuner ascending, one slot per kommune, -1 and 0 in the slots left over)."""
    return kernels.tie_kommune_runs(rows, pop.ties, kommune_of_pid(pop))


def ties_here(pop: Population, rows: np.ndarray) -> np.ndarray:
    """Number of each row's ties who live in the same kommune as the row."""
    return kernels.ties_matching(rows, pop.ties, kommune_of_pid(pop),
                                 pop.kommune.astype(np.int16))


def native_tie_share(pop: Population, rows: np.ndarray) -> np.ndarray:
    """Share of each row's living ties who are Norwegian-born (Resident or Returnee)."""
    # 1 native, 0 immigrant, -1 gone (or an empty slot)
    native_of = pop.by_pid((pop.kind != Kind.IMMIGRANT).astype(np.int8))
    native, alive = kernels.ties_by_value(rows, pop.ties, native_of)
    return native / np.maximum(alive, 1)


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
