"""Records: the yearly tables beyond the Mesa DataCollector's accounts.

This module owns what a run records each year besides population and components:

* ``moves_by_reason``: year, kommunenummer, direction (in/out), reason, persons;
* ``movers_by_age``: year, age_group, sex, movers, population (national, for validation);
* ``leavers_by_age``: year, kommunenummer, age_group, persons who moved out of the kommune
  (ages on 1 January; the classroom's "who left");
* ``indicators``: per kommune and 1 January year: jobs, employed, owner share, price, rent,
  dwellings, immigrants, immigrant retention, schools, service level, and firm entry and
  exit (new firms and closures in the last year, young firms and their jobs). Immigrant retention
  (``immigrant_retention_5y``) is, of the persons who immigrated during the last
  ``RETENTION_YEARS`` years of the run and lived in the kommune on their first 1 January, the
  share who still live there: the stayers are a subset of those arrivals, so it is at most 1
  (immigrants who moved in from another kommune are not this kommune's arrivals, and count
  as having left the kommune they arrived in);
* ``age_structure``: per kommune, 1 January year, age group and sex: persons;
* ``jobs_by_sector``: per kommune, 1 January year and sector (``sim.processes.jobs.SECTORS``):
  jobs (persons, one decimal; the accounts of ``sim.output.attractiveness`` need the basic
  sectors' growth against the national growth of each sector);
* ``capacity``: per kommune: its capacity diamond (five scores 1–5), their mean, the share of
  a kommune-run policy it delivers (``delivery``, mean score / 5) and whether the scores are
  the kommune's own (a scenario's ``capacity:``) or drawn;
* ``refugee_stays``: per yearly cohort of refugees (the year they arrived), 1 January year
  and centrality class of the kommune they lived in on the first 1 January after arrival:
  persons of the cohort still in Norway, and how many of them still live in that kommune
  (the measure of SSB's secondary-migration monitor), for ``STAY_YEARS`` years.

All figures are persons (agents times persons per agent).
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

from sim import data
from sim.processes.choice import REASONS
from sim.processes.jobs import SECTORS
from sim.world.geography import CENTRALITY_CLASSES
from sim.world.places import DIMENSIONS
from sim.world.population import Kind, Subtype
from sim.world.rows import count_cells, count_indicators

MOVER_AGE_BANDS = [0, 5, 10, 15, 20, 25, 30, 35, 40, 45, 50, 55, 60, 65, 70]
STAY_YEARS = 5   # years a refugee cohort is followed (SSB's monitor reports five years on)
RETENTION_YEARS = 5   # years of arrivals immigrant_retention_5y follows
STAY_COLUMNS = ("cohort", "year", "years_on", "centrality", "in_norway", "in_first_kommune")
SHARE_DECIMALS = 4   # decimals of the capacity table's mean score and delivery share


def _band_labels(bands: list[int]) -> list[str]:
    return [f"{lo}-{hi - 1}" for lo, hi in itertools.pairwise(bands)] + [
        f"{bands[-1]}+"]


def _group_of_age(lows: np.ndarray) -> np.ndarray:
    """Index of the age group (given by its lowest ages) of every single age 0..MAX_AGE."""
    return np.searchsorted(lows, np.arange(data.MAX_AGE + 1), side="right") - 1


MOVER_BAND_OF_AGE = _group_of_age(np.array(MOVER_AGE_BANDS))   # single age -> band
MOVER_BAND_LABELS = np.array(_band_labels(MOVER_AGE_BANDS))


class Records:
    """Accumulates the yearly tables of one model run. Each year adds columns of arrays; the
    tables are built once, at the end (``tables``), so a small landscape does not pay for
    building data frames every year."""

    def __init__(self, model) -> None:
        self.model = model
        self.codes = np.array(model.geo.codes)
        self.moves: list[dict[str, np.ndarray]] = []
        self.movers: list[dict[str, np.ndarray]] = []
        self.leavers: list[dict[str, np.ndarray]] = []
        self.indicator_rows: list[dict[str, np.ndarray]] = []
        self.ages: list[dict[str, np.ndarray]] = []
        self.sector_jobs: list[dict[str, np.ndarray]] = []
        self.arrivals: dict[int, tuple[np.ndarray, np.ndarray]] = {}  # year -> pids, kommune
        self.cohorts: dict[int, tuple[np.ndarray, np.ndarray]] = {}  # year -> pids, kommune
        self.stays: list[dict[str, np.ndarray]] = []
        self._arrived_rows: tuple[int, np.ndarray] | None = None
        self.snapshot()

    def snapshot(self) -> None:
        """Indicators, age structure and the refugee cohorts followed, on 1 January of the
        model's current year."""
        self._arrived_rows = None
        self._note_arrivals()
        self.indicator_rows.append(self._indicators())
        self.ages.append(self._age_structure())
        self.sector_jobs.append(self._jobs_by_sector())
        self._follow_refugees()

    def _arrived(self, cohort: int) -> np.ndarray:
        """The rows whose arrival year is ``cohort`` (found once per snapshot: the arrivals
        and the refugee cohorts both ask for last year's)."""
        if self._arrived_rows is None or self._arrived_rows[0] != cohort:
            rows = np.flatnonzero(self.model.population.arrival_year == cohort)
            self._arrived_rows = (cohort, rows)
        return self._arrived_rows[1]

    def _note_arrivals(self) -> None:
        """Remember last year's immigrants and the kommune each lives in on its first
        1 January; forget the cohorts that left the retention window."""
        m, pop = self.model, self.model.population
        cohort = m.year - 1
        if cohort >= m.spec.start_year:
            new = self._arrived(cohort)
            new = new[pop.kind[new] == Kind.IMMIGRANT]
            self.arrivals[cohort] = (pop.pid[new], pop.kommune[new])
        for c in [c for c in self.arrivals if c < m.year - RETENTION_YEARS]:
            del self.arrivals[c]

    def _retention(self) -> np.ndarray:
        """Per kommune: the share of the remembered arrivals (``_note_arrivals``) who lived
        there on their first 1 January and still live there; NaN where none arrived."""
        pop, k = self.model.population, self.model.geo.size
        arrived, stayed = np.zeros(k, np.int64), np.zeros(k, np.int64)
        for pids, first in self.arrivals.values():
            rows = pop.rows_of(pids)
            here = rows >= 0
            still = np.zeros(len(pids), bool)
            still[here] = pop.kommune[rows[here]] == first[here]
            arrived += np.bincount(first, minlength=k)
            stayed += np.bincount(first[still], minlength=k)
        return np.where(arrived > 0, stayed / np.maximum(arrived, 1), np.nan)

    def _follow_refugees(self) -> None:
        """Note where last year's refugees live now, and how many of each cohort followed
        still live where they lived on their first 1 January."""
        m, pop = self.model, self.model.population
        cohort = m.year - 1
        if cohort >= m.spec.start_year:
            new = self._arrived(cohort)
            new = new[pop.subtype[new] == Subtype.REFUGEE]
            self.cohorts[cohort] = (pop.pid[new], pop.kommune[new])
        for c in [c for c in self.cohorts if m.year - 1 - c > STAY_YEARS]:
            del self.cohorts[c]
        classes = np.array(CENTRALITY_CLASSES)
        n = len(classes)

        def persons_by_class(where: np.ndarray, kommune: np.ndarray) -> np.ndarray:
            return self._persons(where, classes[-1] + 1, kommune)[classes]

        for c, (pids, first) in self.cohorts.items():
            row = np.minimum(np.searchsorted(pop.pid, pids), max(len(pop) - 1, 0))
            present = (pop.pid[row] == pids) if len(pop) else np.zeros(len(pids), bool)
            stayed = present & (pop.kommune[row] == first)
            cls = m.geo.centrality[first]
            self.stays.append({
                "cohort": np.full(n, c), "year": np.full(n, m.year),
                "years_on": np.full(n, m.year - 1 - c), "centrality": classes,
                "in_norway": persons_by_class(cls[present], pop.kommune[row[present]]),
                "in_first_kommune": persons_by_class(cls[stayed], pop.kommune[row[stayed]])})

    def _persons(self, keys: np.ndarray, n: int, kommune: np.ndarray) -> np.ndarray:
        """Persons per key 0..n-1 of rows (each row in ``kommune``: its persons per agent)."""
        scale = self.model.scale
        if not scale.focused:
            return np.bincount(keys, minlength=n) * scale.coarse
        return np.rint(np.bincount(keys, scale.of_rows(kommune), minlength=n)).astype(np.int64)

    def add_moves(self, moves) -> None:
        """Record the year's moves right after they happen (rows still point at the movers;
        ages are those on 1 January)."""
        m = self.model
        k, year = m.geo.size, m.year
        n_r = len(REASONS)
        for direction, where in (("in", moves.destination), ("out", moves.origin)):
            counts = self._persons(where * n_r + moves.reason, k * n_r,    # as they moved
                                   moves.stood_for).reshape(k, n_r)
            kk, rr = np.nonzero(counts)
            self.moves.append({"year": np.full(len(kk), year), "kommunenummer": self.codes[kk],
                               "direction": np.full(len(kk), direction),
                               "reason": np.array(REASONS)[rr],
                               "persons": counts[kk, rr]})
        band = MOVER_BAND_OF_AGE[m.population.age[moves.rows]]   # each mover's age band
        self.movers.append(self._movers_by_age(band, m.population.sex[moves.rows],
                                               moves.stood_for))
        self.leavers.append(self._leavers_by_age(moves, band))

    def _leavers_by_age(self, moves, band: np.ndarray) -> dict[str, np.ndarray]:
        """Persons who moved out of each kommune this year, by age group (``band``: each
        mover's)."""
        k, n = self.model.geo.size, len(MOVER_AGE_BANDS)
        counts = self._persons(moves.origin * n + band, k * n, moves.stood_for).reshape(k, n)
        kk, bb = np.nonzero(counts)
        return {"year": np.full(len(kk), self.model.year), "kommunenummer": self.codes[kk],
                "age_group": MOVER_BAND_LABELS[bb], "persons": counts[kk, bb]}

    def _movers_by_age(self, band: np.ndarray, sex: np.ndarray, origin: np.ndarray
                       ) -> dict[str, np.ndarray]:
        """Movers (``band``, ``sex``: each mover's age band and sex) and the population, by
        age band and sex."""
        pop = self.model.population
        n = len(MOVER_AGE_BANDS) * 2
        cell = band * 2 + sex                                   # [band, sex]
        scale = self.model.scale
        if scale.focused:             # each row in its kommune's persons per agent
            movers = self._persons(cell, n, origin)
            population = self._persons(MOVER_BAND_OF_AGE[pop.age] * 2 + pop.sex, n,
                                       pop.kommune)
        else:
            population = count_cells(pop.kommune16(), pop.age, pop.sex, MOVER_BAND_OF_AGE,
                                     self.model.geo.size, len(MOVER_AGE_BANDS), 2).sum(axis=0)
            population = population.ravel()
            movers = np.bincount(cell, minlength=n) * scale.coarse
            population = population * scale.coarse
        return {"year": np.full(n, self.model.year),
                "age_group": np.repeat(MOVER_BAND_LABELS, 2),
                "sex": np.tile(np.array(data.SEXES), len(MOVER_AGE_BANDS)),
                "movers": movers, "population": population}

    def _indicators(self) -> dict[str, np.ndarray]:
        m = self.model
        pop, w, k = m.population, m.scale.weight, m.geo.size
        persons = pop.count_by_kommune(k) * w
        n = dict(zip(("employed", "immigrants", "heads", "owners"), count_indicators(
            pop.kommune16(), pop.employed, pop.kind, pop.household_heads(), pop.owner,
            int(Kind.IMMIGRANT), k), strict=True))
        return {
            "kommunenummer": self.codes, "year": np.full(k, m.year), "population": persons,
            "jobs": np.round(m.labour.jobs_by_kommune() * w).astype(np.int64),
            "employed": n["employed"] * w,
            "owner_share": n["owners"] / np.maximum(n["heads"], 1),
            "price_nok": np.round(m.housing.price), "rent_nok": np.round(m.housing.rent),
            "dwellings": np.round(m.housing.dwellings * w).astype(np.int64),
            "immigrants": n["immigrants"] * w,
            "immigrant_retention_5y": self._retention(),
            "schools": m.places.schools.astype(np.int64),
            "service_level": np.round(m.places.service_level, 4),
            **self._firms(),
        }

    def _firms(self) -> dict[str, np.ndarray]:
        """Firm entry and exit (``sim.processes.firms``): the last year's new firms (of them
        immigrant-owned) and closures of young firms, and on 1 January the young firms alive
        (of them immigrant-owned) and their jobs (persons). Counts are real firms."""
        y, w = self.model.young_firms, self.model.scale.weight
        alive = y.by_kommune()
        return {"new_firms": np.rint(y.births).astype(np.int64),
                "new_firms_immigrant_owned": np.rint(y.immigrant_births).astype(np.int64),
                "firm_exits": np.rint(y.exits).astype(np.int64),
                "young_firms": alive["young_firms"],
                "young_firms_immigrant_owned": alive["young_immigrant_owned"],
                "jobs_in_young_firms": np.round(alive["young_jobs"] * w).astype(np.int64)}

    def _age_structure(self) -> dict[str, np.ndarray]:
        m = self.model
        pop, k = m.population, m.geo.size
        groups = data.age_groups()
        lows = np.array([g.lo for g in groups])
        counts = count_cells(pop.kommune16(), pop.age, pop.sex, _group_of_age(lows), k,
                             len(groups), 2)
        kk, gg, ss = np.nonzero(counts)
        return {"kommunenummer": self.codes[kk], "year": np.full(len(kk), m.year),
                "age_group": np.array(data.AGE_GROUPS)[gg], "sex": np.array(data.SEXES)[ss],
                "persons": counts[kk, gg, ss] * m.scale.weight[kk]}

    def _jobs_by_sector(self) -> dict[str, np.ndarray]:
        """Jobs per kommune and sector on 1 January (persons), read from the labour market
        without changing it."""
        m = self.model
        jobs = m.labour.jobs_by_kommune_sector() * m.scale.weight[:, None]
        k, n_s = jobs.shape
        return {"kommunenummer": np.repeat(self.codes, n_s), "year": np.full(k * n_s, m.year),
                "sector": np.tile(np.array(SECTORS), k), "jobs": np.round(jobs.ravel(), 1)}

    def tables(self) -> dict[str, pd.DataFrame]:
        """The recorded tables, ready to write."""
        moves = _frame(self.moves)
        if moves is None:
            moves = pd.DataFrame(columns=["year", "kommunenummer", "direction", "reason",
                                          "persons"])
        leavers = _frame(self.leavers)
        if leavers is None:
            leavers = pd.DataFrame(columns=["year", "kommunenummer", "age_group", "persons"])
        return {"moves_by_reason": moves, "movers_by_age": _frame(self.movers),
                "leavers_by_age": leavers,
                "indicators": _frame(self.indicator_rows), "age_structure": _frame(self.ages),
                "jobs_by_sector": _frame(self.sector_jobs),
                "refugee_stays": _frame(self.stays) if self.stays else pd.DataFrame(
                    columns=list(STAY_COLUMNS)),
                "capacity": capacity_table(self.model.places, self.codes)}


def capacity_table(places, codes) -> pd.DataFrame:
    """Each kommune's capacity diamond, mean score, delivery share and the scores' source
    (``own`` or ``drawn``)."""
    scores = places.capacity.astype(int)
    return pd.DataFrame({
        "kommunenummer": np.asarray(codes),
        **{d: scores[:, i] for i, d in enumerate(DIMENSIONS)},
        "capacity": places.capacity.mean(axis=1).round(SHARE_DECIMALS),
        "delivery": places.delivery.round(SHARE_DECIMALS),
        "scores": np.where(places.own_capacity, "own", "drawn")})


def _frame(parts: list[dict[str, np.ndarray]]) -> pd.DataFrame | None:
    """One data frame from yearly column dicts (None if there are none)."""
    if not parts:
        return None
    return pd.DataFrame({name: np.concatenate([p[name] for p in parts]) for name in parts[0]})
