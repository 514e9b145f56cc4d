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
* ``by-id/<id>/``: the entry's Parquet files and ``entry.json``, its own record (its catalogue
  row and the SHA-256 of each file; ``sim.output.catalogue``). Every kind with a population has
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

Nothing removes a stored entry's folder. A catalogue that is missing while runs are stored,
damaged, or of another layout is moved aside and rebuilt from the entries' records (the
command that finds it ends with a ``StoreError`` saying so); an older layout (32-bit seeds) is
upgraded in place. A missing or damaged Parquet file is named by a ``StoreError`` when it is
read, and by ``problems``.
"""

from __future__ import annotations

import json
import math
import os
import secrets
import shutil
import socket
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from sim import __version__
from sim.output.catalogue import (
    CATALOGUE,
    COLUMNS,
    DATA,
    SCHEMA,
    TEMP_PREFIX,
    CatalogueDamaged,
    check_layout,
    derive_row,
    digest,
    first_line,
    insert,
    is_busy,
    is_damage,
    read_record,
    rebuild,
    repair_lock,
    stored_folders,
    write_record,
)
from sim.output.liveness import process_alive
from sim.output.out_folder import clean_leftovers

__all__ = ["CATALOGUE", "DATA", "KINDS", "SCHEMA", "Store", "StoreError", "store_root"]

STORE_ENV = "LIVSKRAFT_RUNS"
DEFAULT_ROOT = Path("runs")
KINDS = ("run", "compare", "ensemble", "sensitivity", "dashboard")   # dashboard: its runs
LOCK_WAIT_S = 60.0      # how long to wait for another process holding the catalogue
LOCK_RETRY_S = 0.05     # seconds between attempts
ID_RANDOM_BYTES = 2     # random hex after the timestamp in an id


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


def _missing(value) -> bool:
    """Whether a catalogue value read through pandas is missing (None or NaN)."""
    return value is None or (isinstance(value, float) and math.isnan(value))


def _files(entry: dict) -> list[str]:
    """An entry's table names (none when it has no data)."""
    files = entry.get("files")
    return [] if files is None or (isinstance(files, float) and math.isnan(files)) \
        else list(files)


