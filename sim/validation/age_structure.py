"""How well the backcast reproduces each kommune's age structure.

Total growth can come out right for the wrong people: a kommune that draws young adults
instead of families grows as much, but has other births, other movers and other needs
(schools, care) later. So the validation (``sim.validation.backcast``) also compares who
lives where.
For broad age groups it compares each kommune's share of its population in the group,
simulated (the mean of the runs) against observed (SSB, the data pack's age groups):

* at the end of the calibration window (2015, in sample) and at the end of the
  out-of-sample check (2025): the correlation over kommuner and the mean absolute error in
  percentage points;
* the change of the share from 2015 to 2025 (out of sample): the correlation over kommuner.

The age groups are SSB's, merged into groups that follow the move decision's life stages.
"""

from __future__ import annotations

import pandas as pd

from sim import data
from sim.validation.observed import IN_SAMPLE, OUT_OF_SAMPLE
from sim.validation.uncertainty import pearson

# broad groups of the data pack's age groups; the young and the 30–39 are the main movers
GROUPS = {"0–15": ["0-5", "6-15"], "16–19": ["16-19"], "20–29": ["20-24", "25-29"],
          "30–39": ["30-39"], "40–66": ["40-49", "50-59", "60-66"], "67+": ["67-79", "80+"]}
YEARS = (IN_SAMPLE[1], OUT_OF_SAMPLE[1])   # end of the calibration window, of the check
POINTS = 100.0                # a share as percentage points


def _shares(persons: pd.DataFrame, value: str, groups: dict[str, list[str]]) -> pd.DataFrame:
    """Share of each kommune's population in each group (``{name: data-pack age groups}``):
    rows (kommune, year), columns the groups."""
    by_group = {name: persons[persons["age_group"].isin(members)]
                .groupby(["kommunenummer", "year"])[value].sum()
                for name, members in groups.items()}
    total = persons.groupby(["kommunenummer", "year"])[value].sum()
    return pd.DataFrame({name: s / total for name, s in by_group.items()})


def simulated_shares(age_structures: list[pd.DataFrame],
                     groups: dict[str, list[str]] = GROUPS) -> pd.DataFrame:
    """The runs' mean persons by kommune, year and age group, as group shares."""
    mean = (pd.concat(age_structures)
            .groupby(["kommunenummer", "year", "age_group"], as_index=False)["persons"].sum())
    mean["persons"] /= len(age_structures)
    return _shares(mean, "persons", groups)


def observed_shares(groups: dict[str, list[str]] = GROUPS) -> pd.DataFrame:
    return _shares(data.population_by_age(), "population", groups)


def summary(age_structures: list[pd.DataFrame]) -> dict:
    """Per broad group: r and mean absolute error (points) of the shares in each of YEARS,
    and r of their change between them (JSON-ready)."""
    sim, obs = simulated_shares(age_structures), observed_shares()
    y0, y1 = YEARS
    out = {}
    for group in GROUPS:
        s = sim[group].unstack("year")
        o = obs[group].unstack("year").reindex(s.index)
        row = {}
        for y in YEARS:
            row[str(y)] = {"r": pearson(s[y], o[y]),
                           "mae_points": float(POINTS * (s[y] - o[y]).abs().mean())}
        row["change_r"] = pearson(s[y1] - s[y0], o[y1] - o[y0])
        out[group] = row
    return out


def markdown(m: dict) -> list[str]:
    """The report section on the age structure."""
    y0, y1 = YEARS
    lines = ["## Age structure by kommune", "",
             "Each kommune's share of its population in an age group, simulated against "
             f"observed: r over kommuner and the mean absolute error (percentage points) in "
             f"{y0} (end of the calibration window) and {y1} (out of sample), and r of the "
             f"change {y0}→{y1}.", "",
             f"| age | r {y0} | error {y0} | r {y1} | error {y1} | r change {y0}→{y1} |",
             "|---|---|---|---|---|---|"]
    for group, row in m.items():
        a, b = row[str(y0)], row[str(y1)]
        lines.append(f"| {group} | {a['r']:.3f} | {a['mae_points']:.2f} | {b['r']:.3f} | "
                     f"{b['mae_points']:.2f} | {row['change_r']:.3f} |")
    return [*lines, ""]
