"""The run store's files on disk (used by ``sim.output.store``): the catalogue's ``runs`` table
(its layout, migrating older layouts, telling a damaged catalogue from a busy one) and each
stored entry's own record of itself, ``by-id/<id>/entry.json``: its catalogue row and the
SHA-256 of each of its Parquet files, written atomically with the files. From these records
the catalogue is rebuilt when it is missing or damaged; the damaged file is moved aside, never
deleted. Entries stored before ``entry.json`` existed get a row derived from their id and the
tables they hold."""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import duckdb

CATALOGUE = "catalogue.duckdb"
DATA = "by-id"
TEMP_PREFIX = ".tmp-"
SIDECAR = "entry.json"
LOCK_FILE = ".catalogue.lock"       # held while the catalogue is checked or rebuilt
DAMAGED_PREFIX = "catalogue.damaged-"
WAL_SUFFIX = ".wal"
ID_STAMP = "%Y%m%d-%H%M%S"          # how an id begins
UNKNOWN = "(unknown)"               # the scenario of an entry whose record is lost
HASH_CHUNK_BYTES = 1 << 20

# column, type, constraint: the layout of the runs table
LAYOUT = (("id", "VARCHAR", "PRIMARY KEY"), ("kind", "VARCHAR", "NOT NULL"),
          ("scenario", "VARCHAR", "NOT NULL"), ("seeds", "BIGINT[]", "NOT NULL"),
          ("persons_per_agent", "INTEGER", ""), ("start_year", "INTEGER", ""),
          ("end_year", "INTEGER", ""), ("created", "TIMESTAMP", "NOT NULL"),
          ("finished", "TIMESTAMP", ""), ("status", "VARCHAR", "NOT NULL"),
          ("data", "VARCHAR", ""), ("files", "VARCHAR[]", ""), ("out_dir", "VARCHAR", ""),
          ("pid", "INTEGER", ""), ("proc_start", "VARCHAR", ""), ("host", "VARCHAR", ""),
          ("version", "VARCHAR", ""), ("meta", "VARCHAR", ""), ("headline", "VARCHAR", ""))
COLUMNS = tuple(name for name, _, _ in LAYOUT)
SCHEMA = ("CREATE TABLE IF NOT EXISTS runs (\n    "
          + ",\n    ".join(" ".join(filter(None, c)) for c in LAYOUT) + "\n)")
# older layouts the store upgrades in place: column -> (old type, new type)
MIGRATIONS = {"seeds": ("INTEGER[]", "BIGINT[]")}
# what DuckDB says about a damaged file (a busy one says "Could not set lock")
DAMAGE_SIGNS = ("not a valid duckdb database", "could not read enough bytes", "corrupt",
                "checksum", "serializ")
BUSY_SIGN = "could not set lock"
DAMAGE_TYPES = (duckdb.InternalException, duckdb.SerializationException, duckdb.FatalException)
# the tables that tell an entry's kind when its record is lost
KIND_BY_TABLE = (("indices", "sensitivity"), ("compare", "compare"), ("bands", "ensemble"),
                 ("kommuner", "run"))


class CatalogueDamaged(Exception):
    """The catalogue file cannot be used as it is; the message says what is wrong."""


def is_busy(err: Exception) -> bool:
    """Whether DuckDB refused because another process holds the catalogue."""
    return BUSY_SIGN in str(err).lower()


def is_damage(err: Exception) -> bool:
    """Whether a DuckDB error says the catalogue file is damaged."""
    text = str(err).lower()
    return (isinstance(err, DAMAGE_TYPES) or any(sign in text for sign in DAMAGE_SIGNS)) \
        and not is_busy(err)


def first_line(err: Exception) -> str:
    return (str(err).strip().splitlines() or [type(err).__name__])[0]


