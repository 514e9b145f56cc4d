"""Attribution of a package: how much of a comparison's effect and cost each policy brings.

A package of ``n`` policies is run with every subset of its policies on the comparison's
seeds (common random numbers: the same seed gives the same draws, so a difference between
two subsets is the policies', not chance). Per seed, ``v(S)`` is a subset's outcome minus
the baseline's: the target area's population difference in the effect year, the cost, and
the extra resident-years. Per policy ``i``:

* **Shapley value**: the mean over all orders of adding the policies of what ``i`` adds,
  ``sum over S without i of |S|! (n - |S| - 1)! / n! * (v(S + i) - v(S))``. Per seed the
  values sum exactly to the package's ``v(all) - v(none)``.
* **leave-one-out**: ``v(all) - v(all without i)``: what is lost if only ``i`` is dropped
  (these do not sum to the package when policies reinforce or crowd out each other).

``v(none)`` is the scenario without its policies. When that scenario is the baseline itself
(the same settings but for name, description and seed), it is not run again; otherwise the
difference it makes is reported as ``other settings``, so the parts still sum to the
comparison's effect.
Effects are reported as the median and band over seeds; costs as means (as in the budget).
"""

from __future__ import annotations

from itertools import combinations
from math import factorial

import numpy as np
import pandas as pd

from sim.experiments.seeds import band
from sim.policies import REGISTRY
from sim.policies.base import CHANNELS
from sim.scenario.errors import ScenarioError
from sim.scenario.overrides import CHANNELS_OFF
from sim.scenario.schema import Scenario

MAX_POLICIES = 5            # 2**5 = 32 runs per seed: beyond that the split costs too much
OTHER = "other settings"    # the part of the effect that is not the policies'
MEASURES = ("effect", "cost", "resident_years")
# what may differ between the baseline and the scenario without making "other settings" (the
# seed is the comparison's in both runs; kommuner's own capacity scores act only through the
# policies, so without them they change nothing)
SETTINGS_EXCLUDED = {"name", "description", "policies", "seed", "capacity"}


def players(scenario: Scenario) -> list[str]:
    """A name per policy of the scenario: its type, with ``#k`` for the k-th repeat."""
    seen: dict[str, int] = {}
    names = []
    for p in scenario.policies:
        k = seen.get(p.type, 0)
        seen[p.type] = k + 1
        names.append(p.type if k == 0 else f"{p.type}#{k}")
    return names


def check(scenario: Scenario) -> None:
    """Refuse a package the split cannot serve (too many policies, or none)."""
    n = len(scenario.policies)
    if n == 0:
        raise ScenarioError(f"{scenario.name} has no policies to attribute the effect to")
    if n > MAX_POLICIES:
        raise ScenarioError(f"{scenario.name} has {n} policies; the split runs every subset "
                            f"(2^n runs per seed) and allows at most {MAX_POLICIES}")


def subsets(n: int) -> list[tuple[int, ...]]:
    """Every subset of ``range(n)`` but the full one, smallest first."""
    return [s for k in range(n) for s in combinations(range(n), k)]


def with_only(scenario: Scenario, keep: tuple[int, ...]) -> Scenario:
    """The scenario with only the policies ``keep`` (indices)."""
    policies = [scenario.policies[i] for i in keep]
    return scenario.model_copy(update={"policies": policies,
                                       "name": f"{scenario.name}[{','.join(map(str, keep))}]"})


def same_settings(a: Scenario, b: Scenario) -> bool:
    """True if ``a`` and ``b`` differ only in what ``SETTINGS_EXCLUDED`` names."""
    return (a.model_dump(exclude=SETTINGS_EXCLUDED) == b.model_dump(exclude=SETTINGS_EXCLUDED))


def shapley(values: dict[tuple[int, ...], np.ndarray], n: int) -> np.ndarray:
    """[player, ...]: the Shapley value of each player from ``values[subset]`` (sorted
    tuples; every subset including the empty and the full one)."""
    out = np.zeros((n, *values[()].shape))
    for i in range(n):
        others = [j for j in range(n) if j != i]
        for k in range(n):
            weight = factorial(k) * factorial(n - k - 1) / factorial(n)
            for s in combinations(others, k):
                out[i] += weight * (values[tuple(sorted((*s, i)))] - values[s])
    return out


def leave_one_out(values: dict[tuple[int, ...], np.ndarray], n: int) -> np.ndarray:
    full = tuple(range(n))
    return np.stack([values[full] - values[tuple(j for j in full if j != i)]
                     for i in range(n)])


