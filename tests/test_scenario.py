"""Scenario files: the schema, extends:, geography, and refusing bad files clearly.

Every malformed scenario must give exit status 2, one message naming the file and the field
path, and no run folder.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from sim import data
from sim.cli import app
from sim.model import SettlementModel
from sim.scenario.errors import ScenarioError
from sim.scenario.files import load_scenario, parse_scenario, resolved_yaml
from sim.world.landscape import build_world, national_share

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
CLASSROOM = SCENARIOS / "classroom-sentralisering.yaml"
runner = CliRunner()


def village(code: str, **kw) -> dict:
    k = {"kommunenummer": code, "name": f"Bygd {code}", "population": 500, "lat": 63.5,
         "lon": 10.5, "centrality": 6, "region": 1, "area_km2": 300.0}
    return {**k, **kw}


def landscape(*kommuner: dict) -> dict:
    return {"kind": "landscape", "kommuner": list(kommuner)}


def dump(d: dict) -> str:
    return yaml.safe_dump(d, allow_unicode=True, sort_keys=False)


def scenario(**fields) -> str:
    return dump({"name": "bad", "start_year": 2026, "end_year": 2030, **fields})


# (id, {file name: text}, file run, file named in the message, substrings of the message)
BAD = [
    ("unknown-key", {"s.yaml": scenario(colour="red")}, "s.yaml", "s.yaml",
     ["colour", "unknown key", "allowed here", "persons_per_agent"]),
    ("misspelt-nested-key", {"s.yaml": scenario(immigration={"alternativ": "low"})},
     "s.yaml", "s.yaml", ["immigration.alternativ", "did you mean 'alternative'"]),
    ("wrong-type", {"s.yaml": scenario(seed="abc")}, "s.yaml", "s.yaml",
     ["seed", "valid integer", "'abc'"]),
    ("wrong-type-list", {"s.yaml": scenario(end_year=[2040])}, "s.yaml", "s.yaml",
     ["end_year", "valid integer"]),
    ("bad-choice", {"s.yaml": scenario(immigration={"alternative": "medium"})}, "s.yaml",
     "s.yaml", ["immigration.alternative", "'main'", "'medium'"]),
    ("missing-name", {"s.yaml": dump({"start_year": 2026})}, "s.yaml", "s.yaml",
     ["name", "required"]),
    ("kommune-does-not-exist", {"s.yaml": scenario(geography={"kommuner": ["5001", "Trondhjem"]})},
     "s.yaml", "s.yaml", ["geography.kommuner[1]", "no kommune 'Trondhjem'", "5001 Trondheim"]),
    ("kommune-number-unknown", {"s.yaml": scenario(geography={"kommuner": ["5099"]})},
     "s.yaml", "s.yaml", ["geography.kommuner[0]", "'5099'", "closest"]),
    ("kommune-unquoted", {"s.yaml": "name: bad\ngeography:\n  kommuner: [301, 5001]\n"},
     "s.yaml", "s.yaml", ["geography.kommuner[0]", "quotes", "'0301'"]),
    ("fylke-does-not-exist", {"s.yaml": scenario(geography={"fylker": ["50", "99"]})},
     "s.yaml", "s.yaml", ["geography.fylker[1]", "no fylke '99'", "50 Trøndelag"]),
    ("region-does-not-exist", {"s.yaml": scenario(geography={"regions": [999]})}, "s.yaml",
     "s.yaml", ["geography.regions[0]", "999", "numbered 1–159"]),
    ("empty-area", {"s.yaml": scenario(geography={"kind": "norway", "kommuner": []})},
     "s.yaml", "s.yaml", ["geography", "selects no kommune"]),
    ("one-kommune-area", {"s.yaml": scenario(geography={"kommuner": ["5014"]})}, "s.yaml",
     "s.yaml", ["geography", "only 5014 Frøya", "regions: [102]"]),
    ("unknown-geography-kind", {"s.yaml": scenario(geography={"kind": "sweden"})}, "s.yaml",
     "s.yaml", ["geography", "kind: landscape"]),
    ("landscape-duplicate-code", {"s.yaml": scenario(
        geography=landscape(village("A"), village("B"), village("A")))}, "s.yaml", "s.yaml",
     ["geography.kommuner[2].kommunenummer", "'A'", "unique"]),
    ("landscape-negative-population", {"s.yaml": scenario(
        geography=landscape(village("A", population=-40), village("B")))}, "s.yaml",
     "s.yaml", ["geography.kommuner[0].population", "greater than 0", "-40"]),
    ("landscape-centrality-out-of-range", {"s.yaml": scenario(
        geography=landscape(village("A"), village("B", centrality=7)))}, "s.yaml", "s.yaml",
     ["geography.kommuner[1].centrality", "less than or equal to 6"]),
    ("landscape-missing-field", {"s.yaml": scenario(geography=landscape(
        village("A"), {k: v for k, v in village("B").items() if k != "lat"}))}, "s.yaml",
     "s.yaml", ["geography.kommuner[1].lat", "required"]),
    ("landscape-bad-age-profile", {"s.yaml": scenario(
        geography=landscape(village("A", age_profile="ancient"), village("B")))}, "s.yaml",
     "s.yaml", ["geography.kommuner[0].age_profile", "'young'"]),
    ("landscape-too-small", {"s.yaml": scenario(geography=landscape(village("A")))},
     "s.yaml", "s.yaml", ["geography.kommuner", "at least 2"]),
    ("year-outside-run", {"s.yaml": scenario(immigration={"yearly": {2026: 10, 2070: 5}})},
     "s.yaml", "s.yaml", ["immigration.yearly[2070]", "outside the run", "2026–2029"]),
    ("negative-count", {"s.yaml": scenario(emigration={"yearly": {2027: -5}})}, "s.yaml",
     "s.yaml", ["emigration.yearly[2027]", "greater than or equal to 0"]),
    ("start-year-without-data", {"s.yaml": scenario(start_year=2020)}, "s.yaml", "s.yaml",
     ["start_year", "2026", "2020"]),
    ("end-before-start", {"s.yaml": scenario(end_year=2020)}, "s.yaml", "s.yaml",
     ["end_year", "after start_year"]),
    ("zero-persons-per-agent", {"s.yaml": scenario(persons_per_agent=0)}, "s.yaml",
     "s.yaml", ["persons_per_agent", "greater than 0"]),
    ("observed-beyond-data", {"s.yaml": scenario(end_year=2040,
                                                 immigration={"alternative": "observed"})},
     "s.yaml", "s.yaml", ["immigration.alternative", "2006–2025"]),
    ("negative-tfr", {"s.yaml": scenario(fertility={"tfr": {2030: -1.5}})}, "s.yaml",
     "s.yaml", ["fertility.tfr[2030]", "greater than 0"]),
    ("unknown-parameter", {"s.yaml": scenario(parameters={"demography.fertility_tfx": 1.5})},
     "s.yaml", "s.yaml", ["parameters['demography.fertility_tfx']", "demography.fertility_tfr"]),
    ("parameter-wrong-shape", {"s.yaml": scenario(
        parameters={"migration.leave_home_rate": 0.3})}, "s.yaml", "s.yaml",
     ["parameters['migration.leave_home_rate']", "mapping"]),
    ("malformed-yaml", {"s.yaml": "name: bad\ngeography: [\n  kind: norway\n"}, "s.yaml",
     "s.yaml", ["not valid YAML", "line", "column"]),
    ("empty-file", {"s.yaml": ""}, "s.yaml", "s.yaml", ["empty"]),
    ("not-a-mapping", {"s.yaml": "- name: bad\n"}, "s.yaml", "s.yaml", ["mapping"]),
    ("not-utf8", {"s.yaml": b"name: B\xf8ler\n"}, "s.yaml", "s.yaml", ["cannot read"]),
    ("missing-file", {}, "nowhere.yaml", "nowhere.yaml", ["no such scenario file"]),
    ("extends-missing", {"s.yaml": "extends: base.yaml\nname: child\n"}, "s.yaml", "s.yaml",
     ["extends", "no scenario file 'base.yaml'"]),
    ("extends-not-a-path", {"s.yaml": "extends: 3\nname: child\n"}, "s.yaml", "s.yaml",
     ["extends", "path"]),
    ("extends-itself", {"s.yaml": "extends: s.yaml\nname: child\n"}, "s.yaml", "s.yaml",
     ["extends", "cycle"]),
    ("extends-cycle", {"a.yaml": "extends: b.yaml\nname: a\n", "b.yaml": "extends: a.yaml\n"},
     "a.yaml", "b.yaml", ["extends", "cycle", "a.yaml → ", "b.yaml"]),
    ("error-in-parent", {"base.yaml": scenario(geography={"fylker": ["77"]}),
                         "child.yaml": "extends: base.yaml\nname: child\n"},
     "child.yaml", "base.yaml", ["(extended by", "child.yaml", "geography.fylker[0]"]),
    ("malformed-parent", {"base.yaml": "name: [\n", "child.yaml": "extends: base.yaml\n"},
     "child.yaml", "base.yaml", ["not valid YAML"]),
]


def write_files(folder: Path, files: dict[str, str | bytes]) -> None:
    for name, text in files.items():
        path = folder / name
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8")


def test_there_are_at_least_twenty_refusals():
    assert len(BAD) >= 20


@pytest.mark.parametrize(("files", "target", "named", "expected"),
                         [case[1:] for case in BAD], ids=[case[0] for case in BAD])
def test_bad_scenario_is_refused_clearly(tmp_path, files, target, named, expected):
    write_files(tmp_path, files)
    out = tmp_path / "out"
    result = runner.invoke(app, ["run", str(tmp_path / target), "--out", str(out)])
    assert result.exit_code == 2, result.output
    message = " ".join(result.output.split())  # independent of any line wrapping
    assert "Traceback" not in message
    assert named in message
    for text in expected:
        assert text in message, f"{text!r} not in {message!r}"
    assert not out.exists()
    assert not any(p.name.startswith(".out") for p in tmp_path.iterdir())  # no temp folder
    checked = runner.invoke(app, ["check", str(tmp_path / target)])
    assert checked.exit_code == 2 and named in checked.output


def test_bad_command_line_override_is_refused(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text(scenario())
    out = tmp_path / "out"
    result = runner.invoke(app, ["run", str(path), "--out", str(out),
                                 "--persons-per-agent", "0"])
    assert result.exit_code == 2
    assert "persons_per_agent" in result.output and "command-line" in result.output
    assert not out.exists()


# ----- extends ------------------------------------------------------------------------------
def test_extends_merges_and_overrides(tmp_path):
    (tmp_path / "common").mkdir()
    (tmp_path / "common" / "base.yaml").write_text(dump({
        "name": "base", "start_year": 2026, "end_year": 2040, "persons_per_agent": 10,
        "geography": {"kind": "norway", "fylker": ["56"]},
        "immigration": {"alternative": "low"},
        "parameters": {"demography.fertility_tfr": 1.5, "migration.family_move_factor": 0.5},
    }))
    (tmp_path / "child.yaml").write_text(dump({
        "extends": "common/base.yaml", "name": "child", "end_year": 2035,
        "geography": {"regions": [90]},
        "parameters": {"demography.fertility_tfr": 1.7},
    }))
    s = load_scenario(tmp_path / "child.yaml")
    assert (s.name, s.start_year, s.end_year, s.persons_per_agent) == ("child", 2026, 2035, 10)
    assert s.geography.fylker == ["56"] and s.geography.regions == [90]
    assert s.immigration.alternative == "low"
    assert s.parameters == {"demography.fertility_tfr": 1.7,
                            "migration.family_move_factor": 0.5}
    text = resolved_yaml(s)
    assert "extends" not in text
    assert parse_scenario(yaml.safe_load(text)) == s


def test_extends_chain_and_kind_change_replace_geography(tmp_path):
    (tmp_path / "a.yaml").write_text(dump({"name": "a", "geography": {"fylker": ["50"]},
                                           "seed": 5}))
    (tmp_path / "b.yaml").write_text(dump({"extends": "a.yaml", "name": "b"}))
    (tmp_path / "c.yaml").write_text(dump({
        "extends": "b.yaml", "name": "c",
        "geography": landscape(village("A"), village("B", population=900))}))
    s = load_scenario(tmp_path / "c.yaml")
    assert s.seed == 5 and s.geography.kind == "landscape"
    assert [k.kommunenummer for k in s.geography.kommuner] == ["A", "B"]


def test_lists_are_replaced_not_appended(tmp_path):
    (tmp_path / "a.yaml").write_text(dump({"name": "a", "geography": {"kommuner":
                                                                      ["5001", "5014"]}}))
    (tmp_path / "b.yaml").write_text(dump({"extends": "a.yaml",
                                           "geography": {"kommuner": ["5056", "5014"]}}))
    assert load_scenario(tmp_path / "b.yaml").geography.kommuner == ["5056", "5014"]


# ----- geography ----------------------------------------------------------------------------
def test_subset_by_fylke_runs(tmp_path):
    path = tmp_path / "finnmark.yaml"
    path.write_text(dump({"name": "finnmark", "start_year": 2026, "end_year": 2028,
                          "persons_per_agent": 5, "geography": {"fylker": ["56"]},
                          "immigration": {"alternative": "zero"}}))
    out = tmp_path / "out"
    result = runner.invoke(app, ["run", str(path), "--out", str(out)])
    assert result.exit_code == 0, result.output
    kom = yaml.safe_load((out / "scenario.yaml").read_text())["geography"]
    assert kom == {"kind": "norway", "kommuner": None, "fylker": ["56"], "regions": None}
    import pandas as pd

    table = pd.read_csv(out / "kommuner.csv", dtype={"kommunenummer": str})
    expected = set(data.kommuner().query("fylkesnummer == '56'")["kommunenummer"])
    assert set(table["kommunenummer"]) == expected
    assert sorted(table["year"].unique()) == [2026, 2027, 2028]


def test_subset_is_the_union_of_what_is_given():
    s = parse_scenario({"name": "u", "geography": {"kommuner": ["0301"], "fylker": ["56"],
                                                   "regions": [90]}})
    geo, counts = build_world(s.geography, 2026)
    df = data.kommuner()
    expected = set(df[(df.fylkesnummer == "56") | (df.baregion_code == 90)].kommunenummer)
    assert set(geo.codes) == expected | {"0301"}
    real = data.population_by_year().query("year == 2026").set_index("kommunenummer")
    assert sum(counts.values()) == int(real.loc[geo.codes, "population"].sum())


def test_landscape_people_follow_the_given_totals_and_age_profiles():
    s = parse_scenario({"name": "l", "geography": landscape(
        village("Y", population=5000, age_profile="young"),
        village("O", population=5000, age_profile="old"))})
    geo, counts = build_world(s.geography, 2026)
    assert geo.codes == ["Y", "O"] and geo.fylke == ["00", "00"]
    assert geo.centrality_index[0] == data.kommuner().query(
        "sentralitetsklasse == 6")["sentralitetsindeks"].median()
    for k in (0, 1):
        assert sum(n for (kk, _, _), n in counts.items() if kk == k) == 5000
    old_groups = {data.AGE_GROUPS.index("67-79"), data.AGE_GROUPS.index("80+")}
    elderly = [sum(n for (kk, g, _), n in counts.items() if kk == k and g in old_groups)
               for k in (0, 1)]
    assert elderly[1] > 1.5 * elderly[0]


def test_national_share_of_an_area():
    assert national_share(parse_scenario({"name": "n"}).geography, 2026) == pytest.approx(1.0)
    oslo = parse_scenario({"name": "o", "geography": {"kommuner": ["0301", "3201"]}})
    assert 0.15 < national_share(oslo.geography, 2026) < 0.2
    classroom = load_scenario(CLASSROOM)
    assert national_share(classroom.geography, 2026) == pytest.approx(76_350 / 5.62e6, rel=0.05)


def test_classroom_scenario_builds_and_steps():
    s = load_scenario(CLASSROOM)
    assert s.geography.kind == "landscape" and s.persons_per_agent == 1
    assert (s.start_year, s.end_year) == (2026, 2056)
    model = SettlementModel(s)
    given = {k.kommunenummer: k.population for k in s.geography.kommuner}
    start = model.population.count_by_kommune(model.geo.size)
    assert dict(zip(model.geo.codes, start.tolist(), strict=True)) == given
    model.step()
    model.step()
    assert model.year == 2028
    assert 0.9 * sum(given.values()) < len(model.population) < 1.1 * sum(given.values())


# ----- the other commands -------------------------------------------------------------------
def test_schema_prints_valid_json():
    result = runner.invoke(app, ["schema"])
    assert result.exit_code == 0
    schema = json.loads(result.output)
    assert {"name", "geography", "extends", "parameters"} <= set(schema["properties"])
    assert schema["additionalProperties"] is False


@pytest.mark.parametrize("path", sorted(SCENARIOS.glob("*.yaml")), ids=lambda p: p.name)
def test_check_accepts_every_shipped_scenario(path):
    result = runner.invoke(app, ["check", str(path)])
    assert result.exit_code == 0, result.output
    s = load_scenario(path)
    assert result.output.startswith(f"ok: {s.name} (")
    assert f"{s.start_year}–{s.end_year})" in result.output


def test_check_counts_kommuner():
    result = runner.invoke(app, ["check", str(CLASSROOM)])
    assert "(7 kommuner, 2026–2056)" in result.output
    result = runner.invoke(app, ["check", str(SCENARIOS / "baseline.yaml")])
    assert "(357 kommuner," in result.output


def test_scenario_error_is_the_only_exception_for_user_errors():
    for raw in ([1, 2], {"name": "x", "geography": 5}, {"name": "x", "parameters": [1]}):
        with pytest.raises(ScenarioError):
            parse_scenario(raw, "mem.yaml")
