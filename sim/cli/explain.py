"""``livskraft explain``: the bygdekalkulator. For a household the user describes (or one the
run simulated, ``--from``), in a scenario and year, the kommuner ranked by the model's own
choice, each line of the utility in NOK a year, the policies in force as their own lines, and
the chance of choosing each (``sim.experiments.explain``); ``--against`` shows the same
household in another scenario (the baseline). Labels are Norwegian / English."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from sim.cli.common import console, fail, load
from sim.cli.guards import SeedOption


def _ints(text: str | None, name: str) -> list[int]:
    if not text:
        return []
    try:
        return [int(x) for x in text.replace(" ", "").split(",") if x]
    except ValueError:
        fail(f"--{name}: whole years separated by commas (e.g. 34,32), got {text!r}")


def _ties(text: str | None) -> dict[str, int]:
    out: dict[str, int] = {}
    for part in (text or "").replace(" ", "").split(","):
        if not part:
            continue
        code, _, n = part.partition(":")
        if not n.isdigit():
            fail(f"--ties: kommune:persons separated by commas (e.g. 5001:10,5014:3), "
                 f"got {part!r}")
        out[code] = out.get(code, 0) + int(n)
    return out


def _nok(x: float) -> str:
    return "0" if abs(x) < 0.5 else f"{x:+,.0f}".replace(",", " ")


def _times(x: float) -> str:
    return f"{x:,.0f}".replace(",", " ") if x >= 10 else f"{x:.1f}"


def _knok(x: float) -> str:
    """Thousands of NOK."""
    return _nok(x / 1000.0)


def _ranking(e, grouped, top: int, show: list[str]) -> Table:
    from sim.experiments.explain import GROUPS

    t = Table(title=f"{e.scenario}, {e.year}: kommunene rangert etter modellens valg / the "
                    "kommuner ranked by the model's choice (1000 NOK a year, one home there "
                    "against staying; * lives here)")
    t.add_column("#", justify="right")
    t.add_column("Kommune", no_wrap=True)
    for col in ("Sjanse / chance", "Boliger / homes (×)", "Alt i alt / all told"):
        t.add_column(col, justify="right")
    for no, en, _ in GROUPS.values():
        t.add_column(f"{no} / {en}", justify="right")
    keep = set(grouped.index[:top]) | set(grouped.index[grouped["kommunenummer"].isin(
        [*show, e.household.lives_in])])
    for i, row in grouped.iterrows():
        if i not in keep:
            continue
        here = " (bor her / lives here)" if row.kommunenummer == e.household.lives_in else ""
        here = here and "*"
        t.add_row(str(i + 1), f"{row['name']} {row.kommunenummer}{here}",
                  f"{row.probability:.1%}", _times(row.homes), _knok(row.nok),
                  *(_knok(row[f"nok:{k}"]) for k in GROUPS))
    return t


def _detail(e, codes: list[str]) -> Table:
    rows = e.table.set_index("kommunenummer")
    t = Table(title="Linje for linje / line by line (NOK a year against staying; utility)")
    t.add_column("Linje / line")
    for code in codes:
        t.add_column(f"{rows.loc[code, 'name']} {code}", justify="right")
    for key, (no, en) in e.lines.items():
        t.add_row(f"{no} / {en}", *(f"{_nok(rows.loc[c, f'nok:{key}'])} "
                                    f"({rows.loc[c, f'u:{key}']:+.2f})" for c in codes))
    t.add_row("[bold]Alt i alt / all told[/]", *(f"[bold]{_nok(rows.loc[c, 'nok'])}[/]"
                                                  for c in codes))
    t.add_row("Kan kjøpe bolig / can buy", *("ja / yes" if rows.loc[c, "can_buy"]
                                             else "nei / no" for c in codes))
    t.add_row("Beholder jobben / keeps the job", *("ja / yes" if rows.loc[c, "keeps_job"]
                                                   else "nei / no" for c in codes))
    t.add_row("Startlån i fjor / startlån last year (persons)",
              *(f"{rows.loc[c, 'startlan_loans']:,.0f}" for c in codes))
    t.add_row("Startlån: eie i stedet for å leie / owning instead of renting",
              *(_nok(rows.loc[c, "startlan_nok"]) for c in codes))
    return t


def _household(adults, children, employed, sector, income, owner, equity, lives_in,
               grew_up_in, immigrant, ties, sexes="both"):
    from pydantic import ValidationError

    from sim.experiments.explain import Household

    given = {"adults": _ints(adults, "adults"), "children": _ints(children, "children"),
             "ties": _ties(ties)}
    if not lives_in:
        fail("--lives-in: the kommune the household lives in (e.g. 5001), or --from to "
             "explain a household of the run")
    try:
        return Household(**given, employed=employed, sector=sector, income_nok=income,
                         owner=owner, equity_nok=equity, lives_in=lives_in,
                         grew_up_in=grew_up_in, immigrant=immigrant, sexes=sexes)
    except ValidationError as err:
        first = err.errors()[0]
        fail(f"{_option(str(first['loc'][0]))}: {first['msg']}")


OPTIONS = {"income_nok": "--income", "equity_nok": "--equity", "from": "--from"}


def _option(field: str) -> str:
    """The command-line option of a household field (``lives_in`` → ``--lives-in``)."""
    return OPTIONS.get(field, "--" + field.replace("_", "-"))


def _message(err: Exception) -> str:
    """An ExplainError's message ("field: …") with the field as its option."""
    field, sep, rest = str(err).partition(": ")
    return f"{_option(field)}: {rest}" if sep and " " not in field else str(err)


