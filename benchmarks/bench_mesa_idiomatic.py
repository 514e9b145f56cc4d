"""Benchmark: the yearly domestic-migration rule, vectorised (``sim.processes.moves``) against the
same rule written the idiomatic Mesa way: one ``Household`` agent per household with a
``step()``, run with ``AgentSet.shuffle_do``.

The vectorised rule runs one year of moves for all of Norway at one agent per person; the
idiomatic one, in the same run, on a sample (the baseline's start population at 20 persons
per agent, 1 in 20), since it would take many minutes for all of Norway. The idiomatic version uses
the model's own parameters and the same place terms (computed once per year at the model
level, as a Mesa modeller would), and per agent: the move chance by age and household type,
the push and stay factors (owner, ties living here, jobless, rent burden; centred over all
households in a first ``shuffle_do`` pass), and for movers the logit over all kommuner with
the ties and home pulls, and the deciding reason. The idiomatic side leaves out immigrants'
extra stay-factors and young adults leaving home, which flatters it.

A third column, when mesa-frames is installed: the same rule as the idiomatic one written the
mesa-frames way (``benchmarks/mesa_frames_rule.py``: households as a polars agent set, each
pass DataFrame operations), on the same sample; it leaves out what the idiomatic version
does, and its households decide together, as the vectorised rule's do. mesa-frames is not a
dependency of the project; its release on PyPI (0.1.0a0) pins numpy 1.26, which has no wheel
for Python 3.13, so install it without its dependencies into a separate environment with the
project's:

    python3.13 -m venv /tmp/frames-venv
    /tmp/frames-venv/bin/pip install -e . polars typing-extensions
    /tmp/frames-venv/bin/pip install --no-deps mesa-frames
    PYTHONPATH=. /tmp/frames-venv/bin/python benchmarks/bench_mesa_idiomatic.py

Without it the benchmark says so in one line and runs the other two.

Prints seconds per agent-year for each and the speed-ups, and the share of persons who moved
on each side (they should be close).

    .venv/bin/python benchmarks/bench_mesa_idiomatic.py [--persons-per-agent N]
"""

from __future__ import annotations

import argparse
import importlib.util
import math
import time
from collections import Counter
from pathlib import Path

import mesa
import numpy as np

from sim.model import SettlementModel
from sim.processes import choice, destinations, housing, jobs, moves
from sim.processes.moves import household_facts
from sim.scenario.files import load_scenario, parse_scenario
from sim.world.population import TIE_SLOTS

ROOT = Path(__file__).resolve().parents[1]
WORKING_AGE = choice.WORKING_AGES   # the jobless push applies in these ages


class Household(mesa.Agent):
    """One household, deciding each year whether and where to move."""

    def __init__(self, model: IdiomaticModel, **state) -> None:
        super().__init__(model)
        self.__dict__.update(state)
        self.push = 0.0

    def ties_here(self) -> float:
        where = self.model.where
        return sum(1 for pid in self.ties if where.get(pid) == self.kommune) / TIE_SLOTS

    def assess(self) -> None:
        """First pass: the raw push and stay terms (centred by the model afterwards)."""
        m = self.model
        lo, hi = WORKING_AGE
        self.jobless = float(lo <= self.age <= hi and not self.employed)
        self.burden = 0.0 if self.owner else m.rent[self.kommune] / max(self.income, m.floor)
        self.tie_share = self.ties_here()

    def weigh(self) -> None:
        """Second pass: the move rate by age and household type, and the push and stay
        multiplier from the centred terms."""
        m = self.model
        c, mean = m.stay_coef, m.means
        x = (c["owner"] * (self.owner - mean["owner"])
             + c["ties_here"] * (self.tie_share - mean["tie_share"])
             + c["jobless"] * (self.jobless - mean["jobless"])
             + c["rent_burden"] * (self.burden - mean["burden"]))
        self.rate = m.move_rate[min(self.age, len(m.move_rate) - 1)]
        if self.with_children:
            self.rate *= m.family_factor
        self.multiplier = math.exp(min(x, 20.0))

    def step(self) -> None:
        """Third pass: move or stay."""
        m = self.model
        if m.random.random() >= self.rate * self.multiplier * m.norm:
            return
        dest, reason = self.choose()
        if dest != self.kommune:
            m.moved += self.size
            m.reasons[reason] += 1
            for pid in self.members:
                m.where[pid] = dest
            self.kommune = dest

    def choose(self) -> tuple[int, str]:
        m = self.model
        u = m.total[self.type] + m.distance[self.kommune]
        u[self.kommune] += m.stay_bonus[self.kommune]
        ties = Counter(m.where.get(pid, -1) for pid in self.ties)
        ties.pop(-1, None)
        for k, n in ties.items():
            u[k] += m.beta_ties * math.log1p(n)
        if self.home >= 0:
            u[self.home] += m.beta_home
        p = np.exp(u - u.max())
        cum = np.cumsum(p)
        dest = int(np.searchsorted(cum, m.random.random() * cum[-1], side="right"))
        dest = min(dest, len(cum) - 1)
        gains = {name: m.terms[name][self.type, dest] - m.terms[name][self.type, self.kommune]
                 for name in ("job", "housing", "place", "policy")}
        gains["ties"] = m.beta_ties * (math.log1p(ties.get(dest, 0))
                                       - math.log1p(ties.get(self.kommune, 0)))
        gains["home"] = m.beta_home * ((dest == self.home) - (self.kommune == self.home))
        best = max(gains, key=gains.get)
        return dest, best if gains[best] > 0 else "other"


