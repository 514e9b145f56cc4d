"""Benchmark: an ensemble on one worker and on several, in one go, and the speed-up.

Runs the same ensemble (by default 8 seeds of the baseline on all of Norway at 50 persons per
agent, seed folders written to a temporary folder as ``livskraft ensemble`` does) first on one
worker (in this process, no pool) and then on ``--workers`` workers, and prints both wall
times, the ratio and the load average around each (other jobs on the machine lower the ratio).

    .venv/bin/python benchmarks/bench_ensemble.py [--seeds 8] [--workers 2]
        [--persons-per-agent 50] [--years N] [--engine local|dask]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from sim.ensemble import run_ensemble
from sim.scenario import load_scenario, parse_scenario

ROOT = Path(__file__).resolve().parents[1]


def scenario(path: str, persons_per_agent: int, years: int | None):
    spec = load_scenario(path)
    raw = spec.model_dump()
    raw["persons_per_agent"] = persons_per_agent
    if years:
        raw["end_year"] = spec.start_year + years
    return parse_scenario(raw, path)


def timed(spec, seeds: int, workers: int, engine: str, folder: Path) -> tuple[float, str]:
    """Wall time (s) of the ensemble and the load average before and after it."""
    before = os.getloadavg()
    t0 = time.perf_counter()
    run_ensemble(spec, seeds, out_dir=folder / f"w{workers}", engine=engine, workers=workers)
    wall = time.perf_counter() - t0
    after = os.getloadavg()
    return wall, (f"load average (1/5/15 min) before {before[0]:.2f}/{before[1]:.2f}/"
                  f"{before[2]:.2f}, after {after[0]:.2f}/{after[1]:.2f}/{after[2]:.2f}")


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
