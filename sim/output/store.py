"""The run store: every run, compare, ensemble and sensitivity analysis keeps its results as
Parquet files and is registered in an embedded DuckDB catalogue, so that an analyst can list,
show and compare earlier runs (``livskraft runs list|show|diff``).

Layout of the store folder (``runs/`` in the working directory, where run folders go by
default; ``$LIVSKRAFT_RUNS`` or a command's ``--store`` chooses another):

* ``catalogue.duckdb``, table ``runs``: one row per command that ran — id, kind (``run``,
  ``compare``, ``ensemble``, ``sensitivity``), scenario, seeds, persons per agent, start and
  end year, created and finished (UTC), status, data (its folder below the store, set only
  when complete), out_dir (the output folder the command wrote), the process id, process
  start and host that ran it, version, and meta and headline figures as JSON;
* ``by-id/<id>/``: the entry's Parquet files. Every kind with a population has
  ``population.parquet`` (area — a kommunenummer, or ``norway`` for the whole simulated
  area —, name, year, population in persons on 1 January; the median over seeds for
  ensembles, the scenario's median for compare); the other tables are the kind's own
  (``national``, ``kommuner``, ``bands``, ``seeds``, ``compare``, ``indices``, ``samples``).

Writes are atomic. A command registers itself as ``running`` when it starts. Its Parquet
files go to a hidden temporary folder that is renamed to ``by-id/<id>/`` when complete, and
only then does the entry become ``complete`` and point at them. Ctrl-C marks the entry
``interrupted``, an error ``failed``. An entry left ``running`` by a process that no longer
exists (killed) becomes ``killed`` the next time the store is opened, and its leftovers (the
temporary folders of the store and of its output folder) are removed. So an entry points at
data only when all of it is there. The catalogue is opened for a moment per read or write,
so several commands can share one store.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import time
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from sim import __version__
from sim.output.liveness import process_alive

STORE_ENV = "LIVSKRAFT_RUNS"
DEFAULT_ROOT = Path("runs")
CATALOGUE = "catalogue.duckdb"
DATA = "by-id"
TEMP_PREFIX = ".tmp-"
KINDS = ("run", "compare", "ensemble", "sensitivity")
LOCK_WAIT_S = 60.0      # how long to wait for another process holding the catalogue
LOCK_RETRY_S = 0.05     # seconds between attempts
ID_RANDOM_BYTES = 2     # random hex after the timestamp in an id

SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    id VARCHAR PRIMARY KEY,
    kind VARCHAR NOT NULL,
    scenario VARCHAR NOT NULL,
    seeds INTEGER[] NOT NULL,
    persons_per_agent INTEGER,
    start_year INTEGER,
    end_year INTEGER,
    created TIMESTAMP NOT NULL,
    finished TIMESTAMP,
    status VARCHAR NOT NULL,
    data VARCHAR,
    files VARCHAR[],
    out_dir VARCHAR,
    pid INTEGER,
    proc_start VARCHAR,
    host VARCHAR,
    version VARCHAR,
    meta VARCHAR,
    headline VARCHAR
)
"""
COLUMNS = ("id", "kind", "scenario", "seeds", "persons_per_agent", "start_year", "end_year",
           "created", "finished", "status", "data", "files", "out_dir", "pid", "proc_start",
           "host", "version", "meta", "headline")


class StoreError(Exception):
    """A store request that cannot be met; the message is meant for the user."""


def store_root(store: Path | str | None = None) -> Path:
    """The store folder: ``store`` if given, else ``$LIVSKRAFT_RUNS``, else ``runs/``."""
    if store is not None:
        return Path(store)
    return Path(os.environ.get(STORE_ENV) or DEFAULT_ROOT)


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)     # the catalogue holds naive UTC


