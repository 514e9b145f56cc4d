"""The kill suite: a command stopped at any moment (Ctrl-C or kill -9) never leaves a
half-written folder under its output folder's name, keeps the previous result until the new
one is complete, exits with status 130 on Ctrl-C, and leaves the run store consistent.

Two parts:

* every step of a replacement: a forked writer kills itself (or gets Ctrl-C) just before
  its k-th change to the file system, for every k, while it replaces a previous run folder;
* ``run``, ``ensemble`` and ``compare`` at a small scale, each run once and then again into
  the same folder and stopped by SIGINT or SIGKILL at a random moment.

The short profile runs a few kills; the full profile (``-m full``) many.
"""

from __future__ import annotations

import json
import os
import random
import shutil
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
from sim.output.out_folder import LEFTOVER, clean_leftovers
from sim.output.run_folder import simulate, write_run
from sim.output.store import Store
from sim.scenario.files import load_scenario

ROOT = Path(__file__).resolve().parents[1]
PERSONS_PER_AGENT = "10"        # the classroom landscape at a tenth: a run takes ~1 s
YEARS = 2                       # simulated years per run
SHORT_KILLS = 2                 # killed commands per command kind (short profile: one
                                # SIGINT, one SIGKILL)
FULL_KILLS = 12                 # killed commands per command kind (full profile)
WAIT_S = 120                    # the longest a killed command may take to end
INTERRUPTED = 130
STARTING_S = 0.1                # before this the interpreter itself starts (site, runpy)
POLL_S = 0.01                   # seconds between looks at a forked writer
STEP_SIGNALS = (signal.SIGKILL, signal.SIGINT)
KINDS = ("run", "ensemble", "compare")
MUTATIONS = ("mkdir", "rename", "replace", "unlink", "rmdir")   # os functions that change
                                                                # the file system


# ----- what a complete result is --------------------------------------------------------------
def _run_complete(folder: Path, names: set[str]) -> bool:
    """A run folder with every file the first run wrote, each readable."""
    if not folder.is_dir() or {p.name for p in folder.iterdir()} != names:
        return False
    json.loads((folder / "run.json").read_text())
    pd.read_csv(folder / "national.csv")
    pd.read_parquet(folder / "kommuner.parquet")
    return True


def _complete(kind: str, folder: Path, names: dict) -> bool:
    """Whether ``folder`` holds a complete result of ``kind`` (the files the first, undisturbed
    command wrote, each readable)."""
    if not folder.is_dir() or {p.name for p in folder.iterdir()} != names["top"]:
        return False
    if kind == "run":
        return _run_complete(folder, names["top"])
    marker = folder / f"{kind}.json"
    json.loads(marker.read_text())
    pd.read_csv(folder / ("bands.csv" if kind == "ensemble" else "compare.csv"))
    seeds = [p for p in folder.iterdir() if p.name.startswith("seed-")]
    return all(_run_complete(p, names["seed"]) for p in seeds)


def _names(kind: str, folder: Path) -> dict:
    seed = next((p for p in folder.iterdir() if p.name.startswith("seed-")), None)
    return {"top": {p.name for p in folder.iterdir()},
            "seed": {p.name for p in seed.iterdir()} if seed else set()}


def _leftovers(out: Path) -> list[Path]:
    return [p for p in out.parent.iterdir() if LEFTOVER.fullmatch(p.name)]


def _asides(out: Path) -> list[Path]:
    return [p for p in _leftovers(out) if LEFTOVER.fullmatch(p.name)[3] == "o"]


def _check_state(kind: str, out: Path, names: dict, had_old: bool) -> str:
    """The invariant after a kill: the target holds a complete result (old or new); or, with
    an old result, it waits complete under its aside name. Returns what was found."""
    if out.exists():
        assert _complete(kind, out, names), f"half-written {out}: {sorted(os.listdir(out))}"
        return "complete"
    asides = _asides(out)
    if had_old:
        assert asides and _complete(kind, asides[0], names), \
            f"the old result is lost: {[p.name for p in _leftovers(out)]}"
        return "aside"
    return "absent"


