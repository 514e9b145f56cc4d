"""The budget window of a comparison: what a scenario costs each year, by policy and by payer
(state, fylke, kommune), and what its extra residents pay back.

Gross cost: the scenario's policy costs minus the baseline's, per year, policy and payer,
as means over seeds (costs hardly vary over seeds, and means add up: the years sum to the
total of ``compare.json``). A policy's cost of year ``t`` is booked in ``t``; the extra
residents of year ``t`` are the population difference on 1 January ``t + 1`` (as the
resident-years of the comparison).

What comes back, per year (parameters in ``public_finance``):

* **tax paid back** to the public purse: the extra residents of the whole simulated area
  times the personal taxes an average resident pays (``public_finance.tax_per_resident``).
  A mover who only changes kommune pays the same tax as before, so only residents that
  the area would not otherwise have had count;
* **the target area's income from the inntektssystem**: the target area's extra
  inhabitants times the kommune's (``public_finance.kommune_income_per_resident``) and the
  fylke's (``public_finance.fylke_income_per_resident``) free income per inhabitant. This
  is what the target kommuner and their fylker gain; for the kommune sector as a whole it
  is a transfer from the other kommuner (the Storting sets the total), so it is not
  subtracted from the public purse's net cost.

Net cost to the public purse = gross cost - tax paid back.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.parameters import ParameterSet
from sim.policies.base import PAYERS

BUDGET_COLUMNS = ["year", "policy", "payer", "nok"]
YEAR_COLUMNS = ["year", *PAYERS, "gross", "tax_paid_back", "net_public",
                "target_kommune_income", "target_fylke_income"]


def gross_by_policy(by_year: dict[tuple[int, str, str], float]) -> pd.DataFrame:
    """``budget.csv``: gross cost per year, policy and payer (NOK; mean over seeds)."""
    rows = [(y, policy, payer, round(v)) for (y, policy, payer), v in sorted(by_year.items())]
    return pd.DataFrame(rows, columns=BUDGET_COLUMNS)


def window(by_year: dict[tuple[int, str, str], float], years: list[int],
           extra_norway: np.ndarray, extra_target: np.ndarray,
           params: ParameterSet | None = None) -> pd.DataFrame:
    """Per year of the run: gross cost by payer and in all, tax paid back, net cost to the
    public purse, and the target area's income from the inntektssystem (NOK; means over
    seeds). ``extra_norway``/``extra_target``: [seed, year] population differences on
    1 January of ``years``."""
    params = params or ParameterSet()
    tax = float(params.value("public_finance.tax_per_resident"))
    kommune = float(params.value("public_finance.kommune_income_per_resident"))
    fylke = float(params.value("public_finance.fylke_income_per_resident"))
    costs = pd.DataFrame([(y, payer, v) for (y, _, payer), v in by_year.items()],
                         columns=["year", "payer", "nok"])
    table = (costs.pivot_table(index="year", columns="payer", values="nok", aggfunc="sum")
             .reindex(index=years[:-1], columns=list(PAYERS)).fillna(0.0)
             .rename_axis(index="year", columns=None).reset_index())
    # the extra residents of year t are the difference on 1 January t + 1
    people = extra_norway[:, 1:].mean(axis=0)
    target = extra_target[:, 1:].mean(axis=0)
    table["gross"] = table[list(PAYERS)].sum(axis=1)
    table["tax_paid_back"] = people * tax
    table["net_public"] = table["gross"] - table["tax_paid_back"]
    table["target_kommune_income"] = target * kommune
    table["target_fylke_income"] = target * fylke
    return table[YEAR_COLUMNS].round(0)


def totals(table: pd.DataFrame, extra_resident_years: float) -> dict:
    """The window's sums, and the net cost per extra resident-year of the target area."""
    out = {c: round(float(table[c].sum())) for c in YEAR_COLUMNS[1:]}
    out["net_public_per_extra_resident_year"] = (
        round(out["net_public"] / extra_resident_years) if extra_resident_years > 0 else None)
    return out
