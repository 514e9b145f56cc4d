"""Labour market: firms and jobs by sector in every kommune, hiring within commuting regions.

This module owns the jobs side of the model:

* firms, one per kommune and sector plus separate cornerstone firms, each with jobs, a wage
  and a labour cost (wage plus arbeidsgiveravgift), seen as Mesa agents through
  ``sim.agents.Firm``;
* the yearly change in jobs: basic sectors follow a national trend by sector, local sectors
  (construction, household services, public services) follow the kommune's population, and
  public care follows the old;
* matching: retirements and separations, layoffs where jobs shrink, and hiring of job seekers
  living in the same bo- og arbeidsmarkedsregion (BA region);
* what other processes read: job prospects per region and vacancies per kommune.

The data pack has no employment by kommune. Jobs are therefore derived: at the start every
kommune has as many jobs as employed residents (employment rate by age, SSB), split over
sectors by the national sector mix (SSB register employment 2023/24) tilted by centrality.
"""

from __future__ import annotations

import numpy as np

from sim.parameters import ParameterSet
from sim.processes import job_kernels
from sim.world.geography import Geography
from sim.world.population import Kind, Population, chance
from sim.world.rows import age_values, age_values_of
from sim.world.scale import Scale

SECTORS = ("primary", "manufacturing", "construction", "visitor", "household_services",
           "knowledge", "public")
BASIC = ("primary", "manufacturing", "visitor", "knowledge")   # follow a national trend
LOCAL = ("construction", "household_services", "public")       # follow local population
S = {name: i for i, name in enumerate(SECTORS)}


