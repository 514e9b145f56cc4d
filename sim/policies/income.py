"""Policies that change income in the area: tax relief, arbeidsgiveravgift, relocation premium.

They enter the move decision through the hook ``terms[type, kommune]`` (recorded as the
reason ``policy``) as ``policies.income_utility_coefficient`` times the log of the relative
gain in income."""

from __future__ import annotations

import numpy as np

from sim.policies.base import Policy, persons
from sim.processes import choice
from sim.processes.jobs import BASIC, S

# the working-age stages: not seniors, and not students (who move for their studies)
WORKING_STAGES = tuple(choice.STAGES.index(s) for s in ("young", "family", "adult"))


def income_coefficient(model) -> float:
    return float(model.params.value("policies.income_utility_coefficient"))


def working_types() -> np.ndarray:
    stage, _, _ = choice.type_parts(np.arange(choice.N_TYPES))
    return np.isin(stage, WORKING_STAGES)


def _in_area(mask: np.ndarray, gain) -> np.ndarray:
    """[type, kommune]: ``gain`` (a number or per kommune) for every mover type in the area,
    0 elsewhere."""
    per_kommune = np.where(mask, gain, 0.0)
    return np.broadcast_to(per_kommune[None, :], (choice.N_TYPES, len(mask)))


class IncomeTaxRelief(Policy):
    """Lower income tax for the area's residents by ``percentage_points`` of gross income.

    Effect: every mover type sees ``b * log(1 + points / 100)`` more utility in the area,
    for ``effect_full_years`` years, then less each year until none at
    ``effect_gone_years`` (the tiltakssone's evaluations: a novelty effect that fades).
    Cost (payer state): tax not collected on the wages of employed residents of the area
    (pensions and capital income left out: a lower bound)."""

    kind = "income_tax_relief"
    channels = ("income",)

    def utility(self, model, year: int) -> np.ndarray | None:
        if not self.on(model, "income"):
            return None
        gain = np.log1p(self.p["percentage_points"] / 100.0) * income_coefficient(model)
        return _in_area(self.mask, gain * self.fade(year))

    def cost(self, model, year: int) -> list[tuple[str, float]]:
        pop = model.population
        emp = pop.count_by_kommune(model.geo.size, pop.employed.astype(bool))
        wages = persons(model, emp) * model.labour.wage
        return [(self.payer, float(wages[self.mask].sum() * self.p["percentage_points"] / 100))]


class Arbeidsgiveravgift(Policy):
    """A new arbeidsgiveravgift ``rate`` in the area (0 = removed), against each kommune's
    zone rate (``policies.aga_zone_rates``, zones by ``policies.aga_zone_by_kommune``).

    The change in labour cost, ``(zone rate - rate) / (1 + zone rate)`` (negative when the new
    rate is higher, as in 2004), is split: the share ``wage_pass_through`` changes wages,
    which draws or repels working-age movers (utility ``b * log(1 + wage change)``); the rest
    changes labour cost, and firms in the basic sectors change their jobs by
    ``labour_demand_elasticity`` times that, reached over ``adjustment_years``. Cost (payer
    state): the contribution not collected on the area's wage bill (all employers, public ones
    included; negative, a revenue, for a higher rate)."""

    kind = "arbeidsgiveravgift"
    channels = ("income", "jobs")

    def setup(self, model) -> None:
        self.zone_rate = model.policy_set.zone_rate.copy()
        self.years_applied = 0

    def saving(self) -> np.ndarray:
        """Per kommune: the fall in labour cost (share of it; negative for a rise)."""
        cut = self.zone_rate - self.p["rate"]
        return np.where(self.mask, cut / (1.0 + self.zone_rate), 0.0)

    def utility(self, model, year: int) -> np.ndarray | None:
        """Working-age movers see the wage gain (``wage_pass_through`` of the saving)."""
        if not self.on(model, "income"):
            return None
        gain = income_coefficient(model) * np.log1p(self.p["wage_pass_through"] * self.saving())
        return np.where(working_types()[:, None], gain[None, :], 0.0)

    def apply(self, model, year: int) -> None:
        model.hooks.aga_rate[self.mask] = self.p["rate"]
        pass_through = self.p["wage_pass_through"]
        if self.years_applied < self.p["adjustment_years"] and self.on(model, "jobs"):
            growth = (1.0 + self.p["labour_demand_elasticity"] * (1 - pass_through)
                      * self.saving()) ** (1.0 / max(self.p["adjustment_years"], 1))
            lab = model.labour
            basic = np.isin(lab.firm_sector, [S[s] for s in BASIC])
            lab.firm_jobs[basic] *= growth[lab.firm_kommune[basic]]
        self.years_applied += 1

    def cost(self, model, year: int) -> list[tuple[str, float]]:
        lab = model.labour
        wage = lab.wage * (1.0 + self.p["wage_pass_through"] * self.saving())
        bill = persons(model, lab.jobs_by_kommune()) * wage
        cut = self.zone_rate - self.p["rate"]
        return [(self.payer, float((bill * cut)[self.mask].sum()))]


class Flyttepremie(Policy):
    """A relocation premium of ``premium_nok`` to each adult moving into the area from
    outside; repaid if the person leaves the area within ``repay_within_years``.

    Effect: every mover type sees ``b * log(1 + premium / (horizon_years * wage))`` more
    utility in the area's kommuner (residents of the area see it too, as the premium they
    would repay or forgo by leaving). Cost (payer state): premiums paid minus repayments."""

    kind = "flyttepremie"
    channels = ("income",)

    def setup(self, model) -> None:
        self.paid_pids = np.empty(0, dtype=np.int64)
        self.paid_year = np.empty(0, dtype=np.int64)
        self.paid = 0.0      # persons paid this year
        self.repaid = 0.0    # persons repaying this year

    def utility(self, model, year: int) -> np.ndarray | None:
        if not self.on(model, "income"):
            return None
        horizon = max(self.p["horizon_years"], 1) * model.labour.wage
        gain = income_coefficient(model) * np.log1p(self.p["premium_nok"] / horizon)
        return _in_area(self.mask, gain)

    def after_moves(self, model, moves) -> None:
        pop, year = model.population, model.year
        self.paid = self.repaid = 0.0
        if not self.active(year):
            return
        into = (self.mask[moves.destination] & ~self.mask[moves.origin]
                & (pop.age[moves.rows] >= self.p["min_age"]))
        rows = moves.rows[into]
        self.paid = float(model.scale.total(moves.stood_for[into]))   # as they were before
        # earlier recipients who left the area within the repayment window pay back
        if len(self.paid_pids) and self.p["repay_within_years"] > 0:
            r = pop.rows_of(self.paid_pids)
            within = year - self.paid_year < self.p["repay_within_years"]
            left = (r >= 0) & within & ~self.mask[pop.kommune[np.maximum(r, 0)]]
            self.repaid = float(model.scale.total(pop.kommune[r[left]]))
            keep = (r >= 0) & within & ~left
            self.paid_pids, self.paid_year = self.paid_pids[keep], self.paid_year[keep]
        self.paid_pids = np.concatenate([self.paid_pids, pop.pid[rows]])
        self.paid_year = np.concatenate([self.paid_year, np.full(len(rows), year)])

    def cost(self, model, year: int) -> list[tuple[str, float]]:
        return [(self.payer, (self.paid - self.repaid) * self.p["premium_nok"])]

