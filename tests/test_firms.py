"""Firm entry and exit (``sim.processes.firms``) and the policies that act on it.

Firms close at SSB's survival rates; mentoring raises immigrants' start-ups; founder support
raises start-ups and the jobs in new firms; without such a policy the firms re-label jobs
and change no total; bad founder-support entries are refused with one clear message.
The runs are a two-kommune landscape of 10,000 people for a few years (seconds each).
"""

from __future__ import annotations

from functools import cache
from types import SimpleNamespace

import numpy as np
import pytest

from sim.model import SettlementModel
from sim.parameters import ParameterSet
from sim.processes.firms import YoungFirms, exit_chance
from sim.scenario.errors import ScenarioError
from sim.scenario.files import parse_scenario

SURVIVAL = {1: 0.531, 2: 0.464, 3: 0.397, 4: 0.355, 5: 0.309}
SEEDS = (1, 2, 3)
YEARS = 4
LANDSCAPE = {"kind": "landscape", "kommuner": [
    {"kommunenummer": "T1", "name": "Fjordvik", "population": 8_000, "centrality": 4,
     "region": 1, "lat": 63.9, "lon": 11.5, "area_km2": 900},
    {"kommunenummer": "V2", "name": "Lia", "population": 2_000, "centrality": 6,
     "region": 1, "lat": 63.7, "lon": 11.2, "area_km2": 800}]}


def _scenario(seed: int, policies: list, parameters: dict | None = None) -> dict:
    return {"name": "firms", "start_year": 2026, "end_year": 2026 + YEARS, "seed": seed,
            "geography": LANDSCAPE, "policies": policies,
            "parameters": parameters or {}}


EVERYWHERE = {"kommuner": ["T1", "V2"]}
NEWCOMERS_MENTORED = {"share": 1.0, "years": 10, "search_factor": 1.0, "stay_factor": 1.0}
POLICIES = {
    "none": [],
    # mentoring that acts only on start-ups: every newcomer gets a mentor for the whole run
    "mentoring": [{"type": "mentoring", "where": EVERYWHERE, "parameters": {
        **NEWCOMERS_MENTORED, "startup_factor": 5.0}}],
    "mentoring without start-ups": [{"type": "mentoring", "where": EVERYWHERE, "parameters": {
        **NEWCOMERS_MENTORED, "startup_factor": 1.0}}],
    "founder support": [{"type": "founder_support", "where": EVERYWHERE, "parameters": {
        "eligible_share": 1.0, "startup_factor": 10.0}}],
}
TEN_TIMES_THE_RATE = {"firms.startup_rate_by_age": {0: 0.0, 20: 0.177, 67: 0.0}}


@cache
def _run(seed: int, policies: str = "none", many_founders: bool = False) -> dict:
    """Indicators summed over the kommuner and the run's years, and the last year's jobs."""
    spec = parse_scenario(_scenario(seed, POLICIES[policies],
                                    TEN_TIMES_THE_RATE if many_founders else None))
    model = SettlementModel(spec)
    model.run()
    ind = model.records.tables()["indicators"]
    last = ind[ind["year"] == ind["year"].max()]
    return {"new_firms": int(ind["new_firms"].sum()),
            "immigrant_new_firms": int(ind["new_firms_immigrant_owned"].sum()),
            "young_jobs": int(last["jobs_in_young_firms"].sum()),
            "jobs": int(last["jobs"].sum()), "population": int(last["population"].sum())}


# ----- exits at the survival rates ----------------------------------------------------------
def test_the_exit_chance_takes_the_survival_curve_from_one_year_to_the_next():
    got = exit_chance(np.array([1, 2, 3, 4, 5]), SURVIVAL)
    want = [1 - 0.531, 1 - 0.464 / 0.531, 1 - 0.397 / 0.464, 1 - 0.355 / 0.397,
            1 - 0.309 / 0.355]
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-15)


