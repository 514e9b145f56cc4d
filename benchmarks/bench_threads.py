"""Benchmark: the baseline on one thread and on two, in one invocation.

    .venv/bin/python benchmarks/bench_threads.py [--threads 1 2] [--rounds 2] [--years N]
                                                 [--persons-per-agent N]

Runs ``benchmarks/bench_baseline.py --json`` (all of Norway at one agent per person,
2026->2050 unless ``--years``) in a fresh process per run, with ``NUMBA_NUM_THREADS`` set to
each thread count in turn, ``--rounds`` times alternating, and prints for each run the
wall time, build time, seconds per simulated year and peak memory (RSS) of that process,
the load average before it, and the ratio of the median walls. Other processes on the
machine slow threaded runs most (a thread waits for a core): compare ratios within one
invocation, and look at the load (the 1-minute average before each run) and ``others``
(the cores other processes kept busy during it, from /proc/stat: 0 on a quiet machine).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def busy_seconds() -> float | None:
    """CPU seconds all processes have used on this machine so far (Linux: /proc/stat)."""
    try:
        fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    except OSError:
        return None
    user, nice, system, _idle, _iowait, irq, softirq, steal = map(int, fields[:8])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def run(n_threads: int, extra: list[str]) -> dict:
    """One benchmark process; with the load average before it and the cores other
    processes kept busy while it ran (all the machine's CPU time less its own)."""
    env = {**os.environ, "NUMBA_NUM_THREADS": str(n_threads)}
    load = os.getloadavg()[0]
    busy, own = busy_seconds(), resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "bench_baseline.py"),
                           "--json", *extra], env=env, cwd=ROOT, capture_output=True,
                          text=True, check=True)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    used = (after.ru_utime - own.ru_utime) + (after.ru_stime - own.ru_stime)
    others = None if busy is None else max(0.0, busy_seconds() - busy - used) / wall
    return {**json.loads(done.stdout.strip().splitlines()[-1]), "load_before": load,
            "others": others}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--years", type=int, default=None)
    ap.add_argument("--persons-per-agent", type=int, default=1)
    args = ap.parse_args()
    extra = ["--persons-per-agent", str(args.persons_per_agent)]
    if args.years:
        extra += ["--years", str(args.years)]
    print(f"{'threads':>7} {'load':>5} {'others':>6} {'wall s':>7} {'build s':>7} "
          f"{'s/year':>6} {'min':>5} {'max':>5} {'peak GB':>7}")
    walls: dict[int, list[float]] = {n: [] for n in args.threads}
    for _ in range(args.rounds):
        for n in args.threads:
            r = run(n, extra)
            years = r["years_s"]
            walls[n].append(r["total_s"])
            others = "" if r["others"] is None else f"{r['others']:.2f}"
            print(f"{r['threads']:>7} {r['load_before']:>5.2f} {others:>6} {r['total_s']:>7.1f} "
                  f"{r['build_s']:>7.1f} {sum(years) / len(years):>6.2f} {min(years):>5.2f} "
                  f"{max(years):>5.2f} {r['peak_gb']:>7.2f}", flush=True)
    first = statistics.median(walls[args.threads[0]])
    for n in args.threads[1:]:
        print(f"median wall, {args.threads[0]} thread(s) / {n}: "
              f"{first / statistics.median(walls[n]):.2f}")


if __name__ == "__main__":
    main()
