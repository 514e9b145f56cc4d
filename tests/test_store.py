"""The run store: commands register themselves and their Parquet results, `runs list|show|diff`
find and compare them, and a command stopped by Ctrl-C or killed leaves the store and the
output folders consistent (no entry pointing at missing or partial data, no partial folder)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from conftest import short_classroom
from typer.testing import CliRunner

from sim.cli import app
from sim.experiments.store_entries import recording
from sim.output.out_folder import NEW, PREFIX, hidden_name
from sim.output.store import DATA, Store, store_root
from sim.scenario.files import load_scenario

runner = CliRunner()
LIVSKRAFT = Path(sys.executable).parent / "livskraft"
WAIT_S = 120            # at most this long for a subprocess to reach the point we want
GONE_S = 15             # pool workers end within this after their owner is gone
WRITES = 5              # entries each of two concurrent writers registers


def test_runs_are_registered_listed_shown_and_diffed(tmp_path):
    scenario = short_classroom(tmp_path, years=2)
    for seed in (3, 4):
        result = runner.invoke(app, ["run", str(scenario), "--seed", str(seed),
                                     "--out", str(tmp_path / f"run{seed}")])
        assert result.exit_code == 0, result.output
    store = Store(store_root())
    entries = store.entries()
    assert list(entries["kind"]) == ["run", "run"]
    assert set(entries["status"]) == {"complete"}
    assert [list(s) for s in entries["seeds"]] == [[4], [3]]          # newest first
    new, old = entries["id"]
    listing = runner.invoke(app, ["runs", "list"])
    assert listing.exit_code == 0 and new in listing.output and "complete" in listing.output

    # a unique beginning of the id: the two runs may share the same second and more
    unique = next(new[:n] for n in range(1, len(new) + 1) if not old.startswith(new[:n]))
    shown = runner.invoke(app, ["runs", "show", unique])
    assert shown.exit_code == 0, shown.output
    kommuner = pd.read_csv(tmp_path / "run4" / "kommuner.csv")
    last = kommuner[kommuner["year"] == 2028]
    assert f"{int(last['population'].sum()):,}" in shown.output     # headline: population
    stored = store.table(store.entry(new), "kommuner")
    pd.testing.assert_frame_equal(stored.reset_index(drop=True),
                                  pd.read_parquet(tmp_path / "run4" / "kommuner.parquet"),
                                  check_dtype=False)

    diffed = runner.invoke(app, ["runs", "diff", old, new, "--top", "3"])
    assert diffed.exit_code == 0, diffed.output
    before = pd.read_csv(tmp_path / "run3" / "kommuner.csv")
    change = int(last["population"].sum() - before[before["year"] == 2028]["population"].sum())
    assert f"B − A {change:+,}" in diffed.output and "2028" in diffed.output
    by_kommune = (last.set_index("kommunenummer")["population"]
                  - before[before["year"] == 2028].set_index("kommunenummer")["population"])
    top = by_kommune.abs().sort_values(ascending=False).index[0]
    assert f"{top} " in diffed.output and f"{by_kommune[top]:+,}" in diffed.output
    assert store.problems() == []


def test_runs_commands_refuse_unknown_ids(tmp_path):
    for args in (["show", "nope"], ["diff", "nope", "nada"]):
        result = runner.invoke(app, ["runs", *args, "--store", str(tmp_path / "s")])
        assert result.exit_code == 2 and "no run 'nope'" in result.output


def test_interrupted_and_failed_commands_are_marked_without_data(tmp_path):
    spec = load_scenario(short_classroom(tmp_path, years=2))
    with pytest.raises(KeyboardInterrupt), recording("run", spec, [1], out_dir=tmp_path / "a",
                                                     store=tmp_path / "s"):
        raise KeyboardInterrupt
    with pytest.raises(RuntimeError), recording("run", spec, [1], out_dir=tmp_path / "b",
                                                store=tmp_path / "s"):
        raise RuntimeError("boom")
    store = Store(tmp_path / "s")
    entries = store.entries()
    assert sorted(entries["status"]) == ["failed", "interrupted"]
    assert entries["data"].isna().all()
    assert store.problems() == []


def test_a_dead_writers_entry_and_leftovers_are_cleaned(tmp_path):
    """A writer killed at any point leaves a `running` entry and perhaps temporary folders:
    the store marks the entry killed and removes them the next time it is opened."""
    store = Store(tmp_path / "s")
    out = tmp_path / "runs" / "x"
    rid = store.begin("run", "x", [1], out_dir=out)
    dead = subprocess.Popen(["true"])
    dead.wait()
    import duckdb

    con = duckdb.connect(str(store.catalogue))
    con.execute("UPDATE runs SET pid = ? WHERE id = ?", [dead.pid, rid])
    con.close()
    leftovers = [hidden_name(out, dead.pid, NEW, "abcd"),
                 tmp_path / "s" / DATA / f".tmp-{rid}-{dead.pid}"]
    stored = tmp_path / "s" / DATA / rid        # a stored folder without its record: kept
    for folder in [*leftovers, stored]:
        folder.mkdir(parents=True)
        (folder / "national.parquet").write_bytes(b"half")
    keep = out.parent / ".other.1.abc"          # another run's temporary folder (pid 1 lives)
    keep.mkdir()
    assert store.reconcile() == [rid]
    assert store.entry(rid)["status"] == "killed" and store.entry(rid)["data"] is None
    assert not any(f.exists() for f in leftovers) and keep.exists()
    assert (stored / "national.parquet").read_bytes() == b"half"    # a read never deletes it
    assert store.problems() == [f"{stored}: not a complete entry (kept; remove it if it is "
                                "not needed)"]


def test_concurrent_writers_share_the_catalogue(tmp_path):
    code = ("import sys; from pathlib import Path; import pandas as pd; "
            "from sim.output.store import Store; s = Store(Path(sys.argv[1])); "
            "[s.complete(s.begin('run', 'c', [i]), {'t': pd.DataFrame({'a': [i]})}, {}) "
            f"for i in range({WRITES})]")
    procs = [subprocess.Popen([sys.executable, "-c", code, str(tmp_path / "s")])
             for _ in range(2)]
    assert [p.wait(timeout=WAIT_S) for p in procs] == [0, 0]
    store = Store(tmp_path / "s")
    entries = store.entries()
    assert len(entries) == 2 * WRITES and set(entries["status"]) == {"complete"}
    assert store.problems() == []


# ----- Ctrl-C and kill -9 on real commands ---------------------------------------------------
def _session(sid: int) -> list[int]:
    """Processes of session ``sid`` that have not exited (Linux /proc)."""
    pids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[-1].split()
        except OSError:
            continue
        if int(fields[3]) == sid and fields[0] != "Z":
            pids.append(int(stat.parent.name))
    return pids


def _start(args: list[str], store: Path) -> subprocess.Popen:
    return subprocess.Popen([str(LIVSKRAFT), *args], env={**os.environ,
                            "LIVSKRAFT_RUNS": str(store)}, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)


def _wait_for(condition, proc: subprocess.Popen) -> None:
    deadline = time.monotonic() + WAIT_S
    while not condition():
        assert proc.poll() is None, f"finished before it could be stopped: {proc.stderr.read()}"
        assert time.monotonic() < deadline, "the command did not get going"
        time.sleep(0.05)


def _assert_consistent(store: Store, out: Path, status: str) -> None:
    entries = store.entries()                       # opens the catalogue, marks the dead
    assert list(entries["status"]) == [status]
    assert entries["data"].isna().all()
    assert store.problems() == []
    assert not out.exists()
    assert [p.name for p in out.parent.iterdir() if p.name.startswith(".")] == []


def _assert_all_gone(sid: int) -> None:
    deadline = time.monotonic() + GONE_S
    while _session(sid) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _session(sid) == [], "processes of the stopped command are still running"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_run_killed_midway_leaves_the_store_consistent(tmp_path):
    store, out = Store(tmp_path / "store"), tmp_path / "runs" / "killed"
    out.parent.mkdir()
    proc = _start(["run", str(short_classroom(tmp_path, years=30)), "--out", str(out)],
                  store.root)
    try:
        _wait_for(lambda: store.catalogue.exists() and len(store.entries()) == 1, proc)
        time.sleep(0.5)                             # building the world or simulating
        assert proc.poll() is None
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=WAIT_S)
        _assert_consistent(store, out, "killed")
    finally:
        _kill_session(proc)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.parametrize("sig, status", [(signal.SIGINT, "interrupted"),
                                         (signal.SIGKILL, "killed")])
def test_ensemble_stopped_midway_leaves_the_store_consistent(tmp_path, sig, status):
    store, out = Store(tmp_path / "store"), tmp_path / "runs" / "ens"
    out.parent.mkdir()
    proc = _start(["ensemble", str(short_classroom(tmp_path, years=10)), "--seeds", "16",
                   "--workers", "2", "--out", str(out)], store.root)
    try:
        # stop it once the first seed's folder is written in the ensemble's hidden folder
        _wait_for(lambda: any(out.parent.glob(f"{PREFIX}*/seed-*")), proc)
        proc.send_signal(sig)
        code = proc.wait(timeout=WAIT_S)
        assert code == (130 if sig == signal.SIGINT else -signal.SIGKILL)
        _assert_all_gone(proc.pid)                  # no worker goes on simulating
        _assert_consistent(store, out, status)
    finally:
        _kill_session(proc)


def _kill_session(proc: subprocess.Popen) -> None:
    """Make sure nothing the test started is left running."""
    if proc.poll() is None:
        proc.kill()
        proc.wait()
    for pid in _session(proc.pid):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
