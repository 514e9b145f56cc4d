"""The scenario loader's limits: another file's content is never quoted, absurd files (alias
bombs, deep nesting, huge files) are refused quickly, and every number has a plausible range.

Each refusal is one ``ScenarioError`` naming the file and the field, with the allowed range
and its unit; nothing runs.
"""

from __future__ import annotations

import time
import tracemalloc
from pathlib import Path

import pytest
import yaml

from sim import parameters
from sim.policies import REGISTRY
from sim.policies.base import defaults
from sim.scenario.errors import MAX_SHOWN, ScenarioError
from sim.scenario.files import MAX_DEPTH, MAX_FILE_BYTES, MAX_NODES, load_scenario

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
CLASSROOM = SCENARIOS / "classroom-sentralisering.yaml"
SECRET = "hunter2-SECRET-VALUE"
QUICK_S = 2.0                 # seconds a refusal may take
SMALL_MEMORY = 100e6          # bytes a refusal may allocate (Python objects, tracemalloc)


def refusal(path: Path) -> str:
    """The message of the ScenarioError ``path`` gets (fails if it loads)."""
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    return str(err.value)


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def small(**fields) -> str:
    """A valid classroom scenario (short run) with ``fields`` replaced."""
    raw = yaml.safe_load(CLASSROOM.read_text(encoding="utf-8"))
    raw.pop("immigration")
    raw.update({"end_year": 2030, **fields})
    return yaml.safe_dump(raw, sort_keys=False, allow_unicode=True)


# ----- 6: extends never shows another file's content ---------------------------------------
@pytest.mark.parametrize("content", [
    f"root:{SECRET}:20228:0:99999:7:::\nnobody:*:20228:0:99999:7::\n",   # like /etc/shadow
    f"password: {SECRET}\nuser: admin\n",                                # a mapping, not a scenario
    f"seed: {SECRET}\nname: [{SECRET}]\n",                               # scenario keys, bad values
    f"name: x\nkey: *{SECRET}\n",                                        # malformed YAML
    f"- {SECRET}\n",                                                     # a list
], ids=["shadow-like", "other-mapping", "scenario-keys-bad-values", "malformed", "list"])
def test_extends_of_a_non_scenario_file_does_not_quote_it(tmp_path, content):
    write(tmp_path, "other.yaml", content)
    child = write(tmp_path, "child.yaml", "extends: other.yaml\nname: child\n")
    message = refusal(child)
    assert SECRET not in message
    assert "other.yaml" in message


def test_extends_of_a_system_file_says_it_is_not_a_scenario_file(tmp_path):
    child = write(tmp_path, "child.yaml", "extends: /etc/passwd\nname: child\n")
    message = refusal(child)
    assert "not a scenario file" in message and "/etc/passwd" in message
    assert "root:" not in message


def test_missing_directory_and_unreadable_parents_get_the_same_message(tmp_path):
    (tmp_path / "folder.yaml").mkdir()
    messages = []
    for target in ("nowhere.yaml", "folder.yaml"):
        child = write(tmp_path, "child.yaml", f"extends: {target}\nname: child\n")
        messages.append(refusal(child).replace(target, "X"))
    assert messages[0] == messages[1]
    assert "Errno" not in messages[0]


def test_the_users_own_file_is_still_quoted(tmp_path):
    path = write(tmp_path, "s.yaml", small(seed="abc"))
    assert "'abc'" in refusal(path)


# ----- 7: bombs, depth and size ------------------------------------------------------------
def laughs(levels: int = 9) -> str:
    lines = ["name: bomb", "a0: &a0 [" + ",".join(["lol"] * 9) + "]"]
    for i in range(1, levels):
        lines.append(f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 9) + "]")
    return "\n".join(lines) + "\n"


def quick_refusal(path: Path) -> str:
    tracemalloc.start()
    start = time.perf_counter()
    try:
        message = refusal(path)
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    assert time.perf_counter() - start < QUICK_S
    assert peak < SMALL_MEMORY
    return message


def test_alias_bomb_is_refused_quickly(tmp_path):
    path = write(tmp_path, "bomb.yaml", laughs())
    assert len(path.read_bytes()) < 500   # a few hundred bytes
    message = quick_refusal(path)
    assert "alias" in message and f"{MAX_NODES:,}" in message


def test_modest_aliases_still_load(tmp_path):
    text = small() + "shocks:\n  - &shock {kommune: K03, year: 2027, jobs: -20}\n" \
        "  - {kommune: K05, year: 2028, jobs: -20}\n"
    assert load_scenario(write(tmp_path, "s.yaml", text)).shocks[0].jobs == -20


@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 10_000])
def test_deep_nesting_is_refused(tmp_path, depth):
    path = write(tmp_path, "deep.yaml", "name: deep\ndescription: " + "[" * depth
                 + "]" * depth + "\n")
    message = quick_refusal(path)
    assert "nested" in message and str(MAX_DEPTH) in message


