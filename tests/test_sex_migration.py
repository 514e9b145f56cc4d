"""Women and men move differently (issue #29): who considers a move, what they weigh, and
who arrives from abroad.

Controlled runs on a small made-up landscape (a city, a town and three alike villages, one
agent per person), as in ``tests/test_mechanisms.py``: two models from the same scenario and
seed start identical; one gets the change; both run a few years.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import numpy as np
import pytest
import yaml

from sim.model import SettlementModel
from sim.parameters import ParameterSet
from sim.processes import arriving, choice, moves
from sim.scenario.errors import ScenarioError
from sim.scenario.files import load_scenario
from sim.scenario.schema import Scenario
from sim.validation import sex_balance
from sim.world.population import Subtype

ROOT = Path(__file__).resolve().parents[1]
SEEDS = (1, 2, 3)
TILT_SEEDS = (1, 2, 3, 4, 5, 6)
YEARS = 4
START = 2026
WOMAN, MAN = 0, 1


def _kommune(code, name, population, centrality, region, lat, lon, age_profile="balanced"):
    return {"kommunenummer": code, "name": name, "population": population,
            "centrality": centrality, "region": region, "lat": lat, "lon": lon,
            "area_km2": 800, "age_profile": age_profile}


LANDSCAPE = {"kind": "landscape", "kommuner": [
    _kommune("C1", "Elvby", 30_000, 2, 1, 63.43, 10.40, "young"),
    _kommune("T2", "Fjordvik", 15_000, 4, 2, 63.95, 11.50),
    _kommune("V3", "Lia", 2_500, 6, 3, 63.00, 11.00, "old"),
    _kommune("V4", "Nesøy", 2_500, 6, 4, 63.80, 9.60, "old"),
    _kommune("V5", "Skogbygd", 2_500, 6, 5, 64.30, 10.90, "old"),
]}
VILLAGE, CITY = "V3", "C1"


def _model(seed: int, parameters: dict | None = None) -> SettlementModel:
    return SettlementModel(Scenario(
        name="sexes", start_year=START, end_year=START + YEARS, seed=seed, persons_per_agent=1,
        geography=LANDSCAPE, parameters=parameters or {}))


# women weigh urban amenities 1.5 times as much as the young do by default, men half as much
TILT = {"migration.sex_weight_factors": {"amenity": {"young": {"women": 1.5, "men": 0.5}}}}


@cache
def young_left(seed: int, amenity_of_city: bool, tilt: bool = False) -> dict[int, tuple]:
    """Per sex: (left, at start) among the village's residents aged 20–29 on 1 January of
    the start year, left meaning living in another kommune (or gone) after YEARS years; with
    ``amenity_of_city`` the village has the city's urban amenities from the start; with
    ``tilt`` the sexes weigh amenities as TILT says."""
    model = _model(seed, TILT if tilt else None)
    k = model.geo.index(VILLAGE)
    if amenity_of_city:
        model.places.amenity[k] = model.places.amenity[model.geo.index(CITY)]
    pop = model.population
    young = (pop.kommune == k) & (pop.age >= 20) & (pop.age <= 29)
    pids = {s: pop.pid[young & (pop.sex == s)].copy() for s in (WOMAN, MAN)}
    for _ in range(YEARS):
        model.step()
    pop = model.population
    out = {}
    for s, ids in pids.items():
        pos = np.minimum(np.searchsorted(pop.pid, ids), len(pop) - 1)
        stayed = (pop.pid[pos] == ids) & (pop.kommune[pos] == k)
        out[s] = (int((~stayed).sum()), len(ids))
    return out


def _share(counts: list[tuple[int, int]]) -> float:
    left, at_start = np.sum(counts, axis=0)
    return left / at_start


def test_a_kommune_with_more_urban_amenities_keeps_more_young_women_than_its_twin():
    """The same village with the city's urban amenities (its twin: the same world without
    them) keeps more of its women aged 20–29 over four years, in every seed, and clearly so
    over the seeds."""
    plain, amenities = [], []
    for seed in SEEDS:
        plain.append(young_left(seed, False)[WOMAN])
        amenities.append(young_left(seed, True)[WOMAN])
        assert amenities[-1][0] < plain[-1][0], (plain, amenities)
    assert _share(amenities) < 0.9 * _share(plain), (plain, amenities)


def test_if_young_women_weighed_amenities_more_the_village_would_keep_relatively_more_women():
    """With the sex factors set (TILT; the default leaves both at 1: see the parameter
    file), the amenities' gain in young women kept, less their gain in young men kept, is
    clearly larger than with the default factors (pooled over six seeds: a village holds
    only about 130 young women)."""
    def gain(tilt: bool, sex: int) -> float:
        plain = [young_left(seed, False, tilt)[sex] for seed in TILT_SEEDS]
        better = [young_left(seed, True, tilt)[sex] for seed in TILT_SEEDS]
        return _share(plain) - _share(better)

    default = gain(False, WOMAN) - gain(False, MAN)
    tilted = gain(True, WOMAN) - gain(True, MAN)
    assert tilted > default + 0.03, (default, tilted)


def test_norways_young_women_move_more_than_young_men_and_older_men_more_than_women():
    """The 2006 backcast's moves between kommuner in 2008 by sex (50 persons per agent) set
    against SSB's per 1,000 (women/men): 20–24 142/113, 30–34 66/79. Women of 20–24 move
    more often than men, men of 30–34 more often than women, each within a fifth of SSB."""
    spec = load_scenario(ROOT / "scenarios" / "backcast-2006.yaml").model_copy(
        update={"end_year": sex_balance.MOVES_YEAR + 1, "persons_per_agent": 50})
    model = SettlementModel(spec)
    while model.year <= sex_balance.MOVES_YEAR:
        model.step()
    rows = {r["age_group"]: r for r in sex_balance.moves(
        model.records.tables()["movers_by_age"])["rows"]}
    for group in ("20-24", "30-34"):
        r = rows[group]
        for sex in ("women", "men"):
            assert abs(r[sex] / r[f"ssb_{sex}"] - 1) < 0.2, rows
    assert rows["20-24"]["women"] > 1.1 * rows["20-24"]["men"], rows
    assert rows["30-34"]["men"] > 1.05 * rows["30-34"]["women"], rows


def test_a_household_of_both_sexes_weighs_the_mean_of_womens_and_mens_weights():
    """A couple's choice holds both partners' preferences: its amenity weight is the mean of
    a woman's and a man's alone; stages the factors do not name are untouched."""
    params = ParameterSet({"migration.sex_weight_factors":
                           {"amenity": {"young": {"women": 1.6, "men": 0.4}}}})
    w = choice.stage_weight(params, "amenity")[:, 0]
    base = ParameterSet().value("migration.stage_weights")["amenity"]
    t = np.arange(choice.N_TYPES)
    stage, _, _ = choice.type_parts(t)
    group = choice.sex_group_of_type(t)
    young = stage == choice.STAGES.index("young")
    both, women, men = (choice.SEX_GROUPS.index(g) for g in choice.SEX_GROUPS)
    assert np.allclose(w[young & (group == women)], 1.6 * base["young"])
    assert np.allclose(w[young & (group == men)], 0.4 * base["young"])
    assert np.allclose(w[young & (group == both)], base["young"])
    student = stage == choice.STAGES.index("student")       # students weigh as the young
    assert np.allclose(w[student & (group == women)], 1.6 * base["young"])
    family = stage == choice.STAGES.index("family")
    assert np.allclose(w[family], base["family"])


def test_households_know_whose_preferences_they_hold():
    """A household's sex group comes from its adults: a couple is both, a single mother
    with a son is women, two brothers are men."""
    model = _model(1)
    pop = model.population
    facts = moves.household_facts(pop, model.labour.wage, model.params)
    child = pop.age <= model.params.value("households.child_max_age")
    for hh in np.unique(pop.household)[:2000]:
        adults = pop.sex[(pop.household == hh) & ~child]
        want = ("both" if len(adults) == 0 or len(set(adults.tolist())) == 2
                else "women" if adults[0] == WOMAN else "men")
        assert choice.SEX_GROUPS[facts.sex_group[hh]] == want


def test_labour_immigrants_are_mostly_men_and_family_immigrants_mostly_women():
    """SSB: three of four labour immigrants from the new EU countries 2004–2014 were men;
    women came mostly through family. Children arrive as boys and girls as at birth."""
    params = ParameterSet()
    adults, children = np.full(4, 30), np.full(4, 5)
    kinds = np.array([Subtype.LABOUR, Subtype.REFUGEE, Subtype.FAMILY, Subtype.LABOUR])
    men = arriving.male_shares(kinds, adults, 2010, params)
    assert men[0] > 0.6 and men[2] < 0.45 and men[1] > 0.5
    assert arriving.male_shares(kinds, adults, 2024, params)[0] < men[0]   # more women later
    assert np.allclose(arriving.male_shares(kinds, children, 2010, params),
                       params.value("demography.male_share_at_birth"))


def test_a_scenario_with_a_misshapen_sex_table_is_refused_with_one_clear_message(tmp_path):
    """A table by sex needs both sexes and known names; the message names the file, the
    parameter and the place in the table. A well-formed override is accepted."""
    def load(parameters: dict):
        path = tmp_path / "s.yaml"
        path.write_text(yaml.safe_dump({"name": "s", "parameters": parameters}))
        return load_scenario(path)

    def refused(parameters: dict) -> str:
        with pytest.raises(ScenarioError) as e:
            load(parameters)
        return str(e.value)

    msg = refused({"migration.sex_weight_factors": {"amenity": {"young": {"women": 1.5}}}})
    assert "s.yaml" in msg and "migration.sex_weight_factors" in msg
    assert "amenity: young: needs men" in msg
    msg = refused({"migration.sex_weight_factors": {"amenity": {"youth": {"women": 1.5,
                                                                          "men": 1.0}}}})
    assert "unknown key 'youth'" in msg and "young" in msg
    assert "needs men" in refused({"migration.move_sex_factor": {"women": {0: 1.0}}})
    assert "ages" in refused({"education.student_share": {"women": {"x": 0.1},
                                                          "men": {0: 0.1}}})
    ok = load({"migration.sex_weight_factors": {"nature": {"family": {"women": 1.2,
                                                                      "men": 0.8}}}})
    assert ok.parameters["migration.sex_weight_factors"]["nature"]["family"]["men"] == 0.8
