"""Spin-up: start every kommune's housing market where the model's own flows would have left it.

The start population is real, but its housing market is synthetic: every kommune starts at
its class price and rent and at normal vacancy, as if no place had been gaining or losing
people. The model's migration answers to the housing market (free dwellings draw movers,
prices and rents push them), so in the first years the market of a shrinking kommune
slackens and a growing one tightens, and that settling is itself a flow: without the spin-up
the first backcast year lost rural people about twice as fast as the years after it, and
calibrated place effects absorbed that transient instead of describing places.

So before the first year a throwaway copy of the scenario — same world, same seed, no
policies, no shocks and no own capacity scores (which act through policies only) — is run for
``spinup.years`` years (at most the scenario's own length, whose inputs exist), and each
kommune's housing state at its end is carried over to the start: the ratio of dwellings to
households (its vacancy), and its price and rent relative to where they started. People are
not carried over: the start population stays the observed one.

The spin-up uses only the scenario's own inputs (for the backcast, its first years of
observed immigration) and is part of building every scenario's world
(``SettlementModel.__init__``), so the backcast and the projections start the same way and a
scenario and its baseline start from the same housing market.

The carried-over ratios depend only on the throwaway scenario (world, seed, parameters, years),
so they are kept for the last ``REMEMBERED`` throwaway scenarios in this process: a comparison's
scenario and baseline, or the dashboard's repeated runs of one landscape, spin up once. They
are also saved on disk (a few KB each; ``$LIVSKRAFT_CACHE``/spinup, else
``$XDG_CACHE_HOME``/livskraft/spinup or ~/.cache/livskraft/spinup; ``LIVSKRAFT_CACHE=off``
saves nothing), under a hash of the throwaway scenario and of every file of the ``sim``
package (code, parameters, data) and the NumPy and numba versions, so a later process with
the same model and scenario reads them instead of running again: the same numbers, read
back to the bit. A file is written under a temporary name (``.part``) and renamed when
whole; a failed write removes it, and ``.part`` files older than ``STALE_PART_S`` (left by a
process killed while writing) are swept at the next save. The hash is of the files: code
changed inside a running process (a test's monkeypatch) is not seen, so the tests run with
saving off. A run that may use more than one core starts the throwaway run in a thread while
it builds its own world (``begin``), as the two share nothing.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import threading
import time
from concurrent.futures import Future
from pathlib import Path

import numba
import numpy as np

from sim.world import threads

THROWAWAY_NAME = "spin-up"   # the throwaway scenario's name, whatever the scenario's
REMEMBERED = 16   # throwaway scenarios whose housing ratios are kept in memory (a few KB each)
_REMEMBERED_RATIOS: dict[str, tuple[np.ndarray, ...]] = {}   # throwaway scenario JSON -> ratios
_RUNNING: dict[str, Future] = {}   # throwaway scenario JSON -> its run in a thread of its own
CACHE_VARIABLE = "LIVSKRAFT_CACHE"   # folder for saved spin-ups (in spinup/), or "off"
SAVED = 200       # saved throwaway results kept on disk (about 9 KB each); the oldest go
RATIOS = ("per_household", "price", "rent")   # the saved arrays' names
STALE_PART_S = 3600   # a half-written file (``.part``) this old was left by a killed process


def begin(model_class, spec, params) -> None:
    """Start the throwaway run of ``spec`` in a thread of its own while the model builds its
    world (when this process may use more than one core, ``sim.world.threads``): the two
    share nothing (the throwaway run has its own generator, seeded alike), so ``spin_up``
    gets the same ratios, sooner."""
    years = int(params.value("spinup.years"))
    if years <= 0 or threads.count() < 2:
        return
    throwaway, key = _throwaway(spec, params, years)
    if key in _REMEMBERED_RATIOS or key in _RUNNING:
        return
    saved = _load(key)
    if saved is not None:
        _remember(key, saved)
        return
    future: Future = Future()

    def run() -> None:
        try:
            future.set_result(_run_and_save(model_class, throwaway, key))
        except BaseException as err:         # raised again where spin_up waits for it
            future.set_exception(err)

    _RUNNING[key] = future
    threading.Thread(target=run, name="spin-up", daemon=True).start()


def spin_up(model, years: int) -> None:
    """Carry the housing state of a ``years``-year throwaway run over to ``model``."""
    if years <= 0:
        return
    throwaway, key = _throwaway(model.spec, model.params, years)
    if key not in _REMEMBERED_RATIOS:
        running = _RUNNING.pop(key, None)
        ratios = running.result() if running is not None else _load(key)
        if ratios is None:
            ratios = _run_and_save(type(model), throwaway, key)
        _remember(key, ratios)
    per_household, price, rent = _REMEMBERED_RATIOS[key]
    ours = model.housing
    ours.dwellings = ours.households(model.population) * per_household
    ours.price = ours.price0 * price
    ours.rent = ours.rent0 * rent
    ours.settle_land_cost(price)


def _throwaway(spec, params, years: int):
    """The throwaway scenario (no policies, no shocks, coarser, at most the scenario's own
    years, whose inputs such as observed immigration exist) and its key. Its name and
    description are the same for every scenario (they change no number), so a scenario and
    its baseline share one throwaway run."""
    end = min(spec.start_year + years, spec.end_year)
    scale = max(spec.persons_per_agent, int(params.value("spinup.persons_per_agent")))
    throwaway = spec.model_copy(update={
        "name": THROWAWAY_NAME, "description": "",
        "end_year": end, "policies": [], "shocks": [], "capacity": {},
        "persons_per_agent": scale,
        "parameters": {**spec.parameters, "spinup.years": 0}})
    return throwaway, throwaway.model_dump_json()


def _housing_ratios(pre) -> tuple[np.ndarray, ...]:
    """Run the throwaway model ``pre``; each kommune's dwellings per household at its end, and
    its price and rent relative to their start (read-only arrays: they are shared)."""
    pre.run()
    h = pre.housing
    ratios = (h.dwellings / np.maximum(h.households(pre.population), 1.0),
              h.price / h.price0, h.rent / h.rent0)
    for a in ratios:
        a.flags.writeable = False
    return ratios


def _remember(key: str, ratios: tuple[np.ndarray, ...]) -> None:
    while len(_REMEMBERED_RATIOS) >= REMEMBERED:
        _REMEMBERED_RATIOS.pop(next(iter(_REMEMBERED_RATIOS)))     # the oldest
    _REMEMBERED_RATIOS[key] = ratios


def _run_and_save(model_class, throwaway, key: str) -> tuple[np.ndarray, ...]:
    ratios = _housing_ratios(model_class(throwaway))
    _save(key, ratios)
    return ratios


def saved_folder() -> Path | None:
    """Where spin-ups are saved, or None when ``$LIVSKRAFT_CACHE`` is off."""
    chosen = os.environ.get(CACHE_VARIABLE)
    if chosen is not None:
        off = chosen.strip().lower() in ("", "off", "0", "no", "false")
        return None if off else Path(chosen) / "spinup"
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "livskraft" / "spinup"


@functools.cache
def model_fingerprint() -> str:
    """A hash of every file of the ``sim`` package (code, parameters, data) and of the NumPy
    and numba versions: a saved spin-up is read only by the model that saved it."""
    root = Path(__file__).resolve().parents[1]
    digest = hashlib.sha256(f"numpy {np.__version__} numba {numba.__version__}".encode())
    for path in sorted(root.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(path.relative_to(root).as_posix().encode() + b"\0")
            digest.update(path.read_bytes())
    return digest.hexdigest()


def _saved_path(key: str) -> Path | None:
    folder = saved_folder()
    if folder is None:
        return None
    name = hashlib.sha256(f"{model_fingerprint()} {key}".encode()).hexdigest()[:40]
    return folder / f"{name}.npz"


def _load(key: str) -> tuple[np.ndarray, ...] | None:
    """The saved ratios of throwaway scenario ``key``, or None (none saved, or unreadable)."""
    path = _saved_path(key)
    if path is None or not path.is_file():
        return None
    try:
        with np.load(path) as saved:
            ratios = tuple(saved[name] for name in RATIOS)
    except (OSError, ValueError, KeyError):
        return None
    for a in ratios:
        a.flags.writeable = False
    return ratios


def _save(key: str, ratios: tuple[np.ndarray, ...]) -> None:
    """Save the ratios (written whole, then renamed: a reader never sees half a file) and
    drop the oldest saved spin-ups beyond ``SAVED``, and half-written files that a killed
    process left (older than ``STALE_PART_S``). A folder that cannot be written to only
    means nothing is saved."""
    path = _saved_path(key)
    if path is None:
        return
    part = path.with_name(f"{path.stem}.{os.getpid()}.{threading.get_ident()}.part")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(part, "wb") as f:
            np.savez(f, **dict(zip(RATIOS, ratios, strict=True)))
        os.replace(part, path)
    except OSError:
        with contextlib.suppress(OSError):
            part.unlink(missing_ok=True)
        return
    with contextlib.suppress(OSError):
        _tidy(path.parent)


def _tidy(folder: Path) -> None:
    """Drop the oldest saved spin-ups beyond ``SAVED`` and stale half-written files (others
    may be tidying the same folder: a file gone meanwhile is skipped)."""
    saved = []
    for p in folder.glob("*.npz"):
        try:
            saved.append((p.stat().st_mtime, p))
        except OSError:
            continue
    saved.sort()
    stale_before = time.time() - STALE_PART_S
    old = [p for _, p in saved[:max(0, len(saved) - SAVED)]]
    for p in folder.glob("*.part"):
        try:
            if p.stat().st_mtime < stale_before:
                old.append(p)
        except OSError:
            continue
    for p in old:
        with contextlib.suppress(OSError):
            p.unlink(missing_ok=True)