def _after_cleanup(kind: str, out: Path, names: dict, had_old: bool) -> None:
    """What the next command finds once it has cleaned up: a complete result, no
    leftovers."""
    clean_leftovers(out)
    assert not _leftovers(out), [p.name for p in _leftovers(out)]
    if had_old:
        assert _complete(kind, out, names)
    else:
        assert not out.exists() or _complete(kind, out, names)


# ----- every step of a replacement -----------------------------------------------------------
def _writer_killed_at(step: int, signum: int, result, out: Path) -> int:
    """Fork a writer that replaces ``out`` by ``result`` and sends itself ``signum`` just
    before its ``step``-th change to the file system; its exit status (130 on Ctrl-C)."""
    pid = os.fork()
    if pid == 0:                                      # the writer
        # a command of its own: Ctrl-C raises KeyboardInterrupt, as in ``livskraft``, whatever
        # handler earlier tests left in this pytest process
        signal.signal(signal.SIGINT, signal.default_int_handler)
        try:
            count = [0]
            for name in MUTATIONS:
                original = getattr(os, name)

                def counted(*args, _original=original, **kw):
                    count[0] += 1
                    if count[0] == step:
                        os.kill(os.getpid(), signum)
                    return _original(*args, **kw)

                setattr(os, name, counted)
            write_run(result, out)
            os._exit(0)
        except KeyboardInterrupt:
            os._exit(INTERRUPTED)
        except BaseException:
            os._exit(1)
    deadline = time.monotonic() + WAIT_S
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            pytest.fail(f"the writer stopped at step {step} hangs")
        time.sleep(POLL_S)


@pytest.mark.filterwarnings("ignore:This process .* is multi-threaded:DeprecationWarning")
def test_a_stop_at_any_step_of_a_replacement_keeps_a_complete_result(tmp_path, monkeypatch):
    from sim.output import plots

    # the plot is content, not the replacement: a stand-in keeps each of the ~40 writers fast
    monkeypatch.setattr(plots, "population_plot", lambda result, path: path.write_bytes(b"."))
    scenario = load_scenario(short_classroom(tmp_path, YEARS, persons_per_agent=10))
    result = simulate(scenario)
    out = tmp_path / "runs" / "r"
    write_run(result, out)
    names = _names("run", out)
    for signum in STEP_SIGNALS:
        step = 0
        while True:
            step += 1
            status = _writer_killed_at(step, signum, result, out)
            if status == 0:                               # it finished before that step
                break
            assert status == (-signal.SIGKILL if signum == signal.SIGKILL else INTERRUPTED)
            _check_state("run", out, names, had_old=True)
            if signum == signal.SIGINT:                  # Ctrl-C cleans up after itself
                assert out.exists()
            _after_cleanup("run", out, names, had_old=True)
        assert step > 3, "the writer never reached a replacement"
        print(f"{signum.name}: stopped at each of {step - 1} steps")
        assert _complete("run", out, names) and not _leftovers(out)


# ----- commands killed at random moments ------------------------------------------------------
def _commands(tmp_path: Path) -> dict[str, list[str]]:
    scenario = str(short_classroom(tmp_path, YEARS))
    small = ["--persons-per-agent", PERSONS_PER_AGENT]
    return {"run": ["run", scenario, *small],
            "ensemble": ["ensemble", scenario, "--seeds", "2", "--workers", "2", *small],
            "compare": ["compare", scenario, scenario, "--seeds", "2", "--workers", "2",
                        *small]}


def _start(args: list[str], out: Path, store: Path, cwd: Path) -> subprocess.Popen:
    env = {**os.environ, "LIVSKRAFT_RUNS": str(store), "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-m", "sim.cli", *args, "--out", str(out)],
                            cwd=cwd, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, start_new_session=True)


def _stop(proc: subprocess.Popen, signum: int, delay: float) -> tuple[int, str]:
    """Send ``signum`` to the command's process group after ``delay`` seconds (as Ctrl-C
    does in a terminal, or kill -9 of the whole job); its exit status and error output."""
    try:
        proc.wait(timeout=delay)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signum)
    _, err = proc.communicate(timeout=WAIT_S)
    return proc.returncode, err.decode(errors="replace")