@dataclass
class Store:
    """A run store folder (see the module docstring)."""

    root: Path
    _checked: bool = field(default=False, init=False, repr=False)
    _begun: dict[str, dict] = field(default_factory=dict, init=False, repr=False)

    @property
    def catalogue(self) -> Path:
        return self.root / CATALOGUE

    # ----- the catalogue file ----------------------------------------------------------------
    def _open(self) -> duckdb.DuckDBPyConnection:
        """A connection to the catalogue (waits while another process has it);
        ``CatalogueDamaged`` when DuckDB cannot use the file."""
        deadline = time.monotonic() + LOCK_WAIT_S
        while True:
            try:
                return duckdb.connect(str(self.catalogue))
            except duckdb.Error as err:
                if not is_busy(err):
                    raise CatalogueDamaged(first_line(err)) from None
                if time.monotonic() > deadline:
                    raise StoreError(f"cannot open the run catalogue {self.catalogue}: another "
                                     f"command has held it for {LOCK_WAIT_S:.0f} s") from None
                time.sleep(LOCK_RETRY_S)

    def _check(self) -> None:
        """Before the first use: a catalogue that is missing while runs are stored, damaged,
        or of another layout is rebuilt from the stored entries (``StoreError`` says so)."""
        with repair_lock(self.root):
            if not self.catalogue.exists():
                if stored_folders(self.root):
                    raise StoreError(rebuild(self.root, None))
                return
            try:
                con = self._open()
                try:
                    con.execute(SCHEMA)
                    check_layout(con)
                finally:
                    con.close()
            except CatalogueDamaged as err:
                raise StoreError(rebuild(self.root, str(err))) from None
            except duckdb.Error as err:
                if is_busy(err):
                    raise
                raise StoreError(rebuild(self.root, first_line(err))) from None

    @contextmanager
    def _connect(self):
        """The catalogue, opened for one piece of work; damage found while working rebuilds
        it (``StoreError`` says so), any other DuckDB error becomes a ``StoreError``."""
        self.root.mkdir(parents=True, exist_ok=True)
        if not self._checked:
            self._check()
            self._checked = True
        con = self._open()
        try:
            con.execute(SCHEMA)
            yield con
        except duckdb.Error as err:
            con.close()
            if is_damage(err):
                with repair_lock(self.root):
                    raise StoreError(rebuild(self.root, first_line(err))) from None
            raise StoreError(f"cannot use the run catalogue {self.catalogue}: "
                             f"{first_line(err)}") from None
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
        row = {"id": rid, "kind": kind, "scenario": scenario, "seeds": [int(s) for s in seeds],
               "persons_per_agent": persons_per_agent, "start_year": start, "end_year": end,
               "created": _now(), "status": "running",
               "out_dir": str(Path(out_dir).resolve()) if out_dir is not None else None,
               "pid": os.getpid(), "proc_start": _proc_start(os.getpid()),
               "host": socket.gethostname(), "version": __version__}
        with self._connect() as con:
            names = ", ".join(row)
            con.execute(f"INSERT INTO runs ({names}) VALUES ({', '.join('?' * len(row))})",
                        list(row.values()))
        self._begun[rid] = {**dict.fromkeys(COLUMNS), **row}
        return rid

    def complete(self, rid: str, tables: dict[str, pd.DataFrame], headline: dict,
                 meta: dict | None = None) -> Path:
        """Write an entry's Parquet files and its record (``entry.json``), then mark it
        complete and point it at them."""
        folder = self.root / DATA / rid
        tmp = self.root / DATA / f"{TEMP_PREFIX}{rid}-{os.getpid()}"
        with self._connect() as con:
            rows = con.execute("SELECT * FROM runs WHERE id = ?", [rid]).fetchall()
        begun = dict(zip(COLUMNS, rows[0], strict=True)) if rows else self._begun.get(rid)
        if begun is None:
            raise StoreError(f"run {rid} is not in the run catalogue {self.catalogue}")
        row = {**begun, "status": "complete",
               "finished": _now(), "data": f"{DATA}/{rid}", "files": sorted(tables),
               "headline": json.dumps(headline, default=str),
               "meta": json.dumps(meta or {}, default=str)}
        tmp.mkdir(parents=True, exist_ok=False)
        try:
            for name, table in tables.items():
                table.to_parquet(tmp / f"{name}.parquet", index=False)
            write_record(tmp, row, {n: digest(tmp / f"{n}.parquet") for n in tables})
            tmp.rename(folder)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        with self._connect() as con:
            insert(con, row)
        return folder

    def abandon(self, rid: str, status: str) -> None:
        """Mark an entry that will not complete (``interrupted``, ``failed``)."""
        with self._connect() as con:
            con.execute("UPDATE runs SET status = ?, finished = ? WHERE id = ? AND "
                        "status = 'running'", [status, _now(), rid])

    def reconcile(self) -> list[str]:
        """Mark entries of dead processes ``killed``, remove the temporary folders of their
        unfinished writes, take in stored entries the catalogue lacks (from their records),
        and give each complete entry its record; returns the ids marked. Never removes a
        stored entry's folder."""
        host = socket.gethostname()
        with self._connect() as con:
            rows = con.execute("SELECT id, pid, proc_start, out_dir FROM runs WHERE status = "
                               "'running' AND host = ?", [host]).fetchall()
            dead = [r for r in rows if not _alive(r[1], r[2])]
            for rid, _, _, _ in dead:
                con.execute("UPDATE runs SET status = 'killed', finished = ? WHERE id = ? "
                            "AND status = 'running'", [_now(), rid])
            status = dict(con.execute("SELECT id, status FROM runs").fetchall())
        for _, _, _, out_dir in dead:
            if out_dir and Path(out_dir).parent.is_dir():
                clean_leftovers(Path(out_dir))      # what the dead writer left beside it
        self._remove_temporary()
        self._take_in(status)
        return [r[0] for r in dead]

    def _remove_temporary(self) -> None:
        """The temporary folders of writers that are gone (never a stored entry)."""
        data = self.root / DATA
        for folder in data.iterdir() if data.is_dir() else []:
            if folder.name.startswith(TEMP_PREFIX):
                pid = folder.name.rsplit("-", 1)[-1]
                if pid.isdigit() and not _alive(int(pid), None):
                    shutil.rmtree(folder, ignore_errors=True)

    def _take_in(self, status: dict[str, str]) -> None:
        """Stored folders against the catalogue: a folder it lacks is registered (from its
        record, else derived from its files), an entry that did not finish registering
        (killed between its files and its row) is completed from its record, and a complete
        entry whose record is missing or unreadable gets it written from its row."""
        adopt, complete = [], []
        for folder in stored_folders(self.root):
            known = status.get(folder.name)
            try:
                row, _ = read_record(folder)
            except ValueError:
                row = None
            if known is None:
                adopt.append(row or derive_row(folder))
            elif known in ("killed", "failed", "interrupted") and row is not None:
                adopt.append(row)
            elif known == "complete" and row is None:
                complete.append(folder.name)
        if not adopt and not complete:
            return
        with self._connect() as con:
            for row in adopt:
                insert(con, row)
            rows = [con.execute("SELECT * FROM runs WHERE id = ?", [rid]).fetchone()
                    for rid in complete]
        for values in rows:
            self._write_record(dict(zip(COLUMNS, values, strict=True)))

    def _write_record(self, row: dict) -> None:
        """Write the record of a complete entry that lacks one, with the hashes of those of
        its files that read (a damaged file stays reported as damaged)."""
        folder = self.root / row["data"]
        hashes = {}
        for name in row["files"] or []:
            path = folder / f"{name}.parquet"
            try:
                pd.read_parquet(path)
            except Exception:
                continue
            hashes[name] = digest(path)
        write_record(folder, row, hashes)

    # ----- reading ---------------------------------------------------------------------------
    def entries(self, kind: str | None = None, limit: int | None = None) -> pd.DataFrame:
        """The catalogue, newest first (every column; JSON columns as text)."""
        if limit is not None and limit < 1:
            raise StoreError(f"the number of runs to list must be at least 1, got {limit}")
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
        """One Parquet table of a complete entry; ``StoreError`` when it is missing or
        damaged."""
        if entry["status"] != "complete" or name not in _files(entry):
            raise StoreError(f"run {entry['id']} ({entry['kind']}, {entry['status']}) has no "
                             f"{name} table")
        path = self.root / entry["data"] / f"{name}.parquet"
        wrong = self._file_problem(entry, name)
        if wrong is None:
            try:
                return pd.read_parquet(path)
            except Exception as err:
                wrong = f"damaged ({first_line(err)})"
        raise StoreError(self._damage_message(entry, [f"{name}.parquet {wrong}"]))

    def _file_problem(self, entry: dict, name: str) -> str | None:
        """What is wrong with one of an entry's files (None: nothing found): missing, or
        another content than was stored (its SHA-256 differs from the entry's record)."""
        path = self.root / entry["data"] / f"{name}.parquet"
        if not path.is_file():
            return "is missing"
        try:
            _, hashes = read_record(self.root / entry["data"])
        except ValueError:
            hashes = {}
        if name in hashes and digest(path) != hashes[name]:
            return "is damaged (its content is not what was stored)"
        return None

    def damaged_files(self, entry: dict) -> list[str]:
        """What is wrong with a complete entry's files, one line each (empty when all are
        there and read)."""
        found = []
        for name in _files(entry) if entry["status"] == "complete" else []:
            wrong = self._file_problem(entry, name)
            if wrong is None:
                try:
                    pd.read_parquet(self.root / entry["data"] / f"{name}.parquet")
                except Exception as err:
                    wrong = f"is damaged ({first_line(err)})"
            if wrong is not None:
                found.append(f"{name}.parquet {wrong}")
        return found

    def _damage_message(self, entry: dict, found: list[str]) -> str:
        return (f"run {entry['id']} in the run store {self.root}: " + "; ".join(found)
                + f" (in {self.root / entry['data']}). Its other files are kept; run its "
                f"command again to store it anew (livskraft runs show {entry['id']} gives its "
                "scenario and seeds).")

    def check_entry(self, entry: dict) -> None:
        """``StoreError`` naming what is wrong with a complete entry's files, if anything."""
        found = self.damaged_files(entry)
        if found:
            raise StoreError(self._damage_message(entry, found))

    def problems(self) -> list[str]:
        """What is inconsistent in the store (empty when all is well): complete entries whose
        files are missing or damaged, entries not complete that point at data, and stored
        folders that are not complete entries (kept: the store never removes them)."""
        found = []
        listing = self.entries()
        for e in listing.to_dict("records"):
            if e["status"] == "complete":
                found += [f"{e['id']}: {line}" for line in self.damaged_files(e)]
            elif not _missing(e["data"]):
                found.append(f"{e['id']}: {e['status']} but points at {e['data']}")
        registered = set(listing.loc[listing["status"] == "complete", "id"])
        for folder in stored_folders(self.root):
            if folder.name not in registered:
                found.append(f"{folder}: not a complete entry (kept; remove it if it is not "
                             "needed)")
        return found
