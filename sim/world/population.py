"""Columnar person state: one row per person agent, one NumPy array per attribute.

This module owns the person table (who lives where, their age, sex, kind and household) and
the operations every yearly process uses on it: adding rows, removing rows, counting by
kommune. Persons are rows, not objects, so that all of Norway at one agent per person fits in
memory and each yearly process runs vectorised. ``sim.agents`` gives Mesa agent views over
these rows.
"""

from __future__ import annotations

import ctypes
import os
import sys
from enum import IntEnum

import numpy as np

from sim import data
from sim.world import rows
from sim.world.geography import CENTRALITY_CLASSES


class Kind(IntEnum):
    """What kind of person agent a row is (the Mesa agent class it is shown as)."""

    RESIDENT = 0   # born in Norway (incl. Norwegian-born to immigrant parents)
    IMMIGRANT = 1  # born abroad, immigrated
    RETURNEE = 2   # a Norwegian-born person living again in the kommune where they grew up


class Subtype(IntEnum):
    """Immigrant subtype (reason for immigration); NONE for Norwegian-born."""

    NONE = 0
    LABOUR = 1
    REFUGEE = 2
    FAMILY = 3


NO_KOMMUNE = -1
# Years the two immigrant-share tables describe (see immigrant_factors and their yaml files).
KOMMUNE_FACTOR_YEAR = 2002   # population.immigrant_factor_by_kommune: SSB, 1 January 2002
CLASS_FACTOR_YEAR = 2024     # population.immigrant_factor_by_centrality: kommuneprofilen 2024

# name -> dtype. Kommune columns hold the index of the kommune in the model's kommune table.
COLUMNS: dict[str, np.dtype] = {
    "pid": np.dtype(np.int64),          # person id, strictly increasing with row order
    "kommune": np.dtype(np.intp),       # where the person lives now (intp: counted often)
    "home": np.dtype(np.int16),         # where a Norwegian-born person grew up (NO_KOMMUNE else)
    "age": np.dtype(np.int16),          # completed years on 1 January
    "sex": np.dtype(np.int8),           # 0 female, 1 male
    "kind": np.dtype(np.int8),          # Kind
    "subtype": np.dtype(np.int8),       # Subtype
    "household": np.dtype(np.int64),    # household id; a household moves together
    "arrival_year": np.dtype(np.int16),  # year of immigration (0 for Norwegian-born)
    "employed": np.dtype(np.int8),      # 1 if the person has a job
    "sector": np.dtype(np.int8),        # sector of the job (sim.labour.SECTORS), -1 if none
    "owner": np.dtype(np.int8),         # 1 if the person's household owns its dwelling
    "ties": np.dtype(np.int32),         # TIE_SLOTS person ids of social ties, -1 = empty slot
    "remote": np.dtype(bool),           # works remotely: keeps the job on moving region
}
TIE_SLOTS = 6  # ties kept per person (family, friends, colleagues); see sim.world.network
GROWTH_ROOM = 0.03  # spare rows kept in each column buffer, as a share of the rows in use
# columns a caller may leave out of ``append``: their value for new rows
DEFAULTS = {"employed": 0, "sector": -1, "owner": 0, "ties": -1, "remote": False}


# glibc's malloc hands arrays above 32 MB straight back to the system when they are freed,
# so every full-population temporary (45 MB for one float per person) costs fresh pages the
# kernel must zero again. Raising the thresholds (mallopt, documented in glibc's manual)
# keeps freed memory for reuse: measured 20-40 % faster array arithmetic on all of Norway.
M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3   # mallopt parameter numbers (glibc malloc.h)
REUSE_BELOW_BYTES = 1 << 30                   # arrays up to 1 GB come from reusable memory


# NumPy asks the kernel for 2 MB pages for arrays of 4 MB and more (madvise hugepage). On
# this project's virtual machines a fresh 2 MB page costs far more than 512 small ones:
# touching 3 GB took 7-17 s with them and 2.5 s without (benchmarks/bench_memory.py), and the
# build of all of Norway 10 s against 7 s. NumPy documents the switch (NUMPY_MADVISE_HUGEPAGE,
# "global state"); this is its run-time form.


