"""Policies and shocks: each moves its target outcome the right way across seeds, its cost is
booked to the right payer, malformed policies are refused, and compare writes its files.

The experiments run Trøndelag (fylke 50) at 10 persons per agent for five years, with and
without the policy on the same seeds, and compare the paired outcomes.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from sim.cli import app
from sim.model import SettlementModel
from sim.policies import REGISTRY
from sim.scenario.files import parse_scenario
from sim.world.population import Kind, Subtype

SEEDS = (1, 2, 3)
AREA = {"fylker": ["50"]}
RURAL = {"centrality": [5, 6]}                 # Trøndelag's rural kommuner
runner = CliRunner()


def spec(policies=(), shocks=(), seed=1, end_year=2031):
    return parse_scenario({"name": "policy-test", "start_year": 2026, "end_year": end_year,
                           "seed": seed, "persons_per_agent": 10, "geography": AREA,
                           "policies": list(policies), "shocks": list(shocks)})


@cache
def _baseline(seed: int) -> SettlementModel:
    m = SettlementModel(spec(seed=seed))
    m.run()
    return m


def paired(policy: dict, outcome) -> tuple[list[float], list[SettlementModel]]:
    """outcome(model, mask) with the policy minus without, per seed; and the policy runs."""
    diffs, models = [], []
    for seed in SEEDS:
        m = SettlementModel(spec([policy], seed=seed))
        m.run()
        mask = m.policy_set.policies[0].mask
        diffs.append(outcome(m, mask) - outcome(_baseline(seed), mask))
        models.append(m)
    return diffs, models


def population(m, mask):
    return float(m.population.count_by_kommune(m.geo.size)[mask].sum())


def costs_of(m) -> pd.DataFrame:
    return m.policy_set.table()


def assert_moves_up(diffs, label):
    assert np.mean(diffs) > 0, f"{label}: {diffs}"
    assert sum(d > 0 for d in diffs) >= 2, f"{label}: {diffs}"


def assert_cost(models, payer):
    for m in models:
        t = costs_of(m)
        assert set(t["payer"]) == {payer}
        assert (t["nok"] > 0).any() and (t["nok"] >= 0).all()
        assert set(t["year"]) <= set(range(2026, 2031))


# ----- each policy moves its target outcome --------------------------------------------------
def owner_share(m, mask):
    pop = m.population
    here = mask[pop.kommune]
    return float(pop.owner[here].mean())


def test_startlan_raises_ownership_and_costs_the_kommune():
    policy = {"type": "startlan", "where": RURAL,
              "parameters": {"budget_nok_per_inhabitant": 20000}}
    diffs, models = paired(policy, owner_share)
    assert_moves_up(diffs, "owner share")
    assert_cost(models, "kommune")
    # cost = loans given x loan size (persons, NOK)
    m = models[0]
    assert costs_of(m)["nok"].iloc[-1] % 450000 == 0


def test_housing_construction_lowers_rents_where_it_builds():
    policy = {"type": "housing_construction", "where": {"kommuner": ["5014"]},
              "parameters": {"dwellings_per_year": 200}}
    diffs, models = paired(policy, lambda m, mask: -float(m.housing.rent[mask].mean()))
    assert_moves_up(diffs, "lower rent")
    assert_cost(models, "kommune")


def test_income_tax_relief_draws_people_and_costs_the_state():
    policy = {"type": "income_tax_relief", "where": RURAL,
              "parameters": {"percentage_points": 10}}
    diffs, models = paired(policy, population)
    assert_moves_up(diffs, "population")
    assert_cost(models, "state")


def test_arbeidsgiveravgift_removal_adds_jobs():
    policy = {"type": "arbeidsgiveravgift", "where": RURAL, "parameters": {"rate": 0.0}}
    diffs, models = paired(policy, lambda m, mask: float(m.labour.jobs_by_kommune()[mask].sum()))
    assert_moves_up(diffs, "jobs")
    assert_cost(models, "state")
    m = models[0]
    assert (m.labour.aga_rate[m.policy_set.policies[0].mask] == 0).all()


def test_flyttepremie_draws_people_and_costs_the_premiums():
    policy = {"type": "flyttepremie", "where": RURAL,
              "parameters": {"premium_nok": 500000}}
    diffs, models = paired(policy, population)
    assert_moves_up(diffs, "population")
    assert_cost(models, "state")


def test_state_jobs_moved_to_namsos_add_jobs_there_and_the_state_pays_the_move_once():
    policy = {"type": "state_jobs", "where": {"kommuner": ["5007"]}, "from_year": 2027,
              "from_kommune": "5001", "parameters": {"jobs": 300}}
    diffs, models = paired(policy, lambda m, mask: float(m.labour.jobs_by_kommune()[mask].sum()))
    assert min(diffs) > 300 / 10, diffs            # agents of 10 persons: beyond its own
    for m in models:
        costs = costs_of(m).set_index("year")["nok"]
        assert costs[2027] == 300 * 1_000_000 and (costs.drop(2027) == 0).all()
        k = m.geo.index("5001")
        assert m.labour.jobs_by_kommune()[k] < _baseline(m.spec.seed).labour.jobs_by_kommune()[k]


def test_held_back_dwellings_come_onto_the_market_at_the_kommunes_cost():
    diffs, models = paired({"type": "held_back_dwellings", "where": RURAL},
                           lambda m, mask: float(m.housing.dwellings[mask].sum()))
    assert_moves_up(diffs, "dwellings")
    assert_cost(models, "kommune")


def test_founder_support_raises_start_ups_at_the_states_cost():
    diffs, models = paired({"type": "founder_support", "where": RURAL},
                           lambda m, mask: float(m.young_firms.births[mask].sum()))
    assert_moves_up(diffs, "new firms")
    assert_cost(models, "state")


def test_mentoring_raises_immigrants_employment():
    def employed_immigrants(m, mask):
        pop = m.population
        imm = (pop.kind == Kind.IMMIGRANT) & mask[pop.kommune] & (pop.age >= 20) & (
            pop.age <= 66)
        return float(pop.employed[imm].mean())

    policy = {"type": "mentoring", "where": AREA,
              "parameters": {"share": 1.0, "search_factor": 3.0}}
    diffs, models = paired(policy, employed_immigrants)
    assert_moves_up(diffs, "immigrant employment")
    assert_cost(models, "kommune")


def test_remote_work_hubs_draw_employed_movers():
    policy = {"type": "remote_work", "where": RURAL,
              "parameters": {"remote_share": 0.5, "hub_utility": 3.0}}
    diffs, models = paired(policy, population)
    assert_moves_up(diffs, "population")
    assert_cost(models, "kommune")
    assert all(m.population.remote.any() for m in models)


def test_refugee_settlement_key_sends_refugees_to_the_area():
    def refugees(m, mask):
        pop = m.population
        return float(((pop.subtype == Subtype.REFUGEE) & mask[pop.kommune]).sum())

    policy = {"type": "refugee_settlement", "where": RURAL,
              "parameters": {"area_share": 0.8}}
    diffs, models = paired(policy, refugees)
    assert_moves_up(diffs, "refugees")
    assert_cost(models, "state")


def test_service_investment_raises_services_and_keeps_schools():
    policy = {"type": "service_investment", "where": RURAL,
              "parameters": {"nok_per_inhabitant": 20000}}
    diffs, models = paired(policy, lambda m, mask: float(m.places.service_level[mask].mean()))
    assert_moves_up(diffs, "service level")
    assert_cost(models, "kommune")
    for m in models:
        mask = m.policy_set.policies[0].mask
        assert (m.places.school_closures[mask] == 0).all()


@pytest.mark.parametrize("kind", ["income_tax_relief", "flyttepremie"])
def test_policy_draws_people_to_the_classroom_villages(kind):
    """The same on the classroom landscape, one agent per person: the villages gain."""
    classroom = Path(__file__).resolve().parents[1] / "scenarios" / "classroom-sentralisering.yaml"
    raw = yaml.safe_load(classroom.read_text(encoding="utf-8"))
    raw["immigration"] = {"alternative": "zero"}
    diffs = []
    for seed in SEEDS:
        runs = []
        for policies in ([], [{"type": kind, "where": {"centrality": [6]}, "parameters":
                              {"percentage_points": 10} if kind == "income_tax_relief"
                              else {"premium_nok": 500000}}]):
            s = parse_scenario({**raw, "end_year": 2031, "seed": seed, "policies": policies})
            m = SettlementModel(s)
            m.run()
            runs.append(population(m, m.geo.centrality == 6))
        diffs.append(runs[1] - runs[0])
    assert_moves_up(diffs, f"{kind}: village population")


def test_every_registered_policy_is_tested():
    tests = [name for name in globals() if name.startswith("test_")]
    for kind in REGISTRY:
        assert any(name.startswith(f"test_{kind}_") for name in tests), kind


def test_policy_ends_when_its_years_end():
    m = SettlementModel(spec([{"type": "income_tax_relief", "where": RURAL,
                               "from_year": 2027, "to_year": 2028}]))
    m.run()
    years = set(costs_of(m)["year"])
    assert years == {2027, 2028}
    assert not m.hooks.terms.any()           # hooks are neutral after the policy ended


def test_income_tax_relief_fades_as_the_evaluations_say():
    """Vista Analyse (2022): a new measure raises settlement for its first years only; the
    state keeps paying for it after its effect is gone."""
    relief = {"type": "income_tax_relief", "where": RURAL, "from_year": 2026,
              "parameters": {"effect_full_years": 2, "effect_gone_years": 4}}
    m = SettlementModel(spec([relief]))
    policy = m.policy_set.policies[0]
    assert [policy.fade(2026 + i) for i in range(6)] == pytest.approx(
        [1, 1, 2 / 3, 1 / 3, 0, 0])
    terms = {}
    while m.running:
        m.step()
        terms[m.year - 1] = float(m.hooks.terms[:, policy.mask].max())
    assert terms[2027] == pytest.approx(terms[2026]) and terms[2026] > 0
    assert terms[2028] == pytest.approx(terms[2026] * 2 / 3)
    assert terms[2030] == 0.0
    assert set(costs_of(m)["year"]) == set(range(2026, 2031))


def test_backcast_regime_has_the_2006_arbeidsgiveravgift_rates():
    """2006, the last year of the 2004-2006 phase-out: zone II at 14.1 %, back to its own
    rate with the 2007 reintroduction; the tiltakssone's zone V stays at 0."""
    m = SettlementModel(parse_scenario({
        "name": "regime-2006", "start_year": 2006, "end_year": 2008, "seed": 1,
        "persons_per_agent": 50, "geography": AREA,
        "immigration": {"alternative": "observed"}, "emigration": {"alternative": "observed"}}))
    zones = np.array(m.policy_set.zones)
    assert (zones == "II").any()
    rates = {}
    while m.running:
        m.step()
        rates[m.year - 1] = m.hooks.aga_rate.copy()
    assert (rates[2006][zones == "II"] == 0.141).all()
    assert (rates[2007][zones == "II"] == 0.106).all()
    assert (rates[2006][zones == "I"] == 0.141).all()


