"""A kommune's own capacity diamond in a scenario (``capacity:``), e.g.

    capacity:
      '5014': {leadership: 4, competence: 3, culture: 4, economy: 2, time: 2}

Each of the five parts gets a whole score from 1 to 5, as the workshop method scores them
(docs/source-material.md#development-capacity); all five are required, since a workshop
scores all five and a partial set would mix the kommune's own scores with drawn ones
unseen. The kommune's own scores replace the ones the model draws for it
(``sim.world.places.Places``); whether the kommune is in the simulated area is checked by
the scenario (``sim.scenario.schema``).
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from sim.scenario.bounds import problem
from sim.scenario.errors import refuse, shown
from sim.world.places import DIMENSIONS, SCORES

SCALE_WHY = "the capacity diamond's scale: 1 weakest, 5 strongest"
# each part's name in Norwegian, as a workshop names it
NORWEGIAN = {"leadership": "utviklingsledelse", "competence": "kompetanse",
             "culture": "kultur", "economy": "økonomi", "time": "tid"}


def _score(v: Any) -> Any:
    """A whole score from 1 to 5 (a whole-valued float such as 3.0 counts as 3)."""
    number = isinstance(v, int | float) and not isinstance(v, bool)
    if not number or v != v or v in (float("inf"), float("-inf")) or v != int(v):
        raise refuse((), f"must be a whole score from {SCORES[0]} to {SCORES[1]} "
                         f"({SCALE_WHY}); got {shown(v)}")
    bad = problem(v, *SCORES, "", SCALE_WHY)
    if bad:
        raise refuse((), bad)
    return int(v)


Score = Annotated[int, BeforeValidator(_score)]


def _part(name: str) -> Any:
    return Field(description=f"{name} ({NORWEGIAN[name]}): a whole score "
                             f"{SCORES[0]}–{SCORES[1]}")


class CapacityScores(BaseModel):
    """A kommune's own capacity diamond: five scores from 1 to 5 (all required)."""

    model_config = ConfigDict(extra="forbid")

    leadership: Score = _part("leadership")
    competence: Score = _part("competence")
    culture: Score = _part("culture")
    economy: Score = _part("economy")
    time: Score = _part("time")

    @model_validator(mode="before")
    @classmethod
    def _a_mapping(cls, v: Any) -> Any:
        if not isinstance(v, dict | CapacityScores):
            raise refuse((), "must be a mapping of the five scores, e.g. {leadership: 4, "
                             "competence: 3, culture: 4, economy: 2, time: 2}; got "
                             f"{shown(v)}")
        return v


assert tuple(CapacityScores.model_fields) == DIMENSIONS   # the same parts, in the same order
