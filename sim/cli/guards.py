"""What a command checks before it runs anything: its output folder (the rules of
``sim.output.out_folder``: a new folder or a previous result of the command's own kind, never
the store, the current directory or a path a scenario's name leads to outside ``runs/``) and
its seeds (the run store keeps seeds as 32-bit integers). A refusal is one message, exit 2."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from sim.cli.common import fail
from sim.scenario.bounds import MAX_SEED

SEED_MAX = MAX_SEED          # the largest seed (one definition: sim.scenario.bounds)
RUNS = Path("runs")         # where output folders go by default: runs/<prefix><name>

SeedOption = Annotated[int | None, typer.Option(
    min=0, max=SEED_MAX, help=f"override the scenario's seed (0 to {SEED_MAX})")]


def out_folder(kind: str, out: Path | None, name: str, store: Path | None,
               prefix: str = "") -> Path:
    """The output folder of a ``kind`` command: ``out``, else ``runs/<prefix><name>``;
    refused (exit 2) when the command may not write it."""
    from sim.output.out_folder import OutFolderError, check, default_out
    from sim.output.store import store_root

    try:
        path = out if out is not None else default_out(RUNS, name, prefix)
        return check(path, kind, store_root(store))
    except OutFolderError as err:
        fail(f"--out {err}" if out is not None else str(err))


def check_seeds(first: int, n: int, source: str) -> None:
    """Refuse seeds ``first`` … ``first + n - 1`` beyond what the run store keeps."""
    last = first + n - 1
    if first < 0 or last > SEED_MAX:
        fail(f"{source}: seed {first}" + (f" and the {n - 1} after it" if n > 1 else "")
             + f" must lie between 0 and {SEED_MAX} (the seed field or --seed)")
