"""The classroom's answer to its own question, "why do the young leave?", beside the villages'
chart: why people left the villages (moves out by reason, in plain words), who left and who
stayed (ages), and a short story log of the years so far ("2046: skolen i Nesøy legges ned /
the school in Nesøy closes"), all up to the year shown; and the pause / step controls a
teacher uses to stop at a year and talk.

The villages are the landscape's kommuner other than its largest (``logic.largest_cities``:
the city and the town). The reasons are the model's own record of each move
(``moves_by_reason``: the term of the choice that gained most, ``sim.processes.choice``); the
ages are those who moved out of the villages (``leavers_by_age``), the villages' people by
age group (``age_structure``) and the share of each age group that moved in a year, over
the whole landscape (``movers_by_age``). Medians are not needed: the classroom runs one
seed.
"""

from __future__ import annotations

import html

import pandas as pd
import solara

from dashboards import labels, logic

YOUNG = ("16-19", "20-24", "25-29")       # age groups (age_structure) called young adults


def villages(bundle: logic.Bundle) -> dict[str, str]:
    """kommunenummer -> name of the landscape's villages."""
    big = set(logic.largest_cities(bundle))
    t = bundle.table
    return {str(c): str(n) for c, n in zip(t["kommunenummer"], t["name"], strict=True)
            if str(c) not in big}


def story(bundle: logic.Bundle, year: int) -> list[str]:
    """Lines of the story up to ``year``: each school that closes (its village's last one, or
    one of several) and each village that has lost a fifth, then a third of its people."""
    ind = bundle.results[0].indicators
    names = dict(zip(bundle.table["kommunenummer"].astype(str), bundle.table["name"],
                     strict=True))
    small = villages(bundle)
    lines: list[tuple[int, str]] = []
    for code, df in ind.groupby(ind["kommunenummer"].astype(str)):
        df = df.sort_values("year")
        schools = df["schools"].to_numpy()
        years = df["year"].to_numpy()
        for i in range(1, len(df)):
            if years[i] > year or schools[i] >= schools[i - 1]:
                continue
            if schools[i] == 0:
                text = (f"skolen i {names[code]} legges ned / the school in {names[code]} "
                        "closes")
            else:
                text = (f"{names[code]}: {schools[i - 1]} → {schools[i]} skoler / schools")
            lines.append((int(years[i]), text))
    pop = bundle.results[0].kommuner
    for code, df in pop.groupby(pop["kommunenummer"].astype(str)):
        if code not in small:
            continue
        df = df.sort_values("year")
        first = float(df["population"].iloc[0])
        for share, words in ((0.8, "en femdel / a fifth"), (2 / 3, "en tredel / a third")):
            below = df[(df["population"] < share * first) & (df["year"] <= year)]
            if len(below):
                lines.append((int(below["year"].iloc[0]),
                              f"{names[code]} har mistet {words.split(' / ')[0]} av folket / "
                              f"has lost {words.split(' / ')[1]} of its people"))
    return [f"{y}: {t}" for y, t in sorted(lines)]


def reasons_left(bundle: logic.Bundle, year: int) -> pd.DataFrame:
    """Moves out of the villages up to ``year``, by reason: reason, persons, share (most
    first)."""
    m = bundle.results[0].moves_by_reason
    out = m[(m["direction"] == "out") & m["kommunenummer"].astype(str).isin(villages(bundle))
            & (m["year"] < year)]
    by = out.groupby("reason")["persons"].sum().sort_values(ascending=False)
    total = max(float(by.sum()), 1.0)
    return pd.DataFrame({"reason": by.index, "persons": by.to_numpy(),
                         "share": by.to_numpy() / total})


def ages(bundle: logic.Bundle, year: int) -> pd.DataFrame:
    """The villages' people by age group at the start and in ``year``: age_group, start,
    now."""
    a = bundle.results[0].age_structure
    a = a[a["kommunenummer"].astype(str).isin(villages(bundle))]
    first = int(a["year"].min())
    now = year if year in set(a["year"]) else int(a["year"].max())
    table = a[a["year"].isin([first, now])].pivot_table(
        index="age_group", columns="year", values="persons", aggfunc="sum", sort=False)
    return pd.DataFrame({"age_group": table.index, "start": table[first].to_numpy(),
                         "now": table[now].to_numpy()})


def leavers(bundle: logic.Bundle, year: int) -> pd.DataFrame | None:
    """Who moved out of the villages up to ``year``, by age group (ages on 1 January of the
    year they left): age_group, persons, share; None for a run without the table."""
    m = bundle.results[0].leavers_by_age
    if m is None:
        return None
    out = m[m["kommunenummer"].astype(str).isin(villages(bundle)) & (m["year"] < year)]
    by = out.groupby("age_group", sort=False)["persons"].sum()
    by = by.reindex(sorted(by.index, key=lambda g: int(g.split("-")[0].rstrip("+"))))
    total = max(float(by.sum()), 1.0)
    return pd.DataFrame({"age_group": by.index, "persons": by.to_numpy(),
                         "share": by.to_numpy() / total})


