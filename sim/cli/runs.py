"""``livskraft runs list|show|diff``: looking into the run store (``sim.output.store``)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from sim.cli.common import StoreOption, console, fail

runs_app = typer.Typer(add_completion=False, no_args_is_help=True,
                       help="The run store: list, show and compare earlier runs.")


def _store(store: Path | None):
    from sim.output.store import Store, store_root

    return Store(store_root(store))


def _seeds_label(seeds) -> str:
    seeds = list(seeds)
    if len(seeds) > 2 and seeds == list(range(seeds[0], seeds[0] + len(seeds))):
        return f"{seeds[0]}–{seeds[-1]}"
    return ",".join(map(str, seeds))


def _when(stamp) -> str:
    return "" if stamp is None or stamp != stamp else f"{stamp:%Y-%m-%d %H:%M:%S}"


@runs_app.command("list")
def runs_list(
    kind: Annotated[str | None, typer.Option(
        help="only this kind: run, compare, ensemble, sensitivity or dashboard")] = None,
    limit: Annotated[int, typer.Option(help="newest this many")] = 50,
    store: StoreOption = None,
) -> None:
    """List the runs in the store, newest first."""
    from sim.output.store import KINDS, StoreError

    if kind is not None and kind not in KINDS:
        fail(f"--kind must be one of {', '.join(KINDS)}, got {kind!r}")
    if limit < 1:
        fail(f"--limit must be at least 1 (the number of newest runs to list), got {limit}")
    st = _store(store)
    try:
        entries = st.entries(kind, limit)
    except StoreError as err:
        fail(str(err))
    table = Table(title=f"run store {st.root} ({len(entries)} shown)")
    for c in ("id", "kind", "scenario", "seeds", "created (UTC)", "status", "path"):
        table.add_column(c, overflow="fold", no_wrap=c not in ("scenario", "path"))
    for e in entries.itertuples():
        table.add_row(e.id, e.kind, e.scenario, _seeds_label(e.seeds), _when(e.created),
                      e.status, e.out_dir if e.status == "complete" and isinstance(
                          e.out_dir, str) else "")
    console.print(table)


@runs_app.command("show")
def runs_show(
    run_id: Annotated[str, typer.Argument(help="id (or its unique beginning)")],
    store: StoreOption = None,
) -> None:
    """Show a run's metadata and headline figures."""
    from sim.output.store import StoreError

    st = _store(store)
    try:
        e = st.entry(run_id)
    except StoreError as err:
        fail(str(err))
    table = Table(title=f"{e['kind']} {e['id']}: {e['scenario']}", show_header=False)
    table.add_column("", style="bold")
    table.add_column("")
    rows = {"status": e["status"], "seeds": _seeds_label(e["seeds"]),
            "persons per agent": e["persons_per_agent"],
            "years": f"{e['start_year']}–{e['end_year']}",
            "created (UTC)": _when(e["created"]), "finished (UTC)": _when(e["finished"]),
            "output folder": e["out_dir"],
            "stored data": (st.root / e["data"]) if e["data"] else "none",
            "tables": ", ".join(e["files"] or []), "version": e["version"],
            **e["headline"]}
    for key, value in rows.items():
        shown = f"{value:,}" if isinstance(value, int | float) and key != "version" else value
        table.add_row(key, escape(str(shown)))
    console.print(table)
    try:
        st.check_entry(e)
    except StoreError as err:
        fail(str(err))


@runs_app.command("diff")
def runs_diff(
    a: Annotated[str, typer.Argument(help="id of run A")],
    b: Annotated[str, typer.Argument(help="id of run B")],
    top: Annotated[int, typer.Option(help="kommuner to list")] = 10,
    store: StoreOption = None,
) -> None:
    """B minus A: population of the whole area and of the kommuner that changed most, in
    the last year both have."""
    from sim.experiments.store_entries import diff
    from sim.output.store import StoreError

    if top < 1:
        fail(f"--top must be at least 1 (the number of kommuner to list), got {top}")
    try:
        d = diff(_store(store), a, b, top)
    except StoreError as err:
        fail(str(err))
    n = d.national
    console.print(f"A = {d.a['kind']} {d.a['id']} ({d.a['scenario']}), B = {d.b['kind']} "
                  f"{d.b['id']} ({d.b['scenario']}); population on 1 January {d.year}",
                  highlight=False)
    console.print(f"whole area: A {n['a']:,.0f}, B {n['b']:,.0f}, B − A {n['diff']:+,.0f} "
                  f"persons ({n['percent']:+.2f} %)", highlight=False)
    table = Table(title=f"kommuner with the largest changes (B − A, persons, {d.year})")
    for c in ("kommune", "name", "A", "B", "B − A", "%"):
        table.add_column(c, justify="left" if c in ("kommune", "name") else "right")
    for r in d.kommuner.itertuples():
        table.add_row(r.area, r.name, f"{r.a:,.0f}", f"{r.b:,.0f}", f"{r.diff:+,.0f}",
                      f"{r.percent:+.2f}")
    console.print(table)
    if d.only_in_one:
        console.print(f"{d.only_in_one} kommuner are in only one of the two runs")


