"""Benchmark: a kommune's what-if over many seeds with the focus resolution, against the
full-resolution comparison it stands in for (issue #25).

    .venv/bin/python benchmarks/bench_focus.py [--seeds 20] [--reference-seeds 4]
                                               [--no-reference]

Runs, one after the other, ``livskraft compare scenarios/baseline.yaml
scenarios/froya-housing.yaml --seeds N --workers 2 --focus 5014`` and (unless
``--no-reference``) the same at one agent per person everywhere over fewer seeds, and prints
for each: wall time, the peak memory of its largest process, and Frøya's 2040 effect with its
5-95 % band over seeds. The focus run should be quicker by far and its effect inside the
reference's band.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BASELINE, SCENARIO, KOMMUNE = "scenarios/baseline.yaml", "scenarios/froya-housing.yaml", "5014"


def compare(out: Path, seeds: int, extra: list[str]) -> dict:
    """One ``livskraft compare`` in a subprocess: wall seconds, peak GB, Frøya's effect."""
    cmd = [sys.executable, "-m", "sim.cli", "compare", BASELINE, SCENARIO, "--seeds",
           str(seeds), "--workers", "2", "--out", str(out), "--store", str(out.parent / "store"),
           *extra]
    t0 = time.perf_counter()
    subprocess.run(cmd, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - t0
    s = json.loads((out / "compare.json").read_text())
    return {"command": " ".join(["livskraft", *cmd[3:]]), "wall_s": round(wall, 1),
            "peak_gb_largest_child": round(
                resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024**2, 2),
            "effect_2040": s["target_diff_median"],
            "band": [s["target_diff_p05"], s["target_diff_p95"]],
            "target": s["target_kommuner"]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--seeds", type=int, default=20)
    ap.add_argument("--reference-seeds", type=int, default=4)
    ap.add_argument("--no-reference", action="store_true")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        rows = {"focus": compare(Path(tmp) / "focus", args.seeds, ["--focus", KOMMUNE])}
        if not args.no_reference:
            rows["one agent per person"] = compare(Path(tmp) / "full", args.reference_seeds,
                                                   ["--persons-per-agent", "1"])
    print(f"load average before the end: {os.getloadavg()[0]:.2f} (2 cores)")
    for name, r in rows.items():
        print(f"{name:22s} {r['wall_s']:7.1f} s  peak {r['peak_gb_largest_child']:.2f} GB  "
              f"Frøya 2040 {r['effect_2040']:+.0f} (band {r['band'][0]:+.0f} to "
              f"{r['band'][1]:+.0f})\n    {r['command']}")


if __name__ == "__main__":
    main()
