"""In-sample check of where immigrant and Oslo movers go (2006 backcast to 2015, one seed).

Prints, for some years, the domestic moves from Oslo to today's Akershus and back (SSB's flow
table for 2010: 12,993 and 9,238), and where refugees who arrived in 2006–2009 go when they
leave their first kommune within five years: the share to Oslo (IMDi: about one in four of
the refugees settled 2005–2014 who moved on went to Oslo) and to Akershus, in all and by the
life stage they moved in (family: a household with children; else young up to 29, adult,
senior from 67, as the move decision's stages). It backs the
community terms' references (``sim/params/migration/community_*.yaml``).

    .venv/bin/python diagnostics/check_onward_moves.py [--persons-per-agent 5]
        [--parameters '{"migration.community_coefficient": 0.6}']
"""

from __future__ import annotations

import argparse
import json

import numpy as np

from sim.model import SettlementModel
from sim.processes import moves as moves_process
from sim.processes.choice import STAGES, life_stage
from sim.scenario.files import load_scenario, parse_scenario
from sim.validation.calibrate import BACKCAST
from sim.world.population import Kind, Subtype

COHORT = (2006, 2009)       # arrival years of the refugees followed
WITHIN_YEARS = 5            # a move counts if it comes this soon after arrival
REPORT_YEARS = (2008, 2010, 2011, 2014)


def build(persons_per_agent: int, overrides: dict) -> SettlementModel:
    spec = load_scenario(BACKCAST)
    raw = {**spec.model_dump(), "end_year": 2015, "persons_per_agent": persons_per_agent,
           "seed": 1, "parameters": {**spec.parameters, **overrides}}
    return SettlementModel(parse_scenario(raw, str(BACKCAST), BACKCAST.parent))


def follow(model: SettlementModel) -> tuple[list, dict]:
    """Run the model, recording each year's Oslo–Akershus moves and each followed refugee's
    first destination after leaving the first kommune."""
    codes = np.array(model.geo.codes)
    oslo = int(np.flatnonzero(codes == "0301")[0])
    akershus = np.array([c.startswith("32") for c in codes])
    ppa = model.persons_per_agent
    flows, first, left, stage_of = [], {}, {}, {}
    run_year = moves_process.run_year
    child_max = model.params.value("households.child_max_age")

    def recorded(*args, **kwargs):
        pop = model.population
        new = np.flatnonzero((pop.kind == Kind.IMMIGRANT) & (pop.subtype == Subtype.REFUGEE)
                             & (pop.arrival_year >= COHORT[0]) & (pop.arrival_year <= COHORT[1]))
        for pid, k in zip(pop.pid[new].tolist(), pop.kommune[new].tolist(), strict=True):
            first.setdefault(pid, k)
        with_children = np.zeros(pop.next_household, dtype=bool)
        with_children[pop.household[pop.age <= child_max]] = True
        # each person's stage before the moves regroup anyone (by own age, not the decider's)
        stage = life_stage(pop.age, with_children[pop.household])
        mv = run_year(*args, **kwargs)
        o, d = mv.origin, mv.destination
        flows.append((model.year, int(((o == oslo) & akershus[d]).sum()) * ppa,
                      int((akershus[o] & (d == oslo)).sum()) * ppa))
        for row, pid, dest, arrived in zip(mv.rows.tolist(), pop.pid[mv.rows].tolist(),
                                           d.tolist(), pop.arrival_year[mv.rows].tolist(),
                                           strict=True):
            if pid in first and pid not in left and model.year - arrived < WITHIN_YEARS:
                left[pid] = dest
                stage_of[pid] = STAGES[stage[row]]
        return mv

    moves_process.run_year = recorded
    try:
        model.run()
    finally:
        moves_process.run_year = run_year
    return flows, {"oslo": oslo, "akershus": akershus, "destinations": list(left.values()),
                   "stages": [stage_of[pid] for pid in left]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons-per-agent", type=int, default=5)
    parser.add_argument("--parameters", default="{}", help="parameter overrides (JSON)")
    args = parser.parse_args()
    model = build(args.persons_per_agent, json.loads(args.parameters))
    flows, onward = follow(model)
    for year, to_akershus, to_oslo in flows:
        if year in REPORT_YEARS:
            print(f"{year}: Oslo→Akershus {to_akershus:,}, Akershus→Oslo {to_oslo:,}")
    dest = np.array(onward["destinations"])
    print(f"refugees arrived {COHORT[0]}–{COHORT[1]} who left their first kommune within "
          f"{WITHIN_YEARS} years: {len(dest) * args.persons_per_agent:,}; to Oslo "
          f"{100 * (dest == onward['oslo']).mean():.1f} %, to Akershus "
          f"{100 * onward['akershus'][dest].mean():.1f} %")
    stages = np.array(onward["stages"])
    for stage in STAGES:
        at = dest[stages == stage]
        if len(at):
            print(f"  {stage}: {100 * len(at) / len(dest):.0f} % of them; to Oslo "
                  f"{100 * (at == onward['oslo']).mean():.1f} %, to Akershus "
                  f"{100 * onward['akershus'][at].mean():.1f} %")


if __name__ == "__main__":
    main()
