"""The dashboard's bygdekalkulator tab: a household described in a form (or one the model
simulated, "a family that moved out of …"), and the kommuner ranked by the model's own choice
with each line in NOK a year (``sim.experiments.explain``) under the scenario the start page
describes (its policies included).

Every value the browser sends is checked here: texts of at most ``logic.MAX_TEXT_CHARS``,
ages and amounts as numbers in range, kommuner of the scenario's area (by number or name); a
wrong one gets one plain message naming the field and changes nothing. The model run to the
chosen year is kept for the next household (one per session), so trying households is quick.
"""

from __future__ import annotations

import html
import threading
from dataclasses import dataclass

import solara
import solara.lab

from dashboards import logic
from sim.experiments import explain as ex

TOP = 10                 # kommuner in the ranking
_cache_lock = threading.Lock()


@dataclass(frozen=True)
class Form:
    """The calculator's fields as the browser sends them (texts and switches)."""

    adults: str = "34, 32"
    children: str = "3, 6"
    employed: bool = True
    owner: bool = False
    income: str = ""
    equity: str = ""
    lives_in: str = ""
    grew_up_in: str = ""
    ties: str = ""
    immigrant: bool = False
    year: str = ""


class FormError(ValueError):
    """A field the calculator cannot use; the message names it."""


def _text(value, name: str) -> str:
    if not isinstance(value, str) or len(value) > logic.MAX_TEXT_CHARS:
        raise FormError(f"{name}: at most {logic.MAX_TEXT_CHARS} characters")
    return value.strip()


def _ages(value, name: str) -> list[int]:
    text = _text(value, name)
    try:
        return [int(x) for x in text.replace(" ", "").split(",") if x]
    except ValueError:
        raise FormError(f"{name}: hele år skilt med komma / whole years separated by commas "
                        f"(e.g. 34, 32), got {text[:logic.SHOWN_CHARS]!r}") from None


def _amount(value, name: str) -> float | None:
    text = _text(value, name).replace(" ", "")
    if not text:
        return None
    try:
        number = float(text)
    except ValueError:
        raise FormError(f"{name}: kroner / NOK as a number, got "
                        f"{text[:logic.SHOWN_CHARS]!r}") from None
    if not 0 <= number <= 1e9:
        raise FormError(f"{name}: 0 to 1 000 000 000 NOK, got {text[:logic.SHOWN_CHARS]}")
    return number


def _kommune(value, name: str, options: dict[str, str], required: bool) -> str | None:
    text = _text(value, name)
    if not text:
        if required:
            raise FormError(f"{name}: velg en kommune / choose a kommune")
        return None
    code, candidates = logic.find_kommune(text, options)
    if code is None:
        raise FormError(f"{name}: ingen kommune / no kommune {text[:logic.SHOWN_CHARS]!r}"
                        + (f" (mente du / did you mean {', '.join(candidates[:3])})"
                           if candidates else ""))
    return code


def _ties(value, options: dict[str, str]) -> dict[str, int]:
    out: dict[str, int] = {}
    for part in _text(value, "ties").split(","):
        if not part.strip():
            continue
        where, _, n = part.rpartition(":")
        if not n.strip().isdigit() or not where.strip():
            raise FormError("familie og venner / family and friends: kommune:antall / "
                            f"kommune:persons (e.g. Elvby:3), got {part.strip()[:40]!r}")
        code = _kommune(where, "family and friends", options, required=True)
        out[code] = out.get(code, 0) + int(n)
    return out


def household(form: Form, options: dict[str, str]) -> ex.Household:
    """The household the form describes (FormError naming the field if it cannot be)."""
    from pydantic import ValidationError

    try:
        return ex.Household(
            adults=_ages(form.adults, "voksne / adults"),
            children=_ages(form.children, "barn / children"),
            employed=bool(form.employed), owner=bool(form.owner),
            income_nok=_amount(form.income, "inntekt / income"),
            equity_nok=_amount(form.equity, "egenkapital / equity"),
            lives_in=_kommune(form.lives_in, "bor i / lives in", options, required=True),
            grew_up_in=_kommune(form.grew_up_in, "vokste opp i / grew up in", options,
                                required=False),
            immigrant=bool(form.immigrant), ties=_ties(form.ties, options))
    except ValidationError as err:
        first = err.errors()[0]
        raise FormError(f"{first['loc'][0]}: {first['msg']}") from None


def year_of(form: Form, spec) -> int:
    text = _text(form.year, "år / year")
    if not text:
        return spec.start_year + min(5, spec.end_year - spec.start_year - 1)
    if not text.isdigit():
        raise FormError(f"år / year: a year, got {text[:logic.SHOWN_CHARS]!r}")
    return int(text)


