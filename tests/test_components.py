"""Growth by component and centrality class (``sim.validation.components``)."""

import pandas as pd
import pytest

from sim.validation import components
from sim.validation.observed import centrality_classes


def _kommuner(code: str, births: int, immigration: int) -> pd.DataFrame:
    """A kommune of 1,000 people with the same components every year 2006-2017."""
    rows, pop = [], 1000
    for year in range(components.FIRST_YEAR, components.LAST_YEAR + 2):
        rows.append({"kommunenummer": code, "year": year, "population": pop, "births": births,
                     "deaths": 5, "in_domestic": 20, "out_domestic": 30,
                     "immigration": immigration, "emigration": 4})
        pop += births - 5 + 20 - 30 + immigration - 4
    return pd.DataFrame(rows)


def test_components_add_up_to_growth_per_class():
    cls = centrality_classes()
    oslo, remote = "0301", cls[cls == 6].index[0]
    df = pd.concat([_kommuner(oslo, 15, 10), _kommuner(remote, 8, 6)])
    got = components.by_class(df)
    years = components.LAST_YEAR - components.FIRST_YEAR + 1          # 12
    assert got.loc[1, "natural"] == pytest.approx(100 * years * 10 / 1000)
    assert got.loc[6, "domestic"] == pytest.approx(100 * years * -10 / 1000)
    assert got.loc[6, "immigration"] == pytest.approx(100 * years * 2 / 1000)
    for c in (1, 6):
        parts = got.loc[c, list(components.COMPONENTS)].sum()
        assert got.loc[c, "growth"] == pytest.approx(parts)


def test_summary_sets_the_published_figures_beside_the_model_and_needs_the_window():
    cls = centrality_classes()
    df = pd.concat([_kommuner(code, 10, 8) for code in
                    [cls[cls == c].index[0] for c in range(1, 7)]])
    m = components.summary(df)
    assert m["available"]
    row6 = next(r for r in m["rows"] if r["centrality"] == 6)
    assert row6["published_domestic"] == -10.37
    assert row6["published_growth"] == pytest.approx(-4.92)
    assert "net immigration" in "\n".join(components.markdown(m))
    short = df[df["year"] <= 2012]
    assert components.summary(short) == {"available": False}
    assert components.markdown({"available": False}) == []
