"""Output folders never lose data: a command writes only into a folder it creates or one that
holds a previous result of its own kind, refuses anything else before it runs (one message,
exit 2), never takes the store or the current directory, and never turns a scenario's name
into a path outside runs/. Long folder names, files, read-only places and out-of-range seeds
are refused or handled without a traceback."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import short_classroom
from typer.testing import CliRunner

from sim.cli import app
from sim.output.out_folder import (
    LEFTOVER,
    MARKERS,
    OutFolderError,
    check,
    clean_leftovers,
    default_out,
    swap_in,
    temp_beside,
)
from sim.output.store import Store

ROOT = Path(__file__).resolve().parents[1]
SEED_MAX = 2**31 - 1            # what the run store keeps
SMALL = ["--persons-per-agent", "10"]
NAME_MAX = 255                  # bytes in a file name on Linux file systems
LONG_OK = 240                   # a valid folder name that leaves little room for a suffix
NO_STORE = ("validate", "sweep", "target")    # commands that keep nothing in the run store
runner = CliRunner()


def _with_premium(scenario: Path) -> str:
    """The scenario with a relocation premium beside it (a lever for sweep and target)."""
    raw = yaml.safe_load(scenario.read_text(encoding="utf-8"))
    raw["policies"] = [{"type": "flyttepremie", "where": {"kommuner": ["K05"]}}]
    path = scenario.with_name(f"premium-{scenario.name}")
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return str(path)


def _args(kind: str, scenario: Path) -> list[str]:
    """A small ``kind`` command (without --out)."""
    s = str(scenario)
    if kind in ("sweep", "target"):
        lever = "policies[0].parameters.premium_nok"
        return {"sweep": ["sweep", _with_premium(scenario), "--set", f"{lever}=0:100000:2",
                          "--baseline", s],
                "target": ["target", _with_premium(scenario), "--lever", lever, "--goal",
                           "population 2028 >= 0"]}[kind] + ["--seeds", "1", *SMALL]
    return {
        "run": ["run", s, *SMALL],
        "ensemble": ["ensemble", s, "--seeds", "2", "--workers", "1", *SMALL],
        "compare": ["compare", s, s, "--seeds", "1", *SMALL],
        "sensitivity": ["sensitivity", s, "--params", "migration.distance_coefficient",
                        "--samples", "2", "--workers", "1", *SMALL],
        "validate": ["validate", "--persons-per-agent", "200", "--seeds", "1"],
    }[kind]


def _invoke(args: list[str], store: Path):
    """Run the command in this process with its own store (validate, sweep and target have
    none)."""
    extra = [] if args[0] in NO_STORE else ["--store", str(store)]
    return runner.invoke(app, [*args, *extra])


def _one_message(result) -> str:
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    return " ".join(result.output.split())


def _nothing_ran(store: Path) -> None:
    assert not (store / "catalogue.duckdb").exists() or Store(store).entries().empty


@pytest.fixture
def scenario(tmp_path) -> Path:
    return short_classroom(tmp_path, 2)


# ----- a folder of the user's, or of another kind ---------------------------------------------
@pytest.mark.parametrize("kind", list(MARKERS))
def test_a_folder_without_the_commands_result_is_refused_before_running(tmp_path, scenario,
                                                                        kind):
    thesis = tmp_path / "thesis"
    thesis.mkdir()
    (thesis / "chapter1.tex").write_text("years of work")
    store = tmp_path / "store"
    message = _one_message(_invoke([*_args(kind, scenario), "--out", str(thesis)], store))
    assert "thesis" in message and MARKERS[kind] in message
    assert [p.name for p in thesis.iterdir()] == ["chapter1.tex"]
    assert not [p for p in tmp_path.iterdir() if LEFTOVER.fullmatch(p.name)]
    _nothing_ran(store)


def test_a_result_of_another_kind_is_refused(tmp_path, scenario):
    store, first = tmp_path / "store", tmp_path / "first"
    assert _invoke([*_args("run", scenario), "--out", str(first)], store).exit_code == 0
    message = _one_message(_invoke([*_args("ensemble", scenario), "--out", str(first)], store))
    assert "ensemble.json" in message
    assert (first / "run.json").exists()


def test_a_previous_result_is_replaced_and_nothing_is_left_beside_it(tmp_path, scenario):
    store, out = tmp_path / "store", tmp_path / "r"
    for _ in range(2):
        result = _invoke([*_args("run", scenario), "--out", str(out)], store)
        assert result.exit_code == 0, result.output
    assert (out / "run.json").exists() and (out / "national.csv").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["classroom-2y.yaml", "r", "store"]


# ----- places a command never takes -----------------------------------------------------------
def test_the_store_the_current_directory_and_their_ancestors_are_never_an_output(
        tmp_path, scenario, monkeypatch):
    home = tmp_path / "home"
    work, store = home / "work", home / "data" / "store"
    work.mkdir(parents=True)
    (work / "notes.txt").write_text("mine")
    store.mkdir(parents=True)
    (store / "catalogue.duckdb").write_bytes(b"not touched")
    monkeypatch.chdir(work)
    for out in (store, store.parent, home, Path("."), Path(".."), Path("sub/.."),
                Path(os.path.relpath(home, work)), store / "by-id" / "x"):
        result = runner.invoke(app, [*_args("run", scenario), "--out", str(out),
                                     "--store", str(store)])
        message = _one_message(result)
        assert str(out) in message, message
    assert (work / "notes.txt").read_text() == "mine"
    assert (store / "catalogue.duckdb").read_bytes() == b"not touched"
    assert sorted(p.name for p in store.iterdir()) == ["catalogue.duckdb"]


@pytest.mark.parametrize("name", ["../../escaped", "/tmp/livskraft-absolute-name", "..", "a/b"])
def test_a_scenario_name_never_becomes_a_path_outside_runs(tmp_path, name, monkeypatch):
    victim = tmp_path / "victim"
    victim.mkdir()
    (victim / "keep.txt").write_text("keep")
    named = short_classroom(tmp_path, 2, name=name.replace("/tmp/", f"{tmp_path}/"))
    work = tmp_path / "a" / "b"
    work.mkdir(parents=True)
    monkeypatch.chdir(work)
    for kind in ("run", "ensemble", "compare"):
        result = _invoke(_args(kind, named), tmp_path / "store")
        assert result.exit_code == 2, result.output      # by the schema's rule, or by ours
        assert "Traceback" not in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a", "classroom-2y.yaml", "victim"]
    assert [p.name for p in victim.iterdir()] == ["keep.txt"]
    assert not (work / "runs").exists() or not any((work / "runs").rglob("*.json"))


def test_default_out_keeps_a_name_inside_its_folder(tmp_path):
    runs = tmp_path / "runs"
    assert default_out(runs, "baseline") == runs / "baseline"
    assert default_out(runs, "x", "ensemble-") == runs / "ensemble-x"
    for name in ("../x", "/abs", ".", "..", "", "a/b", "a\\b", "x\0y"):
        with pytest.raises(OutFolderError, match="cannot be a folder name"):
            default_out(runs, name)


# ----- files, read-only places, long names ----------------------------------------------------
def test_a_file_is_never_an_output_folder(tmp_path, scenario):
    afile = tmp_path / "afile"
    afile.write_text("data")
    store = tmp_path / "store"
    for out in (afile, afile / "sub"):
        message = _one_message(_invoke([*_args("run", scenario), "--out", str(out)], store))
        assert "is a file" in message
    assert afile.read_text() == "data"
    _nothing_ran(store)


def _without_root_powers() -> list[str]:
    """A command prefix that runs without root's power to write anywhere (root ignores a
    folder's permissions), or nothing when this is not root."""
    if os.geteuid() != 0:
        return []
    if shutil.which("setpriv") is None:
        pytest.skip("running as root without setpriv: a read-only folder cannot be made")
    return ["setpriv", "--bounding-set=-dac_override,-dac_read_search,-fowner"]