def _write_csv(e, path: Path) -> None:
    """The whole table, written whole (a temporary file renamed); an existing file is
    replaced only if an earlier explain wrote it."""
    header = "kommunenummer,name,probability"
    if path.is_dir() or (path.exists() and not path.read_text(errors="replace")
                         .startswith(header)):
        fail(f"--csv {path}: exists and is not an explain table; choose another name")
    tmp = path.with_name(f".{path.name}.tmp")
    e.table.to_csv(tmp, index=False)
    tmp.replace(path)


def explain(
    scenario: Annotated[Path, typer.Argument(help="scenario YAML file")],
    year: Annotated[int | None, typer.Option(
        help="the year of the choice (default: five years after the start)")] = None,
    adults: Annotated[str, typer.Option(help="adults' ages, the deciding adult first")
                      ] = "35",
    children: Annotated[str | None, typer.Option(help="children's ages, e.g. 3,6")] = None,
    employed: Annotated[bool, typer.Option(help="the deciding adult has a job")] = True,
    sector: Annotated[str | None, typer.Option(help="the deciding adult's sector")] = None,
    income: Annotated[float | None, typer.Option(
        help="household gross income, NOK a year (default: the local wage per adult)")
                      ] = None,
    owner: Annotated[bool, typer.Option("--owner/--renter", help="owns or rents")] = False,
    equity: Annotated[float | None, typer.Option(help="equity for a home, NOK")] = None,
    lives_in: Annotated[str | None, typer.Option(help="kommunenummer where it lives")] = None,
    grew_up_in: Annotated[str | None, typer.Option(
        help="kommunenummer the deciding adult grew up in")] = None,
    immigrant: Annotated[bool, typer.Option(help="the deciding adult immigrated")] = False,
    sexes: Annotated[str, typer.Option(help="whose preferences: both, women, men")] = "both",
    ties: Annotated[str | None, typer.Option(
        help="family and friends by kommune, e.g. 5001:10,5014:3")] = None,
    from_: Annotated[str | None, typer.Option(
        "--from", help="explain a household of the run that considered a move from this "
                       "kommune in the year, as it saw it (instead of describing one)")] = None,
    stayed: Annotated[bool, typer.Option(
        help="with --from: one that stayed (default: one that moved out)")] = False,
    pick: Annotated[int, typer.Option(help="with --from: the n-th such household", min=1)
                    ] = 1,
    against: Annotated[Path | None, typer.Option(
        help="another scenario (e.g. scenarios/baseline.yaml): the same household there")
                       ] = None,
    show: Annotated[str | None, typer.Option(help="kommuner to show besides the top ones")
                    ] = None,
    top: Annotated[int, typer.Option(help="kommuner to rank", min=1)] = 10,
    csv: Annotated[Path | None, typer.Option(help="write the whole table here")] = None,
    seed: SeedOption = None,
    persons_per_agent: Annotated[int | None, typer.Option(
        help="override persons per agent (e.g. 10 for a quicker answer)")] = None,
) -> None:
    """The bygdekalkulator: what a household weighs when it compares kommuner."""
    from sim.experiments import explain as ex

    spec = load(scenario, seed=seed, persons_per_agent=persons_per_agent)
    year = spec.start_year + min(5, spec.end_year - spec.start_year - 1) if year is None \
        else year
    h = None if from_ else _household(adults, children, employed, sector, income, owner,
                                      equity, lives_in, grew_up_in, immigrant, ties, sexes)
    try:
        e = _explained(ex, spec, year, h, from_, stayed, pick)
        base = None
        if against is not None:
            other = load(against, seed=spec.seed, persons_per_agent=spec.persons_per_agent)
            base = ex.explain_model(ex.run_to(other, year), e.household, scenario=other.name)
    except ex.ExplainError as err:
        fail(_message(err))
    _print(ex, e, base, top, [c for c in (show or "").replace(" ", "").split(",") if c])
    if csv is not None:
        _write_csv(e, csv)
        console.print(f"the whole table: {csv}")