def test_a_huge_file_is_refused_without_reading_it(tmp_path):
    path = tmp_path / "huge.yaml"
    with path.open("w") as f:
        f.write("name: huge\n")
        f.write("# padding\n" * (MAX_FILE_BYTES // 10 + 1))
    message = quick_refusal(path)
    assert "1 MB" in message or "MB" in message


def test_long_values_are_shortened_in_messages(tmp_path):
    path = write(tmp_path, "s.yaml", small(seed="9" * 10_000 + "x"))
    message = refusal(path)
    assert len(message) < 400 and ("…" in message or "..." in message)
    bomb = laughs(5) + "seed: *a4\n"     # under the alias budget: quoted, shortened
    message = quick_refusal(write(tmp_path, "b.yaml", bomb))
    assert all(len(line) < 600 for line in message.splitlines())


def test_a_number_with_too_many_digits_is_refused(tmp_path):
    path = write(tmp_path, "s.yaml", "name: x\nseed: " + "9" * 5000 + "\n")
    assert "seed" in refusal(path) or "digits" in refusal(path)


# ----- 9: every number has a plausible range -----------------------------------------------
def policy(kind: str, **parameters_) -> dict:
    return {"type": kind, "where": {"kommuner": ["K03"]}, "parameters": parameters_}


ABSURD = [
    ("persons-per-agent", {"persons_per_agent": 10**9}, "persons_per_agent", "persons"),
    ("seed", {"seed": 2**40}, "seed", "2,147,483,647"),
    ("tfr-50", {"fertility": {"tfr": 50}}, "fertility.tfr", "children per woman"),
    ("tfr-million", {"fertility": {"tfr": {2027: 1e6}}}, "fertility.tfr[2027]",
     "children per woman"),
    ("tfr-nan", {"fertility": {"tfr": float("nan")}}, "fertility.tfr", "nan"),
    ("immigration", {"immigration": {"yearly": {2027: 100_000_000}}},
     "immigration.yearly[2027]", "persons"),
    ("emigration", {"emigration": {"yearly": {2027: 10**7}}}, "emigration.yearly[2027]",
     "persons"),
    ("policy-nan", {"policies": [policy("mentoring", hours_per_week=float("nan"))]},
     "policies[0].parameters['hours_per_week']", "nan"),
    ("policy-inf", {"policies": [policy("flyttepremie", premium_nok=float("inf"))]},
     "policies[0].parameters['premium_nok']", "inf"),
    ("tax-relief-250", {"policies": [policy("income_tax_relief", percentage_points=250)]},
     "policies[0].parameters['percentage_points']", "percentage points"),
    ("dwellings", {"policies": [policy("housing_construction", dwellings_per_year=10**12)]},
     "policies[0].parameters['dwellings_per_year']", "dwellings"),
    ("shock-jobs", {"shocks": [{"kommune": "K03", "year": 2027, "jobs": -10**9}]},
     "shocks[0].jobs", "jobs"),
    ("parameter-nan", {"parameters": {"demography.mortality_improvement": float("nan")}},
     "parameters['demography.mortality_improvement']", "nan"),
    ("parameter-huge", {"parameters": {"migration.distance_coefficient": 1e9}},
     "parameters['migration.distance_coefficient']", "utility per log km"),
    ("parameter-table", {"parameters": {"housing.rent_by_centrality": {1: -5}}},
     "parameters['housing.rent_by_centrality']", "NOK per year"),
    ("parameter-share", {"parameters": {"labour.open_job_rate": 3}},
     "parameters['labour.open_job_rate']", "share"),
    ("name-path", {"name": "../../etc"}, "name", "letters, digits"),
    ("name-dot", {"name": ".hidden"}, "name", "letters, digits"),
    ("name-long", {"name": "x" * 101}, "name", "100"),
]


@pytest.mark.parametrize(("fields", "field", "text"), [c[1:] for c in ABSURD],
                         ids=[c[0] for c in ABSURD])
def test_absurd_numbers_are_refused_with_field_range_and_value(tmp_path, fields, field, text):
    message = refusal(write(tmp_path, "s.yaml", small(**fields)))
    assert f"s.yaml: {field}:" in message, message
    assert text in message, message
    assert len(message.splitlines()) == 1, message


LANDSCAPE_ABSURD = [
    ("population", 10**9), ("lat", float("nan")), ("lon", float("-inf")),
    ("area_km2", float("inf")), ("area_km2", 1e12), ("region", 10**12),
]


@pytest.mark.parametrize(("key", "value"), LANDSCAPE_ABSURD,
                         ids=[f"{k}-{v}" for k, v in LANDSCAPE_ABSURD])
def test_absurd_landscape_numbers_are_refused(tmp_path, key, value):
    raw = yaml.safe_load(small())
    raw["geography"]["kommuner"][1][key] = value
    message = refusal(write(tmp_path, "s.yaml", yaml.safe_dump(raw)))
    assert f"geography.kommuner[1].{key}:" in message and "between" in message


def test_persons_per_agent_keeps_an_agent_in_the_smallest_kommune(tmp_path):
    assert load_scenario(write(tmp_path, "s.yaml", small(persons_per_agent=450)))
    message = refusal(write(tmp_path, "s.yaml", small(persons_per_agent=451)))
    assert "450" in message and "Fjellset" in message


def test_every_policy_parameter_has_bounds_around_its_default():
    for kind in REGISTRY:
        spec = parameters.ParameterSet()[f"policies.{kind}"].extra
        bounds = spec.get("bounds", {})
        for name, value in defaults(kind).items():
            assert name in bounds, f"{kind}.{name} has no bounds"
            b = bounds[name]
            assert b["min"] <= value <= b["max"], (kind, name)
            assert b.get("why"), (kind, name)


def test_every_default_parameter_lies_inside_its_bounds():
    from sim.scenario.bounds import parameter_problem

    for name in parameters.default_names():
        value = parameters.ParameterSet().value(name)
        assert parameter_problem(name, value) is None, name


def test_max_shown_is_about_eighty():
    assert 60 <= MAX_SHOWN <= 100