def test_a_read_only_place_is_refused_before_running(tmp_path, scenario):
    locked = tmp_path / "locked"
    locked.mkdir()
    (locked / "old").mkdir()
    (locked / "old" / "run.json").write_text("{}")
    locked.chmod(0o555)
    store = tmp_path / "store"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "LIVSKRAFT_RUNS": str(store)}
    try:
        for out in (locked / "new", locked / "old", locked / "deeper" / "new"):
            done = subprocess.run([*_without_root_powers(), sys.executable, "-m", "sim.cli",
                                   *_args("run", scenario), "--out", str(out)],
                                  capture_output=True, text=True, env=env, timeout=120)
            assert done.returncode == 2, done.stdout[-2000:] + done.stderr[-2000:]
            assert "Traceback" not in done.stderr and "cannot" in done.stderr
            assert "permission denied" in done.stderr.lower()
    finally:
        locked.chmod(0o755)
    assert sorted(p.name for p in locked.iterdir()) == ["old"]
    _nothing_ran(store)


def test_a_long_folder_name_works_and_a_too_long_one_is_refused(tmp_path, scenario):
    store = tmp_path / "store"
    long = tmp_path / ("x" * LONG_OK)
    for _ in range(2):                                  # written, then replaced
        result = _invoke([*_args("run", scenario), "--out", str(long)], store)
        assert result.exit_code == 0, result.output
    assert (long / "run.json").exists()
    too_long = tmp_path / ("y" * (NAME_MAX + 1))
    message = _one_message(_invoke([*_args("run", scenario), "--out", str(too_long)], store))
    assert f"limit is {NAME_MAX}" in message


