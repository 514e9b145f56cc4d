"""What ``livskraft run`` prints after a run: the summary table by year, at a coarse scale
the noise guard's note on kommuner held by too few agents (``sim.output.noise``), and how
much of its kommune-run policies each kommune delivered (``sim.output.capacity``)."""

from __future__ import annotations

import numpy as np
from rich.table import Table

from sim.cli.common import console


def summary_table(result) -> Table:
    """The run by year: population and its flows (and the five largest cities' share)."""
    from sim.output.plots import summary_rows
    from sim.world.landscape import describe_area

    area, _ = describe_area(result.scenario.geography)
    table = Table(title=f"{result.scenario.name}: {area}, persons (row = 1 January stock and "
                        "that year's flows)")
    cols = ["year", "population", "births", "deaths", "immigration", "emigration",
            "internal_moves"]
    for c in cols:
        table.add_column(c.replace("_", " "), justify="right")
    rows = summary_rows(result)
    cities = any(row["five_cities_share"] == row["five_cities_share"] for row in rows)  # not NaN
    if cities:
        table.add_column("5 largest cities", justify="right")
    for row in rows:
        cells = [str(row["year"])] + [
            "" if row[c] is None or str(row[c]) == "<NA>" else f"{int(row[c]):,}"
            for c in cols[1:]]
        if cities:
            cells.append(f"{100 * row['five_cities_share']:.1f} %")
        table.add_row(*cells)
    return table


def noise_note(result) -> None:
    from sim.output.noise import EXACT, run_note
    from sim.world.scale import focus_area

    k = result.kommuner
    start = k[k["year"] == k["year"].min()]
    ppa = result.scenario.persons_per_agent
    exact = start["kommunenummer"].astype(str).isin(
        focus_area(result.scenario.geography, result.scenario.focus)).to_numpy()
    note = run_note(start["population"].to_numpy(), ppa, weight=np.where(exact, EXACT, ppa))
    if note:
        console.print(note, style="yellow", highlight=False)


def delivery_summary(result) -> list[str]:
    """Per kommune-run policy: the capacity its kommune ran at and the share delivered."""
    from sim.output.capacity import delivery_lines, delivery_rows

    if result.capacity is None:
        return []
    return delivery_lines(delivery_rows(result.scenario, [result.capacity]))
