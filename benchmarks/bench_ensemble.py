"""Benchmark: an ensemble on one worker and on several, in one go, and the speed-up.

Runs the same ensemble (by default 8 seeds of the baseline on all of Norway at 50 persons per
agent, seed folders written to a temporary folder as ``livskraft ensemble`` does) first on one
worker (in this process, no pool) and then on ``--workers`` workers, and prints both wall
times, the ratio, and around each the 1-minute load average and the CPU seconds other
processes used meanwhile (other jobs on the machine lower the ratio).

    .venv/bin/python benchmarks/bench_ensemble.py [--seeds 8] [--workers 2]
        [--persons-per-agent 50] [--years N] [--engine local|dask]
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import time
from pathlib import Path

from sim.experiments.ensemble import run_ensemble
from sim.scenario.files import load_scenario, parse_scenario

ROOT = Path(__file__).resolve().parents[1]


def scenario(path: str, persons_per_agent: int, years: int | None):
    spec = load_scenario(path)
    raw = spec.model_dump()
    raw["persons_per_agent"] = persons_per_agent
    if years:
        raw["end_year"] = spec.start_year + years
    return parse_scenario(raw, path)


def busy_cpu_s() -> float:
    """CPU seconds all processes on the machine have used since boot (Linux /proc/stat)."""
    fields = [float(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]                      # idle and iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def own_cpu_s() -> float:
    """CPU seconds of this process and its finished children (the pool's workers)."""
    me, kids = (resource.getrusage(w) for w in (resource.RUSAGE_SELF,
                                                 resource.RUSAGE_CHILDREN))
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def timed(spec, seeds: int, workers: int, engine: str, folder: Path) -> tuple[float, str]:
    """Wall time (s) of the ensemble, and the load average around it with the CPU seconds
    other processes used meanwhile (0 on a quiet machine; when the ensemble's workers run
    outside this process's children, e.g. on Dask, they count as other)."""
    before, busy, own = os.getloadavg(), busy_cpu_s(), own_cpu_s()
    t0 = time.perf_counter()
    run_ensemble(spec, seeds, out_dir=folder / f"w{workers}", engine=engine, workers=workers)
    wall = time.perf_counter() - t0
    after = os.getloadavg()
    others = (busy_cpu_s() - busy) - (own_cpu_s() - own)
    return wall, (f"load average before {before[0]:.2f}, after {after[0]:.2f}; other "
                  f"processes used {max(others, 0.0):.0f} CPU s")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scenario", default=str(ROOT / "scenarios" / "baseline.yaml"))
    ap.add_argument("--seeds", type=int, default=8)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--persons-per-agent", type=int, default=50)
    ap.add_argument("--years", type=int, default=None, help="simulate only this many years")
    ap.add_argument("--engine", default="local", choices=["local", "dask"])
    args = ap.parse_args()
    spec = scenario(args.scenario, args.persons_per_agent, args.years)
    print(f"ensemble of {args.seeds} seeds: {spec.name} {spec.start_year}->{spec.end_year}, "
          f"{spec.persons_per_agent} persons per agent, {os.cpu_count()} cores, "
          f"engine {args.engine}")
    with tempfile.TemporaryDirectory(prefix="bench-ensemble-") as tmp:
        one, load_one = timed(spec, args.seeds, 1, "local", Path(tmp))
        print(f"1 worker            {one:7.1f} s  ({load_one})")
        many, load_many = timed(spec, args.seeds, args.workers, args.engine, Path(tmp))
        print(f"{args.workers} workers           {many:7.1f} s  ({load_many})")
    print(f"speed-up            {one / many:.2f}x")


if __name__ == "__main__":
    main()