class IdiomaticModel(mesa.Model):
    """The migration year with one Mesa agent per household."""

    def __init__(self, source: SettlementModel, seed: int) -> None:
        super().__init__(rng=seed)
        src, pop, params = source, source.population, source.params
        self.params = params
        self.rent = src.housing.rent.tolist()
        self.floor = params.value("migration.income_floor")
        self.stay_coef = {k: float(v) for k, v in
                          params.value("migration.stay_coefficients").items()}
        self.move_rate = params.by_age("migration.household_move_rate",
                                       np.arange(128)).tolist()
        self.family_factor = params.value("migration.family_move_factor")
        self.beta_ties = params.value("migration.ties_coefficient")
        self.beta_home = params.value("migration.home_coefficient")
        self.where = dict(zip(pop.pid.tolist(), pop.kommune.tolist(), strict=True))
        self.source = src
        self.moved = 0
        self.reasons: Counter = Counter()
        self._make_households()

    def _make_households(self) -> None:
        src, pop = self.source, self.source.population
        facts = household_facts(pop, src.labour.wage, src.params)
        heads = np.flatnonzero(pop.household_heads())
        order = np.argsort(pop.household, kind="stable")
        hh_sorted = pop.household[order]
        start = np.searchsorted(hh_sorted, pop.household[heads], side="left")
        end = np.searchsorted(hh_sorted, pop.household[heads], side="right")
        for h, s, e in zip(heads.tolist(), start.tolist(), end.tolist(), strict=True):
            hh = int(pop.household[h])
            employed, owner = bool(pop.employed[h]), bool(pop.owner[h])
            family = bool(facts.with_children[hh])
            age = int(pop.age[h])
            stage = 1 if family else (0 if age <= 29 else (3 if age >= 67 else 2))
            Household(self, kommune=int(pop.kommune[h]), age=age, owner=owner,
                      employed=employed, with_children=family,
                      income=float(facts.income[hh]), home=int(pop.home[h]),
                      ties=[int(t) for t in pop.ties[h] if t >= 0],
                      members=pop.pid[order[s:e]].tolist(), size=e - s,
                      type=int(choice.type_index(np.array(stage), np.array(owner),
                                                 np.array(employed))))

    def step(self) -> None:
        """One year of moves: model-level place terms, then two passes over the agents."""
        src, params = self.source, self.params
        view = _place_view(src)
        self.terms = choice.dense_terms(view, params)
        self.total = sum(self.terms.values())
        self.distance = choice.distance_cost(src.geo.distance_km, params)
        self.stay_bonus = (params.value("migration.stay_utility")
                           - choice.availability_term(view.vacancy, params))
        self.agents.shuffle_do("assess")
        n = len(self.agents)
        self.means = {name: sum(getattr(a, name) for a in self.agents) / n
                      for name in ("owner", "tie_share", "jobless", "burden")}
        self.agents.shuffle_do("weigh")
        # the factors shift who moves, not how many (as sim.migration.select_movers)
        self.norm = (sum(a.rate for a in self.agents)
                     / sum(a.rate * a.multiplier for a in self.agents))
        self.agents.shuffle_do("step")


