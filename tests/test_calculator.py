"""The dashboard's bygdekalkulator without a browser: the form becomes the household the user
meant (kommuner by name or number), a wrong field is refused naming it, and the answer is the
calculator's (``sim.experiments.explain``) for the start page's scenario."""

from __future__ import annotations

import pytest

from dashboards import calculator as calc
from dashboards import logic


@pytest.fixture(scope="module")
def spec():
    return logic.build_scenario(logic.Settings(scenario=logic.CLASSROOM,
                                               persons_per_agent="5"))


def test_the_form_is_the_household_meant(spec):
    options = logic.kommune_options(spec)
    h = calc.household(calc.Form(adults="34, 32", children="3,6", lives_in="Fjellset",
                                 grew_up_in="K02", ties="Elvby:3, K04:2", income="900 000"),
                       options)
    assert h.adults == [34, 32] and h.children == [3, 6] and h.lives_in == "K04"
    assert h.grew_up_in == "K02" and h.ties == {"K01": 3, "K04": 2}
    assert h.income_nok == 900_000 and h.equity_nok is None


@pytest.mark.parametrize("change, field", [
    ({"adults": "x"}, "adults"), ({"children": "3;6"}, "children"),
    ({"lives_in": ""}, "lives in"), ({"lives_in": "Atlantis"}, "lives in"),
    ({"ties": "Elvby"}, "family and friends"), ({"income": "-5"}, "income"),
    ({"equity": "lots"}, "equity"), ({"adults": "7" * 100}, "adults"),
    ({"adults": "12"}, "adults"), ({"year": "soon"}, "year"), ({"lives_in": 5}, "lives in")])
def test_a_wrong_field_is_refused_naming_it(spec, change, field):
    form = calc.Form(**{"lives_in": "Fjellset", **change})
    with pytest.raises((calc.FormError, calc.ex.ExplainError), match=field.split()[0]):
        calc.explain_form({}, spec, form)


def test_the_answer_ranks_the_kommuner_and_shows_every_line(spec):
    cache: dict = {}
    e = calc.explain_form(cache, spec, calc.Form(lives_in="Fjellset", ties="Elvby:3"))
    assert abs(e.table["probability"].sum() - 1) < 1e-9
    page = calc.ranking_html(e) + calc.detail_html(e, calc.shown_codes(e))
    for text in ("Elvby", "Fjellset", "Sjanse / chance", "Familie og venner",
                 "Boligkostnad og ledige boliger"):
        assert text in page
    again = calc.explain_form(cache, spec, calc.Form(lives_in="Elvby"))   # same run, kept
    assert len(cache) == 1 and again.household.lives_in == "K01"


def test_a_family_that_moved_out_is_explained_as_it_chose(spec):
    e = calc.explain_leaver({}, spec, calc.Form(lives_in="K01", year="2028"))
    assert e.chose is not None and e.chose != "K01" and e.household.lives_in == "K01"
    assert "✔" in calc.ranking_html(e)
