"""The person table's bookkeeping (``sim.world.population.Population``): rows added and
dropped keep every column aligned, person ids stay unique and findable, and each household
keeps exactly one head, its oldest member."""

from __future__ import annotations

import numpy as np

from sim.world.population import TIE_SLOTS, Kind, Population, Subtype


def _table(ages: list[int], households: list[int], kommune: list[int] | None = None
           ) -> Population:
    pop = Population()
    n = len(ages)
    ids = pop.new_household_ids(max(households) + 1)
    pop.append(kommune=np.array(kommune or [0] * n), home=np.zeros(n, np.int16),
               age=np.array(ages, np.int16), sex=np.zeros(n, np.int8),
               kind=np.full(n, Kind.RESIDENT, np.int8), subtype=np.full(n, Subtype.NONE, np.int8),
               household=ids[np.array(households)], arrival_year=np.zeros(n, np.int16))
    return pop


def test_append_gives_new_ids_and_fills_the_defaults():
    pop = _table([40, 38, 10], [0, 0, 0])
    rows = pop.append(kommune=np.array([1, 1]), home=np.full(2, -1, np.int16),
                      age=np.array([25, 0], np.int16), sex=np.array([1, 0], np.int8),
                      kind=np.full(2, Kind.IMMIGRANT, np.int8),
                      subtype=np.full(2, Subtype.LABOUR, np.int8),
                      household=pop.new_household_ids(2), arrival_year=np.full(2, 2026, np.int16))
    assert rows.tolist() == [3, 4] and len(pop) == 5
    assert pop.pid.tolist() == [1, 2, 3, 4, 5]
    assert (pop.employed[rows] == 0).all() and (pop.sector[rows] == -1).all()
    assert (pop.owner[rows] == 0).all() and not pop.remote[rows].any()
    assert pop.ties.shape == (5, TIE_SLOTS) and (pop.ties[rows] == -1).all()
    assert pop.count_by_kommune(2).tolist() == [3, 2]


def test_keep_drops_rows_and_every_column_follows():
    pop = _table([80, 50, 20, 5], [0, 1, 1, 1], kommune=[0, 1, 1, 0])
    pop.sector[:] = [3, 2, 1, 0]
    pop.ties[1, 0] = 3                       # person 2 has a tie to person 3
    pop.keep(np.array([False, True, False, True]))
    assert pop.pid.tolist() == [2, 4]
    assert pop.age.tolist() == [50, 5] and pop.sector.tolist() == [2, 0]
    assert pop.kommune.tolist() == [1, 0] and pop.ties[0, 0] == 3
    assert pop.row_of(1) is None and pop.row_of(3) is None and pop.row_of(4) == 1
    assert pop.rows_of(np.array([4, 2, 1])).tolist() == [1, 0, -1]
    assert pop.count_by_kommune(2).tolist() == [1, 1]


def test_each_household_has_one_head_the_oldest_and_a_new_one_when_it_leaves():
    pop = _table([40, 45, 12, 70, 30, 30], [0, 0, 0, 1, 2, 2])
    heads = pop.household_heads()
    assert np.flatnonzero(heads).tolist() == [1, 3, 4]    # oldest; the lowest pid among equals
    assert pop.household_sizes()[pop.household[[0, 3, 4]]].tolist() == [3, 1, 2]
    pop.keep(np.array([True, False, True, True, True, True]))   # the head of household 0 dies
    assert np.flatnonzero(pop.household_heads()).tolist() == [0, 2, 3]
    assert pop.household_heads().sum() == len(np.unique(pop.household))
    # a young adult leaves home: both the old and the new household have one head
    old = pop.household[1]
    pop.household[1] = pop.new_household_ids(1)[0]
    pop.regrouped(np.array([old, pop.household[1]]))
    assert np.flatnonzero(pop.household_heads()).tolist() == [0, 1, 2, 3]


def test_the_man_of_a_couple_is_older_by_about_the_gap_of_norwegian_couples():
    """SSB: husbands are about 2.5 years older than their wives; men of each age live in a
    couple about as often as women a gap younger. Pairing women with men drawn at random
    from all ages made the young men of couples partners of older women."""
    from sim.parameters import ParameterSet
    from sim.world.households import form_households

    rng = np.random.default_rng(4)
    n = 40_000
    age = rng.integers(18, 90, size=n).astype(np.int16)
    sex = (rng.random(n) < 0.5).astype(np.int8)
    hh = form_households(np.zeros(n, np.int64), age, sex, np.arange(n), rng,
                         ParameterSet())
    _, inverse, size = np.unique(hh, return_inverse=True, return_counts=True)
    couple = (size[inverse] == 2)
    women, men = np.flatnonzero(couple & (sex == 0)), np.flatnonzero(couple & (sex == 1))
    partner = {int(hh[m]): int(age[m]) for m in men}
    young = (age >= 25) & (age < 30)
    gap = np.array([partner[int(hh[w])] - int(age[w]) for w in women[young[women]]
                    if int(hh[w]) in partner])
    assert len(gap) > 500 and 1.0 < gap.mean() < 3.5      # was -2.5: younger men
    in_couple = [couple[young & (sex == s)].mean() for s in (0, 1)]
    assert in_couple[0] > in_couple[1]           # young women live in couples more than men
