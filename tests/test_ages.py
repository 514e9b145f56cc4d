"""The validation's age-structure comparison (sim.validation.age_structure) on a known truth."""

import numpy as np

from sim import data
from sim.validation import age_structure


def _observed_as_runs(scale: float = 1.0) -> list:
    obs = data.population_by_age().rename(columns={"population": "persons"})
    return [obs.assign(persons=obs["persons"] * scale)]


def test_the_observed_ages_fit_themselves_exactly():
    """Runs that reproduce the observed age structure score r = 1 and no error in every group
    and year."""
    m = age_structure.summary(_observed_as_runs())
    for row in m.values():
        for y in age_structure.YEARS:
            assert np.isclose(row[str(y)]["r"], 1.0) and np.isclose(row[str(y)]["mae_points"], 0)
        assert np.isclose(row["change_r"], 1.0)


def test_shares_not_counts_are_compared():
    """Simulated counts at another scale (persons per agent) give the same shares."""
    assert (age_structure.summary(_observed_as_runs(0.5))
            == age_structure.summary(_observed_as_runs()))


def test_a_young_town_that_turns_old_is_seen():
    """Moving a kommune's young adults into its 67+ shows as error in both groups' shares."""
    obs = _observed_as_runs()[0]
    oslo = (obs["kommunenummer"] == "0301") & (obs["year"] == 2025)
    moved = obs.loc[oslo & obs["age_group"].isin(["20-24", "25-29"]), "persons"].sum()
    wrong = obs.copy()
    wrong.loc[oslo & obs["age_group"].isin(["20-24", "25-29"]), "persons"] = 0
    wrong.loc[oslo & (obs["age_group"] == "67-79") & (obs["sex"] == "female"), "persons"] += moved
    m = age_structure.summary([wrong])
    assert m["20–29"]["2025"]["mae_points"] > 0 and m["67+"]["2025"]["mae_points"] > 0
    assert m["20–29"]["2015"]["mae_points"] == 0
    assert "| 20–29 |" in "\n".join(age_structure.markdown(m))


def test_women_per_100_men_of_20_to_39_by_centrality_class():
    import pandas as pd

    from sim.validation import sex_balance

    oslo, class_of_oslo = "0301", 1
    rows = [(oslo, 2016, g, sex, n) for g, f, m in (("20-24", 30, 40), ("25-29", 20, 20),
                                                   ("30-39", 50, 40), ("40-49", 99, 1))
            for sex, n in (("female", f), ("male", m))]
    persons = pd.DataFrame(rows, columns=["kommunenummer", "year", "age_group", "sex",
                                          "persons"])
    table = sex_balance.women_per_100_men(persons, "persons")
    assert table.loc[2016, class_of_oslo] == 100.0     # 100 women, 100 men; 40–49 left out
    observed = sex_balance.summary([data.population_by_age().rename(
        columns={"population": "persons"})])
    for row in observed.values():                       # the data fit themselves
        assert all(c["simulated"] == c["observed"] for c in row.values())
    assert observed["2025"]["6"]["observed"] < 95       # the rural shortage of women