def keep_freed_memory() -> None:
    """Let glibc reuse freed large arrays instead of returning them to the system, and give
    new arrays small pages (Linux only; does nothing elsewhere)."""
    if not sys.platform.startswith("linux"):
        return
    set_hugepage = getattr(np._core.multiarray, "_set_madvise_hugepage", None)
    if set_hugepage is not None and "NUMPY_MADVISE_HUGEPAGE" not in os.environ:
        set_hugepage(False)
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        return
    libc.mallopt(M_MMAP_THRESHOLD, REUSE_BELOW_BYTES)
    libc.mallopt(M_TRIM_THRESHOLD, REUSE_BELOW_BYTES)


def _shape(name: str, rows: int) -> tuple[int, ...]:
    return (rows, TIE_SLOTS) if name == "ties" else (rows,)


class Population:
    """The person table. Rows are kept in increasing ``pid`` order (births append at the end)."""

    def __init__(self) -> None:
        # each column is a view of the first len(self) rows of a buffer with room to grow,
        # so the year's births and immigrants are added without copying the whole table
        self._buffers: dict[str, np.ndarray] = {k: np.empty(_shape(k, 0), dt)
                                                for k, dt in COLUMNS.items()}
        self.cols: dict[str, np.ndarray] = {k: b[:0] for k, b in self._buffers.items()}
        self.next_pid = 1
        self.next_household = 1
        self._cache: dict[str, np.ndarray] = {}

    def regrouped(self, households: np.ndarray, members: np.ndarray | None = None) -> None:
        """Tell the table that these households gained or lost members, so their heads are
        found again and their sizes counted again (only theirs: the others keep theirs).
        ``members``: all their rows, ascending, when the caller knows them (else found with
        a pass over the table)."""
        heads, sizes = self._cache.get("heads"), self._cache.get("sizes")
        if (heads is None and sizes is None) or len(households) == 0:
            return
        if members is None:
            flag = np.zeros(self.next_household, dtype=bool)
            flag[households] = True
            members = np.flatnonzero(rows.in_flagged(self.cols["household"], flag))
        if sizes is not None:
            sizes = self._room_for_sizes()
            sizes[households] = 0
            rows.count_into(sizes, self.cols["household"], members, 1)
        if heads is None:
            return
        self._cache.pop("head_rows", None)
        best = np.empty(self.next_household, dtype=np.int64)   # scratch: -1 where read
        best[households] = -1
        rows.mark_oldest(members, self.cols["household"], self.cols["age"], heads, best)

    def __len__(self) -> int:
        return len(self.cols["pid"])

    def __getattr__(self, name: str) -> np.ndarray:
        cols = self.__dict__.get("cols")
        if cols is not None and name in cols:
            return cols[name]
        raise AttributeError(name)

    def new_household_ids(self, n: int) -> np.ndarray:
        ids = np.arange(self.next_household, self.next_household + n, dtype=np.int64)
        self.next_household += n
        return ids

    def append(self, as_youngest: bool = False, **values: np.ndarray) -> np.ndarray:
        """Add rows; every column must be given except ``pid`` and those in ``DEFAULTS``.
        Returns the new rows' indices. ``as_youngest``: the new rows join existing
        households, each younger than its household's head (newborns), so the heads stay."""
        missing = set(COLUMNS) - {"pid"} - set(DEFAULTS) - set(values)
        if missing:
            raise ValueError(f"append needs columns {sorted(missing)}")
        n = len(values["age"])
        start = len(self)
        values["pid"] = np.arange(self.next_pid, self.next_pid + n, dtype=np.int64)
        self.next_pid += n
        if start + n > len(self._buffers["pid"]):
            self._reserve(start + n)
        for name in COLUMNS:
            # a column left out gets its default (written in place: no temporary column)
            self._buffers[name][start:start + n] = values.get(name, DEFAULTS.get(name))
            self.cols[name] = self._buffers[name][:start + n]
        self._cache.pop("pid_index", None)
        self._cache.pop("counts", None)
        self._cache.pop("head_rows", None)
        self._cache.pop("kommune_of_pid", None)
        self._cache.pop("kommune16", None)
        if "heads" in self._cache:
            self._cache["heads"] = np.concatenate([self._cache["heads"], np.zeros(n, bool)])
        self._joined(np.arange(start, start + n), as_youngest)
        return np.arange(start, start + n)

    def _joined(self, new: np.ndarray, as_youngest: bool) -> None:
        """Keep heads and sizes up to date for the rows just added (``append``)."""
        households = self.cols["household"][new]
        if "sizes" not in self._cache:
            self.regrouped(households)
        elif as_youngest:                            # heads stay; households grow
            rows.count_into(self._room_for_sizes(), self.cols["household"], new, 1)
        elif not self._room_for_sizes()[households].any():   # new households: only new rows
            self.regrouped(households, members=new)
        else:
            self.regrouped(households)

    def left_home(self, leavers: np.ndarray) -> None:
        """Each of ``leavers`` (rows, none a household's head) leaves their household for a
        new one of their own, and heads it; the households they left keep their heads."""
        old = self.cols["household"][leavers]
        self.cols["household"][leavers] = self.new_household_ids(len(leavers))
        heads, sizes = self._cache.get("heads"), self._cache.get("sizes")
        if heads is not None and heads[leavers].any():          # not as promised: recount
            self.regrouped(np.concatenate([old, self.cols["household"][leavers]]))
            return
        if heads is not None:
            heads[leavers] = True
            self._cache.pop("head_rows", None)
        if sizes is not None:
            sizes = self._room_for_sizes()
            rows.count_into(sizes, old, np.arange(len(old)), -1)
            sizes[self.cols["household"][leavers]] = 1

    def keep(self, mask: np.ndarray) -> None:
        """Drop every row where ``mask`` is False (deaths, emigration), moving the rows kept
        within the columns' buffers (arrays taken from the columns before see them move)."""
        heads, sizes = self._cache.get("heads"), self._cache.get("sizes")
        gone = np.flatnonzero(~mask)
        lost = self.cols["household"][gone[heads[gone]]] if heads is not None else None
        if sizes is not None:
            rows.count_into(sizes, self.cols["household"], gone, -1)
        # the rows move to the front of the columns' buffers (the columns are views of them)
        columns = [self.cols[name] for name in COLUMNS] + ([] if heads is None else [heads])
        n = rows.keep_in_place(columns, np.ascontiguousarray(mask, dtype=bool))
        for name in COLUMNS:
            self.cols[name] = self._buffers[name][:n]
        self._cache.pop("pid_index", None)
        self._cache.pop("counts", None)
        self._cache.pop("head_rows", None)
        self._cache.pop("kommune_of_pid", None)
        self._cache.pop("kommune16", None)
        if heads is not None:
            self._cache["heads"] = heads[:n]
            self.regrouped(lost)       # households whose head left get a new one

    def _reserve(self, rows: int) -> None:
        """Grow every buffer to hold at least ``rows`` rows (and room for more)."""
        capacity = int(rows * (1.0 + GROWTH_ROOM))
        n = len(self)
        for name, dtype in COLUMNS.items():
            buffer = np.empty(_shape(name, capacity), dtype)
            buffer[:n] = self.cols[name]
            self._buffers[name] = buffer
            self.cols[name] = buffer[:n]

    def row_of(self, pid: int) -> int | None:
        """Row index of a person id, or None if the person is no longer in Norway."""
        row = int(self.rows_of(np.array([pid]))[0])
        return None if row < 0 else row

    def rows_of(self, pids: np.ndarray) -> np.ndarray:
        """Row index of each person id, -1 where the person has died or emigrated (or -1)."""
        if "pid_index" not in self._cache:
            self._cache["pid_index"] = self.by_pid(np.arange(len(self), dtype=np.int32))
        return self._cache["pid_index"][pids]

    def by_pid(self, values: np.ndarray, missing: int = -1) -> np.ndarray:
        """A lookup table from person id to ``values`` (one per row): ``table[pids]`` gives
        each person's value, ``missing`` for ids no longer here and for the id -1 (the
        table's last entry), with one gather instead of a row lookup and a second gather."""
        values = np.ascontiguousarray(values)
        return rows.by_pid(self.cols["pid"], values, self.next_pid + 1,
                           values.dtype.type(missing))

    def kommune16(self) -> np.ndarray:
        """The kommune column as 16-bit integers (a quarter of the memory to read when
        counting), kept until people are added, removed or moved (read-only)."""
        if "kommune16" not in self._cache:
            column = self.cols["kommune"].astype(np.int16)
            column.flags.writeable = False
            self._cache["kommune16"] = column
        return self._cache["kommune16"]

    def kommune_of_pid(self) -> np.ndarray:
        """The kommune of each person id (int16; -1 for ids no longer here and for the id
        -1), kept until people are added, removed or moved (read-only)."""
        if "kommune_of_pid" not in self._cache:
            table = self.by_pid(self.kommune16())
            table.flags.writeable = False
            self._cache["kommune_of_pid"] = table
        return self._cache["kommune_of_pid"]

    def count_by_kommune(self, n_kommuner: int, mask: np.ndarray | None = None) -> np.ndarray:
        """Rows per kommune (of those in ``mask``). The unmasked count is kept until people
        are added, removed or moved, as several processes ask for it each year."""
        if mask is not None:
            return rows.count_where(self.kommune16(), mask, n_kommuner)
        counts = self._cache.get("counts")
        if counts is None or len(counts) != n_kommuner:
            kommune = self.kommune16()
            counts = rows.count_between(kommune, kommune, 0, n_kommuner - 1, n_kommuner)
            self._cache["counts"] = counts
        return counts.copy()

    def count_between(self, n_kommuner: int, column: str, lo: int, hi: int) -> np.ndarray:
        """Rows per kommune whose ``column`` (an integer column: age, kind, ...) lies in
        ``lo .. hi``, in one pass without a mask."""
        return rows.count_between(self.kommune16(), self.cols[column], int(lo), int(hi),
                                  n_kommuner)

    def set_kommune(self, rows: np.ndarray, kommune: np.ndarray) -> None:
        """Move ``rows`` to ``kommune`` (kommune indices)."""
        self.cols["kommune"][rows] = kommune
        self._cache.pop("counts", None)
        self._cache.pop("kommune_of_pid", None)
        self._cache.pop("kommune16", None)

    def household_heads(self) -> np.ndarray:
        """Boolean mask: the oldest member of each household (lowest pid among equals)."""
        if "heads" not in self._cache:
            self._cache["heads"] = self._household_heads()
        return self._cache["heads"]

    def head_rows(self) -> np.ndarray:
        """The rows of the household heads, ascending (read-only; kept until households
        change): ``np.flatnonzero(household_heads())``."""
        if "head_rows" not in self._cache:
            found = np.flatnonzero(self.household_heads())
            found.flags.writeable = False
            self._cache["head_rows"] = found
        return self._cache["head_rows"]

    def _household_heads(self) -> np.ndarray:
        hh, age = self.cols["household"], self.cols["age"]
        oldest = np.zeros(self.next_household, dtype=np.int16)
        np.maximum.at(oldest, hh, age)
        cand = np.flatnonzero(age == oldest[hh])
        _, first = np.unique(hh[cand], return_index=True)
        mask = np.zeros(len(self), dtype=bool)
        mask[cand[first]] = True
        return mask

    def household_sizes(self) -> np.ndarray:
        """Persons (rows) per household id, indexed by household id (read-only, 32-bit).
        Counted once, then kept up to date as rows leave (``keep``), arrive (``append``) and
        change households (``regrouped``, ``left_home``)."""
        if "sizes" not in self._cache:
            self._cache["sizes"] = np.bincount(self.cols["household"],
                                               minlength=self.next_household).astype(np.int32)
        view = self._room_for_sizes()[:self.next_household]
        view.flags.writeable = False
        return view

    def _room_for_sizes(self) -> np.ndarray:
        """The kept sizes, with room for every household id given out so far (ids given
        out since they were counted have no members yet)."""
        sizes = self._cache["sizes"]
        if len(sizes) < self.next_household:
            grown = np.zeros(int(self.next_household * (1.0 + GROWTH_ROOM)), dtype=np.int32)
            grown[:len(sizes)] = sizes
            self._cache["sizes"] = sizes = grown
        return sizes


