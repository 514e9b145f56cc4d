"""The embedded Norway loads offline and adds up to SSB's national totals."""

from sim import data

# SSB national totals on 1 January (data pack DATA.md, table 07459)
NATIONAL_TOTAL = {2006: 4_640_219, 2016: 5_213_985, 2026: 5_627_400}


def test_357_kommuner_sum_to_the_national_total():
    k = data.kommuner()
    assert len(k) == 357
    assert k["kommunenummer"].is_unique
    assert k["kommunenummer"].str.len().eq(4).all()
    assert k["population"].sum() == NATIONAL_TOTAL[2026]


def test_population_by_age_matches_totals_for_the_start_years():
    by_age = data.population_by_age()
    by_year = data.population_by_year()
    for year, total in NATIONAL_TOTAL.items():
        assert by_age.loc[by_age["year"] == year, "population"].sum() == total
        per_k = by_age[by_age["year"] == year].groupby("kommunenummer")["population"].sum()
        ref = by_year[by_year["year"] == year].set_index("kommunenummer")["population"]
        assert (per_k.sort_index() == ref.sort_index()).all()


def test_life_table_and_fertility_are_sane():
    q = data.qx_table(2025)
    assert q.shape == (2, data.MAX_AGE + 1)
    assert (q[:, -1] == 1.0).all() and (q >= 0).all() and (q <= 1).all()
    assert 1.3 < data.asfr_table(2022).sum() < 1.5   # HFD TFR 2022 = 1.41


def test_attribution_travels_with_the_data():
    text = (data._path("DATA.md")).read_text(encoding="utf-8")
    assert "NLOD" in text and "CC BY 4.0" in text
