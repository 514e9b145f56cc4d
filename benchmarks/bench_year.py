"""Benchmark: where one simulated year goes, all of Norway at one agent per person.

    .venv/bin/python benchmarks/bench_year.py [--years 4] [--persons-per-agent 1]

Builds the baseline, runs one year to warm up, then times ``--years`` years and prints, per
year: the wall time of each process of ``SettlementModel.step`` (the functions ``step``
calls, wrapped in timers), the random draws (the model's generator wrapped: calls, numbers
drawn and time, by the line that drew them), and, for comparison, what drawing the same
count of single-precision uniforms costs with NumPy's generator and with a counter-based
hash inside a threaded kernel (``counter_uniforms``: a different stream, so not what the
model uses; it measures what drawing inside the kernels could save), and how much three
passes over every row gain from the threads, and how much of the year is spent inside the
threaded kernels (run it with ``NUMBA_NUM_THREADS=1`` and without). Wrapping costs a few
microseconds a call; compare shares, not absolute times across runs (the machine drifts).
"""

from __future__ import annotations

import argparse
import collections
import sys
import time
import traceback

import numba
import numpy as np

import sim.model as model_module
from sim.scenario.files import load_scenario, parse_scenario
from sim.world import rows, threads
from sim.world.threads import threaded

PROCESSES = {"jobs": ["run_year"], "housing": ["run_year"], "moves": ["household_facts",
             "run_year"], "destinations": ["place_view"], "leaving": ["run_year"],
             "arriving": ["run_year"], "local": ["run_year"]}
TIMES: collections.Counter = collections.Counter()
KERNEL_TIME = [0.0]   # seconds inside the threaded kernels, while the years are timed
HELPERS = {"chance", "stochastic_round"}   # draws counted at the line that called them


def _timed(owner, name: str, label: str) -> None:
    fn = getattr(owner, name)

    def wrapper(*args, **kwargs):
        t = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            TIMES[label] += time.perf_counter() - t

    setattr(owner, name, wrapper)


class CountingGenerator:
    """The model's generator, with each call's count of numbers and time kept by caller."""

    def __init__(self, rng: np.random.Generator) -> None:
        self._rng, self.numbers, self.seconds = rng, collections.Counter(), collections.Counter()

    def __getattr__(self, name: str):
        fn = getattr(self._rng, name)
        if not callable(fn):
            return fn

        def counted(*args, **kwargs):
            t = time.perf_counter()
            out = fn(*args, **kwargs)
            stack = traceback.extract_stack(limit=3)      # the line that asked, through
            caller = stack[0] if stack[1].name in HELPERS else stack[1]      # chance()
            key = f"{caller.filename.split('/sim/')[-1]}:{caller.lineno} {name}"
            self.seconds[key] += time.perf_counter() - t
            self.numbers[key] += int(np.size(out))
            return out

        return counted


@threaded(rows=None)
def counter_uniforms(n, key):
    """``n`` single-precision uniforms, each a hash (splitmix64's finaliser) of its index
    and ``key``: the same numbers whatever the thread count."""
    out = np.empty(n, dtype=np.float32)
    for i in numba.prange(n):
        z = np.uint64(key) + np.uint64(i + 1) * np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z = z ^ (z >> np.uint64(31))
        out[i] = np.float32(z >> np.uint64(40)) * np.float32(1.0 / (1 << 24))
    return out


def _time_kernels() -> None:
    """Wrap every threaded kernel (``threads.threaded``) where the model's modules hold it,
    so the time spent inside them is added up under "inside the threaded kernels"."""
    wrapped: dict[int, object] = {}
    for name, module in list(sys.modules.items()):
        if not name.startswith("sim.") or module is None:
            continue
        for attr, value in list(vars(module).items()):
            if not (hasattr(value, "serial") and hasattr(value, "parallel")):
                continue
            if id(value) not in wrapped:
                def wrapper(*args, _fn=value):
                    t = time.perf_counter()
                    try:
                        return _fn(*args)
                    finally:
                        KERNEL_TIME[0] += time.perf_counter() - t
                wrapped[id(value)] = wrapper
            setattr(module, attr, wrapped[id(value)])