def test_shock_closes_jobs_at_the_cornerstone():
    code = "5014"
    m = SettlementModel(spec(shocks=[{"kommune": code, "year": 2027, "jobs": -300,
                                      "firm": "largest"}], end_year=2028))
    k = m.geo.index(code)
    m.step()                                  # 2026
    before = m.labour.jobs_by_kommune()[k]
    m.step()                                  # 2027: the shock
    after = m.labour.jobs_by_kommune()[k]
    assert before - after >= 300 / m.persons_per_agent * 0.8
    assert m.policy_set.shock_log[0]["jobs"] == -300
    # the firm's workers live in the kommune: its residents lose their jobs
    calm = SettlementModel(spec(end_year=2028))
    calm.step()
    calm.step()

    def employed_here(model):
        pop = model.population
        return int(pop.employed[pop.kommune == k].sum())

    assert employed_here(calm) - employed_here(m) >= 300 / m.persons_per_agent * 0.3


def test_no_policy_run_is_unchanged_and_writes_empty_costs(tmp_path):
    from sim.output.run_folder import run_scenario

    result = run_scenario(spec(end_year=2028), tmp_path / "run")
    costs = pd.read_csv(tmp_path / "run" / "policy_costs.csv")
    assert list(costs.columns) == ["year", "policy", "payer", "nok"] and costs.empty
    assert result.policy_costs is not None