def _cohort(n: int) -> YoungFirms:
    """``n`` firms started in year 0 in one kommune, on a one-row labour market."""
    market = SimpleNamespace(geo=SimpleNamespace(size=1), cornerstone=np.zeros(1, bool),
                             firm_kommune=np.zeros(1, np.int64),
                             firm_sector=np.zeros(1, np.int64), firm_jobs=np.full(1, 1e9))
    firms = YoungFirms(market, ParameterSet({"firms.survival": SURVIVAL}),
                       SimpleNamespace(weight=np.ones(1, np.int64)), seed=7)
    firms.cols = {"kommune": np.zeros(n, np.int64), "sector": np.zeros(n, np.int64),
                  "born": np.zeros(n, np.int64), "jobs": np.ones(n),
                  "immigrant_owned": np.zeros(n, bool), "extra": np.zeros(n, bool)}
    return firms


def test_a_cohort_of_new_firms_survives_at_ssbs_rates_and_then_is_established():
    n = 200_000
    firms = _cohort(n)
    for year in range(1, 6):
        firms._exit_and_grow(year)
        share = len(firms) / n
        se = np.sqrt(SURVIVAL[year] * (1 - SURVIVAL[year]) / n)
        assert abs(share - SURVIVAL[year]) < 4 * se, (year, share)
    alive = len(firms)
    firms._exit_and_grow(6)                 # six years old: established, not closed
    assert len(firms) == 0 and firms.exits.sum() == 0 and alive > 0


# ----- the baseline's totals hold -----------------------------------------------------------
def test_without_a_firm_policy_new_firms_re_label_jobs_and_change_no_total():
    """More or fewer start-ups (the rate ten times higher, or none) leave jobs and population
    exactly as they are: the baseline's new firms are part of their sector's jobs."""
    plain = _run(1)
    many = _run(1, many_founders=True)
    assert many["new_firms"] > 5 * plain["new_firms"] > 0
    assert (many["jobs"], many["population"]) == (plain["jobs"], plain["population"])


# ----- policies -----------------------------------------------------------------------------
def test_mentoring_raises_immigrants_start_ups():
    with_ = [_run(s, "mentoring")["immigrant_new_firms"] for s in SEEDS]
    without = [_run(s, "mentoring without start-ups")["immigrant_new_firms"] for s in SEEDS]
    assert all(a > b for a, b in zip(with_, without, strict=True)), (with_, without)
    assert sum(with_) > 1.2 * sum(without)


def test_founder_support_raises_start_ups_and_jobs_in_new_firms():
    with_ = [_run(s, "founder support") for s in SEEDS]
    without = [_run(s) for s in SEEDS]
    for a, b in zip(with_, without, strict=True):
        assert a["new_firms"] > 1.2 * b["new_firms"], (a, b)
        assert a["young_jobs"] > b["young_jobs"], (a, b)
    assert sum(a["jobs"] for a in with_) > sum(b["jobs"] for b in without)


def test_founder_support_is_paid_by_the_state():
    spec = parse_scenario(_scenario(1, POLICIES["founder support"]))
    model = SettlementModel(spec)
    model.step()
    costs = model.policy_set.table()
    assert set(costs["payer"]) == {"state"} and (costs["nok"] > 0).all()


# ----- refusals -----------------------------------------------------------------------------
@pytest.mark.parametrize(("parameters", "named", "says"), [
    ({"startup_factor": 0.5}, "startup_factor", "1"),
    ({"months_kept": 6}, "months_kept", "did you mean 'months'"),
    ({"eligible_share": "most"}, "eligible_share", "must be a number"),
])
def test_a_bad_founder_support_entry_is_refused_with_one_clear_message(parameters, named,
                                                                       says):
    raw = _scenario(1, [{"type": "founder_support", "where": EVERYWHERE,
                         "parameters": parameters}])
    with pytest.raises(ScenarioError) as err:
        parse_scenario(raw)
    message = str(err.value)
    assert f"policies.0.parameters.{named}" in message or named in message
    assert says in message
    assert message.count("\n") < 4, message
