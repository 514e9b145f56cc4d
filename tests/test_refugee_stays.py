"""Refugees' stay in their first kommune: recorded by every run, compared with SSB's figures."""

from __future__ import annotations

import pandas as pd
from conftest import coarse_norway

from sim.output.run_folder import simulate
from sim.validation import refugee_stays


def _cohort_2026(move_factor: float) -> pd.DataFrame:
    result = simulate(coarse_norway(end_year=2032, parameters={
        "migration.immigrant_move_factor": move_factor}))
    table = result.refugee_stays
    return table[table["cohort"] == 2026].groupby("years_on")[
        ["in_norway", "in_first_kommune"]].sum()


def test_refugees_who_move_more_leave_their_first_kommune_sooner():
    """A run follows each year's refugees for five years. On their first 1 January all live
    in their first kommune; fewer do later, and fewer still when immigrants consider moving
    more often."""
    usual, restless = _cohort_2026(0.3), _cohort_2026(1.0)
    for t in (usual, restless):
        assert list(t.index) == [0, 1, 2, 3, 4, 5]
        assert t.loc[0, "in_norway"] > 0
        assert t.loc[0, "in_first_kommune"] == t.loc[0, "in_norway"]
        assert (t["in_first_kommune"] <= t["in_norway"]).all()

    def share(t: pd.DataFrame, years: int) -> float:
        return t.loc[years, "in_first_kommune"] / t.loc[years, "in_norway"]

    assert share(usual, 5) < share(usual, 1)
    assert share(restless, 5) < share(usual, 5) - 0.05


def test_the_report_pools_cohorts_and_runs_against_ssb():
    """The validation pools the cohorts SSB's figures cover over all runs, five years on."""
    def run(stayed: int) -> pd.DataFrame:
        rows = [{"cohort": c, "year": c + 1 + y, "years_on": y, "centrality": k,
                 "in_norway": 100, "in_first_kommune": stayed if y else 100}
                for c in range(2006, 2016) for y in range(6) for k in (1, 6)]
        return pd.DataFrame(rows)

    m = refugee_stays.summary([run(70), run(90)])
    first, second = m["rows"]
    assert first["cohorts"] == "2006–2010" and first["reference"] == 0.74
    assert second["cohorts"] == "2013–2015"
    assert abs(first["simulated"] - 0.80) < 1e-9
    assert abs(first["by_class"][6] - 0.80) < 1e-9
    text = "\n".join(refugee_stays.markdown(m))
    assert "Refugees' onward moves" in text and "| 2006–2010 (in sample) | 80% | 74%" in text
