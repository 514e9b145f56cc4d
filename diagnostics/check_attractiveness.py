"""The backcast's attractiveness accounts against the observed ones: a diagnostic.

Reads the run folders of a backcast ensemble (``seed-*/`` or ``backcast*/``: their
``kommuner.csv``, ``age_structure.csv``, ``jobs_by_sector.csv`` and ``scenario.yaml``) and
prints, for one period (default 1 January 2011 → 1 January 2018), the correlation over
kommuner of the residential part per 1,000 inhabitants with the observed accounts
(``sim.validation.attractiveness``), as the table in docs/validation.md:

    .venv/bin/livskraft ensemble scenarios/backcast-2006.yaml --seeds 4 \\
        --persons-per-agent 10 --workers 2 --out runs/backcast-ppa10
    .venv/bin/python diagnostics/check_attractiveness.py runs/backcast-ppa10
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from types import SimpleNamespace

import pandas as pd

from sim.scenario.files import load_scenario
from sim.validation.attractiveness import SPAN, backcast_comparison, markdown

TABLES = ("kommuner", "age_structure", "jobs_by_sector")


def read_run(folder: Path) -> SimpleNamespace:
    """A run folder's tables the accounts need, as a run result has them."""
    tables = {name: pd.read_csv(folder / f"{name}.csv", dtype={"kommunenummer": str})
              for name in TABLES}
    return SimpleNamespace(scenario=load_scenario(folder / "scenario.yaml"), **tables)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, help="an ensemble or validate folder")
    parser.add_argument("--span", type=int, nargs=2, default=list(SPAN),
                        metavar=("FROM", "TO"), help="1 January FROM to 1 January TO")
    args = parser.parse_args()
    folders = sorted(p for p in args.folder.iterdir() if p.is_dir() and (p / "run.json").exists())
    if not folders:
        raise SystemExit(f"no run folders under {args.folder}")
    m = backcast_comparison([read_run(f) for f in folders], tuple(args.span))
    print("\n".join(markdown(m)))
    print(json.dumps(m, indent=1))


if __name__ == "__main__":
    main()
