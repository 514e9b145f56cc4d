"""The state's own jobs: an agency, a campus or a vocational school placed in a kommune.

``StateJobs`` (``type: state_jobs``) opens ``jobs`` state jobs in the area from ``from_year``
(spread over the area's kommuner by population), either new or moved from the kommune named
by the scenario entry's ``from_kommune`` (which loses them). The jobs serve the nation, not
the local population, so they are basic-sector jobs: they join each kommune's
knowledge-sector firm (``sim.processes.jobs``), which follows its national trend and is not
pulled back to local demand. What follows them is the model's own: the labour market hires
for them within the commuting region, open jobs draw movers and labour immigrants, and the
local sectors (construction, household services, public services) follow the people who come
(``LabourMarket.update_jobs``). The local multiplier (all jobs gained over the state jobs
placed) therefore emerges; it is not added on top (``tests/test_state_jobs.py`` measures it
against ``evidence.state_jobs``).

Cost (payer state): new jobs cost ``nok_per_job_year`` for every job each year in force;
moved jobs cost ``relocation_nok_per_job`` once, in the year they move (the evaluations of
2003–2007 found no lasting saving or extra running cost). After ``to_year`` the jobs are
withdrawn (moved jobs go back).
"""

from __future__ import annotations

import numpy as np

from sim.policies.base import Policy, persons
from sim.processes.jobs import S

# the firm that takes the jobs, then the fallbacks where a kommune has no such firm
HOST_FIRMS = ("knowledge", "largest")
SPENDING_SECTOR = "household_services"     # the local jobs the new incomes support


class StateJobs(Policy):
    """``jobs`` state jobs in the area from ``from_year``, new or moved from
    ``from_kommune``."""

    kind = "state_jobs"
    channels = ("jobs",)
    takes_origin = True      # the scenario entry may name from_kommune

    def __init__(self, model, spec, index: int = 0) -> None:
        self.from_code = getattr(spec, "from_kommune", None)
        super().__init__(model, spec, index)

    def setup(self, model) -> None:
        self.origin = None if self.from_code is None else model.geo.index(self.from_code)
        self.placed: dict[int, float] = {}     # agents placed per kommune (origin negative)
        self.moved_persons = 0.0               # persons' jobs moved this year (for the cost)
        self.spending: dict[int, float] = {}   # factor on household services per kommune
        self.placed_once = False

    def _share(self, model) -> np.ndarray:
        """Per kommune: its share of the jobs (by population inside the area)."""
        people = persons(model, model.population.count_by_kommune(model.geo.size)) * self.mask
        return people / max(people.sum(), 1.0)

    def apply(self, model, year: int) -> None:
        self.moved_persons = 0.0
        if year != self.first or self.placed or not self.on(model, "jobs"):
            return
        weight = model.scale.weight
        wanted = float(self.p["jobs"])
        if self.origin is not None:          # the origin gives up what it has, at most
            taken = _change_jobs(model, self.origin, -wanted / weight[self.origin])
            self.placed[self.origin] = taken
            wanted = -taken * weight[self.origin]
            self.moved_persons = wanted
        share = self._share(model)
        for k in np.flatnonzero(self.mask):
            self.placed[k] = _change_jobs(model, k, wanted * share[k] / weight[k])
        self.placed_once = True
        self.spending = {k: _follow_incomes(model, k, self.p["spending_jobs_per_job"] * agents)
                         for k, agents in self.placed.items()}

    def after_moves(self, model, moves) -> None:
        """After the last year in force (before the run's end), the jobs are withdrawn."""
        if model.year == self.last and self.last < model.spec.end_year - 1 and self.placed:
            for k, agents in self.placed.items():
                _change_jobs(model, k, -agents)
                model.labour.local_ratio[k, S[SPENDING_SECTOR]] /= self.spending.get(k, 1.0)
            self.placed = {}

    def cost(self, model, year: int) -> list[tuple[str, float]]:
        if self.origin is not None:
            return [(self.payer, self.moved_persons * self.p["relocation_nok_per_job"])]
        jobs = float(self.p["jobs"]) if self.placed_once else 0.0    # none if switched off
        return [(self.payer, jobs * self.p["nok_per_job_year"])]


def _change_jobs(model, k: int, agents: float) -> float:
    """Open (``agents`` > 0) or close jobs in kommune ``k``'s knowledge-sector firm (else its
    largest basic-sector firm); returns the change made (closing stops at what is there)."""
    from sim.policies import find_firm

    lab = model.labour
    for which in HOST_FIRMS:
        firms = find_firm(lab, k, which)
        if firms:
            before = float(lab.firm_jobs[firms[0]])
            lab.change_firm_jobs(firms[0], agents)
            return float(lab.firm_jobs[firms[0]]) - before
    return 0.0


def _follow_incomes(model, k: int, agents: float) -> float:
    """Household services in kommune ``k`` follow the incomes of ``agents`` more (fewer)
    state jobs: their jobs per unit of local demand rise by that many jobs, reached at the
    labour market's local adjustment speed. Returns the factor applied (to undo it)."""
    lab = model.labour
    j = S[SPENDING_SECTOR]
    now = float(lab.jobs_by_kommune_sector()[k, j])
    factor = max(1.0 + agents / now, 0.0) if now > 0 else 1.0
    lab.local_ratio[k, j] *= factor
    return factor if factor > 0 else 1.0