def _proc_start(pid: int) -> str:
    """When process ``pid`` started (clock ticks since boot; Linux), "" when unknown: tells a
    process from a later one that got the same id."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return ""
    fields = stat.rsplit(")", 1)[-1].split()
    return fields[19] if len(fields) > 19 else ""    # field 22 of stat: starttime


def _alive(pid: int | None, proc_start: str | None) -> bool:
    """Whether the process that wrote an entry still runs (on this host): it exists, has
    not exited, and started when the writer did (not a later process with the same id)."""
    if not pid or not process_alive(pid):
        return False
    return not proc_start or _proc_start(pid) in ("", proc_start)


@dataclass
class Store:
    """A run store folder (see the module docstring)."""

    root: Path

    @property
    def catalogue(self) -> Path:
        return self.root / CATALOGUE

    @contextmanager
    def _connect(self):
        """The catalogue, opened for one piece of work (waits while another process has it)."""
        self.root.mkdir(parents=True, exist_ok=True)
        deadline = time.monotonic() + LOCK_WAIT_S
        while True:
            try:
                con = duckdb.connect(str(self.catalogue))
                break
            except duckdb.IOException as err:
                if "lock" not in str(err).lower() or time.monotonic() > deadline:
                    raise StoreError(f"cannot open the run catalogue {self.catalogue}: "
                                     f"{err}") from None
                time.sleep(LOCK_RETRY_S)
        try:
            con.execute(SCHEMA)
            yield con
        finally:
            con.close()

    # ----- writing ---------------------------------------------------------------------------
    def begin(self, kind: str, scenario: str, seeds: list[int], *,
              persons_per_agent: int | None = None, years: tuple[int, int] | None = None,
              out_dir: Path | None = None) -> str:
        """Register a command that starts now; returns its id."""
        if kind not in KINDS:
            raise ValueError(f"unknown kind {kind!r}")
        self.reconcile()
        rid = f"{_now():%Y%m%d-%H%M%S}-{secrets.token_hex(ID_RANDOM_BYTES)}"
        start, end = years or (None, None)
        row = {"id": rid, "kind": kind, "scenario": scenario, "seeds": list(seeds),
               "persons_per_agent": persons_per_agent, "start_year": start, "end_year": end,
               "created": _now(), "status": "running",
               "out_dir": str(Path(out_dir).resolve()) if out_dir is not None else None,
               "pid": os.getpid(), "proc_start": _proc_start(os.getpid()),
               "host": socket.gethostname(), "version": __version__}
        with self._connect() as con:
            names = ", ".join(row)
            con.execute(f"INSERT INTO runs ({names}) VALUES ({', '.join('?' * len(row))})",
                        list(row.values()))
        return rid

    def complete(self, rid: str, tables: dict[str, pd.DataFrame], headline: dict,
                 meta: dict | None = None) -> Path:
        """Write an entry's Parquet files, then mark it complete and point it at them."""
        folder = self.root / DATA / rid
        tmp = self.root / DATA / f"{TEMP_PREFIX}{rid}-{os.getpid()}"
        tmp.mkdir(parents=True, exist_ok=False)
        try:
            for name, table in tables.items():
                table.to_parquet(tmp / f"{name}.parquet", index=False)
            tmp.rename(folder)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        with self._connect() as con:
            con.execute("UPDATE runs SET status = 'complete', finished = ?, data = ?, "
                        "files = ?, headline = ?, meta = ? WHERE id = ?",
                        [_now(), f"{DATA}/{rid}", sorted(tables),
                         json.dumps(headline, default=str),
                         json.dumps(meta or {}, default=str), rid])
        return folder

    def abandon(self, rid: str, status: str) -> None:
        """Mark an entry that will not complete (``interrupted``, ``failed``)."""
        with self._connect() as con:
            con.execute("UPDATE runs SET status = ?, finished = ? WHERE id = ? AND "
                        "status = 'running'", [status, _now(), rid])

    def reconcile(self) -> list[str]:
        """Mark entries of dead processes ``killed`` and remove leftovers of unfinished
        writes; returns the ids marked."""
        host = socket.gethostname()
        with self._connect() as con:
            rows = con.execute("SELECT id, pid, proc_start, out_dir FROM runs WHERE status = "
                               "'running' AND host = ?", [host]).fetchall()
            dead = [r for r in rows if not _alive(r[1], r[2])]
            for rid, _, _, _ in dead:
                con.execute("UPDATE runs SET status = 'killed', finished = ? WHERE id = ? "
                            "AND status = 'running'", [_now(), rid])
            complete = {r[0] for r in con.execute(
                "SELECT id FROM runs WHERE status IN ('complete', 'running')").fetchall()}
        for _, pid, _, out_dir in dead:
            if out_dir:
                out = Path(out_dir)
                for leftover in out.parent.glob(f".{out.name}.{pid}.*"):
                    shutil.rmtree(leftover, ignore_errors=True)
        self._remove_orphans(complete)
        return [r[0] for r in dead]

    def _remove_orphans(self, keep: set[str]) -> None:
        """Temporary folders of dead writers, and data folders of entries not complete."""
        data = self.root / DATA
        if not data.is_dir():
            return
        for folder in data.iterdir():
            if folder.name.startswith(TEMP_PREFIX):
                pid = folder.name.rsplit("-", 1)[-1]
                if pid.isdigit() and not _alive(int(pid), None):
                    shutil.rmtree(folder, ignore_errors=True)
            elif folder.name not in keep:
                shutil.rmtree(folder, ignore_errors=True)

    # ----- reading ---------------------------------------------------------------------------
    def entries(self, kind: str | None = None, limit: int | None = None) -> pd.DataFrame:
        """The catalogue, newest first (every column; JSON columns as text)."""
        self.reconcile()
        query = "SELECT * FROM runs" + (" WHERE kind = ?" if kind else "")
        query += " ORDER BY created DESC, id DESC" + (f" LIMIT {int(limit)}" if limit else "")
        with self._connect() as con:
            return con.execute(query, [kind] if kind else []).df()

    def entry(self, key: str) -> dict[str, Any]:
        """One entry by id or unique id prefix, JSON columns decoded."""
        self.reconcile()
        with self._connect() as con:
            rows = con.execute("SELECT * FROM runs WHERE id LIKE ? ORDER BY id",
                               [f"{key}%"]).fetchall()
        exact = [r for r in rows if r[0] == key]
        rows = exact or rows
        if not rows:
            raise StoreError(f"no run '{key}' in the store {self.root} (see livskraft runs "
                             "list)")
        if len(rows) > 1:
            raise StoreError(f"'{key}' matches {len(rows)} runs ("
                             + ", ".join(r[0] for r in rows[:5]) + "); give more of the id")
        out = dict(zip(COLUMNS, rows[0], strict=True))
        for key_ in ("meta", "headline"):
            out[key_] = json.loads(out[key_]) if out[key_] else {}
        return out

    def table(self, entry: dict, name: str) -> pd.DataFrame:
        """One Parquet table of a complete entry."""
        if entry["status"] != "complete" or name not in (entry["files"] or []):
            raise StoreError(f"run {entry['id']} ({entry['kind']}, {entry['status']}) has no "
                             f"{name} table")
        return pd.read_parquet(self.root / entry["data"] / f"{name}.parquet")

    def problems(self) -> list[str]:
        """What is inconsistent in the store (empty when all is well): complete entries whose
        files are missing or unreadable, and temporary or unregistered data folders."""
        found = []
        listing = self.entries()
        for _, e in listing.iterrows():
            if e["status"] == "complete":
                for name in e["files"]:
                    path = self.root / e["data"] / f"{name}.parquet"
                    try:
                        pd.read_parquet(path)
                    except Exception as err:   # any failure is the finding
                        found.append(f"{e['id']}: {path} unreadable ({err})")
            elif e["data"] is not None:
                found.append(f"{e['id']}: {e['status']} but points at {e['data']}")
        data = self.root / DATA
        registered = set(listing.loc[listing["status"] == "complete", "id"])
        for folder in sorted(data.iterdir()) if data.is_dir() else []:
            if folder.name not in registered:
                found.append(f"{folder}: not a complete entry")
        return found
