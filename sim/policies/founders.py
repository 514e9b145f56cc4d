"""The founder-support policy: founders keep their benefits while they start a firm.

The NAV and IMDi schemes the source material names (keeping dagpenger or AAP while starting
a firm, start-up grants for founders): persons without a job in the area start firms more
often (hook ``startup_boost``, read by ``sim.processes.firms``); the firms they start beyond
the baseline's add their jobs to the kommune. Cost (payer state): the supported founders
(the area's expected founders among those the scheme reaches, times ``startup_factor``)
times the benefit they keep plus the grants.
"""

from __future__ import annotations

import numpy as np

from sim.policies.base import Policy


class FounderSupport(Policy):
    """``eligible_share`` of the persons aged 20-66 without a job in the area (those on
    dagpenger or AAP) start firms at ``startup_factor`` times their rate; spread over all of
    them as an expected value: each one's rate is multiplied by
    1 + eligible_share x (startup_factor - 1)."""

    kind = "founder_support"
    payer = "state"
    channels = ("jobs",)

    def setup(self, model) -> None:
        self.founders = 0.0

    def _rows(self, model) -> np.ndarray:
        pop = model.population
        founding_age = model.params.by_age("firms.startup_rate_by_age", pop.age) > 0
        return np.flatnonzero(self.mask[pop.kommune] & (pop.employed == 0) & founding_age)

    def apply(self, model, year: int) -> None:
        rows = self._rows(model)
        share, factor = self.p["eligible_share"], self.p["startup_factor"]
        self.founders = share * factor * model.young_firms.expected_founders(
            model.population, rows)
        if len(rows) and self.on(model, "jobs"):
            model.hooks.scale("startup_boost", rows, 1.0 + share * (factor - 1.0),
                              len(model.population))

    def cost(self, model, year: int) -> list[tuple[str, float]]:
        each = (self.p["months"] * self.p["nok_per_month"]
                + self.p["grant_share"] * self.p["grant_nok"])
        return [(self.payer, float(self.founders * each))]