def movers(bundle: logic.Bundle, year: int) -> pd.DataFrame:
    """The share of each age group that moved, over the years up to ``year`` (whole
    landscape): age_group, percent a year."""
    m = bundle.results[0].movers_by_age
    m = m[m["year"] < year] if (m["year"] < year).any() else m
    g = m.groupby("age_group", sort=False)[["movers", "population"]].sum()
    return pd.DataFrame({"age_group": g.index,
                         "percent": 100 * g["movers"] / g["population"].clip(lower=1)})


def _table(head: list[str], rows: list[list[str]], cls: str) -> str:
    cells = "".join(f"<th>{html.escape(h)}</th>" for h in head)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in r) + "</tr>"
                   for r in rows)
    return f'<table class="{cls}"><tr>{cells}</tr>{body}</table>'


STYLE = ("<style>.lk-story table{border-collapse:collapse;margin:4px 0 12px}"
         ".lk-story td,.lk-story th{padding:2px 10px;text-align:left;font-size:0.8em}"
         ".lk-story th{border-bottom:1px solid #888}</style>")


def story_html(bundle: logic.Bundle, year: int) -> str:
    """The classroom's answer up to ``year`` as HTML: reasons, ages, story log."""
    why = reasons_left(bundle, year)
    rows = [[labels.reason(r), labels.REASONS.get(r, ("", "", ""))[2], f"{p:,.0f}",
             f"{100 * s:.0f} %"] for r, p, s in why.itertuples(index=False)]
    parts = ["<h3>Hvorfor de flyttet fra landsbyene / why they left the villages</h3>",
             _table(["grunn / reason", "hva det betyr / what it means", "personer / persons",
                     "andel / share"], rows, "lk-reasons")]
    age = ages(bundle, year)
    young = age[age["age_group"].isin(YOUNG)]
    parts.append("<h3>Hvem ble igjen / who stayed: landsbyenes folk etter alder / the "
                 "villages' people by age</h3>")
    parts.append(_table(["alder / age", "ved start / at the start", f"i / in {year}"],
                        [[g, f"{s:,.0f}", f"{n:,.0f}"] for g, s, n in
                         age.itertuples(index=False)], "lk-ages"))
    if len(young):
        parts.append(f"<p>Unge voksne (16–29) / young adults: {young['start'].sum():,.0f} → "
                     f"{young['now'].sum():,.0f}</p>")
    gone = leavers(bundle, year)
    if gone is not None:
        parts.append("<h3>Hvem dro / who left: de som flyttet fra landsbyene, etter alder / "
                     "those who moved out of the villages, by age</h3>")
        parts.append(_table(["alder / age", "personer / persons", "andel / share"],
                            [[g, f"{p:,.0f}", f"{100 * s:.0f} %"]
                             for g, p, s in gone.itertuples(index=False)], "lk-leavers"))
    mov = movers(bundle, year)
    parts.append("<h3>Hvem flyttet / who moved: andel av aldersgruppen som flyttet per år "
                 "(hele landskapet) / share of the age group moving a year (whole "
                 "landscape)</h3>")
    parts.append(_table(["alder / age", "% per år / a year"],
                        [[g, f"{p:.1f}"] for g, p in mov.itertuples(index=False)],
                        "lk-movers"))
    lines = story(bundle, year) or ["–"]
    parts.append("<h3>Fortellingen så langt / the story so far</h3>")
    parts.append("<ul class='lk-story-log'>" + "".join(
        f"<li>{html.escape(t)}</li>" for t in lines) + "</ul>")
    return STYLE + "".join(parts)


@solara.component
def Story(bundle, year: int):
    page = solara.use_memo(lambda: story_html(bundle, year), [bundle, year])
    solara.HTML(tag="div", unsafe_innerHTML=page, classes=["lk-story"])


@solara.component
def Controls(frame, paused, years: list[int]):
    """Pause / continue and a year back or forward: a teacher stops at a year and talks."""
    year = frame.value if frame.value in years else years[-1]
    i = years.index(year)

    def step(by: int) -> None:
        paused.set(True)
        frame.set(years[min(max(i + by, 0), len(years) - 1)])

    with solara.Row(classes=["lk-classroom-controls"]):
        solara.Button("◀ Forrige år / previous year", on_click=lambda: step(-1),
                      disabled=i == 0, classes=["lk-step-back"])
        if paused.value:
            solara.Button("▶ Fortsett / continue", on_click=lambda: paused.set(False),
                          classes=["lk-resume"])
        else:
            solara.Button("⏸ Pause", on_click=lambda: paused.set(True), classes=["lk-pause"])
        solara.Button("Neste år / next year ▶", on_click=lambda: step(1),
                      disabled=i == len(years) - 1, classes=["lk-step"])
