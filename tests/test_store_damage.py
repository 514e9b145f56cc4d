"""The run store under damage: the catalogue or a run's files deleted, truncated, zeroed in
the middle or replaced with junk. For every damage no stored run is lost (the files of the
undamaged runs stay byte-identical and are listed, after a rebuild if the catalogue was hit),
and every command (``runs list``, ``runs show``, ``runs diff`` and a new ``run``) either works
or ends with one message naming the store and what is wrong (exit 2), never a traceback.

Short profile: one pass over each kind of damage. Full profile (``-m full``): random damage
(random file, offset and length) many times."""

from __future__ import annotations

import random
import shutil
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from conftest import short_classroom
from typer.testing import CliRunner

from sim.cli import app
from sim.experiments.store_entries import recording
from sim.output.store import CATALOGUE, DATA, Store
from sim.scenario.files import load_scenario

runner = CliRunner()
SEEDS = (1, 2, 3)           # one stored run each
YEARS = 1                   # simulated years per run (tiny, fast)
USER_ERROR = 2
HEADER_BYTES = 12288        # a DuckDB file's headers; the first block after them is in use
BLOCK_BYTES = 4096          # bytes zeroed in the catalogue
JUNK = b"this is not a parquet file nor a duckdb catalogue\n" * 3
FULL_TRIALS = 60            # random damages in the full profile
MAX_JUNK_BYTES = 5000       # longest random junk or zeroed stretch
CATALOGUE_SHARE = 0.5       # of the random damages, this share hits the catalogue


# ----- the store every test damages a copy of --------------------------------------------------
@pytest.fixture(scope="module")
def pristine(tmp_path_factory):
    """A store with three complete runs and one interrupted entry; returns (store, scenario,
    ids of the complete runs oldest first)."""
    root = tmp_path_factory.mktemp("pristine")
    scenario = short_classroom(root, years=YEARS)
    store = root / "store"
    for seed in SEEDS:
        done = runner.invoke(app, ["run", str(scenario), "--seed", str(seed), "--out",
                                   str(root / f"out{seed}"), "--store", str(store)])
        assert done.exit_code == 0, done.output
    with pytest.raises(KeyboardInterrupt), recording("run", load_scenario(scenario), [9],
                                                     out_dir=root / "int", store=store):
        raise KeyboardInterrupt
    entries = Store(store).entries()
    ids = list(entries.loc[entries["status"] == "complete", "id"])[::-1]
    assert len(ids) == len(SEEDS)
    return store, scenario, ids


def _copy(pristine, tmp_path: Path) -> tuple[Path, Path, list[str]]:
    store, scenario, ids = pristine
    shutil.copytree(store, tmp_path / "store")
    return tmp_path / "store", scenario, ids


def _files(store: Path) -> dict[str, bytes]:
    """Every file of every stored run, by path below the store."""
    return {str(p.relative_to(store)): p.read_bytes()
            for p in sorted((store / DATA).rglob("*")) if p.is_file()}


