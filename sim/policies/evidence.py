"""The evidence behind each policy lever, and the rule every policy parameter's source follows.

The evaluations of Norway's own policies (and Nordic ones where Norway has none) live in the
parameter tree, one table per lever: ``sim/params/evidence/<lever>.yaml`` holds what each study
measured (figure, range, population, years, quote, address), the figures a replay is judged
against (``values``), the policy parameters it backs (``backs``) and the range of each policy
parameter that has really been in force (``observed_range``).

Every value of a policy (``sim/params/policies/<type>.yaml``) names its source under
``references``, starting with what kind of source it is (``REFERENCE_KINDS``): evidence it is
backed by (``evidence.<lever>``, which must list the parameter under ``backs``), a statistic
(``data:``), a choice that is the scenario's or the model's to make, or ``APPROXIMATION:`` and
why, where no evidence exists. ``reference_problems`` lists every breach, and the tests run it
over the whole tree. ``scenario_evidence`` tells the analyst, per policy of a scenario, which
evidence backs its lever, which of its parameters are approximations, and which values go
beyond what was ever in force.
"""

from __future__ import annotations

from typing import Any

from sim.parameters import ParameterSet
from sim.policies.income import Arbeidsgiveravgift, Flyttepremie, IncomeTaxRelief

# what a policy parameter's reference must start with: the kind of source it is
REFERENCE_KINDS = ("evidence.", "data:", "APPROXIMATION:", "scenario choice",
                   "modelling choice", "accounting choice")
EVIDENCE = "evidence"          # the parameter tree's folder of evidence tables
# the policies whose effect is a change in income, weighed by the income coefficient
INCOME_POLICIES = tuple(cls.kind for cls in (IncomeTaxRelief, Arbeidsgiveravgift, Flyttepremie))
INCOME_COEFFICIENT = "policies.income_utility_coefficient"


def policy_types(params: ParameterSet) -> list[str]:
    """Policy types with a defaults table in the parameter tree (``policies.<type>`` with
    ``references``)."""
    return sorted(n.split(".", 1)[1] for n in params.names()
                  if n.startswith("policies.") and "references" in params[n].extra)


def evidence_tables(params: ParameterSet) -> dict[str, dict]:
    """Every evidence table: name (``evidence.<lever>``) -> its values, backs, ranges and
    studies."""
    out = {}
    for name in params.names():
        if name.startswith(EVIDENCE + "."):
            p = params[name]
            out[name] = {"values": p.values, "backs": p.extra.get("backs") or {},
                         "observed_range": p.extra.get("observed_range") or {},
                         "effect_size": p.extra.get("effect_size", "none"),
                         "studies": p.extra.get("studies") or [], "reference": p.reference}
    return out


def reference_problems(kind: str, params: ParameterSet | None = None) -> list[str]:
    """What is wrong with the sources of policy type ``kind``'s parameters (empty: nothing)."""
    params = params or ParameterSet()
    table = params[f"policies.{kind}"]
    refs = table.extra.get("references") or {}
    tables = evidence_tables(params)
    problems = []
    for key in table.values:
        ref = str(refs.get(key) or "").strip()
        where = f"policies.{kind}.{key}"
        if not ref:
            problems.append(f"{where}: no reference")
            continue
        if not ref.startswith(REFERENCE_KINDS):
            problems.append(f"{where}: the reference must start with one of "
                            f"{', '.join(REFERENCE_KINDS)}; it starts {ref[:40]!r}")
            continue
        if ref.startswith("evidence."):
            lever = ref.split(":")[0].split()[0].rstrip(",;.")
            backs = tables.get(lever, {}).get("backs", {}).get(f"policies.{kind}")
            if lever not in tables:
                problems.append(f"{where}: cites {lever}, which is not an evidence table")
            elif key not in (backs or []):
                problems.append(f"{where}: cites {lever}, whose backs does not list it")
    return problems


def _evidence_for(kind: str, tables: dict[str, dict]) -> tuple[str | None, dict]:
    for name, table in tables.items():
        if f"policies.{kind}" in table["backs"]:
            return name, table
    return None, {}


def policy_evidence(kind: str, parameters: dict[str, Any],
                    params: ParameterSet | None = None) -> dict:
    """For one policy of a scenario: the evidence table backing its lever, the studies, the
    parameters backed by evidence and those that are approximations, whether any study
    measured an effect size, and the values beyond what was ever in force."""
    params = params or ParameterSet()
    tables = evidence_tables(params)
    name, table = _evidence_for(kind, tables)
    refs = params[f"policies.{kind}"].extra.get("references") or {}
    values = {**params.value(f"policies.{kind}"), **parameters}
    beyond = []
    for key, rng in (table.get("observed_range") or {}).items():
        if key in values and not rng["low"] <= float(values[key]) <= rng["high"]:
            beyond.append(f"{key} = {values[key]} is outside what was ever in force "
                          f"({rng['low']}–{rng['high']}: {rng.get('note', '')})")
    approximations = sorted(k for k, r in refs.items() if str(r).startswith("APPROXIMATION"))
    if kind in INCOME_POLICIES:        # their size is the income coefficient's
        approximations.append(INCOME_COEFFICIENT)
    return {
        "policy": kind,
        "evidence": name,
        "effect_size": table.get("effect_size", "none"),
        "studies": [s["short"] for s in table.get("studies", [])],
        "backed_by_evidence": sorted(k for k, r in refs.items()
                                     if str(r).startswith("evidence.")),
        "approximations": approximations,
        "extrapolation": beyond,
    }


def scenario_evidence(policies: list, params: ParameterSet | None = None) -> list[dict]:
    """``policy_evidence`` for each policy entry of a scenario (its ``type`` and
    ``parameters``), in the scenario's order."""
    params = params or ParameterSet()
    return [policy_evidence(p.type, dict(p.parameters), params) for p in policies]
