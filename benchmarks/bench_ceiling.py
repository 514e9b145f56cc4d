"""Benchmark: what a second thread can give a simulated year here, against what 30 s needs.

    .venv/bin/python benchmarks/bench_ceiling.py [--rounds 3] [--years 6] [--target 30]

Three figures from one invocation, one thread and two alternating:

1. **Memory.** Two kernels with the shape of the model's passes, each compiled serial and
   threaded (``sim.world.threads.threaded``): a streaming pass (``a = b + s * c`` over 40
   million float64, STREAM's "triad") and a gather (an int16 table of 8 million entries
   read at 36 million random int32 positions, as the tie lookups read a kommune per person
   id). The best of ``--rounds`` calls of each twin. Their speed-up on two threads bounds
   what any pass of the model can gain: the passes read a few bytes per row and do little
   arithmetic, so they wait on memory, and the two cores share it.
2. **The year.** ``bench_baseline.py --json --years N`` (all of Norway at one agent per
   person) in a fresh process with ``NUMBA_NUM_THREADS`` 1 and 2, ``--rounds`` times each:
   wall and CPU seconds per simulated year, and the build.
3. **The bound.** The whole run (24 years from 2026) takes ``--target`` seconds only if a
   year takes at most (target - build) / 24 s, so the two threads would have to run the
   one-thread year that many times faster. Printed beside the speed-ups of 1 and 2.

Medians over the rounds; the machine's speed drifts by a quarter within minutes, which is
why the twins alternate.
"""

from __future__ import annotations

import argparse
import statistics
import sys

import numba
import numpy as np
from bench_threads import run
from bench_year import best_of

from sim.world import threads
from sim.world.threads import threaded

FULL_YEARS = 24                 # the baseline: 2026 -> 2050
TRIAD_ROWS = 40_000_000         # 3 x 320 MB: far above the 32 MB L3 cache
GATHER_TABLE = 8_000_000        # person ids ever given, about
GATHER_READS = 36_000_000       # six tie slots of six million rows


@threaded
def triad(a, b, c, s):
    """a[i] = b[i] + s * c[i]."""
    for i in numba.prange(len(a)):
        a[i] = b[i] + s * c[i]


@threaded
def gather(out, table, positions):
    """out[i] = table[positions[i]]."""
    for i in numba.prange(len(out)):
        out[i] = table[positions[i]]


def memory_speedups(rounds: int) -> dict[str, tuple[float, float]]:
    """Per kernel: (one thread, two threads) as GB/s streamed or million reads a second."""
    rng = np.random.default_rng(0)
    a, b, c = np.zeros(TRIAD_ROWS), np.ones(TRIAD_ROWS), np.full(TRIAD_ROWS, 0.5)
    table = rng.integers(0, 357, GATHER_TABLE).astype(np.int16)
    positions = rng.integers(0, GATHER_TABLE, GATHER_READS).astype(np.int32)
    out = np.empty(GATHER_READS, np.int16)
    numba.set_num_threads(min(2, threads.cores()))
    rates: dict[str, list[list[float]]] = {"triad GB/s": [[], []], "gather M reads/s": [[], []]}
    for _ in range(rounds):
        for i, twin in enumerate(("serial", "parallel")):
            kernels = getattr(triad, twin), getattr(gather, twin)
            t = best_of(lambda k=kernels[0]: k(a, b, c, 2.0), 3)
            rates["triad GB/s"][i].append(3 * a.nbytes / t / 1e9)
            t = best_of(lambda k=kernels[1]: k(out, table, positions), 3)
            rates["gather M reads/s"][i].append(GATHER_READS / t / 1e6)
    return {k: (statistics.median(v[0]), statistics.median(v[1])) for k, v in rates.items()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--years", type=int, default=6, help="years simulated per run")
    ap.add_argument("--target", type=float, default=30.0, help="seconds for the whole run")
    args = ap.parse_args()
    if threads.cores() < 2:
        sys.exit("needs two cores (NUMBA_NUM_THREADS >= 2)")

    print("1. memory, one thread against two (medians of the best of 3 calls):")
    for name, (one, two) in memory_speedups(args.rounds).items():
        print(f"   {name:18s} {one:7.1f} {two:7.1f}   ({two / one:.2f}x)")

    print(f"2. the year, all of Norway at one agent per person, {args.years} years a run:")
    print(f"   {'threads':>7} {'build s':>7} {'wall/yr':>7} {'CPU/yr':>7}")
    runs: dict[int, list[dict]] = {1: [], 2: []}
    for _ in range(args.rounds):
        for n in (1, 2):
            r = run(n, ["--years", str(args.years)])     # bench_baseline.py --json
            r["wall_year"] = statistics.mean(r["years_s"][1:] or r["years_s"])
            r["cpu_year"] = statistics.mean(r["cpu_years_s"][1:] or r["cpu_years_s"])
            runs[n].append(r)
            print(f"   {n:>7} {r['build_s']:>7.2f} {r['wall_year']:>7.3f} {r['cpu_year']:>7.3f}",
                  flush=True)
    med = {n: {k: statistics.median(r[k] for r in rs) for k in ("build_s", "wall_year",
                                                                    "cpu_year")}
           for n, rs in runs.items()}
    one, two = med[1]["wall_year"], med[2]["wall_year"]
    print(f"   medians: {one:.3f} s a year on one thread, {two:.3f} s on two ({one / two:.2f}x)")

    budget = (args.target - med[2]["build_s"]) / FULL_YEARS
    print(f"3. {args.target:.0f} s for {FULL_YEARS} years after a build of "
          f"{med[2]['build_s']:.1f} s leaves {budget:.3f} s a year: two threads would have to "
          f"run the one-thread year {one / budget:.2f}x faster (now {one / two:.2f}x).")


if __name__ == "__main__":
    main()
