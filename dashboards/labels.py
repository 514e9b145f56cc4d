"""The dashboard's words, Norwegian first and English beside them: the start page's fields,
the policy editors' fields (a plain name, a unit and a one-line help for every parameter), the
reasons people move, the areas, and the messages a refused setting gets.

Every message names a field as the user sees it on the page ("År / years", "Utleieboliger
bygd av kommunen per år / rental homes built by the kommune a year"), never an internal path
(``end_year``, ``policies[0].parameters['dwellings_per_year']``): ``plain`` rewrites the
scenario schema's messages, and ``whole_number`` checks the text fields before the schema
sees them. Nothing here reads state; ``logic`` and ``app`` use it.
"""

from __future__ import annotations

import re
from typing import Any

from sim.scenario.errors import ScenarioError

SEP = " / "


def both(no: str, en: str) -> str:
    return f"{no}{SEP}{en}"


# ----- the start page's fields ------------------------------------------------------------------
FIELDS: dict[str, tuple[str, str]] = {
    "scenario": ("Scenario", "scenario"),
    "kommune": ("Kommune", "kommune"),
    "area": ("Område", "area"),
    "years": ("År", "years"),
    "seeds": ("Frø (tilfeldige gjentak)", "seeds (random repeats)"),
    "persons_per_agent": ("Personer per agent", "persons per agent"),
    "effect_year": ("Effektår", "effect year"),
}


def field(name: str) -> str:
    return both(*FIELDS[name])


AREAS: dict[str, tuple[str, str]] = {
    "scenario": ("som i scenariofilen", "as in the scenario file"),
    "region": ("kommunens bo- og arbeidsmarkedsregion alene",
               "the kommune's commuting region alone"),
    "fylke": ("kommunens fylke alene", "the kommune's fylke alone"),
    "norway": ("hele Norge", "all of Norway"),
}

# ----- why people move (sim.processes.choice.REASONS) ---------------------------------------
REASONS: dict[str, tuple[str, str, str]] = {       # reason: Norwegian, English, explanation
    "job": ("jobb", "work", "arbeid eller bedre arbeid et annet sted / work, or better work, "
                            "somewhere else"),
    "housing": ("bolig", "housing", "en billigere eller ledig bolig / a cheaper home, or one "
                                    "to be had"),
    "ties": ("familie og venner", "family and friends",
             "å bo nær sine egne / to live near one's own people"),
    "place": ("stedet", "the place", "skoler, tjenester, byliv, natur / schools, services, "
                                     "town life, nature"),
    "home": ("hjemstedet", "home town", "flytte hjem dit man vokste opp / moving back to where "
                                        "one grew up"),
    "policy": ("tiltak", "policy", "en støtte eller et tiltak / a grant or a policy"),
    "study": ("studier", "study", "å studere et annet sted / studying somewhere else"),
    "other": ("annet", "other", "egen smak, ingen av grunnene over / personal taste, none of "
                                "the above"),
}


def reason(key: str) -> str:
    no, en, _ = REASONS.get(key, (key, key, ""))
    return both(no, en)