@contextmanager
def repair_lock(root: Path):
    """Held while one process checks or rebuilds the catalogue of the store ``root``."""
    with open(root / LOCK_FILE, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def check_layout(con: duckdb.DuckDBPyConnection) -> None:
    """Upgrade an older layout of the runs table, refuse another one (``CatalogueDamaged``),
    and read every row once, so that a damaged block is found now rather than midway."""
    found = {name: kind for name, kind, *_ in con.execute("DESCRIBE runs").fetchall()}
    for column, (old, new) in MIGRATIONS.items():
        if found.get(column) == old:
            con.execute(f"ALTER TABLE runs ALTER {column} SET DATA TYPE {new}")
            found[column] = new
    missing = [name for name in COLUMNS if name not in found]
    wrong = [f"{name} is {found[name]}, not {kind}" for name, kind, _ in LAYOUT
             if name in found and found[name] != kind]
    if missing or wrong:
        what = ([f"missing columns {', '.join(missing)}"] if missing else []) + wrong
        raise CatalogueDamaged(f"has a runs table of another layout ({'; '.join(what)})")
    con.execute("SELECT * FROM runs").fetchall()


# ----- each entry's own record -----------------------------------------------------------------
def digest(path: Path) -> str:
    """SHA-256 of a file, hex."""
    h = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(HASH_CHUNK_BYTES):
            h.update(chunk)
    return h.hexdigest()


def write_record(folder: Path, row: dict, hashes: dict[str, str]) -> None:
    """Write ``folder/entry.json`` (the catalogue row, JSON columns decoded, and the files'
    SHA-256) atomically: a temporary file renamed over it."""
    plain = {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in row.items()}
    for key in ("meta", "headline"):
        plain[key] = json.loads(plain[key]) if plain.get(key) else {}
    plain["seeds"] = [int(s) for s in plain.get("seeds") or []]
    plain["files"] = list(plain.get("files") or [])
    text = json.dumps({"row": plain, "sha256": hashes}, indent=1, sort_keys=True,
                      default=str)
    tmp = folder / f"{TEMP_PREFIX}{SIDECAR}-{os.getpid()}"
    tmp.write_text(text + "\n", encoding="utf-8")
    os.replace(tmp, folder / SIDECAR)


def read_record(folder: Path) -> tuple[dict, dict[str, str]]:
    """An entry's catalogue row and file hashes from its ``entry.json``; ValueError saying
    what is wrong when it is missing or unusable."""
    path = folder / SIDECAR
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
        plain, hashes = dict(record["row"]), dict(record["sha256"])
        row = {name: plain.get(name) for name in COLUMNS}
        if row["id"] != folder.name or row["status"] != "complete" or not row["kind"]:
            raise ValueError("it describes another entry")
        for key in ("created", "finished"):
            row[key] = datetime.fromisoformat(row[key]) if row[key] else None
        for key in ("meta", "headline"):
            row[key] = json.dumps(row[key], default=str)
        row["seeds"] = [int(s) for s in row["seeds"] or []]
    except FileNotFoundError:
        raise ValueError(f"{path} is missing") from None
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as err:
        raise ValueError(f"{path} is unreadable ({first_line(err)})") from None
    return row, hashes


def derive_row(folder: Path) -> dict:
    """A catalogue row for an entry without a usable ``entry.json``: its id, when it was
    created (from the id), its tables and the kind they tell."""
    files = sorted(p.stem for p in folder.glob("*.parquet"))
    kind = next((k for table, k in KIND_BY_TABLE if table in files), "run")
    try:
        created = datetime.strptime(folder.name[:len("YYYYmmdd-HHMMSS")], ID_STAMP)
    except ValueError:
        created = datetime.fromtimestamp(folder.stat().st_mtime)
    return {**dict.fromkeys(COLUMNS), "id": folder.name, "kind": kind, "scenario": UNKNOWN,
            "seeds": [], "created": created, "status": "complete",
            "data": f"{DATA}/{folder.name}", "files": files,
            "meta": json.dumps({"recovered": f"derived from the files; {SIDECAR} was lost"}),
            "headline": "{}"}


def stored_folders(root: Path) -> list[Path]:
    """The entries' data folders (not the temporary folders of writers)."""
    data = root / DATA
    return sorted(p for p in data.iterdir() if p.is_dir() and not p.name.startswith(
        TEMP_PREFIX)) if data.is_dir() else []


def insert(con: duckdb.DuckDBPyConnection, row: dict) -> None:
    """Insert or replace one catalogue row."""
    con.execute(f"INSERT OR REPLACE INTO runs ({', '.join(COLUMNS)}) VALUES "
                f"({', '.join('?' * len(COLUMNS))})", [row.get(c) for c in COLUMNS])


# ----- rebuilding ------------------------------------------------------------------------------
def rebuild(root: Path, what: str | None) -> str:
    """Move a damaged catalogue aside (``what`` says what is wrong with it; None when it is
    missing) and build a new one from the stored entries' records; returns the message for
    the user. The caller holds ``repair_lock``."""
    catalogue = root / CATALOGUE
    folders = stored_folders(root)
    tmp = root / f"{TEMP_PREFIX}{CATALOGUE}-{os.getpid()}"
    tmp.unlink(missing_ok=True)
    derived = 0
    con = duckdb.connect(str(tmp))
    try:
        con.execute(SCHEMA)
        for folder in folders:
            try:
                row, _ = read_record(folder)
            except ValueError:
                row, derived = derive_row(folder), derived + 1
            insert(con, row)
    finally:
        con.close()
    aside = None
    if catalogue.exists():
        aside = root / f"{DAMAGED_PREFIX}{datetime.now():{ID_STAMP}}-{os.getpid()}.duckdb"
        catalogue.rename(aside)
    wal = root / (CATALOGUE + WAL_SUFFIX)
    if wal.exists():
        wal.rename((aside or root / f"{DAMAGED_PREFIX}{os.getpid()}").with_suffix(WAL_SUFFIX))
    tmp.rename(catalogue)
    told = (f"the run catalogue {catalogue} is missing; it was rebuilt" if aside is None else
            f"the run catalogue {catalogue} is damaged ({what}); it was moved aside to {aside} "
            "and rebuilt")
    return (f"{told} from {len(folders)} stored runs in {root / DATA}"
            + (f" ({derived} without entry.json, listed from their files and id)"
               if derived else "")
            + "; entries without stored data (failed, interrupted, killed) are not in it. "
              "Run the command again.")