def test_run_writes_policy_costs(tmp_path):
    from sim.output.run_folder import run_scenario

    run_scenario(spec([{"type": "startlan", "where": RURAL}], end_year=2028), tmp_path / "r")
    costs = pd.read_csv(tmp_path / "r" / "policy_costs.csv")
    assert set(costs["policy"]) == {"startlan"} and set(costs["payer"]) == {"kommune"}
    assert (costs["nok"] > 0).all()


# ----- refusals --------------------------------------------------------------------------------
def scenario(**fields) -> str:
    return yaml.safe_dump({"name": "bad", "start_year": 2026, "end_year": 2030, **fields},
                          allow_unicode=True, sort_keys=False)


def froya(**kw) -> dict:
    return {"type": "startlan", "where": {"kommuner": ["5014"]}, **kw}


BAD = [
    ("unknown-type", scenario(policies=[{"type": "startlon", "where": {"fylker": ["50"]}}]),
     ["policies[0].type", "unknown policy type 'startlon'", "did you mean 'startlan'",
      "flyttepremie"]),
    ("unknown-parameter", scenario(policies=[froya(parameters={"loan": 5})]),
     ["policies[0].parameters['loan']", "unknown parameter of startlan", "loan_nok"]),
    ("negative-budget", scenario(policies=[froya(parameters={"budget_nok": -1000})]),
     ["policies[0].parameters['budget_nok']", "must not be negative", "-1000"]),
    ("parameter-not-a-number", scenario(policies=[froya(parameters={"loan_nok": "lots"})]),
     ["policies[0].parameters['loan_nok']", "must be a number"]),
    ("share-above-one", scenario(policies=[{"type": "mentoring", "where": {"fylker": ["50"]},
                                            "parameters": {"share": 1.5}}]),
     ["policies[0].parameters['share']", "between 0 and 1"]),
    ("year-outside-run", scenario(policies=[froya(from_year=2035)]),
     ["policies[0].from_year", "outside the run", "2026–2029"]),
    ("years-reversed", scenario(policies=[froya(from_year=2028, to_year=2027)]),
     ["policies[0].to_year", "before from_year"]),
    ("empty-area", scenario(policies=[{"type": "startlan", "where": {}}]),
     ["policies[0].where", "the area is empty"]),
    ("area-outside-geography", scenario(geography={"fylker": ["50"]}, policies=[
        {"type": "startlan", "where": {"fylker": ["56"]}}]),
     ["policies[0].where", "selects no kommune of the simulated area"]),
    ("kommune-not-in-area", scenario(policies=[froya(where={"kommuner": ["5099"]})]),
     ["policies[0].where.kommuner[0]", "no kommune '5099'"]),
    ("unknown-zone", scenario(policies=[froya(where={"zone": "nord-norge"})]),
     ["policies[0].where.zone", "finnmark-nord-troms"]),
    ("bad-centrality", scenario(policies=[froya(where={"centrality": [7]})]),
     ["policies[0].where.centrality[0]", "less than or equal to 6"]),
    ("same-policy-twice", scenario(policies=[froya(), {"type": "startlan", "where": {
        "fylker": ["50"]}, "from_year": 2028}]),
     ["policies[1]", "already listed at policies[0]"]),
    ("unknown-policy-key", scenario(policies=[froya(budget=5)]),
     ["policies[0].budget", "unknown key"]),
    ("shock-unknown-kommune", scenario(shocks=[{"kommune": "9999", "year": 2027,
                                                "jobs": -300}]),
     ["shocks[0].kommune", "no kommune '9999'"]),
    ("shock-year-outside-run", scenario(shocks=[{"kommune": "5014", "year": 2040,
                                                 "jobs": -300}]),
     ["shocks[0].year", "outside the run"]),
    ("shock-unknown-firm", scenario(shocks=[{"kommune": "5014", "year": 2027, "jobs": -300,
                                             "firm": "bank"}]),
     ["shocks[0].firm", "'cornerstone'"]),
]


