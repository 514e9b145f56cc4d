"""A ceiling for r: how well anything forecasts 2015→2025 from what was known in 2015.

The validation's target is r between simulated and observed kommune growth 2015→2025. This
module asks what r a statistical forecast reaches with every kommune fact in the data pack
known on 1 January 2015: the growth 2006→2015, 2011→2015 and 2013→2015, the size, SSB's
centrality class and index, the area, the latitude, the growth of the kommune's BA region
2006→2015 and the 2015 shares of six age groups.

Two forecasts, both fitted *on the 2015→2025 outcomes themselves* and scored leave-one-out
(each kommune predicted from the other 356): a least-squares line on the facts, and the mean
growth of the ``NEIGHBOURS`` kommuner most alike on them (no line). No forecast made in 2015
could fit on the outcome, so their r is an optimistic ceiling for any forecast from these
facts, the model's included.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import pandas as pd

from sim import data
from sim.validation.observed import IN_SAMPLE, OUT_OF_SAMPLE, observed_growth, observed_wide

AGE_GROUPS = ("0-5", "20-24", "25-29", "30-39", "67-79", "80+")
NEIGHBOURS = 40    # kommuner averaged by the nearest-neighbour forecast (the best of 10-160)


def known_in_2015() -> pd.DataFrame:
    """Each kommune's facts as of 1 January 2015 (``IN_SAMPLE``'s end), by kommunenummer."""
    wide = observed_wide()
    y0, y1 = IN_SAMPLE
    k = data.kommuner().set_index("kommunenummer").reindex(wide.index)
    region = wide.groupby(k["baregion_code"]).sum()
    ages = data.population_by_age()
    ages = ages[ages["year"] == y1].groupby(["kommunenummer", "age_group"])[
        "population"].sum().unstack()
    share = ages.div(ages.sum(axis=1), axis=0)
    facts = pd.DataFrame({
        f"growth {y0}-{y1}": np.log(wide[y1] / wide[y0]),
        f"growth {y1 - 4}-{y1}": np.log(wide[y1] / wide[y1 - 4]),
        f"growth {y1 - 2}-{y1}": np.log(wide[y1] / wide[y1 - 2]),
        "log size": np.log(wide[y1]),
        "centrality class": k["sentralitetsklasse"],
        "centrality index": k["sentralitetsindeks"],
        "log area": np.log(k["area_km2"]),
        "latitude": k["centroid_lat"],
        "BA region growth": np.log(region[y1] / region[y0]).reindex(
            k["baregion_code"]).to_numpy(),
        **{f"share {g}": share[g] for g in AGE_GROUPS}})
    return facts.dropna()


def leave_one_out_r(x: pd.DataFrame, y: pd.Series) -> tuple[float, float]:
    """r with ``y`` of a least-squares line's leave-one-out predictions from ``x``, and of
    the line's own fit (each left-out prediction from the hat matrix: exact for a line)."""
    z = (x - x.mean()) / x.std()
    design = np.column_stack([np.ones(len(z)), z.to_numpy()])
    hat = design @ np.linalg.pinv(design)
    fit = hat @ y.to_numpy()
    left_out = y.to_numpy() - (y.to_numpy() - fit) / (1.0 - np.diag(hat))
    return float(np.corrcoef(left_out, y)[0, 1]), float(np.corrcoef(fit, y)[0, 1])


def nearest_r(x: pd.DataFrame, y: pd.Series, k: int = NEIGHBOURS) -> float:
    """r with ``y`` of each kommune's forecast as the mean ``y`` of the ``k`` kommuner most
    alike on the standardised facts ``x``, itself left out."""
    z = ((x - x.mean()) / x.std()).to_numpy()
    distance = ((z[:, None, :] - z[None, :, :]) ** 2).sum(axis=-1)
    np.fill_diagonal(distance, np.inf)
    nearest = np.argsort(distance, axis=1)[:, :k]
    return float(np.corrcoef(y.to_numpy()[nearest].mean(axis=1), y)[0, 1])


@cache
def ceiling() -> dict:
    """The two ceiling forecasts' r with observed 2015→2025 growth (the validation's r)."""
    facts = known_in_2015()
    growth = observed_growth(*OUT_OF_SAMPLE).reindex(facts.index)
    line, line_fit = leave_one_out_r(facts, growth)
    return {"facts": list(facts.columns), "line_r": line, "line_fit_r": line_fit,
            "nearest_r": nearest_r(facts, growth), "neighbours": NEIGHBOURS}