def chance(rng: np.random.Generator, p: np.ndarray | float, n: int | None = None
           ) -> np.ndarray:
    """One yes/no draw per entry of ``p`` (or ``n`` draws with one ``p``): True with
    probability p. Uses single-precision uniforms (resolution 6e-8, far finer than any
    yearly rate here), which are quicker to draw for millions of people."""
    size = len(p) if n is None else n
    return rng.random(size, dtype=np.float32) < p


def stochastic_round(x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Round each value down or up so that the expectation is exact (integer agent counts)."""
    x = np.asarray(x, dtype=float)
    base = np.floor(x)
    return (base + (rng.random(x.shape) < (x - base))).astype(np.int64)


def spread_over_single_ages(counts: np.ndarray, lx: np.ndarray, rng: np.random.Generator,
                            lo: int, hi: int, cohort_growth: float = 0.0) -> np.ndarray:
    """Single ages for ``counts`` people of one age group ``lo..hi`` and one sex.

    Documented rule: within a group, people are spread over single years of age in proportion
    to life-table survivorship lx (the stationary population). Below 60 lx is nearly flat, so
    this is close to uniform; for 67–79 and 80+ it gives the falling numbers seen in reality.
    ``cohort_growth`` (per year of age) tilts the weights towards the younger end, for groups
    whose younger cohorts are larger than a stationary population would have.
    """
    weights = lx[lo:hi + 1] * (1.0 + cohort_growth) ** -np.arange(hi - lo + 1)
    weights = weights / weights.sum()
    return lo + rng.choice(len(weights), size=int(counts), p=weights)


def build_stock(age_sex_counts: dict[tuple[int, int, int], int], n_kommuner: int,
                weight: np.ndarray, year: int, oldest_cohort_growth: float,
                rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Columns kommune, age, sex for the start population.

    ``age_sex_counts`` maps (kommune index, age-group index, sex) to persons. Each cell gives
    persons / weight agents (``weight``: persons per agent in each kommune), rounded
    stochastically so totals are right on average.
    """
    lx = data.survivorship(year)
    groups = data.age_groups()
    keys = sorted(age_sex_counts)
    persons = np.array([age_sex_counts[k] for k in keys], dtype=float)
    cells = np.array(keys, dtype=np.int64).reshape(-1, 3)
    agents = stochastic_round(persons / np.asarray(weight)[cells[:, 0]], rng)
    kommune, group, sex = (np.repeat(cells[:, i], agents) for i in range(3))
    age = np.empty(len(kommune), dtype=np.int16)
    for g, grp in enumerate(groups):
        growth = oldest_cohort_growth if grp.hi == data.MAX_AGE else 0.0
        for s in range(len(data.SEXES)):
            rows = np.flatnonzero((group == g) & (sex == s))
            age[rows] = spread_over_single_ages(len(rows), lx[s], rng, grp.lo, grp.hi, growth)
    return {"kommune": kommune, "age": age, "sex": sex.astype(np.int8)}


def age_sex_counts(year: int, codes: list[str]) -> dict[tuple[int, int, int], int]:
    """(kommune index, age-group index, sex) -> persons on 1 January ``year`` (embedded data)."""
    df = data.population_by_age()
    df = df[df["year"] == year]
    kidx = {c: i for i, c in enumerate(codes)}
    gidx = {g: i for i, g in enumerate(data.AGE_GROUPS)}
    sidx = {s: i for i, s in enumerate(data.SEXES)}
    df = df[df["kommunenummer"].isin(kidx)]
    return {(kidx[k], gidx[g], sidx[s]): int(n) for k, g, s, n in zip(
        df["kommunenummer"], df["age_group"], df["sex"], df["population"], strict=True)}


def immigrant_factors(codes: list[str], centrality: np.ndarray, year: int,
                      params) -> np.ndarray:
    """Each kommune's relative immigrant share in ``year`` (national share = 1).

    The factor of its centrality class (``population.immigrant_factor_by_centrality``, as in
    2024), except for the kommuner SSB's 2002 table lists
    (``population.immigrant_factor_by_kommune``), whose own factor fades linearly into the
    class factor between 2002 and 2024.
    """
    table = params.value("population.immigrant_factor_by_centrality")
    factor = np.array([float(table[c]) for c in CENTRALITY_CLASSES])[np.asarray(centrality) - 1]
    own = params.by_kommune("population.immigrant_factor_by_kommune", codes, np.nan)
    weight = np.clip((CLASS_FACTOR_YEAR - year) / (CLASS_FACTOR_YEAR - KOMMUNE_FACTOR_YEAR),
                     0.0, 1.0)
    return np.where(np.isnan(own), factor, weight * own + (1 - weight) * factor)


def initial_kinds(age: np.ndarray, kommune: np.ndarray, factor: np.ndarray, year: int,
                  params, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Which start persons are immigrants, their subtype and arrival year.

    The data pack has no immigrant share by kommune, so a person's chance is a relative share
    by age (``population.immigrant_share_by_age``) times the kommune's relative immigrant
    share ``factor`` (``immigrant_factors``), scaled so that the national share is
    ``population.immigrant_share_total`` of the start year.
    """
    n = len(age)
    relative = params.by_age("population.immigrant_share_by_age", age) * factor[kommune]
    target = params.value("population.immigrant_share_total", year)
    immigrant = chance(rng, np.minimum(relative * target / relative.mean(), 1.0))
    imm = np.flatnonzero(immigrant)
    shares = params.value("population.immigrant_stock_subtype_shares")
    names = list(shares)
    p = np.array([float(shares[k]) for k in names])
    codes = np.array([Subtype[k.upper()] for k in names], np.int8)
    subtype = np.full(n, Subtype.NONE, dtype=np.int8)
    subtype[imm] = codes[rng.choice(len(names), size=len(imm), p=p / p.sum())]
    mean_years = params.value("population.immigrant_mean_years_in_norway")
    years_here = np.minimum(rng.geometric(1.0 / mean_years, size=len(imm)) - 1, age[imm])
    arrival = np.zeros(n, dtype=np.int16)
    arrival[imm] = year - years_here
    kind = np.where(immigrant, Kind.IMMIGRANT, Kind.RESIDENT).astype(np.int8)
    return {"kind": kind, "subtype": subtype, "arrival_year": arrival}


def initial_home(kommune: np.ndarray, age: np.ndarray, kind: np.ndarray,
                 distance_km: np.ndarray, population: np.ndarray, params,
                 rng: np.random.Generator) -> np.ndarray:
    """The kommune each Norwegian-born person at the start grew up in.

    Children live where they grow up. Of adults, a share by age
    (``population.home_kommune_share_by_age``) still live in their home kommune; the others
    grew up elsewhere, drawn by a gravity rule (population over distance, decaying with
    ``population.home_distance_scale_km``) from where they live now. Immigrants have none.
    """
    home = kommune.astype(np.int16).copy()
    grown = age > params.value("migration.home_fixed_age")
    elsewhere = grown & (rng.random(len(age)) >= params.by_age(
        "population.home_kommune_share_by_age", age))
    rows = np.flatnonzero(elsewhere & (kind != Kind.IMMIGRANT))
    w = population[None, :] * np.exp(-distance_km / params.value(
        "population.home_distance_scale_km"))
    np.fill_diagonal(w, 0.0)
    cum = np.cumsum(w / w.sum(axis=1, keepdims=True), axis=1)
    cum[:, -1] = 1.0
    k = kommune[rows].astype(np.int64)
    n_k = cum.shape[0]
    offset = (cum + np.arange(n_k)[:, None]).ravel()
    pos = np.searchsorted(offset, k + rng.random(len(rows)), side="right")
    home[rows] = np.minimum(pos - k * n_k, n_k - 1)
    home[kind == Kind.IMMIGRANT] = NO_KOMMUNE
    return home
