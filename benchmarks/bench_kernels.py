"""Benchmark: the compiled tie kernels (sim/kernels.py) against the NumPy expressions they
replace, on random ties at the classroom landscape's size and at all of Norway's.

    .venv/bin/python benchmarks/bench_kernels.py [--sizes 77000 5600000]

Prints milliseconds per call of each and the ratio (same run, same data).
"""

from __future__ import annotations

import argparse
import timeit

import numpy as np

from sim.world import kernels

HEAD_SHARE = 0.45   # household heads per person (about 2.2 persons per household)


def data(n: int, seed: int = 1):
    rng = np.random.default_rng(seed)
    ties = rng.integers(-1, n, (n, 6)).astype(np.int32)
    kommune = rng.integers(0, 357, n).astype(np.int16)
    table = np.append(kommune, -1).astype(np.int16)        # by pid; the last entry: gone
    rows = np.sort(rng.choice(n, int(n * HEAD_SHARE), replace=False))
    return ties, kommune, table, rows


def pairs(ties, kommune, table, rows):
    """(name, NumPy expression, kernel) for each kernel."""
    rand = np.random.default_rng(2).integers(0, 6, len(rows))

    def np_runs():                      # sort, then run lengths kept at each run's start
        srt = np.sort(table[ties[rows]], axis=1)
        slots = srt.shape[1]
        run_end = np.empty(srt.shape, dtype=np.int64)
        run_end[:, -1] = slots - 1
        for j in range(slots - 2, -1, -1):
            run_end[:, j] = np.where(srt[:, j] == srt[:, j + 1], run_end[:, j + 1], j)
        first = srt >= 0
        first[:, 1:] &= srt[:, 1:] != srt[:, :-1]
        return np.where(first, srt, -1), np.where(first, run_end - np.arange(slots) + 1, 0)

    def np_slot():
        empty = ties[rows] < 0
        return np.where(empty.any(axis=1), empty.argmax(axis=1), rand)

    return [
        ("ties living here",
         lambda: (table[ties[rows]] == kommune[rows][:, None]).sum(axis=1),
         lambda: kernels.ties_matching(rows, ties, table, kommune)),
        ("native ties",
         lambda: ((table[ties[rows]] == 1).sum(axis=1), (table[ties[rows]] >= 0).sum(axis=1)),
         lambda: kernels.ties_by_value(rows, ties, table)),
        ("tie kommuner and counts", np_runs,
         lambda: kernels.tie_kommune_runs(rows, ties, table)),
        ("slot to renew", np_slot, lambda: kernels.slot_to_renew(rows, ties, rand)),
    ]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[77_000, 5_600_000])
    args = ap.parse_args()
    for n in args.sizes:
        reps = max(1, 2_000_000 // n)
        print(f"{n:,} persons, {int(n * HEAD_SHARE):,} rows")
        for name, numpy_way, kernel in pairs(*data(n)):
            kernel()                                           # compile or load the cache
            a = timeit.timeit(numpy_way, number=reps) / reps * 1e3
            b = timeit.timeit(kernel, number=reps) / reps * 1e3
            print(f"  {name:40s} NumPy {a:8.2f} ms   kernel {b:8.2f} ms   {a / b:5.1f}x")


if __name__ == "__main__":
    main()
