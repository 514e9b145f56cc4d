"""Output folders that never lose data: which folder a command may write its result into
(``check``, ``default_out``), and replacing a previous result by a new one so that one of them
is always complete (``build_and_swap``, or its parts ``temp_beside`` and ``swap_in``;
``clean_leftovers``).

The rules:

* A command writes only into a folder it creates, or one that holds a previous result of its
  own kind, recognised by the kind's marker file (``MARKERS``); anything else (a file, a
  symbolic link, a folder of the user's) is refused, before anything runs.
* The current directory, the run store and their ancestors are never an output folder, nor
  anything inside the store's data folder.
* A default output folder ``<root>/<prefix><name>`` stays inside ``root``: a scenario's name
  is one plain folder name, never a path.

Replacing: the new result is built under a short hidden name beside the target (``.lk-`` and
a tag of the target's name, the writer's process id, a role letter and a random suffix; so a
long target name never makes it exceed the system's limit). When complete, the old folder is
renamed aside, the new one renamed in, then the old one renamed for deletion and deleted; the
two renames run with Ctrl-C held back. At every moment the target holds the complete old or
the complete new result, or (between the renames) the old one waits under its aside name. The
next command into the same target cleans up what a killed writer left: it puts an old result
waiting aside back when the target is missing and deletes the rest.
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
import shutil
import signal
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

from sim.output.liveness import process_alive

MARKERS = {                 # the file that shows a folder holds a result of that kind
    "run": "run.json",
    "ensemble": "ensemble.json",
    "compare": "compare.json",
    "sensitivity": "sensitivity.json",
    "sweep": "sweep.json",
    "target": "target.json",
    "validate": "validation_metrics.json",
}
PREFIX = ".lk-"             # hidden names of folders being built, set aside or deleted
TAG_HEX = 8                 # hex digits of the target name's hash in those names
SUFFIX_BYTES = 2            # random bytes (hex) that make a temporary name unique
NEW, OLD, DOOMED = "n", "o", "d"   # roles: the new result, the old one aside, being deleted
LEFTOVER = re.compile(rf"{re.escape(PREFIX)}([0-9a-f]{{{TAG_HEX}}})-(\d+)-([{NEW}{OLD}{DOOMED}])"
                      r"[0-9a-f]+")
HELD_SIGNALS = {signal.SIGINT, signal.SIGTERM, signal.SIGHUP}
DEFAULT_NAME_MAX = 255      # bytes in one file name, when the system does not say
NAME_SHOWN = 40             # characters of a too long name shown in the message


class OutFolderError(Exception):
    """An output folder a command may not write; the message is meant for the user."""


def _tag(out: Path) -> str:
    return hashlib.sha1(out.name.encode(), usedforsecurity=False).hexdigest()[:TAG_HEX]


def hidden_name(out: Path, pid: int, role: str, suffix: str) -> Path:
    """The hidden name beside ``out`` that process ``pid`` uses for ``role`` (``NEW``,
    ``OLD`` or ``DOOMED``); ``suffix`` is hex that makes it unique."""
    return out.parent / f"{PREFIX}{_tag(out)}-{pid}-{role}{suffix}"


def _hidden(out: Path, role: str) -> Path:
    """A fresh hidden name beside ``out`` for this process and ``role``."""
    return hidden_name(out, os.getpid(), role, secrets.token_hex(SUFFIX_BYTES))


def default_out(root: Path, name: str, prefix: str = "") -> Path:
    """``root/<prefix><name>``, the default output folder for a scenario called ``name``;
    refused when the name is not one plain folder name (it would lead outside ``root``)."""
    plain = (name not in ("", ".", "..") and "/" not in name and "\\" not in name
             and "\0" not in name)
    out = Path(root) / f"{prefix}{name}"
    inside = Path(os.path.normpath(out)).parent == Path(os.path.normpath(root))
    if not plain or not inside:
        raise OutFolderError(
            f"the scenario's name {name!r} cannot be a folder name under {root}/ (it would "
            "write outside it); give the output folder with --out, or a name of letters, "
            "digits, '-' and '_'")
    return out


def _name_max(folder: Path) -> int:
    try:
        return os.pathconf(folder, "PC_NAME_MAX")
    except (OSError, ValueError):
        return DEFAULT_NAME_MAX


def _existing_ancestor(out: Path) -> Path:
    """The nearest folder above ``out`` that exists (refused if a file is in the way)."""
    parent = out.parent
    while not parent.exists():
        parent = parent.parent
    if not parent.is_dir():
        raise OutFolderError(f"{out}: {parent} is a file, not a folder")
    return parent


def _check_place(out: Path, store: Path | None) -> None:
    """Refuse the current directory, the store, their ancestors and the store's data."""
    here = out.resolve()
    protected = {"the current directory": Path.cwd().resolve()}
    if store is not None:
        from sim.output.catalogue import DATA

        protected["the run store"] = Path(store).resolve()
        data = (Path(store) / DATA).resolve()
        if here == data or here.is_relative_to(data):
            raise OutFolderError(f"{out} is inside the run store's data folder {data}; "
                                 "choose another output folder")
    for what, folder in protected.items():
        if here == folder or folder.is_relative_to(here):
            inside = "is" if here == folder else "holds"
            raise OutFolderError(f"{out} {inside} {what} ({folder}); a command never "
                                 "replaces it: choose another output folder")


