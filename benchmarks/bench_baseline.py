"""Benchmark: the baseline scenario on all of Norway, by default at one agent per person.

Prints build time, seconds per simulated year (wall, and CPU over all threads) and peak
memory (max RSS of this process).

    .venv/bin/python benchmarks/bench_baseline.py [--years N] [--persons-per-agent N]
                                                  [--profile N] [--json]

``--profile N`` also profiles the run (cProfile, CPU time) and prints the N model functions
with the most time of their own, which is where to look before optimising. ``--json`` prints
the figures as one JSON object instead (``benchmarks/bench_threads.py`` reads it). The
kernels use the threads ``sim.world.threads`` allows: all cores unless ``NUMBA_NUM_THREADS``
says otherwise.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import resource
import time
from pathlib import Path

from sim.model import SettlementModel
from sim.scenario.files import load_scenario, parse_scenario
from sim.world import threads

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--scenario", default=str(ROOT / "scenarios" / "baseline.yaml"))
    ap.add_argument("--years", type=int, default=None, help="simulate only this many years")
    ap.add_argument("--persons-per-agent", type=int, default=1)
    ap.add_argument("--profile", type=int, default=0, metavar="N",
                    help="profile and print the N functions with the most own time")
    ap.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = ap.parse_args()
    spec = load_scenario(args.scenario)
    raw = spec.model_dump()
    raw["persons_per_agent"] = args.persons_per_agent
    if args.years:
        raw["end_year"] = spec.start_year + args.years
    spec = parse_scenario(raw, args.scenario)

    profiler = cProfile.Profile(time.process_time) if args.profile else None
    if profiler:
        profiler.enable()
    t0 = time.perf_counter()
    model = SettlementModel(spec)
    build = time.perf_counter() - t0
    agents = len(model.population)
    per_year, cpu_per_year = [], []
    while model.running:
        t, cpu = time.perf_counter(), time.process_time()
        model.step()
        per_year.append(time.perf_counter() - t)
        cpu_per_year.append(time.process_time() - cpu)
    total = time.perf_counter() - t0
    if profiler:
        profiler.disable()
        pstats.Stats(profiler).sort_stats("tottime").print_stats(r"sim[/\\]", args.profile)
    peak_gb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2
    if args.json:
        print(json.dumps({"threads": threads.count(), "build_s": build, "years_s": per_year,
                          "cpu_years_s": cpu_per_year,
                          "total_s": total, "peak_gb": peak_gb, "agents": agents,
                          "load_after": os.getloadavg()}))
        return
    print(f"scenario            {spec.name} ({spec.start_year}->{spec.end_year}), "
          f"{spec.persons_per_agent} person(s) per agent")
    print(f"threads             {threads.count()}")
    print(f"agents at start     {agents:,}; at end {len(model.population):,}")
    print(f"build time          {build:.1f} s")
    print(f"seconds per year    {sum(per_year) / len(per_year):.2f} s "
          f"(min {min(per_year):.2f}, max {max(per_year):.2f}, {len(per_year)} years)")
    print(f"CPU per year        {sum(cpu_per_year) / len(cpu_per_year):.2f} s "
          "(all threads of this process)")
    print(f"total wall time     {total:.1f} s")
    print(f"peak memory (RSS)   {peak_gb:.2f} GB")


if __name__ == "__main__":
    main()