def _explained(ex, spec, year: int, h, from_: str | None, stayed: bool, pick: int):
    """The household's explanation: the one described, or the ``pick``-th of the run's
    households that considered a move from ``from_`` in ``year`` (moved out, or stayed)."""
    with console.status(f"simulating {spec.name} to {year} …"):
        model = ex.run_to(spec, year, watch=from_)
    if from_ is None:
        return ex.explain_model(model, h, scenario=spec.name)
    d = model.decisions
    moved = d.destination != d.origin
    which = [i for i in range(len(d.pid)) if moved[i] != stayed]
    if len(which) < pick:
        raise ex.ExplainError(f"from: {len(which)} households "
                              f"{'stayed in' if stayed else 'moved out of'} {from_} in "
                              f"{year} in this run; --pick {pick} asks for more")
    i = which[pick - 1]
    h, student, chose = ex.household_of(model, i)
    e = ex.explain_model(model, h, student=student, scenario=spec.name)
    e.chose = chose
    e.notes.insert(0, f"Husholdning {int(d.pid[i])} i kjøringen / household {int(d.pid[i])} "
                      f"of the run ({'as a student' if student else 'not a student'})")
    return e


def _describe(h) -> str:
    kids = f", barn / children {', '.join(map(str, h.children))}" if h.children else ""
    tenure = "eier / owner" if h.owner else "leier / renter"
    work = "i arbeid / employed" if h.employed else "uten arbeid / without work"
    return (f"voksne / adults {', '.join(map(str, h.adults))}{kids}; {tenure}; {work}; "
            f"bor i / lives in {h.lives_in}"
            + (f"; vokste opp i / grew up in {h.grew_up_in}" if h.grew_up_in else "")
            + ("; innvandret / immigrated" if h.immigrant else "")
            + {"women": "; kvinner / women", "men": "; menn / men"}.get(h.sexes, "")
            + ("; familie og venner / family and friends "
               + ", ".join(f"{k}: {n}" for k, n in h.ties.items()) if h.ties else ""))


def _print(ex, e, base, top: int, show: list[str]) -> None:
    g = ex.grouped(e)
    missing = [c for c in show if c not in set(g["kommunenummer"])]
    if missing:
        fail(f"--show: no kommune {missing[0]!r} in this scenario's area")
    console.print(f"[bold]Husholdning / household[/]: {_describe(e.household)}; "
                  f"inntekt / income NOK {e.income_nok:,.0f}".replace(",", " "))
    console.print(_ranking(e, g, top, show))
    others = [c for c in g["kommunenummer"] if c != e.household.lives_in]
    codes = list(dict.fromkeys([*show, *([e.chose] if e.chose else []), others[0],
                                e.household.lives_in]))[:4]
    console.print(_detail(e, codes))
    if e.chose:
        console.print(f"[bold]Valgte / chose[/]: {e.chose}")
    for note in e.notes:
        console.print(f"• {note}")
    if base is not None:
        console.print(_against(e, base, codes))


def _against(e, base, codes: list[str]) -> Table:
    """The same household in the other scenario: rank, chance, housing, policies and
    startlån of the shown kommuner, there → here."""
    gs, gb = ex_grouped(e), ex_grouped(base)
    rank_s = {c: i + 1 for i, c in enumerate(e.table["kommunenummer"])}
    rank_b = {c: i + 1 for i, c in enumerate(base.table["kommunenummer"])}
    ts, tb = e.table.set_index("kommunenummer"), base.table.set_index("kommunenummer")
    t = Table(title=f"Samme husholdning / the same household: {base.scenario} → {e.scenario}, "
                    f"{e.year} (NOK a year)")
    t.add_column("Kommune", no_wrap=True)
    for col in ("Rang / rank", "Sjanse / chance", "Bolig / housing", "Tiltak / policies",
                "Startlån"):
        t.add_column(col, justify="right")
    for c in codes:
        t.add_row(f"{ts.loc[c, 'name']} {c}", f"{rank_b[c]} → {rank_s[c]}",
                  f"{tb.loc[c, 'probability']:.1%} → {ts.loc[c, 'probability']:.1%}",
                  f"{_nok(gb.loc[c, 'nok:housing'])} → {_nok(gs.loc[c, 'nok:housing'])}",
                  f"{_nok(gb.loc[c, 'nok:policies'])} → {_nok(gs.loc[c, 'nok:policies'])}",
                  f"{_nok(tb.loc[c, 'startlan_nok'])} → {_nok(ts.loc[c, 'startlan_nok'])}")
    return t


def ex_grouped(e):
    from sim.experiments.explain import grouped

    return grouped(e).set_index("kommunenummer")