# ----- the policy editors -------------------------------------------------------------------
# policy type: (Norwegian name, English name)
POLICIES: dict[str, tuple[str, str]] = {
    "startlan": ("Startlån", "start loans (startlån)"),
    "mentoring": ("Mentorordning for innvandrere", "mentoring for immigrants"),
    "income_tax_relief": ("Lavere inntektsskatt", "income tax relief"),
    "arbeidsgiveravgift": ("Arbeidsgiveravgift", "employer's social security contribution"),
    "flyttepremie": ("Flyttepremie", "relocation bonus"),
    "housing_construction": ("Kommunale utleieboliger", "rental homes built by the kommune"),
    "remote_work": ("Kontorfellesskap for fjernarbeid", "remote-work hubs"),
    "refugee_settlement": ("Bosetting av flyktninger", "settling refugees"),
    "service_investment": ("Bedre kommunale tjenester", "better kommune services"),
    "state_jobs": ("Statlige arbeidsplasser", "state jobs"),
    "held_back_dwellings": ("Tomme boliger tilbake på markedet", "empty homes back on the market"),
    "founder_support": ("Støtte til gründere", "support for founders"),
}
# (policy type, parameter): (Norwegian name, English name, unit, one-line help)
PARAMS: dict[tuple[str, str], tuple[str, str, str, str]] = {
    ("startlan", "budget_nok_per_inhabitant"): (
        "Startlån per innbygger per år", "start loans per inhabitant a year", "NOK",
        "hvor mye kommunen låner ut / how much the kommune lends"),
    ("startlan", "budget_nok"): (
        "Ekstra startlån per år", "extra start loans a year", "NOK",
        "lagt til beløpet per innbygger / added to the amount per inhabitant"),
    ("startlan", "loan_nok"): ("Lån per husstand", "loan per household", "NOK",
                               "et typisk startlån / a typical start loan"),
    ("startlan", "cost_share"): (
        "Andel regnet som kostnad", "share counted as cost", "0–1",
        "1 = hele utlånet / 1 = all of the lending"),
    ("mentoring", "share"): ("Andel innvandrere med mentor", "share of immigrants with a mentor",
                             "0–1", "av dem som kommer / of those arriving"),
    ("mentoring", "hours_per_week"): ("Mentortimer per uke", "mentor hours a week", "timer / h",
                                      "per person / per mentee"),
    ("mentoring", "nok_per_hour"): ("Kostnad per time", "cost per hour", "NOK",
                                    "honorar og koordinering / fee and coordination"),
    ("mentoring", "years"): ("År med mentor", "years with a mentor", "år / years",
                             "hvor lenge / how long"),
    ("mentoring", "search_factor"): (
        "Bedre jobbsøking", "better job search", "×", "ganger vanlig / times the usual"),
    ("mentoring", "stay_factor"): (
        "Sjanse for å flytte videre", "chance of moving on", "×",
        "under 1 = flere blir / below 1 = more stay"),
    ("income_tax_relief", "percentage_points"): (
        "Lavere skatt", "lower tax", "prosentpoeng / points", "av bruttoinntekt / of gross "
                                                              "income"),
    ("income_tax_relief", "effect_full_years"): (
        "År med full virkning", "years of full effect", "år / years",
        "på flyttevalget / on the choice to move"),
    ("income_tax_relief", "effect_gone_years"): (
        "År til virkningen er borte", "years until the effect is gone", "år / years",
        "avtar jevnt / fades evenly"),
    ("arbeidsgiveravgift", "rate"): ("Sats", "rate", "andel av lønn / share of wages",
                                     "0 = fjernet / 0 = removed"),
    ("arbeidsgiveravgift", "wage_pass_through"): (
        "Andel til høyere lønn", "share paid as higher wages", "0–1",
        "resten gir flere jobber / the rest gives more jobs"),
    ("arbeidsgiveravgift", "labour_demand_elasticity"): (
        "Flere jobber per % lavere kostnad", "more jobs per % lower cost", "% per %",
        "elastisitet / elasticity"),
    ("arbeidsgiveravgift", "adjustment_years"): (
        "År til full virkning", "years to the full effect", "år / years",
        "bedriftene tilpasser seg / firms adjust"),
    ("flyttepremie", "premium_nok"): ("Premie per voksen tilflytter",
                                      "bonus per adult moving in", "NOK",
                                      "utbetalt ved innflytting / paid on moving in"),
    ("flyttepremie", "min_age"): ("Laveste alder", "lowest age", "år / years",
                                  "yngre får ingen premie / younger get none"),
    ("flyttepremie", "repay_within_years"): (
        "Tilbakebetales ved flytting innen", "repaid if they leave within", "år / years",
        "0 = aldri / 0 = never"),
    ("flyttepremie", "horizon_years"): (
        "År premien veies over", "years the bonus is weighed over", "år / years",
        "mot inntekten / against income"),
    ("housing_construction", "dwellings_per_year"): (
        "Utleieboliger bygd av kommunen per år", "rental homes built by the kommune a year",
        "boliger / homes", "nye boliger hvert år / new homes each year"),
    ("housing_construction", "cost_share"): (
        "Kommunens andel av byggekostnaden", "the kommune's share of the building cost",
        "0–1", "1 = kommunen betaler alt / 1 = the kommune pays it all"),
    ("remote_work", "remote_share"): (
        "Andel som kan jobbe hjemmefra", "share who can work remotely", "0–1",
        "av kunnskapsarbeidere / of knowledge workers"),
    ("remote_work", "hub_utility"): (
        "Hvor mye et kontorfellesskap trekker", "how much a hub draws", "nytte / utility",
        "for sysselsatte tilflyttere / for employed movers"),
    ("remote_work", "nok_per_hub"): ("Kostnad per kontorfellesskap per år",
                                     "cost per hub a year", "NOK", "leie og drift / rent, "
                                                                   "running"),
    ("refugee_settlement", "area_share"): (
        "Andel av flyktningene bosatt her", "share of refugees settled here", "0–1",
        "av alle flyktninger / of all refugees"),
    ("refugee_settlement", "grant_nok_per_refugee"): (
        "Integreringstilskudd per flyktning", "integration grant per refugee", "NOK",
        "over fem år / over five years"),
    ("service_investment", "nok_per_inhabitant"): (
        "Ekstra per innbygger per år", "extra per inhabitant a year", "NOK",
        "til kommunale tjenester / for kommune services"),
    ("service_investment", "spending_per_inhabitant"): (
        "Utgift som tilsvarer tjenestenivå 1", "spending that makes service level 1", "NOK",
        "per innbygger per år / per inhabitant a year"),
    ("service_investment", "keep_schools_open"): (
        "Hold skolene åpne", "keep the schools open", "1 = ja / yes, 0 = nei / no",
        "ingen skole legges ned / no school closes"),
    ("mentoring", "startup_factor"): (
        "Mentorens virkning på nyetableringer", "mentor's effect on starting a firm", "×",
        "ganger sjansen for å starte en bedrift / times the chance to start a firm"),
    ("state_jobs", "jobs"): ("Statlige arbeidsplasser", "state jobs", "arbeidsplasser / jobs",
                             "flyttet eller nye i området / moved or new in the area"),
    ("state_jobs", "nok_per_job_year"): (
        "Kostnad per ny arbeidsplass per år", "cost per new job a year", "NOK",
        "lønn, arbeidsgiveravgift, lokaler / wage, employer's contributions, premises"),
    ("state_jobs", "relocation_nok_per_job"): (
        "Flyttekostnad per arbeidsplass", "moving cost per job", "NOK",
        "én gang, året de flyttes / once, in the year they move"),
    ("state_jobs", "spending_jobs_per_job"): (
        "Tjenestejobber per statlig jobb", "service jobs per state job", "jobber / jobs",
        "handel og tjenester de nye inntektene holder oppe / shops and services the new "
        "incomes support"),
    ("held_back_dwellings", "release_share_per_year"): (
        "Andel tomme boliger tilbake per år", "share of empty homes back a year", "0–1",
        "av boligene som står tomme utenfor markedet / of the homes kept empty off the market"),
    ("held_back_dwellings", "grant_nok_per_dwelling"): (
        "Tilskudd per bolig", "grant per home", "NOK",
        "oppussingstilskudd eller kostnad med boplikt / renovation grant or the cost of "
        "enforcing boplikt"),
    ("founder_support", "eligible_share"): (
        "Andel uten jobb som nås", "share without a job reached", "0–1",
        "de med dagpenger eller AAP / those on unemployment or work assessment benefit"),
    ("founder_support", "startup_factor"): (
        "Støttens virkning på nyetableringer", "support's effect on starting a firm", "×",
        "ganger sjansen for å starte en bedrift / times the chance to start a firm"),
    ("founder_support", "months"): ("Måneder med stønad", "months of benefit kept",
                                    "måneder / months",
                                    "mens bedriften startes / while the firm starts"),
    ("founder_support", "nok_per_month"): ("Stønad per måned", "benefit a month", "NOK",
                                           "dagpenger eller AAP / the benefit kept"),
    ("founder_support", "grant_share"): (
        "Andel som får etablerertilskudd", "share who get a start-up grant", "0–1",
        "Innovasjon Norges tilskudd / Innovation Norway's grant"),
    ("founder_support", "grant_nok"): ("Etablerertilskudd", "start-up grant", "NOK",
                                       "per tilskudd / per grant"),
}


