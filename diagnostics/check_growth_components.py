"""Which part of the backcast's kommune growth costs it against the trend: a diagnostic.

Reads the runs of a ``livskraft validate`` report folder (``backcast*/kommuner.csv``, their
mean) and splits each kommune's simulated growth into its components per person at the start
of a period and per ten years: natural increase (births − deaths), net domestic moves, and
net international migration, the latter also into immigration and emigration. For each
component it prints its spread across kommuner in sample (2006→2015) and out of sample
(2015→2025), and the out-of-sample r (simulated against observed growth) the model would
reach if that component had kept its in-sample pattern (the change between the periods
taken out). A component whose "kept" r is well above the model's r is where the model's
dynamics after 2015 go wrong; one below it is where they help.

    .venv/bin/python diagnostics/check_growth_components.py runs/validation
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from sim.validation.observed import IN_SAMPLE, OUT_OF_SAMPLE, growth_between, observed_growth
from sim.validation.uncertainty import pearson

DECADE = 10   # years: components are per person and per ten years
COMPONENTS = {
    "natural": (("births",), ("deaths",)),
    "domestic": (("in_domestic",), ("out_domestic",)),
    "international": (("immigration",), ("emigration",)),
    "immigration": (("immigration",), ()),
    "emigration": ((), ("emigration",)),
}


def mean_run(folder: Path, name: str = "kommuner.csv",
             keys: tuple[str, ...] = ("kommunenummer", "year")) -> pd.DataFrame:
    """The mean over the folder's runs of the rows of their table ``name``, by ``keys``
    (each kommune's yearly rows by default)."""
    runs = [pd.read_csv(f, dtype={"kommunenummer": str}).set_index(list(keys))
            for f in sorted(folder.glob(f"backcast*/{name}"))]
    if not runs:
        raise SystemExit(f"no backcast*/{name} under {folder}")
    return sum(runs) / len(runs)


def components(k: pd.DataFrame, y0: int, y1: int) -> pd.DataFrame:
    """Each component's net persons over years y0..y1-1 per person on 1 January y0, per
    ten years."""
    years = k.index.get_level_values("year")
    flows = k[(years >= y0) & (years < y1)].groupby(level="kommunenummer").sum()
    start = k["population"].xs(y0, level="year")
    out = {name: (sum((flows[c] for c in plus), 0.0) - sum((flows[c] for c in minus), 0.0))
           / start for name, (plus, minus) in COMPONENTS.items()}
    return pd.DataFrame(out) * DECADE / (y1 - y0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, help="a livskraft validate --out folder")
    args = parser.parse_args()
    k = mean_run(args.folder)
    obs = observed_growth(*OUT_OF_SAMPLE)           # growth, as the validation report's r
    sim = growth_between(k["population"].unstack("year"), *OUT_OF_SAMPLE).reindex(obs.index)
    inside = components(k, *IN_SAMPLE).reindex(obs.index)
    outside = components(k, *OUT_OF_SAMPLE).reindex(obs.index)
    print(f"out-of-sample r of the model: {pearson(sim, obs):.3f}")
    print(f"{'component':14s} {'spread in':>9s} {'spread out':>10s} {'r if kept':>9s}")
    for name in COMPONENTS:
        kept = sim - (outside[name] - inside[name])
        print(f"{name:14s} {inside[name].std():9.4f} {outside[name].std():10.4f} "
              f"{pearson(kept, obs):9.3f}")


if __name__ == "__main__":
    main()
