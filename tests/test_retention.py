"""Immigrant retention in indicators.csv: a share of a kommune's own arrivals, never above 1."""

from __future__ import annotations

import numpy as np
from conftest import CLASSROOM

from sim.output.run_folder import simulate
from sim.scenario.files import load_scenario

YEARS = 10


def _classroom_indicators():
    spec = load_scenario(CLASSROOM)
    end = spec.start_year + YEARS
    yearly = {y: n for y, n in spec.immigration.yearly.items() if y < end}
    spec = spec.model_copy(update={
        "end_year": end,
        "immigration": spec.immigration.model_copy(update={"yearly": yearly})})
    return simulate(spec).indicators


def test_retention_is_a_share_of_the_kommunes_own_arrivals():
    """Immigrants move on between kommuner in the classroom landscape (the city gains them
    from the villages). Retention counts a kommune's arrivals who still live there, so it is
    between 0 and 1 everywhere; some leave, so it is below 1 somewhere; it is NaN only where
    no immigrant arrived in the window, which at the start is every kommune; a year on,
    when the first arrivals have just come, it is 1."""
    ind = _classroom_indicators()
    share = ind["immigrant_retention_5y"].to_numpy(float)
    known = share[~np.isnan(share)]
    assert len(known) > 0
    assert (known >= 0).all() and (known <= 1).all(), ind.loc[
        ind["immigrant_retention_5y"] > 1, ["kommunenummer", "year", "immigrant_retention_5y"]]
    assert (known < 1).any()
    first = ind[ind["year"] == ind["year"].min()]
    assert first["immigrant_retention_5y"].isna().all()
    # on their first 1 January every arrival lives where it arrived
    second = ind[ind["year"] == ind["year"].min() + 1]["immigrant_retention_5y"].dropna()
    assert len(second) > 0 and (second == 1).all()