# ----- seeds ----------------------------------------------------------------------------------
@pytest.mark.parametrize("seed", [str(SEED_MAX + 1), str(2**64), "-1"])
def test_a_seed_the_store_cannot_keep_is_refused(tmp_path, scenario, seed):
    store = tmp_path / "store"
    result = _invoke([*_args("run", scenario), "--seed", seed, "--out",
                      str(tmp_path / "r")], store)
    message = _one_message(result)
    assert "--seed" in message
    assert (str(SEED_MAX) if int(seed) > 0 else "greater than or equal to 0") in message
    assert not (tmp_path / "r").exists()
    _nothing_ran(store)


def test_a_scenario_seed_beyond_the_range_is_refused(tmp_path):
    store = tmp_path / "store"
    big = short_classroom(tmp_path, 2, seed=SEED_MAX + 1)
    (tmp_path / "last").mkdir()
    last = short_classroom(tmp_path / "last", 2, seed=SEED_MAX)
    for args in (_args("run", big), _args("ensemble", big), _args("compare", big),
                 _args("ensemble", last)):                    # SEED_MAX and SEED_MAX + 1
        message = _one_message(_invoke([*args, "--out", str(tmp_path / "o")], store))
        assert "seed" in message and (str(SEED_MAX) in message or f"{SEED_MAX:,}" in message)
    _nothing_ran(store)


def test_the_largest_seed_runs_and_is_kept(tmp_path, scenario):
    store = tmp_path / "store"
    result = _invoke([*_args("run", scenario), "--seed", str(SEED_MAX), "--out",
                      str(tmp_path / "r")], store)
    assert result.exit_code == 0, result.output
    assert list(Store(store).entries()["seeds"].iloc[0]) == [SEED_MAX]


# ----- leftovers: only a command's own, and an old result is put back -------------------------
def test_leftovers_of_a_dead_writer_are_cleaned_and_nothing_else(tmp_path):
    out = tmp_path / "r"
    dead = subprocess.Popen(["true"])
    dead.wait()
    new = temp_beside(out)                  # this process's: a live writer's, kept
    aside = new.parent / new.name.replace(f"-{os.getpid()}-n", f"-{dead.pid}-o")
    doomed = new.parent / new.name.replace(f"-{os.getpid()}-n", f"-{dead.pid}-d")
    building = new.parent / new.name.replace(f"-{os.getpid()}-n", f"-{dead.pid}-n")
    for folder in (aside, doomed, building):
        folder.mkdir()
    (aside / "run.json").write_text("{}")
    other = tmp_path / ".lk-00000000-1-o1234"           # another target's
    mine = tmp_path / "keep"
    for folder in (other, mine):
        folder.mkdir()
    assert sorted(clean_leftovers(out)) == sorted([aside, doomed, building])
    assert (out / "run.json").exists()                      # the old result is back
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [new.name, other.name, "keep", "r"])
    check(out, "run")                                       # a run may now replace it
    (out / "run.json").unlink()
    with pytest.raises(OutFolderError, match=r"run\.json"):
        swap_in(new, out, "run")
    assert not new.exists() and out.exists()                # refused: nothing replaced