# ----- damage ----------------------------------------------------------------------------------
def damage(path: Path, how: str, rng: random.Random | None = None) -> None:
    """Delete, truncate, zero a stretch of, or replace with junk the file ``path``: a fixed
    stretch without ``rng``, a random one with it."""
    size = path.stat().st_size
    if how == "delete":
        path.unlink()
    elif how == "truncate":
        path.write_bytes(path.read_bytes()[:rng.randrange(size) if rng else size // 2])
    elif how == "junk":
        path.write_bytes(JUNK if rng is None else rng.randbytes(rng.randrange(1, size)))
    elif how in ("zero", "garble"):
        if rng is None:
            start = HEADER_BYTES if path.name == CATALOGUE else size // 3
            length = BLOCK_BYTES if path.name == CATALOGUE else size // 3
        else:
            start = rng.randrange(size)
            length = rng.randrange(1, MAX_JUNK_BYTES)
        data = bytearray(path.read_bytes())
        stretch = bytes(length) if how == "zero" else (rng or random.Random(0)).randbytes(length)
        data[start:start + length] = stretch[:len(data) - start]
        path.write_bytes(bytes(data))
    else:
        raise ValueError(how)


def _clean(result) -> None:
    """The command finished by itself (0) or with one message (2): no traceback."""
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        f"{type(result.exception).__name__}: {result.exception}\n{result.output}")
    assert "Traceback" not in result.output
    assert result.exit_code in (0, USER_ERROR), result.output


def _commands(store: Path, scenario: Path, ids: list[str], tmp_path: Path) -> dict:
    """The four commands against the store: list, show the first run, diff the first two, and
    a new run."""
    s = ["--store", str(store)]
    return {"list": ["runs", "list", *s], "show": ["runs", "show", ids[0], *s],
            "diff": ["runs", "diff", ids[0], ids[1], *s],
            "run": ["run", str(scenario), "--seed", "5", "--out", str(tmp_path / "new"), *s]}


def _invoke(args: list[str]):
    result = runner.invoke(app, args)
    _clean(result)
    return result


def _nothing_lost(store: Path, ids: list[str], before: dict[str, bytes],
                  damaged: Path | None) -> None:
    """Every stored file except the damaged one is still there, unchanged, and every run is
    listed (after at most one command that repairs the catalogue and says so)."""
    after = _files(store)
    for name, content in before.items():
        if damaged is None or store / name != damaged:
            if name.endswith(".parquet"):
                assert after.get(name) == content, f"{name} was lost or changed"
    listing = _invoke(["runs", "list", "--store", str(store)])
    if listing.exit_code == USER_ERROR:             # the catalogue was repaired: once only
        listing = _invoke(["runs", "list", "--store", str(store)])
    assert listing.exit_code == 0, listing.output
    for rid in ids:
        assert rid in listing.output, f"{rid} is not listed after the damage"


def _says_where(result, store: Path, *words: str) -> None:
    assert result.exit_code == USER_ERROR, result.output
    text = " ".join(result.output.split())
    assert str(store) in text, text
    for word in words:
        assert word in text, text


# ----- the short profile: each kind of damage once ---------------------------------------------
CATALOGUE_DAMAGE = ("delete", "truncate", "zero", "junk")


@pytest.mark.parametrize("how", CATALOGUE_DAMAGE)
@pytest.mark.parametrize("command", ["list", "show", "diff", "run"])
def test_a_damaged_catalogue_is_rebuilt_and_no_run_is_lost(pristine, tmp_path, how, command):
    store, scenario, ids = _copy(pristine, tmp_path)
    before = _files(store)
    damage(store / CATALOGUE, how)
    result = _invoke(_commands(store, scenario, ids, tmp_path)[command])
    _says_where(result, store, "rebuilt from 3 stored runs")
    if how != "delete":
        assert "moved aside to" in result.output
        assert any(p.name.startswith("catalogue.damaged") for p in store.iterdir())
    _nothing_lost(store, ids, before, None)
    shown = _invoke(["runs", "show", ids[0], "--store", str(store)])
    assert shown.exit_code == 0 and "classroom" in shown.output    # the full row is back
    assert _invoke(_commands(store, scenario, ids, tmp_path)["diff"]).exit_code == 0


@pytest.mark.parametrize("layout", ["missing columns", "wrong types"])
def test_a_catalogue_with_another_runs_table_is_rebuilt(pristine, tmp_path, layout):
    store, _, ids = _copy(pristine, tmp_path)
    before = _files(store)
    con = duckdb.connect(str(store / CATALOGUE))
    if layout == "missing columns":
        con.execute("CREATE TABLE other AS SELECT id, kind, scenario FROM runs")
    else:
        con.execute("CREATE TABLE other AS SELECT id, kind, 42 AS scenario, seeds, "
                    "persons_per_agent, start_year, end_year, created, finished, status, data, "
                    "files, out_dir, pid, proc_start, host, version, meta, headline FROM runs")
    con.execute("DROP TABLE runs")
    con.execute("ALTER TABLE other RENAME TO runs")
    con.close()
    result = _invoke(["runs", "list", "--store", str(store)])
    _says_where(result, store, "runs table", "moved aside to", "rebuilt from 3 stored runs")
    _nothing_lost(store, ids, before, None)


RUN_FILES = ("population.parquet", "national.parquet", "entry.json")   # kommuner: as national
RUN_DAMAGE = ("delete", "truncate", "zero", "junk")


@pytest.mark.parametrize("how", RUN_DAMAGE)
@pytest.mark.parametrize("name", RUN_FILES)
def test_a_damaged_run_file_is_reported_and_nothing_else_is_lost(pristine, tmp_path, name,
                                                                 how):
    store, scenario, ids = _copy(pristine, tmp_path)
    before = _files(store)
    target = store / DATA / ids[0] / name
    damage(target, how)
    commands = _commands(store, scenario, ids, tmp_path)
    assert _invoke(commands["list"]).exit_code == 0
    shown, diffed = _invoke(commands["show"]), _invoke(commands["diff"])
    if name == "entry.json":        # the catalogue knows the entry: the store writes it again
        assert shown.exit_code == 0 and diffed.exit_code == 0
        assert (store / DATA / ids[0] / name).read_bytes() == before[f"{DATA}/{ids[0]}/{name}"]
    else:
        _says_where(shown, store, name, "missing" if how == "delete" else "damaged")
        if name == "population.parquet":
            _says_where(diffed, store, name)
        else:
            assert diffed.exit_code == 0, diffed.output
        assert any(name in p for p in Store(store).problems())
    assert _invoke(commands["run"]).exit_code == 0
    _nothing_lost(store, ids, before, target)
    for other in ids[1:]:
        assert _invoke(["runs", "show", other, "--store", str(store)]).exit_code == 0


def test_old_entries_without_entry_json_survive_a_lost_catalogue(pristine, tmp_path):
    """Entries stored before entry.json existed: while the catalogue lives the store writes
    their entry.json; without either, their row is derived from their files and id."""
    store, _, ids = _copy(pristine, tmp_path)
    before = _files(store)
    (store / DATA / ids[0] / "entry.json").unlink()
    _invoke(["runs", "list", "--store", str(store)])                 # writes it back
    assert (store / DATA / ids[0] / "entry.json").exists()
    for rid in ids[1:]:
        (store / DATA / rid / "entry.json").unlink()
    (store / CATALOGUE).unlink()
    result = _invoke(["runs", "list", "--store", str(store)])
    _says_where(result, store, "rebuilt from 3 stored runs", "without entry.json")
    _nothing_lost(store, ids, {k: v for k, v in before.items() if "entry.json" not in k}, None)
    derived = Store(store).entry(ids[1])
    assert derived["kind"] == "run" and derived["files"] == ["kommuner", "national",
                                                             "population"]
    assert _invoke(["runs", "diff", ids[1], ids[2], "--store", str(store)]).exit_code == 0


# ----- smaller defects ------------------------------------------------------------------------
@pytest.mark.parametrize("limit", ["0", "-1"])
def test_runs_list_refuses_a_limit_below_one(tmp_path, limit):
    result = runner.invoke(app, ["runs", "list", "--limit", limit, "--store", str(tmp_path)])
    assert result.exit_code == USER_ERROR and "--limit" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_problems_name_what_is_wrong_not_nan(pristine, tmp_path):
    store, _, ids = _copy(pristine, tmp_path)
    assert Store(store).problems() == []            # an interrupted entry is no problem
    (store / DATA / ids[1] / "kommuner.parquet").write_bytes(JUNK)
    found = Store(store).problems()
    assert len(found) == 1 and ids[1] in found[0] and "kommuner.parquet" in found[0]
    assert "nan" not in " ".join(found)


def test_seeds_beyond_32_bits_are_stored_and_old_catalogues_migrate(tmp_path):
    big = 2**40 + 3
    old = tmp_path / "old"
    old.mkdir()
    con = duckdb.connect(str(old / CATALOGUE))
    con.execute("CREATE TABLE runs (id VARCHAR PRIMARY KEY, kind VARCHAR NOT NULL, scenario "
                "VARCHAR NOT NULL, seeds INTEGER[] NOT NULL, persons_per_agent INTEGER, "
                "start_year INTEGER, end_year INTEGER, created TIMESTAMP NOT NULL, finished "
                "TIMESTAMP, status VARCHAR NOT NULL, data VARCHAR, files VARCHAR[], out_dir "
                "VARCHAR, pid INTEGER, proc_start VARCHAR, host VARCHAR, version VARCHAR, "
                "meta VARCHAR, headline VARCHAR)")
    con.execute("INSERT INTO runs (id, kind, scenario, seeds, created, status) VALUES "
                "('20200101-000000-abcd', 'run', 'old', [7], now(), 'failed')")
    con.close()
    for root in (tmp_path / "new", old):
        st = Store(root)
        rid = st.complete(st.begin("run", "big", [big, 1]), {"t": pd.DataFrame({"a": [1]})},
                          {}).name
        assert list(st.entry(rid)["seeds"]) == [big, 1]
        assert st.problems() == []
    assert list(Store(old).entry("20200101-000000-abcd")["seeds"]) == [7]


# ----- the full profile: random damage many times ----------------------------------------------
@pytest.mark.full
def test_random_damage_never_loses_a_run(pristine, tmp_path):
    rng = random.Random(20260101)
    failures = []
    for trial in range(FULL_TRIALS):
        folder = tmp_path / f"t{trial}"
        store, scenario, ids = _copy(pristine, folder)
        before = _files(store)
        run_files = sorted((store / DATA).rglob("*.*"))
        target = store / CATALOGUE if rng.random() < CATALOGUE_SHARE else rng.choice(run_files)
        how = rng.choice(["delete", "truncate", "zero", "garble", "junk"])
        damage(target, how, rng)
        command = rng.choice(["list", "show", "diff", "run"])
        try:
            result = _invoke(_commands(store, scenario, ids, folder)[command])
            if result.exit_code == USER_ERROR:
                assert str(store) in " ".join(result.output.split())
            _nothing_lost(store, ids, before, target)
        except AssertionError as err:
            failures.append(f"trial {trial}: {how} {target.relative_to(store)}, {command}: "
                            f"{err}")
        shutil.rmtree(folder)
    print(f"{FULL_TRIALS} trials, {len(failures)} failures")
    assert not failures, "\n".join(failures)
