"""The attractiveness accounts in the dashboard, without a browser: a kommune's accounts over
the run add up to its growth, and a policy's effect on them is the one ``livskraft compare``
writes to accounts.csv, summing to its effect on the population."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from dashboards import accounts, logic
from sim.experiments.accounts import FIELDS
from sim.experiments.compare import compare


def _texts(options: list[dict]) -> list[str]:
    """The charts' titles and their series' names (what the legends say)."""
    return [o["title"]["text"] for o in options] + [s["name"] for o in options
                                                     for s in o["series"]]


@pytest.fixture(scope="module")
def bundle():
    spec = logic.build_scenario(logic.Settings(
        years="3", kommune="K05", policies={"flyttepremie": {"premium_nok": "300000"}}))
    return logic.run_bundle(spec, seeds=2, baseline=True)


def test_a_kommunes_accounts_add_up_to_its_growth_and_are_drawn(bundle):
    t = accounts.kommune_accounts(bundle, "K05")
    assert t["year_from"].tolist() == [2026, 2027, 2028]
    np.testing.assert_allclose(t[list(FIELDS[1:])].sum(axis=1), t["change"], atol=1e-9)
    codes, _, cube = logic.population_cube(bundle.results)
    grown = (cube[:, codes.index("K05"), -1] - cube[:, codes.index("K05"), 0]).mean()
    assert t["change_total"].iloc[-1] == pytest.approx(grown)
    texts = _texts(accounts.kommune_accounts_chart(bundle, "K05"))
    assert "Bostedsattraktivitet / residential attractiveness" in texts
    assert "Forventet mot faktisk vekst / expected against actual growth (sum)" in texts


def test_a_policys_effect_on_the_accounts_is_comparees_and_sums_to_its_effect(bundle, tmp_path):
    table = accounts.comparison_accounts(bundle)
    target = table[table["area"] == "target"].sort_values("year_from")
    diffs = [f"{p}_diff" for p in FIELDS[1:]]
    np.testing.assert_allclose(target[diffs].sum(axis=1), target["change_diff"], atol=1e-9)
    population, _ = logic.comparison(bundle)
    effect = population[population["area"] == "target"].set_index("year")["diff_median"]
    # two seeds: the median of the paired differences is their mean
    assert target["change_diff"].cumsum().iloc[-1] == pytest.approx(effect[2029], abs=0.1)
    spec = bundle.scenario
    cli = compare(logic.without_policies(spec), spec, seeds=2, out_dir=tmp_path / "cmp")
    written = pd.read_csv(tmp_path / "cmp" / "accounts.csv", dtype={"area": str})
    pd.testing.assert_frame_equal(written, table.astype({"area": str}), check_dtype=False)
    pd.testing.assert_frame_equal(cli.accounts, table)
    texts = _texts(accounts.comparison_accounts_chart(bundle, "K01"))
    assert "Målområdet / target area: scenario − grunnløp / baseline (sum)" in texts
    assert "Kommune K01: scenario − grunnløp / baseline (sum)" in texts
    assert "Næringsattraktivitet / business attractiveness" in texts
