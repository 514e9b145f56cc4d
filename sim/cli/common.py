"""What every ``livskraft`` command shares: the consoles, the exit codes, the common options
and the one way a user error ends a command (``fail``: one message, exit status 2)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

console = Console(width=120) if not Console().is_terminal else Console()
err_console = Console(stderr=True)

USER_ERROR = 2

StoreOption = Annotated[Path | None, typer.Option(
    help="run store folder (default $LIVSKRAFT_RUNS, else runs/)")]
EngineOption = Annotated[str, typer.Option(
    help="local (a process pool on this machine) or dask (a Dask cluster)")]
AddressOption = Annotated[str | None, typer.Option(
    help="address of a running Dask scheduler, e.g. tcp://host:8786 (with --engine dask; "
         "default: a local cluster of --workers processes)")]


FocusOption = Annotated[str | None, typer.Option(
    help="kommuner (e.g. 5014 or 5014,5055) whose commuting regions run at one agent per "
         "person, the rest at --persons-per-agent (50 if the scenario runs at 1): a "
         "kommune's figures at full resolution, quickly")]


def focus_codes(text: str | None) -> list[str] | None:
    """``--focus 5014,5055`` as a list of kommunenummer (None: as in the file)."""
    if text is None:
        return None
    return [c for c in text.replace(" ", "").split(",") if c]


def fail(message: str) -> None:
    err_console.print(f"[bold red]error:[/] {escape(message)}", highlight=False,
                      soft_wrap=True, emoji=False)
    raise typer.Exit(USER_ERROR)




def load(path: Path, **overrides):
    """Load a scenario and apply command-line overrides, validated like the file itself."""
    from sim.scenario.errors import ScenarioError
    from sim.scenario.files import load_scenario, parse_scenario
    from sim.world.scale import DEFAULT_COARSE, FOCUS_PERSONS_PER_AGENT

    try:
        scenario = load_scenario(path)
        changes = {k: v for k, v in overrides.items() if v is not None}
        if changes.get("focus") and "persons_per_agent" not in changes and \
                scenario.persons_per_agent == FOCUS_PERSONS_PER_AGENT:
            changes["persons_per_agent"] = DEFAULT_COARSE   # a focus needs a coarser rest
        if changes:
            scenario = parse_scenario({**scenario.model_dump(), **changes},
                                      f"{path} (with command-line options)")
        return scenario
    except ScenarioError as err:
        fail(str(err))