def policy_name(kind: str) -> str:
    no, en = POLICIES.get(kind, (kind, kind))
    return both(no, en)


def param_label(kind: str, name: str) -> str:
    """The text field's label: the plain name and the unit, Norwegian first."""
    no, en, unit, _ = PARAMS.get((kind, name), (name, name, "", ""))
    return f"{both(no, en)} ({unit})" if unit else both(no, en)


def param_help(kind: str, name: str) -> str:
    return PARAMS.get((kind, name), ("", "", "", ""))[3]


def param_field(kind: str, name: str) -> str:
    """How a message names a policy parameter: the policy and the field as on the page."""
    no, en, _, _ = PARAMS.get((kind, name), (name, name, "", ""))
    return f"{POLICIES.get(kind, (kind, kind))[0]}: {both(no, en)}"


# ----- messages -----------------------------------------------------------------------------
def whole_number(raw: Any, name: str, low: int, high: int) -> int:
    """The whole number typed into field ``name`` (a key of FIELDS), from ``low`` to ``high``;
    ScenarioError with a message naming the field otherwise (empty, a fraction, a word)."""
    text = str(raw).strip().replace(" ", "") if raw is not None else ""
    rule = (f"skriv et helt tall fra {low:,} til {high:,} / write a whole number from "
            f"{low:,} to {high:,}").replace(",", " ")
    if not text:
        raise ScenarioError(f"{field(name)}: feltet er tomt / the field is empty — {rule}")
    try:
        value = float(text.replace(",", "."))
    except ValueError:
        value = None
    if value is None or not value.is_integer() or not low <= value <= high:
        raise ScenarioError(f"{field(name)}: {rule}; fikk / got {text[:20]!r}")
    return int(value)