def best_of(fn, rounds: int = 5) -> float:
    fn()
    times = []
    for _ in range(rounds):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def _threading_gain(pop) -> None:
    """How much a pass over every row gains from the threads: three of the model's kernels,
    serial and threaded, on the run's own table."""
    numba.set_num_threads(threads.count())
    table = np.linspace(0.0, 1.0, 120)
    flag = np.zeros(pop.next_household, dtype=bool)
    flag[::7] = True
    q = np.tile(table[:107], (2, 1))
    passes = {"value by age": (rows.age_values, (pop.age, table)),
              "death draw by sex and age": (rows.below_by_sex_age, (
                  np.random.default_rng(0).random(len(pop), dtype=np.float32), pop.sex,
                  pop.age, q, 106)),
              "household flagged": (rows.in_flagged, (pop.household, flag))}
    print(f"a pass over {len(pop):,} rows, one thread against {threads.count()}:")
    for label, (kernel, args) in passes.items():
        one = best_of(lambda k=kernel, a=args: k.serial(*a))
        many = best_of(lambda k=kernel, a=args: k.parallel(*a))
        print(f"  {label:24s} {one * 1000:6.1f} ms  {many * 1000:6.1f} ms  ({one / many:.2f}x)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--years", type=int, default=4)
    ap.add_argument("--persons-per-agent", type=int, default=1)
    args = ap.parse_args()
    for module, names in PROCESSES.items():
        for name in names:
            _timed(getattr(model_module, module), name, f"{module}.{name}")
    _timed(model_module.SettlementModel, "_close_year", "records and data collection")
    raw = load_scenario("scenarios/baseline.yaml").model_dump()
    raw["persons_per_agent"] = args.persons_per_agent
    raw["end_year"] = raw["start_year"] + args.years + 1
    model = model_module.SettlementModel(parse_scenario(raw, "bench_year"))
    _timed(model.young_firms, "run_year", "young firms")
    model.step()
    _time_kernels()
    TIMES.clear()
    model.rng = draws = CountingGenerator(model.rng)
    t = time.perf_counter()
    while model.running:
        model.step()
    per_year = (time.perf_counter() - t) / args.years
    print(f"{len(model.population):,} rows; {per_year:.3f} s a year over {args.years} years")
    for label, seconds in TIMES.most_common():
        print(f"  {label:30s} {seconds / args.years:6.3f} s")
    print(f"  {'the rest':30s} {per_year - sum(TIMES.values()) / args.years:6.3f} s")
    inside = KERNEL_TIME[0] / args.years
    print(f"inside the threaded kernels ({threads.count()} thread(s)): {inside:.3f} s a year "
          f"({inside / per_year:.0%}); outside them {per_year - inside:.3f} s")
    n = sum(draws.numbers.values()) // args.years
    drawn = sum(draws.seconds.values()) / args.years
    print(f"random draws: {n / 1e6:.1f} million a year, {drawn * 1000:.0f} ms "
          f"({drawn / per_year:.0%} of a year); the largest:")
    for key, seconds in draws.seconds.most_common(8):
        print(f"  {key:40s} {draws.numbers[key] / args.years / 1e6:5.2f} M "
              f"{seconds / args.years * 1000:6.1f} ms")
    _threading_gain(model.population)
    rng = np.random.default_rng(1)
    size = 5_600_000
    numpy_s = best_of(lambda: rng.random(size, dtype=np.float32))
    kernel_s = best_of(lambda: counter_uniforms(size, 12345))
    print(f"{size / 1e6:.1f} million float32 uniforms: NumPy's generator {numpy_s * 1000:.1f} ms, "
          f"a counter-based hash in a threaded kernel {kernel_s * 1000:.1f} ms")


if __name__ == "__main__":
    main()
