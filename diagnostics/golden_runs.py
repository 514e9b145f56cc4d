"""Golden runs: outputs a refactoring must reproduce byte for byte.

    .venv/bin/python diagnostics/golden_runs.py make OUT     # about a minute on 2 cores
    .venv/bin/python diagnostics/golden_runs.py diff BEFORE AFTER

``make`` runs five commands into OUT with the checkout's own ``livskraft``: the classroom
landscape with policies (``diagnostics/golden-classroom-policy.yaml``), a coarse Norway
baseline and a coarse 2006 backcast (50 persons per agent), a coarse comparison (2 seeds,
100 persons per agent) and a coarse validation. ``diff`` compares two such folders file by
file and prints every file that differs; only what records time is left out (``run.json``,
the run store, ``wall_time_s`` in JSON files). Exit status 1 when anything differs.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
COMMANDS = {
    "classroom": ["run", "diagnostics/golden-classroom-policy.yaml"],
    "baseline": ["run", "scenarios/baseline.yaml", "--persons-per-agent", "50"],
    "backcast": ["run", "scenarios/backcast-2006.yaml", "--persons-per-agent", "50"],
    "compare": ["compare", "scenarios/baseline.yaml", "scenarios/distriktspolitikk-2.0.yaml",
                "--seeds", "2", "--persons-per-agent", "100"],
    "validate": ["validate", "--persons-per-agent", "50", "--seeds", "1"],
}
TIMED = {"run.json"}                 # files that record when and how long
TIMED_KEYS = {"wall_time_s"}         # keys of JSON files that do


def make(out: Path) -> None:
    for name, args in COMMANDS.items():
        cmd = [sys.executable, "-m", "sim.cli", *args, "--out", str(out / name),
               *([] if args[0] == "validate" else ["--store", str(out / "store")])]
        subprocess.run(cmd, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
        print(f"{name}: {out / name}")


def _content(path: Path) -> bytes:
    if path.suffix == ".json":
        data = json.loads(path.read_text(encoding="utf-8"))
        if isinstance(data, dict):
            data = {k: v for k, v in data.items() if k not in TIMED_KEYS}
        return json.dumps(data, sort_keys=True).encode()
    return path.read_bytes()


def diff(a: Path, b: Path) -> int:
    def files(root: Path) -> set[Path]:
        return {p.relative_to(root) for p in root.rglob("*") if p.is_file()
                and p.name not in TIMED and "store" not in p.relative_to(root).parts}

    fa, fb = files(a), files(b)
    problems = [f"only in {a}: {p}" for p in sorted(fa - fb)]
    problems += [f"only in {b}: {p}" for p in sorted(fb - fa)]
    problems += [f"differs: {p}" for p in sorted(fa & fb) if _content(a / p) != _content(b / p)]
    print("\n".join(problems) or f"identical: {len(fa)} files")
    return 1 if problems else 0


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "make":
        make(Path(sys.argv[2]).resolve())
    elif len(sys.argv) == 4 and sys.argv[1] == "diff":
        sys.exit(diff(Path(sys.argv[2]), Path(sys.argv[3])))
    else:
        sys.exit(__doc__)
