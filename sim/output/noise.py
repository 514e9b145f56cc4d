"""The noise guard: which kommuner a run holds with too few agents for their own figures.

At a coarse scale a small kommune is a handful of agents (at 50 persons per agent a kommune
of 1,300 people is 26 agents), and its shares and changes are then mostly chance. A share
taken over n agents has a standard error of at most 0.5 / sqrt(n) (binomial, p = 0.5): 2.9
percentage points at ``MIN_AGENTS`` = 300 agents, 10 points at 26; a count's relative noise is
1 / sqrt(n) (Poisson): 5.8 % at 300. Below ``MIN_AGENTS`` the command line and the dashboard
say so and suggest one agent per person.
"""

from __future__ import annotations

import numpy as np

MIN_AGENTS = 300        # agents: below this a kommune's own figures are called noise
EXACT = 1               # persons per agent at which no kommune is thin


def agents(persons, persons_per_agent) -> np.ndarray:
    """Agents holding ``persons`` at this scale (persons per agent: one number, or one per
    kommune with a focus)."""
    return np.asarray(persons, dtype=float) / np.maximum(persons_per_agent, 1)


def is_thin(persons, persons_per_agent) -> np.ndarray:
    """Where the agents are fewer than ``MIN_AGENTS`` (never at one agent per person: then
    the figures are the model's own, whatever the kommune's size)."""
    return (agents(persons, persons_per_agent) < MIN_AGENTS) & (
        np.asarray(persons_per_agent) > EXACT)


def hint(persons_per_agent: int) -> str:
    return (f"a share from {MIN_AGENTS} agents is ±{50 / np.sqrt(MIN_AGENTS):.0f} points; "
            "run with --focus KOMMUNE (its commuting region at one agent per person) or at "
            "--persons-per-agent 1 before reading them")


def run_note(persons: np.ndarray, persons_per_agent: int,
             weight: np.ndarray | None = None) -> str | None:
    """For a run: how many kommuner are thin at this scale (``weight``: persons per agent by
    kommune, with a focus), or None."""
    thin = is_thin(persons, persons_per_agent if weight is None else weight)
    if not thin.any():
        return None
    return (f"note: at {persons_per_agent} persons per agent {int(thin.sum())} of "
            f"{len(thin)} kommuner are held by fewer than {MIN_AGENTS} agents (under "
            f"{MIN_AGENTS * persons_per_agent:,} persons): their own figures are mostly noise; "
            + hint(persons_per_agent))


def area_note(label: str, persons: float, persons_per_agent: int) -> str | None:
    """For one kommune or area: a warning if it is thin at this scale, or None."""
    if not is_thin(persons, persons_per_agent):
        return None
    n = float(agents(persons, persons_per_agent))
    return (f"note: {label} is {n:,.0f} agents at {persons_per_agent} persons per agent "
            f"(fewer than {MIN_AGENTS}): its figures are mostly noise; "
            + hint(persons_per_agent))
