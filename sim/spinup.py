"""Spin-up: start every kommune's housing market where the model's own flows would have left it.

The start population is real, but its housing market is synthetic: every kommune starts at
its class price and rent and at normal vacancy, as if no place had been gaining or losing
people. The model's migration answers to the housing market (free dwellings draw movers,
prices and rents push them), so in the first years the market of a shrinking kommune
slackens and a growing one tightens, and that settling is itself a flow: without the spin-up
the first backcast year lost rural people about twice as fast as the years after it, and
calibrated place effects absorbed that transient instead of describing places.

So before the first year a throwaway copy of the scenario — same world, same seed, no
policies and no shocks — is run for ``spinup.years`` years (at most the scenario's own
length, whose inputs exist), and each kommune's housing state
at its end is carried over to the start: the ratio of dwellings to households (its vacancy),
and its price and rent relative to where they started. People are not carried over: the start
population stays the observed one.

The spin-up uses only the scenario's own inputs (for the backcast, its first years of
observed immigration) and is part of building every scenario's world
(``SettlementModel.__init__``), so the backcast and the projections start the same way and a
scenario and its baseline start from the same housing market.
"""

from __future__ import annotations

import numpy as np


def spin_up(model, years: int) -> None:
    """Carry the housing state of a ``years``-year throwaway run over to ``model``."""
    if years <= 0:
        return
    spec = model.spec
    # never beyond the scenario's own years, whose inputs (e.g. observed immigration) exist
    end = min(spec.start_year + years, spec.end_year)
    scale = max(spec.persons_per_agent,
                int(model.params.value("spinup.persons_per_agent")))
    throwaway = spec.model_copy(update={
        "end_year": end, "policies": [], "shocks": [], "persons_per_agent": scale,
        "parameters": {**spec.parameters, "spinup.years": 0}})
    pre = type(model)(throwaway)
    pre.run()
    ours, theirs = model.housing, pre.housing
    dwellings_per_household = theirs.dwellings / np.maximum(
        theirs.households(pre.population), 1.0)
    ours.dwellings = ours.households(model.population) * dwellings_per_household
    ours.price = ours.price0 * theirs.price / theirs.price0
    ours.rent = ours.rent0 * theirs.rent / theirs.rent0