class LabourMarket:
    """Jobs per firm, employment per person, and the region-level matching between them.

    Job counts are in agents (persons / persons per agent in the kommune, ``scale``), like
    everything in the columns; a region holds agents of one scale (``sim.world.scale``).
    """

    def __init__(self, geo: Geography, params: ParameterSet, scale: Scale) -> None:
        self.geo, self.params, self.scale = geo, params, scale
        _, self.region = np.unique(geo.region, return_inverse=True)
        self.n_regions = int(self.region.max()) + 1
        self.region_weight = np.zeros(self.n_regions, dtype=np.int64)
        self.region_weight[self.region] = scale.weight      # persons per agent, per region
        wage_table = params.value("labour.wage_by_centrality")
        self.wage = np.array([float(wage_table[c]) for c in geo.centrality])
        self.aga_rate = np.full(geo.size, params.value("labour.aga_rate_default"))
        self.local_ratio = np.zeros((geo.size, len(SECTORS)))
        self.hires = np.zeros(self.n_regions)
        self.vacancies = np.zeros(self.n_regions)
        self.jobs_last = np.zeros(self.n_regions)

    # ----- building -----------------------------------------------------------------------
    def build(self, pop: Population, rng: np.random.Generator) -> None:
        """Employ the start population and create the firms that employ them."""
        geo, params = self.geo, self.params
        rate = params.by_age("labour.employment_rate_by_age", pop.age)
        rate = np.where(pop.kind == Kind.IMMIGRANT,
                        rate * params.value("labour.immigrant_employment_factor"), rate)
        employed = rng.random(len(pop)) < rate
        pop.employed[:] = employed
        self.kommune_population_at_build = self.scale.persons(pop.count_by_kommune(geo.size))
        mix = self._sector_mix()
        jobs_k = pop.count_by_kommune(geo.size, employed).astype(float)
        jobs = mix * jobs_k[:, None]
        rows = np.flatnonzero(employed)
        cum = np.cumsum(mix, axis=1)
        job_kernels.draw_sectors(rng.random(len(rows)), cum, pop.kommune[rows], pop.sector,
                                 rows)
        self._make_firms(jobs)
        demand = self._local_demand(pop)
        with np.errstate(divide="ignore", invalid="ignore"):
            self.local_ratio = np.where(demand[:, None] > 0, jobs / demand[:, None], 0.0)
        self.jobs_last = self.region_jobs()

    def _sector_mix(self) -> np.ndarray:
        """Share of each kommune's jobs by sector: national shares tilted by centrality,
        then balanced (a few rounds of iterative fitting) so national totals keep the mix."""
        shares = self.params.value("labour.sector_shares")
        tilt = self.params.value("labour.sector_centrality_factor")
        nat = np.array([float(shares[s]) for s in SECTORS])
        nat = nat / nat.sum()
        f = np.array([[float(tilt[s][c - 1]) for s in SECTORS] for c in self.geo.centrality])
        mix = f * nat[None, :]
        for _ in range(20):
            mix = mix / mix.sum(axis=1, keepdims=True)
            mix = mix * (nat / mix.mean(axis=0))[None, :]
        return mix / mix.sum(axis=1, keepdims=True)

    def _make_firms(self, jobs: np.ndarray) -> None:
        """One firm per kommune and sector; in small kommuner a dominant basic employer
        becomes a cornerstone firm of its own."""
        k_idx, s_idx = np.nonzero(jobs > 0)
        firm_jobs = jobs[k_idx, s_idx].copy()
        small = self.kommune_population_at_build < self.params.value(
            "labour.cornerstone_max_population")
        corner_share = self.params.value("labour.cornerstone_share")
        extra_k, extra_s, extra_j = [], [], []
        total = jobs.sum(axis=1)
        for s in (S["primary"], S["manufacturing"]):
            big = np.flatnonzero(small & (jobs[:, s] > 0) & (jobs[:, s] >= self.params.value(
                "labour.cornerstone_min_job_share") * total))
            for k in big:
                f = np.flatnonzero((k_idx == k) & (s_idx == s))[0]
                extra_k.append(k)
                extra_s.append(s)
                extra_j.append(firm_jobs[f] * corner_share)
                firm_jobs[f] *= 1 - corner_share
        self.firm_kommune = np.concatenate([k_idx, extra_k]).astype(np.int64)
        self.firm_sector = np.concatenate([s_idx, extra_s]).astype(np.int64)
        self.firm_jobs = np.concatenate([firm_jobs, extra_j]).astype(float)
        self.cornerstone = np.zeros(len(self.firm_jobs), dtype=bool)
        self.cornerstone[len(k_idx):] = True
        self.immigrant_owned = np.zeros(len(self.firm_jobs), dtype=bool)

    # ----- views ---------------------------------------------------------------------------
    def jobs_by_kommune_sector(self) -> np.ndarray:
        out = np.zeros((self.geo.size, len(SECTORS)))
        np.add.at(out, (self.firm_kommune, self.firm_sector), self.firm_jobs)
        return out

    def jobs_by_kommune(self) -> np.ndarray:
        return np.bincount(self.firm_kommune, self.firm_jobs, minlength=self.geo.size)

    def region_jobs(self) -> np.ndarray:
        return np.bincount(self.region, self.jobs_by_kommune(), minlength=self.n_regions)

    def _local_demand(self, pop: Population) -> np.ndarray:
        """Population weighted for the care needs of the old (public services follow them)."""
        k = self.geo.size
        old = pop.count_between(k, "age", self.params.value("labour.care_age"),
                                np.iinfo(np.int16).max)                # and older
        return (pop.count_by_kommune(k)
                + self.params.value("labour.care_weight") * old).astype(float)

    def job_prospects(self) -> np.ndarray:
        """Per kommune: log of jobs in its BA region and the region's vacancy rate, as
        (size, tightness) arrays; movers compare these between kommuner."""
        region_jobs = self.region_jobs()
        comparable = region_jobs if not self.scale.focused else np.bincount(
            self.region, self.scale.relative(self.jobs_by_kommune()), minlength=self.n_regions)
        size = np.log(np.maximum(comparable, 1.0))[self.region]
        # open jobs per job, with small regions shrunk towards zero (a handful of open jobs
        # in a region of a few hundred is noise, not a boom) and capped
        floor = self.params.value("labour.tightness_min_jobs") / self.region_weight
        tight = np.maximum(self.vacancies, 0.0) / np.maximum(region_jobs, floor)
        tight = np.minimum(tight, self.params.value("labour.tightness_cap"))
        return size, tight[self.region]

    def vacancies_by_kommune(self) -> np.ndarray:
        """Open jobs per kommune as labour immigrants see them: the kommune's jobs times the
        open-job rate every region has from turnover (``labour.open_job_rate``) plus its
        region's rate of jobs left unfilled, shrunk for small regions and capped like movers
        see it (``job_prospects``), so a handful of open jobs in a village does not draw a
        crowd."""
        _, tight = self.job_prospects()
        return self.jobs_by_kommune() * (self.params.value("labour.open_job_rate") + tight)

    # ----- the yearly step ----------------------------------------------------------------
    def update_jobs(self, pop: Population, year: int) -> None:
        """Basic sectors follow their national trend; local sectors follow local demand."""
        trends = self.params.value("labour.sector_trend")
        for s in BASIC:
            sel = self.firm_sector == S[s]
            self.firm_jobs[sel] *= 1.0 + float(trends[s])
        target = self.local_ratio * self._local_demand(pop)[:, None]
        current = self.jobs_by_kommune_sector()
        speed = self.params.value("labour.local_adjustment_speed")
        for s in LOCAL:
            j = S[s]
            sel = (self.firm_sector == j) & ~self.cornerstone
            k = self.firm_kommune[sel]
            gap = target[k, j] - current[k, j]
            self.firm_jobs[sel] = np.maximum(self.firm_jobs[sel] + speed * gap, 0.0)

    def change_firm_jobs(self, firm: int, delta: float) -> None:
        """Open (delta > 0) or close (delta < 0) jobs at one firm, in agents."""
        self.firm_jobs[firm] = max(0.0, self.firm_jobs[firm] + delta)

    def match(self, pop: Population, seeker_weight: np.ndarray,
              rng: np.random.Generator) -> None:
        """Retire, separate, lay off and hire so employment follows the jobs in each region.

        ``seeker_weight`` is each person's weight as a job seeker (0 for non-seekers); the
        migration and policy processes raise or lower it (ties, mentoring)."""
        params = self.params
        workers = np.flatnonzero(pop.employed != 0)
        rate = age_values_of(workers, pop.age, params.age_table("labour.retirement_rate"))
        left = chance(rng, rate + params.value("labour.separation_rate"))
        leave = workers[left]
        pop.employed[leave] = 0
        pop.sector[leave] = -1
        emp_rs = self._lay_off(pop, workers[~left], rng)
        n_s = len(SECTORS)
        cells = self.n_regions * n_s
        jobs_rs = np.bincount(self.region[self.firm_kommune] * n_s + self.firm_sector,
                              self.firm_jobs, minlength=cells).reshape(self.n_regions, n_s)
        emp_rs = emp_rs.reshape(self.n_regions, n_s).astype(float)
        open_rs = np.maximum(jobs_rs - emp_rs, 0.0)
        open_r = open_rs.sum(axis=1)
        seekers = np.flatnonzero(job_kernels.seeking(pop.employed, seeker_weight))
        reg, w = job_kernels.seeker_regions(seekers, self.region, pop.kommune, seeker_weight)
        w_r = np.bincount(reg, w, minlength=self.n_regions)
        share = np.minimum(1.0, open_r / np.maximum(w_r, 1e-9))
        hit = chance(rng, job_kernels.hire_chances(w, reg, share))
        hired, reg = seekers[hit], reg[hit]
        cum = np.cumsum(open_rs / np.maximum(open_r, 1e-9)[:, None], axis=1)
        job_kernels.draw_sectors(rng.random(len(hired)), cum, reg, pop.sector, hired)
        pop.employed[hired] = 1
        self.hires = np.bincount(reg, minlength=self.n_regions).astype(float)
        self.vacancies = open_r - self.hires
        self.jobs_last = jobs_rs.sum(axis=1)

    def _lay_off(self, pop: Population, emp_rows: np.ndarray,
                 rng: np.random.Generator) -> np.ndarray:
        """Where a region has fewer jobs in a sector than workers, the surplus loses them
        (``emp_rows``: the employed rows). Returns the workers left per region and sector."""
        n_s = len(SECTORS)
        cell, workers = job_kernels.worker_cells(emp_rows, self.region, pop.kommune,
                                                 pop.sector, n_s, self.n_regions * n_s)
        jobs = np.bincount(self.region[self.firm_kommune] * n_s + self.firm_sector,
                           self.firm_jobs, minlength=self.n_regions * n_s)
        workers = workers.astype(float)
        surplus_share = np.where(workers > 0, np.maximum(workers - jobs, 0.0) / np.maximum(
            workers, 1.0), 0.0)
        laid_off = job_kernels.below(rng.random(len(emp_rows)), surplus_share, cell)
        out = emp_rows[laid_off]
        pop.employed[out] = 0
        pop.sector[out] = -1
        return (workers.astype(np.int64)
                - np.bincount(cell[laid_off], minlength=self.n_regions * n_s))