def _model(persons_per_agent: int) -> SettlementModel:
    spec = load_scenario(ROOT / "scenarios" / "baseline.yaml")
    raw = spec.model_dump()
    raw["persons_per_agent"] = persons_per_agent
    model = SettlementModel(parse_scenario(raw, "benchmark"))
    # the year's policies, jobs and housing, as before moves (steps 1-2 of model.step)
    hooks = model.policy_set.apply(model)
    pop, params, rng = model.population, model.params, model.rng
    jobs.run_year(model.labour, pop, model.year, hooks.aga_rate, hooks.seeker_boost, params, rng)
    housing.run_year(model.housing, pop, model.labour.wage, hooks.extra_construction,
                     hooks.credit_relief, rng)
    return model


def _place_view(m: SettlementModel) -> choice.PlaceView:
    return destinations.place_view(m.population, m.labour, m.housing, m.places, m.hooks.terms,
                                   m.reach, m.geo.codes, m.scale, m.params)


def _vectorised_moves(m: SettlementModel):
    """Step 3 of model.step: the year's domestic moves, vectorised."""
    facts = moves.household_facts(m.population, m.labour.wage, m.params)
    return moves.run_year(m.population, _place_view(m), facts, m.distance_cost,
                          m.labour.region, m.housing, m.labour.wage, m.places,
                          m.geo.centrality, m.hooks.move_factor, m.year, m.params, m.rng)


def _frames_model():
    """mesa-frames' version of the rule, or None when mesa-frames is not installed."""
    if importlib.util.find_spec("mesa_frames") is None:
        return None
    from mesa_frames_rule import FramesModel  # beside this file (benchmarks/)
    return FramesModel


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--persons-per-agent", type=int, default=1,
                    help="scale of the vectorised run (1 = all of Norway)")
    ap.add_argument("--sample-persons-per-agent", type=int, default=20,
                    help="scale of the idiomatic run's sample (20 = 1 in 20)")
    args = ap.parse_args()

    full = _model(args.persons_per_agent)
    persons_v = len(full.population)
    t = time.perf_counter()
    moved = _vectorised_moves(full)
    vector_s = time.perf_counter() - t

    sample = _model(args.sample_persons_per_agent)
    persons_m = len(sample.population)
    t = time.perf_counter()
    idiomatic = IdiomaticModel(sample, seed=sample.spec.seed)
    build_s = time.perf_counter() - t
    t = time.perf_counter()
    idiomatic.step()
    mesa_s = time.perf_counter() - t

    frames_model = _frames_model()
    if frames_model is not None:
        # the same sample, from the same start (the idiomatic run moved only its own agents)
        t = time.perf_counter()
        frames = frames_model(sample, seed=sample.spec.seed, place_view=_place_view)
        frames_build_s = time.perf_counter() - t
        t = time.perf_counter()
        frames.step()
        frames_s = time.perf_counter() - t

    per_v, per_m = vector_s / persons_v, mesa_s / persons_m
    print(f"vectorised          {persons_v:,} person agents ({args.persons_per_agent} persons "
          f"per agent): {vector_s:.2f} s for the year, {per_v * 1e6:.2f} µs per agent-year; "
          f"moved {len(moved.rows) / persons_v:.2%} of persons")
    print(f"idiomatic Mesa      {persons_m:,} person agents in {len(idiomatic.agents):,} "
          f"household agents ({args.sample_persons_per_agent} persons per agent): "
          f"{mesa_s:.2f} s for the year, {per_m * 1e6:.2f} µs per agent-year; moved "
          f"{idiomatic.moved / persons_m:.2%} of persons (making the agents took "
          f"{build_s:.1f} s more)")
    if frames_model is None:
        print("mesa-frames         not installed: not run (see this file's docstring)")
    else:
        per_f = frames_s / persons_m
        print(f"mesa-frames         {persons_m:,} person agents in {len(frames.agents):,} "
              f"household rows ({args.sample_persons_per_agent} persons per agent): "
              f"{frames_s:.2f} s for the year, {per_f * 1e6:.2f} µs per agent-year; moved "
              f"{frames.moved / persons_m:.2%} of persons (making the agent set took "
              f"{frames_build_s:.1f} s more)")
    print(f"speed-up            {per_m / per_v:.0f}x per agent-year over idiomatic Mesa")
    if frames_model is not None:
        print(f"                    {per_f / per_v:.1f}x over mesa-frames "
              f"(mesa-frames {per_m / per_f:.1f}x over idiomatic Mesa)")


if __name__ == "__main__":
    main()
