"""Firm entry and exit: the young firms born in each kommune and sector, and their exits.

This module owns the firm demography of a run (``YoungFirms``, the model's ``young_firms``):

* births: each year persons aged 20-66 start firms at ``firms.startup_rate_by_age``
  (immigrants times ``firms.immigrant_startup_factor``, returnees times
  ``firms.returnee_startup_factor``), times the policy hook ``startup_boost`` (mentoring,
  founder support), times local demand (1 + ``firms.demand_elasticity`` x last year's
  population growth); cornerstone firms add spin-offs (``firms.spinoff_rate`` per job). A new
  firm's sector follows ``firms.sector_shares`` tilted to the kommune's own mix of jobs; it
  is immigrant-owned when its founder is an immigrant;
* exits: a firm a years old closes with the chance that takes the survival curve
  ``firms.survival`` from a - 1 to a years; survivors' jobs grow (``firms.young_firm_growth``);
  after the curve's last year a firm is no longer followed (it is established);
* jobs: the labour market (``sim.processes.jobs``) keeps one row of jobs per kommune and
  sector. The firms that would have been started anyway (the baseline's) re-label part of
  those jobs (their births replace part of the sector's growth, their exits part of its
  decline), so they change no total; firms started only because of a policy (the boost above
  one) in a basic sector are ``extra``: their jobs are added to their sector's row while they
  live and taken away when they close (in a local sector they take their market from the
  firms there: local jobs follow local demand). A run without such a policy is therefore the
  same to the last bit.

Counts are real firms (not agents); jobs are agents, like all job counts of the labour
market. Draws use the firm stream of the run's seed (``FIRM_STREAM``), never the model's
generator, so that following firms cannot change anything else.
"""

from __future__ import annotations

import numpy as np

from sim.parameters import ParameterSet
from sim.processes.jobs import BASIC, SECTORS, LabourMarket, S
from sim.world.population import Kind, Population
from sim.world.rows import count_cells
from sim.world.scale import Scale

IS_BASIC = np.isin(np.arange(len(SECTORS)), [S[b] for b in BASIC])   # per sector index

FIRM_STREAM = 29    # the random stream of firm births and exits (spawned from the run's seed)
COLUMNS = ("kommune", "sector", "born", "jobs", "immigrant_owned", "extra")


def exit_chance(age: np.ndarray, survival: dict) -> np.ndarray:
    """The chance that a firm ``age`` years old (1 = started last year) closes this year:
    1 - S(age) / S(age - 1) with S(0) = 1 and S the survival curve ``{years: share}``."""
    years = sorted(int(y) for y in survival)
    s = np.ones(max(years) + 1)
    for y in years:
        s[y] = float(survival[y])
    a = np.clip(np.asarray(age, dtype=np.int64), 1, len(s) - 1)
    return 1.0 - s[a] / np.maximum(s[a - 1], 1e-12)


