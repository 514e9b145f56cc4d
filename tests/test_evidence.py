"""Every policy parameter names its source, and the analyst is told which evidence backs a
lever (``sim.policies.evidence``)."""

from __future__ import annotations

from sim.parameters import ParameterSet
from sim.policies.evidence import (
    policy_evidence,
    policy_types,
    reference_problems,
    scenario_evidence,
)
from sim.scenario.files import load_scenario


def test_every_policy_parameter_cites_evidence_or_says_what_else_it_is():
    params = ParameterSet()
    kinds = policy_types(params)
    assert len(kinds) == 12
    problems = [p for kind in kinds for p in reference_problems(kind, params)]
    assert not problems, "\n".join(problems)


def test_a_parameter_without_a_source_or_with_a_borrowed_one_fails():
    params = ParameterSet()
    table = params["policies.arbeidsgiveravgift"]
    refs = dict(table.extra["references"])
    refs.pop("wage_pass_through")
    params._params["policies.arbeidsgiveravgift"] = type(table)(
        table.name, table.description, table.unit, table.reference, table.values,
        table.interpolation, {**table.extra, "references": refs})
    assert reference_problems("arbeidsgiveravgift", params) == [
        "policies.arbeidsgiveravgift.wage_pass_through: no reference"]
    # a study named as if it were evidence, without an evidence table backing the value
    refs["wage_pass_through"] = "Ku, Schönberg and Schreiner (2020): most of it goes to wages"
    refs["adjustment_years"] = "evidence.mentoring: a mentor scheme"
    params._params["policies.arbeidsgiveravgift"] = type(table)(
        table.name, table.description, table.unit, table.reference, table.values,
        table.interpolation, {**table.extra, "references": refs})
    problems = reference_problems("arbeidsgiveravgift", params)
    assert any("wage_pass_through: the reference must start with" in p for p in problems)
    assert any("adjustment_years: cites evidence.mentoring, whose backs does not list it" in p
               for p in problems)


def test_the_pass_through_follows_the_evaluations_not_the_opposite():
    """Employers bear most of a change in the arbeidsgiveravgift (Ku et al. 2020,
    Samfunnsøkonomisk analyse 2018, Stokke 2021): the model's share passed to wages lies in
    the studies' range, and below one half."""
    params = ParameterSet()
    share = params.value("policies.arbeidsgiveravgift")["wage_pass_through"]
    rng = params.value("evidence.arbeidsgiveravgift")["wage_pass_through"]
    assert rng["low"] <= share <= rng["high"] < 0.5 + 1e-9


def test_compare_names_the_evidence_and_flags_extrapolation():
    spec = load_scenario("scenarios/distriktspolitikk-2.0.yaml")
    found = {e["policy"]: e for e in scenario_evidence(spec.policies)}
    assert found["arbeidsgiveravgift"]["evidence"] == "evidence.arbeidsgiveravgift"
    assert "wage_pass_through" in found["arbeidsgiveravgift"]["backed_by_evidence"]
    assert "policies.income_utility_coefficient" in found["income_tax_relief"]["approximations"]
    assert found["flyttepremie"]["effect_size"] == "none"
    assert found["flyttepremie"]["extrapolation"]       # NOK 100,000 > any write-down in force
    assert not found["income_tax_relief"]["extrapolation"]     # the tiltakssone's 3.5 points
    assert policy_evidence("income_tax_relief", {"percentage_points": 10.0})["extrapolation"]