def _store_is_consistent(store: Path) -> None:
    """No entry left running, each complete entry's tables readable, no data behind the
    others, and ``livskraft runs list`` works (the store's public API only)."""
    st = Store(store)
    entries = st.entries()
    assert "running" not in set(entries["status"])
    for rid in entries["id"]:
        entry = st.entry(rid)
        if entry["status"] == "complete":
            for name in entry["files"]:
                st.table(entry, name)
        else:
            assert entry["data"] is None, entry
    listed = CliRunner().invoke(app, ["runs", "list", "--store", str(store)])
    assert listed.exit_code == 0, listed.output


@pytest.fixture(scope="module")
def startup_s() -> float:
    """Seconds the command takes to start (Python and the imports) before it runs."""
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "sim.cli", "--help"], check=True,
                   capture_output=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    return time.perf_counter() - t0


def _kill_trials(kind: str, kills: int, tmp_path: Path, startup_s: float) -> dict[str, int]:
    args = _commands(tmp_path)[kind]
    store, base = tmp_path / "store", tmp_path / "first" / "out"
    t0 = time.perf_counter()            # the first result: the same command, in this process
    first = CliRunner().invoke(app, [*args, "--out", str(base), "--store", str(store)])
    assert first.exit_code == 0, first.output
    took = time.perf_counter() - t0 + startup_s
    names = _names(kind, base)
    rng = random.Random(f"{kind}-{kills}")
    seen: dict[str, int] = {}
    for trial in range(kills):
        signum = (signal.SIGINT, signal.SIGKILL)[(trial + KINDS.index(kind)) % 2]
        out = tmp_path / f"trial-{trial}" / "out"
        had_old = trial % 3 != 2                 # now and then a first result, not a second
        if had_old:
            shutil.copytree(base, out)
        else:
            out.parent.mkdir()
        delay = rng.uniform(STARTING_S, took)
        code, err = _stop(_start(args, out, store, tmp_path), signum, delay)
        where = f"{kind} trial {trial}: {signum.name} after {delay:.2f} s"
        if code != 0:
            expected = INTERRUPTED if signum == signal.SIGINT else -signal.SIGKILL
            assert code == expected, f"{where}: status {code}\n{err[-2000:]}"
            assert "Traceback" not in err, f"{where}\n{err[-2000:]}"
        state = _check_state(kind, out, names, had_old)
        key = f"{signum.name} {'finished first' if code == 0 else 'stopped'}: {state}"
        seen[key] = seen.get(key, 0) + 1
        _after_cleanup(kind, out, names, had_old)
        _store_is_consistent(store)
    return seen


@pytest.mark.parametrize("kind", KINDS)
def test_a_command_stopped_at_a_random_moment_loses_nothing(tmp_path, kind, startup_s):
    print(kind, _kill_trials(kind, SHORT_KILLS, tmp_path, startup_s))


@pytest.mark.full
@pytest.mark.parametrize("kind", KINDS)
def test_many_commands_stopped_at_random_moments_lose_nothing(tmp_path, kind, startup_s):
    seen = _kill_trials(kind, FULL_KILLS, tmp_path, startup_s)
    print(f"{kind}: {seen}")


def test_ctrl_c_turned_into_a_library_error_still_exits_130(monkeypatch, capsys):
    """DuckDB answers Ctrl-C during a query with its own error ("Query interrupted"), which
    our handlers never see as an interruption: the command still ends with 130, no traceback."""
    import sim.cli as cli

    def a_query_interrupted() -> None:
        try:
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(1)
        except KeyboardInterrupt:
            raise RuntimeError("Query interrupted") from None

    before = signal.getsignal(signal.SIGINT)
    monkeypatch.setattr(cli.startup, "is_the_command", lambda: True)
    monkeypatch.setattr(cli, "app", a_query_interrupted)
    try:
        with pytest.raises(SystemExit) as stop:
            cli.main()
    finally:
        signal.signal(signal.SIGINT, before)
    assert stop.value.code == INTERRUPTED
    assert "interrupted" in capsys.readouterr().err