class YoungFirms:
    """The firms born during the run (and a start stock), followed until they are
    established: columns ``COLUMNS``, one row per firm."""

    def __init__(self, market: LabourMarket, params: ParameterSet, scale: Scale,
                 seed: int, model=None) -> None:
        """With ``model``: start with the stock of young firms of its population and year."""
        self.market, self.params, self.scale = market, params, scale
        self.rng = np.random.default_rng([int(seed), FIRM_STREAM])
        self.survival = params.value("firms.survival")
        self.young_years = max(int(y) for y in self.survival)
        k = market.geo.size
        self.cols = {"kommune": np.empty(0, np.int64), "sector": np.empty(0, np.int64),
                     "born": np.empty(0, np.int64), "jobs": np.empty(0),
                     "immigrant_owned": np.empty(0, bool), "extra": np.empty(0, bool)}
        self.births = np.zeros(k)              # the last year's, per kommune (real firms)
        self.immigrant_births = np.zeros(k)
        self.extra_births = np.zeros(k)
        self.exits = np.zeros(k)
        self.last_population: np.ndarray | None = None
        # the labour market's row for each (kommune, sector), -1 where it has none
        self.row = np.full((k, len(SECTORS)), -1, dtype=np.int64)
        plain = np.flatnonzero(~market.cornerstone)
        self.row[market.firm_kommune[plain], market.firm_sector[plain]] = plain
        if model is not None:
            self.seed_stock(model.population, model.year)

    def __len__(self) -> int:
        return len(self.cols["born"])

    # ----- rates ---------------------------------------------------------------------------
    def founder_rates(self, pop: Population, rows: np.ndarray | None = None) -> np.ndarray:
        """Each person's chance to start a firm this year (rows: all when None), before
        policies and local demand."""
        age = pop.age if rows is None else pop.age[rows]
        kind = pop.kind if rows is None else pop.kind[rows]
        rate = self.params.by_age("firms.startup_rate_by_age", age)
        rate = np.where(kind == Kind.IMMIGRANT,
                        rate * self.params.value("firms.immigrant_startup_factor"), rate)
        return np.where(kind == Kind.RETURNEE,
                        rate * self.params.value("firms.returnee_startup_factor"), rate)

    def expected_founders(self, pop: Population, rows: np.ndarray) -> float:
        """Persons among ``rows`` expected to start a firm this year (before policies)."""
        w = self.scale.weight[pop.kommune[rows]]
        return float((self.founder_rates(pop, rows) * w).sum())

    def _sector_weights(self) -> np.ndarray:
        """Per kommune, the share of its new firms in each sector: the national shares of new
        firms times the kommune's share of jobs in the sector over the national share, only
        where the kommune has a row of jobs for the sector."""
        shares = self.params.value("firms.sector_shares")
        new = np.array([float(shares[s]) for s in SECTORS])
        jobs = self.market.jobs_by_kommune_sector()
        local = jobs / np.maximum(jobs.sum(axis=1, keepdims=True), 1e-12)
        national = jobs.sum(axis=0) / max(jobs.sum(), 1e-12)
        w = new[None, :] * local / np.maximum(national, 1e-12)[None, :] * (self.row >= 0)
        return w / np.maximum(w.sum(axis=1, keepdims=True), 1e-12)

    def _founders(self, pop: Population) -> dict[bool, np.ndarray]:
        """Expected founders per kommune before policies and local demand, immigrants (True)
        and the others, from one count of persons by kommune, age band and kind (the rate is
        a step function of age)."""
        table = self.params.age_table("firms.startup_rate_by_age")
        starts = np.concatenate([[0], np.flatnonzero(np.diff(table)) + 1])
        group_of = np.searchsorted(starts, np.arange(len(table)), side="right") - 1
        k, bands = self.market.geo.size, len(starts)
        cells = count_cells(pop.kommune16(), pop.age, pop.kind, group_of, k, bands, len(Kind))
        counts = {kind: cells[:, :, kind] @ table[starts]
                  for kind in (Kind.IMMIGRANT, Kind.RETURNEE)}
        everyone = cells.sum(axis=2) @ table[starts]
        p = self.params
        immigrants = counts[Kind.IMMIGRANT] * p.value("firms.immigrant_startup_factor")
        others = (everyone - counts[Kind.IMMIGRANT] + counts[Kind.RETURNEE] * (
            p.value("firms.returnee_startup_factor") - 1.0))
        w = self.scale.weight
        return {True: immigrants * w, False: others * w}

    def _extra_founders(self, pop: Population, boost: np.ndarray | None) -> dict:
        """Expected founders per kommune a policy adds (``boost`` above one), immigrants and
        the others."""
        k = self.market.geo.size
        rows = np.empty(0, np.int64) if boost is None else np.flatnonzero(boost > 1.0)
        more = (self.founder_rates(pop, rows) * self.scale.weight[pop.kommune[rows]]
                * (boost[rows] - 1.0 if len(rows) else 0.0))
        imm = pop.kind[rows] == Kind.IMMIGRANT
        return {True: np.bincount(pop.kommune[rows][imm], more[imm], minlength=k),
                False: np.bincount(pop.kommune[rows][~imm], more[~imm], minlength=k)}

    def _expected_births(self, pop: Population, boost: np.ndarray | None) -> dict:
        """Expected new firms per kommune: (baseline, extra) x (immigrant-owned, other)."""
        k = self.market.geo.size
        population = pop.count_by_kommune(k).astype(float)
        demand = np.ones(k)
        if self.last_population is not None:
            growth = population / np.maximum(self.last_population, 1.0) - 1.0
            demand = np.maximum(1.0 + self.params.value("firms.demand_elasticity") * growth, 0.0)
        self.last_population = population
        cornerstone = self.market.cornerstone
        spin = np.bincount(self.market.firm_kommune[cornerstone],
                           self.market.firm_jobs[cornerstone], minlength=k) * self.scale.weight
        out = {}
        for name, founders in (("base", self._founders(pop)),
                               ("extra", self._extra_founders(pop, boost))):
            for immigrant in (True, False):
                out[name, immigrant] = founders[immigrant] * demand
        out["base", False] = out["base", False] + self.params.value("firms.spinoff_rate") * spin
        return out

    # ----- the yearly step -----------------------------------------------------------------
    def run_year(self, pop: Population, year: int, boost: np.ndarray | None) -> None:
        """Exits and growth of the young firms, then this year's births (``boost``: the hook
        ``startup_boost`` per person row, None = all ones)."""
        self._exit_and_grow(year)
        expected = self._expected_births(pop, boost)
        weights = self._sector_weights()
        k = self.market.geo.size
        self.births, self.immigrant_births = np.zeros(k), np.zeros(k)
        self.extra_births = np.zeros(k)
        for (kind, immigrant), lam in expected.items():
            n = self.rng.poisson(np.maximum(lam, 0.0))
            self._add(np.repeat(np.arange(k), n), weights, year, immigrant, kind == "extra")
            self.births += n
            if immigrant:
                self.immigrant_births += n
            if kind == "extra":
                self.extra_births += n
        self._cap()

    def _add(self, kommune: np.ndarray, weights: np.ndarray, year: int, immigrant: bool,
             extra: bool) -> None:
        """New firms in ``kommune`` (one entry per firm), their sectors drawn by ``weights``."""
        if not len(kommune):
            return
        cum = np.cumsum(weights, axis=1)[kommune]         # each kommune's row summed once
        u = self.rng.random(len(kommune)) * cum[:, -1]
        sector = np.minimum((cum < u[:, None]).sum(axis=1), len(SECTORS) - 1)
        keep = (self.row[kommune, sector] >= 0) & (cum[:, -1] > 0)
        kommune, sector = kommune[keep], sector[keep]
        jobs = self.params.value("firms.jobs_at_birth") / self.scale.weight[kommune]
        n = len(kommune)
        # a policy's extra firm adds jobs only in a basic sector; in a local one it takes its
        # market from the firms there (the adjustment to local demand would undo it anyway)
        net = np.full(n, extra) & IS_BASIC[sector]
        new = {"kommune": kommune, "sector": sector, "born": np.full(n, year),
               "jobs": jobs.astype(float), "immigrant_owned": np.full(n, immigrant),
               "extra": net}
        for c in COLUMNS:
            self.cols[c] = np.concatenate([self.cols[c], new[c]])
        if net.any():
            np.add.at(self.market.firm_jobs, self.row[kommune[net], sector[net]], jobs[net])

    def _exit_and_grow(self, year: int) -> None:
        """Close firms by the survival curve, stop following the established, grow the rest;
        extra firms take their jobs with them when they close and add their growth."""
        c = self.cols
        age = year - c["born"]
        established = age > self.young_years
        closes = (self.rng.random(len(age)) < exit_chance(age, self.survival)) & ~established
        self.exits = np.bincount(c["kommune"][closes], minlength=self.market.geo.size
                                 ).astype(float)
        gone = closes & c["extra"]
        if gone.any():
            rows = self.row[c["kommune"][gone], c["sector"][gone]]
            np.subtract.at(self.market.firm_jobs, rows, c["jobs"][gone])
            np.maximum(self.market.firm_jobs, 0.0, out=self.market.firm_jobs)
        keep = ~(closes | established)
        for name in COLUMNS:
            c[name] = c[name][keep]
        growth = c["jobs"] * self.params.value("firms.young_firm_growth")
        c["jobs"] = c["jobs"] + growth
        if c["extra"].any():
            np.add.at(self.market.firm_jobs, self.row[c["kommune"], c["sector"]][c["extra"]],
                      growth[c["extra"]])

    def _cap(self) -> None:
        """Keep the baseline's young firms' jobs within ``firms.max_young_share`` of their
        sector's jobs in the kommune (they re-label part of them)."""
        c = self.cols
        base = ~c["extra"]
        rows = self.row[c["kommune"][base], c["sector"][base]]
        held = np.bincount(rows, c["jobs"][base], minlength=len(self.market.firm_jobs))
        limit = self.params.value("firms.max_young_share") * self.market.firm_jobs
        factor = np.where(held > limit, limit / np.maximum(held, 1e-12), 1.0)
        c["jobs"][base] = c["jobs"][base] * factor[rows]

    def seed_stock(self, pop: Population, year: int) -> None:
        """The young firms already there at the start: the births of each of the last
        ``young_years`` years at today's rates, thinned by the survival curve and grown."""
        weights = self._sector_weights()
        growth = self.params.value("firms.young_firm_growth")
        for age in range(self.young_years, 0, -1):
            expected = self._expected_births(pop, None)
            self.last_population = None
            for immigrant in (True, False):
                lam = expected["base", immigrant] * float(self.survival[age])
                n = self.rng.poisson(np.maximum(lam, 0.0))
                before = len(self)
                self._add(np.repeat(np.arange(len(n)), n), weights, year - age, immigrant, False)
                self.cols["jobs"][before:] *= (1.0 + growth) ** age
        self._cap()
        self.last_population = pop.count_by_kommune(self.market.geo.size).astype(float)

    # ----- what the records read -----------------------------------------------------------
    def by_kommune(self) -> dict[str, np.ndarray]:
        """Per kommune: young firms alive (real firms), of them immigrant-owned, and their
        jobs (agents)."""
        k, c = self.market.geo.size, self.cols
        return {"young_firms": np.bincount(c["kommune"], minlength=k),
                "young_immigrant_owned": np.bincount(c["kommune"][c["immigrant_owned"]],
                                                     minlength=k),
                "young_jobs": np.bincount(c["kommune"], c["jobs"], minlength=k)}
