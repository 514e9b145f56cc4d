"""The migration rule of ``bench_mesa_idiomatic.py`` written the mesa-frames way: households
as one polars ``AgentSetPolars`` (a row per household), each pass of the year a few
DataFrame operations over all of them.

Written against mesa-frames 0.1.0a0 (``ModelDF``, ``AgentSetPolars``, ``model.agents +=``,
``agents.do``), the version on PyPI here; imported by the benchmark only when mesa-frames is
installed (it is not one of the project's dependencies).

The rule is the idiomatic version's: the move chance by age and household type, the push
and stay terms centred over all households, the factors normalised so they shift who moves
and not how many, and for movers the logit over all kommuner (the place terms of the year,
computed once by the model, distance from the origin, the stay bonus, ties and home pulls)
and the deciding reason. One difference: the households decide together, as the vectorised
rule's do, so a household sees its ties where they lived at the start of the year; in the
idiomatic version a household sees the moves of the households that stepped before it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

import numpy as np
import polars as pl
from mesa_frames import AgentSetPolars, ModelDF

from sim.processes import choice
from sim.processes.moves import household_facts
from sim.world.population import TIE_SLOTS

GAIN_TERMS = ("job", "housing", "place", "policy")
REASONS = (*GAIN_TERMS, "ties", "home")   # in the idiomatic version's order (ties: first)


def _long(table: np.ndarray, row: str, col: str, **values: np.ndarray) -> pl.DataFrame:
    """A [row, col] table (or several of one shape) as a long DataFrame."""
    r, c = np.indices(table.shape)
    return pl.DataFrame({row: r.ravel(), col: c.ravel(),
                         **{name: v.ravel() for name, v in values.items()}})


class Households(AgentSetPolars):
    """All households, one row each, deciding each year whether and where to move."""

    def __init__(self, model: FramesModel, source) -> None:
        super().__init__(model)
        pop = source.population
        facts = household_facts(pop, source.labour.wage, source.params)
        heads = np.flatnonzero(pop.household_heads())
        hh = pop.household[heads].astype(np.int64)
        family = facts.with_children[hh]
        age = pop.age[heads].astype(np.int64)
        owner, employed = pop.owner[heads].astype(bool), pop.employed[heads].astype(bool)
        stage = np.where(family, 1, np.where(age <= 29, 0, np.where(age >= 67, 3, 2)))
        self.add(pl.DataFrame({
            "unique_id": hh, "kommune": pop.kommune[heads].astype(np.int64), "age": age,
            "owner": owner, "employed": employed, "with_children": family,
            "income": facts.income[hh].astype(float),
            "home": pop.home[heads].astype(np.int64),
            "size": np.bincount(pop.household, minlength=pop.next_household)[hh],
            "type": choice.type_index(stage, owner, employed).astype(np.int64)}))
        # each household's ties (the head's), as a long table of (household, person id)
        ties = pop.ties[heads]
        slot = ties >= 0
        self.ties = pl.DataFrame({"unique_id": np.repeat(hh, slot.sum(axis=1)),
                                  "tie": ties[slot].astype(np.int64)})

    def assess(self) -> None:
        """The raw push and stay terms (centred in ``weigh``); and where each household's
        ties live, counted by kommune, for the choice."""
        m = self.model
        lo, hi = choice.WORKING_AGES
        self.tie_counts = (
            self.ties.join(m.persons.select(pl.col("pid").alias("tie"),
                                            pl.col("kommune").alias("dest")), on="tie")
            .group_by("unique_id", "dest").agg(pl.len().cast(pl.Float64).alias("n_ties")))
        here = self.tie_counts.rename({"dest": "kommune"})
        self.agents = (
            self.agents.drop("tie_share", "jobless", "burden", strict=False)
            .join(here, on=["unique_id", "kommune"], how="left", maintain_order="left")
            .join(m.places.select("kommune", "rent"), on="kommune", how="left",
                  maintain_order="left")
            .with_columns(
                tie_share=pl.col("n_ties").fill_null(0.0) / TIE_SLOTS,
                jobless=(pl.col("age").is_between(lo, hi) & ~pl.col("employed"))
                .cast(pl.Float64),
                burden=pl.when(pl.col("owner")).then(0.0).otherwise(
                    pl.col("rent") / pl.max_horizontal("income", pl.lit(m.floor))))
            .drop("n_ties", "rent"))

    def weigh(self) -> None:
        """The move rate by age and household type, and the push and stay multiplier from
        the centred terms."""
        m = self.model
        c = m.stay_coef
        terms = {"owner": pl.col("owner").cast(pl.Float64), "ties_here": pl.col("tie_share"),
                 "jobless": pl.col("jobless"), "rent_burden": pl.col("burden")}
        x = sum(c[name] * (e - e.mean()) for name, e in terms.items())
        rate = pl.lit(m.move_rate).gather(pl.col("age").clip(upper_bound=len(m.move_rate) - 1))
        self.agents = self.agents.with_columns(
            rate=pl.when(pl.col("with_children")).then(rate * m.family_factor).otherwise(rate),
            multiplier=x.clip(upper_bound=20.0).exp())

    def step(self) -> None:
        """Move or stay."""
        m = self.model
        df = self.agents
        # the factors shift who moves, not how many (as sim.processes.moves.select_movers)
        scaled = pl.col("rate") * pl.col("multiplier")
        norm = df.select(pl.col("rate").sum() / scaled.sum()).item()
        movers = (df.with_columns(draw=pl.Series(m.random.random(len(df))))
                  .filter(pl.col("draw") < scaled * norm))
        chosen = self.choose(movers.select("unique_id", "kommune", "type", "home"))
        moved = chosen.filter(pl.col("dest") != pl.col("kommune"))
        m.moved += int(movers.join(moved.select("unique_id"), on="unique_id")["size"].sum())
        m.reasons.update(dict(moved["reason"].value_counts().iter_rows()))
        new = moved.select("unique_id", "dest")
        self.agents = (df.join(new, on="unique_id", how="left", maintain_order="left")
                       .with_columns(kommune=pl.coalesce("dest", "kommune")).drop("dest"))
        m.persons = (m.persons.join(new.rename({"unique_id": "household"}), on="household",
                                    how="left", maintain_order="left")
                     .with_columns(kommune=pl.coalesce("dest", "kommune")).drop("dest"))

    def choose(self, movers: pl.DataFrame) -> pl.DataFrame:
        """Each mover's destination by the logit over all kommuner, and the deciding
        reason: movers with ``dest`` and ``reason``."""
        m = self.model
        left = {"how": "left", "maintain_order": "left"}
        u = (pl.col("total") + pl.col("distance")
             + pl.when(pl.col("dest") == pl.col("kommune")).then(pl.col("stay_bonus"))
             .otherwise(0.0)
             + m.beta_ties * pl.col("n_ties").fill_null(0.0).log1p()
             + pl.when(pl.col("dest") == pl.col("home")).then(m.beta_home).otherwise(0.0))
        p = (u - u.max().over("unique_id")).exp()
        cum = p.cum_sum().over("unique_id")
        draw = pl.DataFrame({"unique_id": movers["unique_id"],
                             "r": m.random.random(len(movers))})
        # the first kommune whose cumulative weight passes r times the total (searchsorted)
        # (the cumulative sum needs each mover's kommuner in order: the joins keep it)
        picked = (
            movers.join(draw, on="unique_id", **left)
            .join(m.places.select("kommune", "stay_bonus"), on="kommune", **left)
            .join(m.places.select(pl.col("kommune").alias("dest")), how="cross")
            .join(m.utility, on=["type", "dest"], **left)
            .join(m.distance, on=["kommune", "dest"], **left)
            .join(self.tie_counts, on=["unique_id", "dest"], **left)
            .with_columns(cum=cum)
            .filter(pl.col("cum") > pl.col("r") * pl.col("cum").max().over("unique_id"))
            .group_by("unique_id").agg(pl.col("dest").min()))
        chosen = movers.join(picked, on="unique_id", **left)
        gains = [(pl.col(name) - pl.col(f"{name}_origin")) for name in GAIN_TERMS]
        origin_terms = m.gain_terms.rename({"dest": "kommune", **{
            name: f"{name}_origin" for name in GAIN_TERMS}})
        ties_at = self.tie_counts.rename({"n_ties": "ties_dest"})
        ties_home = self.tie_counts.rename({"dest": "kommune", "n_ties": "ties_origin"})
        gains.append(m.beta_ties * (pl.col("ties_dest").fill_null(0.0).log1p()
                                    - pl.col("ties_origin").fill_null(0.0).log1p()))
        gains.append(m.beta_home * ((pl.col("dest") == pl.col("home")).cast(pl.Float64)
                                    - (pl.col("kommune") == pl.col("home")).cast(pl.Float64)))
        best = pl.concat_list(gains)
        return (chosen.join(m.gain_terms, on=["type", "dest"], **left)
                .join(origin_terms, on=["type", "kommune"], **left)
                .join(ties_at, on=["unique_id", "dest"], **left)
                .join(ties_home, on=["unique_id", "kommune"], **left)
                .with_columns(reason=pl.when(best.list.max() > 0)
                              .then(best.list.arg_max().replace_strict(
                                  dict(enumerate(REASONS)), return_dtype=pl.String))
                              .otherwise(pl.lit("other")))
                .select("unique_id", "kommune", "dest", "reason"))


class FramesModel(ModelDF):
    """The migration year with households as a mesa-frames agent set."""

    def __init__(self, source, seed: int,
                 place_view: Callable[[object], choice.PlaceView]) -> None:
        super().__init__(seed)
        params = source.params
        pop = source.population
        self.source, self.params, self.place_view = source, params, place_view
        self.floor = params.value("migration.income_floor")
        self.stay_coef = {k: float(v) for k, v in
                          params.value("migration.stay_coefficients").items()}
        self.move_rate = pl.Series(params.by_age("migration.household_move_rate",
                                                 np.arange(128)))
        self.family_factor = params.value("migration.family_move_factor")
        self.beta_ties = params.value("migration.ties_coefficient")
        self.beta_home = params.value("migration.home_coefficient")
        self.persons = pl.DataFrame({"pid": pop.pid.astype(np.int64),
                                     "household": pop.household.astype(np.int64),
                                     "kommune": pop.kommune.astype(np.int64)})
        self.moved = 0
        self.reasons: Counter = Counter()
        self.households = Households(self, source)
        self.agents += self.households

    def step(self) -> None:
        """One year of moves: model-level place terms as tables, then three passes."""
        src, params = self.source, self.params
        view = self.place_view(src)
        terms = choice.dense_terms(view, params)
        total = sum(terms.values())
        self.utility = _long(total, "type", "dest", total=total)
        self.gain_terms = _long(total, "type", "dest", **{n: terms[n] for n in GAIN_TERMS})
        distance = choice.distance_cost(src.geo.distance_km, params)
        self.distance = _long(distance, "kommune", "dest", distance=distance)
        stay_bonus = (params.value("migration.stay_utility")
                      - choice.availability_term(view.vacancy, params))
        self.places = pl.DataFrame({"kommune": np.arange(len(stay_bonus)),
                                    "stay_bonus": stay_bonus,
                                    "rent": src.housing.rent.astype(float)})
        self.agents.do("assess")
        self.agents.do("weigh")
        self.agents.do("step")