def run_year(market: LabourMarket, pop: Population, year: int, aga_rate: np.ndarray,
             seeker_boost: np.ndarray | None, params: ParameterSet,
             rng: np.random.Generator) -> None:
    """Step 1 of the year: jobs change by sector trend and local demand, then seekers are
    matched within their commuting region. ``aga_rate`` is this year's arbeidsgiveravgift per
    kommune; ``seeker_boost`` (per person row, None = all ones) multiplies the job-search
    weight (mentoring)."""
    market.aga_rate[:] = aga_rate
    market.update_jobs(pop, year)
    weights = seeker_weights(pop, params)
    if seeker_boost is not None:
        weights = weights * seeker_boost
    market.match(pop, weights, rng)


def seeker_weights(pop: Population, params: ParameterSet) -> np.ndarray:
    """How actively each person looks for work: participation by age; immigrants search with
    a lower success weight, raised by ties to Norwegian-born residents
    (docs/source-material.md#stay-factors). Only the weights of people without a job are used
    (``LabourMarket.match``)."""
    w = age_values(pop.age, params.age_table("labour.search_weight_by_age"))
    # only those without a job search, and only at ages with a weight, so only their ties
    # are looked up (a weight of 0 stays 0)
    imm = np.flatnonzero((pop.kind == Kind.IMMIGRANT) & (pop.employed == 0) & (w > 0))
    if len(imm):
        from sim.world.network import native_tie_share

        share = native_tie_share(pop, imm)
        factor = params.value("labour.immigrant_search_factor") * (
            1.0 + params.value("labour.native_tie_bonus") * share)
        w[imm] *= factor
    return w