# ----- computing ------------------------------------------------------------------------------
def model_for(cache: dict, spec, year: int, watch: str | None = None):
    """The scenario's model after ``year`` (kept in ``cache``, one per session: trying
    another household in the same scenario and year needs no new run)."""
    key = (spec.model_dump_json(), year, watch)
    with _cache_lock:
        if key not in cache:
            cache.clear()
            cache[key] = ex.run_to(spec, year, watch=watch)
        return cache[key]


def explain_form(cache: dict, spec, form: Form) -> ex.Explanation:
    """The described household's choice under ``spec`` in the form's year."""
    options = logic.kommune_options(spec)
    h = household(form, options)
    model = model_for(cache, spec, year_of(form, spec))
    return ex.explain_model(model, h, scenario=spec.name)


def explain_leaver(cache: dict, spec, form: Form) -> ex.Explanation:
    """A household of the run that moved out of the form's kommune in the form's year, as it
    saw its choice (the first such; FormError if none did)."""
    options = logic.kommune_options(spec)
    code = _kommune(form.lives_in, "bor i / lives in", options, required=True)
    year = year_of(form, spec)
    model = model_for(cache, spec, year, watch=code)
    d = model.decisions
    left = [i for i in range(len(d.pid)) if d.destination[i] != d.origin[i]]
    if not left:
        raise FormError(f"ingen husholdning flyttet fra / no household moved out of {code} in "
                        f"{year} in this run; try another year")
    h, student, chose = ex.household_of(model, left[0])
    e = ex.explain_model(model, h, student=student, scenario=spec.name)
    e.chose = chose
    return e


# ----- drawing --------------------------------------------------------------------------------
def _nok(x: float) -> str:
    return "0" if abs(x) < 0.5 else f"{x:+,.0f}".replace(",", " ")


def _times(x: float) -> str:
    return f"{x:,.0f}".replace(",", " ") if x >= 10 else f"{x:.1f}"


def ranking_html(e: ex.Explanation, top: int = TOP) -> str:
    """The ranking (chance, homes, all told and each group in NOK a year) as an HTML table."""
    g = ex.grouped(e)
    head = "".join(f"<th>{html.escape(no)} / {html.escape(en)}</th>"
                   for no, en, _ in ex.GROUPS.values())
    rows = []
    for i, r in g.iterrows():
        if i >= top and r.kommunenummer != e.household.lives_in:
            continue
        mark = " ★" if r.kommunenummer == e.household.lives_in else ""
        chose = " ✔" if r.kommunenummer == e.chose else ""
        cells = "".join(f"<td>{_nok(r[f'nok:{k}'])}</td>" for k in ex.GROUPS)
        rows.append(f"<tr><td>{i + 1}</td><td>{html.escape(str(r['name']))} "
                    f"{html.escape(r.kommunenummer)}{mark}{chose}</td>"
                    f"<td>{r.probability:.1%}</td><td>{_times(r.homes)}</td>"
                    f"<td><b>{_nok(r.nok)}</b></td>{cells}</tr>")
    return ("<table class='lk-calc-table'><tr><th>#</th><th>Kommune</th>"
            "<th>Sjanse / chance</th><th>Boliger / homes ×</th><th>Alt i alt / all told</th>"
            f"{head}</tr>{''.join(rows)}</table>"
            "<p>NOK i året for én bolig der mot å bli boende / NOK a year for one home there "
            "against staying. ★ bor her / lives here; ✔ valgte / chose.</p>")


def detail_html(e: ex.Explanation, codes: list[str]) -> str:
    """Every line for the given kommuner, in NOK a year, and the facts."""
    t = e.table.set_index("kommunenummer")
    head = "".join(f"<th>{html.escape(str(t.loc[c, 'name']))} {html.escape(c)}</th>"
                   for c in codes)
    rows = [f"<tr><td>{html.escape(no)} / {html.escape(en)}</td>"
            + "".join(f"<td>{_nok(t.loc[c, f'nok:{key}'])}</td>" for c in codes) + "</tr>"
            for key, (no, en) in e.lines.items()]
    rows.append("<tr><td><b>Alt i alt / all told</b></td>"
                + "".join(f"<td><b>{_nok(t.loc[c, 'nok'])}</b></td>" for c in codes) + "</tr>")
    rows.append("<tr><td>Startlån: eie i stedet for å leie / owning instead of renting</td>"
                + "".join(f"<td>{_nok(t.loc[c, 'startlan_nok'])}</td>" for c in codes)
                + "</tr>")
    notes = "".join(f"<li>{html.escape(n)}</li>" for n in e.notes)
    return (f"<table class='lk-calc-table'><tr><th>Linje / line</th>{head}</tr>"
            f"{''.join(rows)}</table><ul>{notes}</ul>")


