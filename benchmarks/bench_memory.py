"""Benchmark: what fresh memory costs here, with NumPy's 2 MB pages and without.

    .venv/bin/python benchmarks/bench_memory.py [--gb 3] [--rounds 3]

Each run is a fresh process that fills ``--gb`` one-gigabyte arrays once, with
``NUMPY_MADVISE_HUGEPAGE`` 1 (NumPy's default on Linux: the kernel is asked for 2 MB pages)
or 0 (small pages), alternating. It prints the wall and system (kernel) seconds of each.
On a virtual machine whose host backs guest memory on first touch, the kernel's time is
most of it; ``sim.world.population.keep_freed_memory`` turns the 2 MB pages off for model
runs because of what this measures.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time

TOUCH = "import numpy as np\nblocks = [np.ones(1 << 30, np.uint8) for _ in range({gb})]\n"


def run(hugepage: int, gb: int) -> tuple[float, float]:
    """Wall and system seconds of one fresh process filling ``gb`` GB."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", TOUCH.format(gb=gb)], check=True,
                   env={**os.environ, "NUMPY_MADVISE_HUGEPAGE": str(hugepage)})
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, after.ru_stime - before.ru_stime


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--gb", type=int, default=3)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    walls: dict[int, list[float]] = {1: [], 0: []}
    print("2 MB pages   wall s   system s")
    for _ in range(args.rounds):
        for hugepage in (1, 0):
            wall, system = run(hugepage, args.gb)
            walls[hugepage].append(wall)
            print(f"{'yes' if hugepage else 'no':>10} {wall:8.2f} {system:10.2f}")
    on, off = statistics.median(walls[1]), statistics.median(walls[0])
    print(f"median wall: with 2 MB pages {on:.2f} s, without {off:.2f} s ({on / off:.1f}x)")


if __name__ == "__main__":
    main()