_PREFIX = re.compile(r"^dashboard settings \([^)]*\):\s*", re.MULTILINE)
_POLICY_PATH = re.compile(r"policies\[(\d+)\]\.parameters\['?([A-Za-z_]+)'?\]")
_POLICY_ENTRY = re.compile(r"policies\[(\d+)\]")
_TOP_FIELDS = {"persons_per_agent": "persons_per_agent", "end_year": "years",
               "seed": "seeds"}


def plain(message: str, policy_kinds: list[str] | None = None) -> str:
    """A scenario-schema message as the page shows it: without the "dashboard settings"
    prefix, policy parameters (``policies[i].parameters['x']``, ``i`` indexing
    ``policy_kinds``) and top-level fields named as on the page."""
    kinds = policy_kinds or []

    def policy(match: re.Match) -> str:
        i, name = int(match.group(1)), match.group(2)
        return param_field(kinds[i], name) if i < len(kinds) else name

    def entry(match: re.Match) -> str:
        i = int(match.group(1))
        return f"«{policy_name(kinds[i])}»" if i < len(kinds) else "a policy"

    text = _PREFIX.sub("", message)
    text = _POLICY_PATH.sub(policy, text)
    text = _POLICY_ENTRY.sub(entry, text)
    for key, name in _TOP_FIELDS.items():
        text = re.sub(rf"(^|\n){key}:", rf"\1{field(name)}:", text)
    return text