def shown_codes(e: ex.Explanation) -> list[str]:
    """The kommuner of the line-by-line table: the choice (or the top one elsewhere) and
    home."""
    others = [c for c in e.table["kommunenummer"] if c != e.household.lives_in]
    first = e.chose if e.chose and e.chose != e.household.lives_in else others[0]
    return [first, e.household.lives_in]


STYLE = (".lk-calc-table{border-collapse:collapse;font-size:0.9em}"
         ".lk-calc-table td,.lk-calc-table th{border-bottom:1px solid #ddd;padding:2px 6px;"
         "text-align:right}.lk-calc-ranking td:nth-child(2),"
         ".lk-calc-detail td:first-child{text-align:left}")


# ----- the tab --------------------------------------------------------------------------------
@solara.component
def CalculatorView(make_spec, default_kommune: str | None):
    """The form, the two buttons and the answer. ``make_spec()`` builds the start page's
    scenario (ScenarioError if its settings are wrong)."""
    form = solara.use_reactive(Form(lives_in=default_kommune or ""))
    answer, error = solara.use_reactive(None), solara.use_reactive(None)
    cache = solara.use_memo(dict, [])

    def compute(leaver: bool) -> None:
        error.set(None)
        try:
            spec = make_spec()
            answer.set((explain_leaver if leaver else explain_form)(cache, spec, form.value))
        except (FormError, ex.ExplainError) as err:
            error.set(str(err))
        except Exception as err:           # a user error's message, else the plain one
            error.set(logic.failure_message(err, "the calculator"))

    task = solara.lab.use_task(compute, dependencies=None)
    _Fields(form)
    with solara.Row():
        solara.Button("Regn ut / calculate", on_click=lambda: task(False), color="primary",
                      disabled=task.pending, classes=["lk-calc-run"])
        solara.Button("En familie som flyttet herfra / a family that moved out",
                      on_click=lambda: task(True), disabled=task.pending,
                      classes=["lk-calc-leaver"])
    if task.pending:
        solara.Text("Regner / computing …", classes=["lk-calc-status"])
    if error.value:
        solara.Error(error.value, classes=["lk-calc-error"])
    elif answer.value is not None and not task.pending:
        _Answer(answer.value)


@solara.component
def _Fields(form: solara.Reactive):
    f = form.value

    def set_(name: str):
        # the form as it is when the value arrives, not as it was drawn: two fields edited
        # before the page redraws must not undo each other
        return lambda value: form.set(Form(**{**form.value.__dict__, name: value}))

    with solara.Row():
        for name, label in (("adults", "Voksne, alder / adults, ages"),
                            ("children", "Barn, alder / children, ages"),
                            ("lives_in", "Bor i / lives in"),
                            ("grew_up_in", "Vokste opp i / grew up in")):
            solara.InputText(label, value=getattr(f, name), on_value=set_(name),
                             continuous_update=True, classes=[f"lk-calc-{name}"])
    with solara.Row():
        for name, label in (("ties", "Familie og venner / family and friends (Elvby:3, …)"),
                            ("income", "Inntekt / income (NOK a year)"),
                            ("equity", "Egenkapital / equity (NOK)"), ("year", "År / year")):
            solara.InputText(label, value=getattr(f, name), on_value=set_(name),
                             continuous_update=True, classes=[f"lk-calc-{name}"])
    with solara.Row():
        for name, label in (("employed", "I arbeid / employed"), ("owner", "Eier / owner"),
                            ("immigrant", "Innvandret / immigrated")):
            solara.Checkbox(label=label, value=getattr(f, name), on_value=set_(name))


@solara.component
def _Answer(e: ex.Explanation):
    with solara.Column(classes=["lk-calc-result"]):
        solara.Markdown(f"**{html.escape(e.scenario)}, {e.year}** — inntekt / income NOK "
                        f"{e.income_nok:,.0f}".replace(",", " "))
        solara.HTML(tag="div", unsafe_innerHTML=f"<style>{STYLE}</style>" + ranking_html(e),
                    classes=["lk-calc-ranking"])
        solara.HTML(tag="div", unsafe_innerHTML=f"<style>{STYLE}</style>"
                    + detail_html(e, shown_codes(e)),
                    classes=["lk-calc-detail"])
