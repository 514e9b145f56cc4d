"""The policy hooks: every way a policy in force reaches the model in one year.

``PolicyHooks.neutral`` gives each hook its "no policy" value; ``PolicySet.apply`` builds a
neutral set at the start of every year and lets each policy in force change it; the yearly
processes then read the hooks they are given (``model.hooks``). Nothing else carries a policy
into the model, so ending a policy needs no reset list.

Per person row, ``None`` means "all ones" (no policy touches anyone): the arrays are made only
when a policy sets them. Remote workers are not a hook: who works remotely is a person column
(``Population.remote``) that the remote-work policy keeps up to date.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class PolicyHooks:
    """This year's policy hooks (arrays over kommuner unless said otherwise)."""

    terms: np.ndarray               # [person type, kommune]: utility added to a destination
    credit_relief: np.ndarray       # startlån: households (agents) that loans let buy
    extra_construction: np.ndarray  # dwellings (agents) built on top of the market's
    aga_rate: np.ndarray            # arbeidsgiveravgift rate, share of wages
    service_boost: np.ndarray       # added to the service level
    keep_schools_open: np.ndarray   # bool: no school closes
    seeker_boost: np.ndarray | None = None   # per person row: job-search weight multiplier
    move_factor: np.ndarray | None = None    # per person row: chance to move on or emigrate
    refugee_key: np.ndarray | None = None    # settlement key over kommuner (None: by size)
    startup_boost: np.ndarray | None = None  # per person row: start-up rate multiplier

    @classmethod
    def neutral(cls, n_types: int, zone_rate: np.ndarray) -> PolicyHooks:
        """No policy in force: the zone rates of arbeidsgiveravgift, nothing else."""
        k = len(zone_rate)
        return cls(terms=np.zeros((n_types, k)), credit_relief=np.zeros(k),
                   extra_construction=np.zeros(k), aga_rate=zone_rate.copy(),
                   service_boost=np.zeros(k), keep_schools_open=np.zeros(k, dtype=bool))

    def scale(self, name: str, rows: np.ndarray, factor: float, n_rows: int) -> None:
        """Multiply the per-person hook ``name`` at ``rows`` by ``factor``."""
        arr = getattr(self, name)
        if arr is None:
            arr = np.ones(n_rows)
            setattr(self, name, arr)
        arr[rows] *= factor
