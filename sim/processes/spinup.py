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
scenario and baseline, or the dashboard's repeated runs of one landscape, spin up once. A run
that may use more than one core starts the throwaway run in a thread while it builds its own
world (``begin``), as the two share nothing.
"""

from __future__ import annotations

import threading
from concurrent.futures import Future

import numpy as np

from sim.world import threads

THROWAWAY_NAME = "spin-up"   # the throwaway scenario's name, whatever the scenario's
REMEMBERED = 16   # throwaway scenarios whose housing ratios are kept in memory (a few KB each)
_REMEMBERED_RATIOS: dict[str, tuple[np.ndarray, ...]] = {}   # throwaway scenario JSON -> ratios
_RUNNING: dict[str, Future] = {}   # throwaway scenario JSON -> its run in a thread of its own


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
    future: Future = Future()

    def run() -> None:
        try:
            future.set_result(_housing_ratios(model_class(throwaway)))
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
        ratios = (running.result() if running is not None
                  else _housing_ratios(type(model)(throwaway)))
        while len(_REMEMBERED_RATIOS) >= REMEMBERED:
            _REMEMBERED_RATIOS.pop(next(iter(_REMEMBERED_RATIOS)))     # the oldest
        _REMEMBERED_RATIOS[key] = ratios
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