def split(names: list[str], values: dict[str, dict[tuple[int, ...], np.ndarray]],
          other: dict[str, np.ndarray] | None, measures: tuple[str, ...] = MEASURES,
          other_label: str = OTHER) -> dict:
    """The attribution of ``compare.json``: per measure and player (policy or channel), the
    Shapley value and the leave-one-out value (median, band and mean over seeds), and
    ``other_label`` for ``v(none)`` against the baseline when it was run.
    ``values[measure][subset]``: [seed] against the baseline."""
    n = len(names)
    full = tuple(range(n))
    out: dict = {"players": names, "method": "Shapley over every subset, and leave-one-out, "
                 "on common seeds",
                 "package": {m: _stat(values[m][full]) for m in measures}}
    for measure in measures:
        by = values[measure]
        base = by[()]
        shap = shapley({s: v - base for s, v in by.items()}, n)
        loo = leave_one_out(by, n)
        rows = {name: {"shapley": _stat(shap[i]),
                       "leave_one_out": _stat(loo[i])} for i, name in enumerate(names)}
        if other is not None:
            rows[other_label] = {"shapley": _stat(other[measure]),
                                 "leave_one_out": None}
        out[measure] = rows
    if "cost" in measures:
        out["cost_per_extra_resident_year"] = _per_resident_year(out, names)
    return out


def _per_resident_year(out: dict, names: list[str]) -> dict:
    return {
        name: (round(out["cost"][name]["shapley"]["mean"]
                     / out["resident_years"][name]["shapley"]["mean"])
               if out["resident_years"][name]["shapley"]["mean"] > 0 else None)
        for name in names}


def _stat(x: np.ndarray) -> dict:
    med, lo, hi = band(np.asarray(x, dtype=float))
    return {"median": round(float(med), 1), "p05": round(float(lo), 1),
            "p95": round(float(hi), 1), "mean": round(float(np.mean(x)), 1)}


def table(att: dict) -> pd.DataFrame:
    """``attribution.csv``: one row per policy, measure and method."""
    rows = [(name, measure, method, *(stat[k] for k in ("median", "p05", "p95", "mean")))
            for measure in MEASURES if measure in att for name, row in att[measure].items()
            for method, stat in row.items() if stat is not None]
    return pd.DataFrame(rows, columns=["part", "measure", "method", "median", "p05", "p95",
                                       "mean"])


def lines(att: dict, effect_year: int) -> list[str]:
    """The split in a few printed lines."""
    eff, cost, per = att["effect"], att["cost"], att["cost_per_extra_resident_year"]
    out = [f"split of the effect in {effect_year} by policy (Shapley over every subset on "
           "common seeds; leave-one-out in brackets):"]
    for name, row in eff.items():
        s = row["shapley"]
        loo = row["leave_one_out"]
        text = (f"  {name}: {s['median']:+,.0f} persons (band {s['p05']:+,.0f} to "
                f"{s['p95']:+,.0f})" + (f" [{loo['median']:+,.0f}]" if loo else ""))
        text += f"; cost NOK {cost[name]['shapley']['mean'] / 1e9:,.2f} bn"
        if per.get(name) is not None:
            text += f", {per[name]:,.0f} per extra resident-year"
        out.append(text)
    return out


def plan(baseline: Scenario, scenario: Scenario) -> dict[tuple[int, ...], Scenario]:
    """The subsets to run besides the baseline and the full scenario: every subset of its
    policies but the full one, and the empty one only if its settings differ from the
    baseline's."""
    check(scenario)
    runs = {s: with_only(scenario, s) for s in subsets(len(scenario.policies))}
    if same_settings(baseline, scenario):
        del runs[()]
    return runs


# ----- channels -------------------------------------------------------------------------------
CHANNEL_MEASURES = ("effect", "resident_years")
NO_CHANNEL = "with every channel off"


def package_channels(scenario: Scenario) -> list[str]:
    """The channels the scenario's policies act through (``sim.policies.base.CHANNELS``)."""
    used = {c for p in scenario.policies for c in REGISTRY[p.type].channels}
    return [c for c in CHANNELS if c in used]


def channel_plan(scenario: Scenario) -> dict[tuple[int, ...], Scenario]:
    """The scenario with only the channels of each subset on (all but the full set; the
    empty set is every channel off), through ``policies.channels_off``."""
    check(scenario)
    names = package_channels(scenario)
    runs = {}
    for keep in subsets(len(names)):
        off = [c for i, c in enumerate(names) if i not in keep]
        params = {**scenario.parameters, CHANNELS_OFF: off}
        runs[keep] = scenario.model_copy(update={
            "parameters": params, "name": f"{scenario.name}[channels off: {','.join(off)}]"})
    return runs


def channel_lines(ch: dict, effect_year: int) -> list[str]:
    """The split by channel in a few printed lines."""
    out = [f"why, by channel: the effect in {effect_year} with one channel at a time switched "
           "on and off (Shapley over the channels on common seeds):"]
    for name, row in ch["effect"].items():
        s = row["shapley"]
        out.append(f"  {name}: {s['median']:+,.0f} persons (band {s['p05']:+,.0f} to "
                   f"{s['p95']:+,.0f})")
    return out