@pytest.mark.parametrize(("text", "expected"), [c[1:] for c in BAD], ids=[c[0] for c in BAD])
def test_malformed_policy_is_refused(tmp_path, text, expected):
    path = tmp_path / "s.yaml"
    path.write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    result = runner.invoke(app, ["run", str(path), "--out", str(out)])
    assert result.exit_code == 2, result.output
    message = " ".join(result.output.split())
    assert "Traceback" not in message and "s.yaml" in message
    for text_part in expected:
        assert text_part in message, f"{text_part!r} not in {message!r}"
    assert not out.exists()


def test_same_policy_in_other_places_or_years_is_allowed():
    parse_scenario({"name": "ok", "end_year": 2030, "policies": [
        froya(), {"type": "startlan", "where": {"kommuner": ["5056"]}},
        {"type": "housing_construction", "where": {"kommuner": ["5014"]}}]})
    parse_scenario({"name": "ok", "end_year": 2030, "policies": [
        froya(to_year=2027), froya(from_year=2028)]})


# ----- compare -----------------------------------------------------------------------------
def test_compare_writes_its_files(tmp_path):
    def village(code, population, centrality, region):
        return {"kommunenummer": code, "name": f"Bygd {code}", "population": population,
                "lat": 63.5, "lon": 10.5 + 0.3 * len(code), "centrality": centrality,
                "region": region, "area_km2": 300.0}

    base = tmp_path / "base.yaml"
    base.write_text(yaml.safe_dump({
        "name": "small-base", "start_year": 2026, "end_year": 2031, "persons_per_agent": 5,
        "geography": {
            "kind": "landscape", "kommuner": [village("K01", 20000, 2, 1),
                                              village("K05", 800, 6, 2),
                                              village("K06", 1200, 6, 2)]}}))
    scen = tmp_path / "scen.yaml"
    scen.write_text(yaml.safe_dump({"extends": "base.yaml", "name": "small-premium",
                                    "policies": [{"type": "flyttepremie",
                                                  "where": {"kommuner": ["K05", "K06"]}}]}))
    out = tmp_path / "cmp"
    result = runner.invoke(app, ["compare", str(base), str(scen), "--seeds", "2",
                                 "--out", str(out)])
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out / "compare.csv", dtype={"area": str})
    assert list(table.columns) == ["area", "year", "baseline_median", "scenario_median",
                                   "diff_median", "diff_p05", "diff_p95"]
    assert set(table["area"]) == {"norway", "target", "K01", "K05", "K06"}
    start = table[table["year"] == 2026]
    assert (start["diff_median"] == 0).all()
    summary = json.loads((out / "compare.json").read_text())
    assert summary["seeds"] == [1, 2]
    assert summary["target_kommuner"] == ["K05", "K06"]
    assert summary["total_cost_nok"] > 0
    assert list(summary["total_cost_nok_by_policy"]) == ["flyttepremie (state)"]
    assert summary["extra_net_moves_into_target_by_reason"]  # why, by reason
    for key in ("extra_resident_years", "cost_per_extra_resident_year"):
        assert key in summary
    assert "target area" in result.output and "cost" in result.output


def test_compare_refuses_bad_seeds(tmp_path):
    path = Path(__file__).resolve().parents[1] / "scenarios" / "baseline.yaml"
    result = runner.invoke(app, ["compare", str(path), str(path), "--seeds", "0",
                                 "--out", str(tmp_path / "c")])
    assert result.exit_code == 2 and "--seeds" in result.output
    assert not (tmp_path / "c").exists()