def _check_lengths(out: Path, limit: int) -> None:
    """Refuse a name in ``out`` longer than ``limit`` bytes (the system's limit)."""
    for name in out.parts:
        if len(name.encode()) > limit:
            raise OutFolderError(f"{out}: the name {name[:NAME_SHOWN]}… is "
                                 f"{len(name.encode())} bytes long; the limit is {limit}")


def _check_writable(out: Path) -> Path:
    """Refuse names longer than the folder they go in allows and folders this user cannot
    write; return the nearest existing folder above ``out``."""
    parent = _existing_ancestor(out)
    _check_lengths(out, _name_max(parent))
    if not os.access(parent, os.W_OK | os.X_OK):
        raise OutFolderError(f"{out}: cannot write in {parent} (permission denied); "
                             "choose another output folder")
    return parent


def _check_kind(out: Path, kind: str) -> None:
    """Refuse an existing ``out`` that is not a folder holding a result of ``kind``."""
    marker = MARKERS[kind]
    if out.is_symlink():
        raise OutFolderError(f"{out} is a symbolic link; give the folder itself or a new one")
    if not out.exists():
        return
    if not out.is_dir():
        raise OutFolderError(f"{out} is a file, not a folder; choose another output folder")
    if not (out / marker).is_file():
        raise OutFolderError(
            f"{out} exists and is not a {kind} result folder (it has no {marker}); a {kind} "
            "replaces only a previous result of its own: choose a new folder, or remove it")
    if not os.access(out, os.W_OK | os.X_OK):
        raise OutFolderError(f"{out}: cannot replace it (permission denied)")


def check(out: Path, kind: str, store: Path | None = None) -> Path:
    """Refuse an output folder ``kind`` may not write (the module docstring's rules; an
    ``OutFolderError`` names what is wrong), after cleaning up what an earlier killed writer
    left beside it. Call it before running anything."""
    out = Path(out)
    if out.name in ("", ".", ".."):
        raise OutFolderError(f"{out} is not a folder name a command can create or replace")
    _check_lengths(out, _name_max(Path.cwd()))
    _check_place(out, store)
    if out.parent.is_dir():
        clean_leftovers(out)
    _check_kind(out, kind)
    parent = _check_writable(out)
    probe = parent / f"{PREFIX}probe-{os.getpid()}-{secrets.token_hex(SUFFIX_BYTES)}"
    try:                            # a read-only file system lets even root write nothing
        probe.mkdir()
        probe.rmdir()
    except OSError as err:
        raise OutFolderError(f"{out}: cannot write in {parent} ({err.strerror})") from None
    return out


def temp_beside(out: Path) -> Path:
    """A new hidden folder beside ``out`` to build its next content in."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    while True:
        tmp = _hidden(out, NEW)
        try:
            tmp.mkdir()
            return tmp
        except FileExistsError:
            continue


@contextmanager
def _signals_held():
    """Hold back Ctrl-C (and TERM, HUP) for a moment; delivered when it ends."""
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, HELD_SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def swap_in(tmp: Path, out: Path, kind: str) -> Path:
    """Replace ``out`` (absent, or a previous result of ``kind``) by the finished folder
    ``tmp`` built beside it, so that one of the two is always complete (see the module
    docstring); ``tmp`` is deleted if ``out`` may not be replaced."""
    out, tmp = Path(out), Path(tmp)
    try:
        _check_kind(out, kind)      # it may have changed while the command ran
    except OutFolderError:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    aside = _hidden(out, OLD)
    with _signals_held():
        had_old = out.exists()
        if had_old:
            out.rename(aside)
        try:
            tmp.rename(out)
        except BaseException:
            if had_old and not out.exists():
                aside.rename(out)
            shutil.rmtree(tmp, ignore_errors=True)
            raise
    if had_old:
        doomed = _hidden(out, DOOMED)
        aside.rename(doomed)
        shutil.rmtree(doomed, ignore_errors=True)
    return out


def build_and_swap(out: Path, kind: str, fill: Callable[[Path], object]) -> Path:
    """Build ``out``'s new content with ``fill(folder)`` in a hidden folder beside it and
    swap it in when complete (``swap_in``); if ``fill`` fails, the half-built folder is
    deleted and ``out`` stays as it was."""
    tmp = temp_beside(out)
    try:
        fill(tmp)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return swap_in(tmp, out, kind)


def clean_leftovers(out: Path) -> list[Path]:
    """Clean up what writers of ``out`` that no longer run left beside it: an old result set
    aside goes back under ``out`` when ``out`` is missing; folders being built or deleted,
    and old results already replaced, are deleted. Returns the folders handled."""
    out = Path(out)
    tag, found = _tag(out), []
    for entry in sorted(out.parent.iterdir(), key=lambda p: p.name):
        match = LEFTOVER.fullmatch(entry.name)
        if (match is None or match[1] != tag or entry.is_symlink() or not entry.is_dir()
                or process_alive(int(match[2]))):
            continue
        found.append(entry)
        if match[3] == OLD and not out.exists() and not out.is_symlink():
            entry.rename(out)
        else:
            shutil.rmtree(entry, ignore_errors=True)
    return found
