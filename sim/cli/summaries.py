"""What ``livskraft run`` prints after a run: the national summary table and, at a coarse
scale, the noise guard's note on kommuner held by too few agents (``sim.output.noise``)."""

from __future__ import annotations

from rich.table import Table

from sim.cli.common import console


def summary_table(result) -> Table:
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
    from sim.output.noise import run_note

    k = result.kommuner
    note = run_note(k.loc[k["year"] == k["year"].min(), "population"].to_numpy(),
                    result.scenario.persons_per_agent)
    if note:
        console.print(note, style="yellow", highlight=False)
