"""What ``livskraft compare`` prints: a comparison's summary in a few plain lines (persons and
NOK), from ``compare.json``'s summary (``sim.experiments.compare``)."""

from __future__ import annotations

from sim.experiments import attribution
from sim.experiments.seeds import BAND
from sim.output import noise
from sim.output.capacity import delivery_lines


def describe(result) -> list[str]:
    """The summary in a few plain lines (persons and NOK)."""
    s = result.summary
    cpy = s["cost_per_extra_resident_year"]
    n = len(s["target_kommuner"])
    return [
        f"{s['scenario']} against {s['baseline']}, {len(s['seeds'])} seeds "
        f"({s['seeds'][0]}–{s['seeds'][-1]}), {s['persons_per_agent']} persons per agent",
        f"target area ({n} kommuner, {s['target_population_start']:,} persons in "
        f"{s['years'][0]}): population on 1 January {s['effect_year']} "
        f"{s['target_diff_median']:+,.0f} persons against the baseline's "
        f"{s['target_baseline_median']:,} (band {BAND[0]}–{BAND[1]} %: "
        f"{s['target_diff_p05']:+,.0f} to {s['target_diff_p95']:+,.0f}); "
        f"whole area {s['norway_diff_median']:+,.0f}",
        f"total cost {s['total_cost_nok'] / 1e9:,.2f} billion NOK "
        + ", ".join(f"({p} {v / 1e9:,.2f})" for p, v in s["total_cost_nok_by_payer"].items())
        + "; by policy: " + ", ".join(f"{p} {v / 1e9:,.2f}"
                                      for p, v in s["total_cost_nok_by_policy"].items()),
        f"extra resident-years in the target area {s['extra_resident_years']:,.0f} (band "
        f"{s['extra_resident_years_p05']:,.0f} to {s['extra_resident_years_p95']:,.0f}); "
        + (f"cost per extra resident-year {cpy:,.0f} NOK" if cpy is not None else
           "no extra resident-years, so no cost per resident-year"),
        "why: extra net domestic moves into the target area over the run, by reason: "
        + ", ".join(f"{r} {v:+,.0f}" for r, v in sorted(
            s["extra_net_moves_into_target_by_reason"].items(), key=lambda x: -abs(x[1]))),
        _budget_line(s["budget"]["totals"], s["years"]),
        *delivery_lines(s.get("delivery", []), len(s["seeds"])),
        *(attribution.lines(s["attribution"], s["effect_year"]) if "attribution" in s else []),
        *(attribution.channel_lines(s["channels"], s["effect_year"]) if "channels" in s
          else []),
        *_evidence_lines(s.get("evidence", [])),
        *filter(None, [noise.area_note(
            f"the target area ({n} kommuner)", s["target_population_start"],
            noise.EXACT if set(s["target_kommuner"]) <= set(s.get("focus_kommuner", []))
            else s["persons_per_agent"])]),
    ]


def _budget_line(t: dict, years: list[int]) -> str:
    per = t["net_public_per_extra_resident_year"]
    return (f"budget {years[0]}–{years[1] - 1}: gross NOK {t['gross'] / 1e9:,.2f} bn (state "
            f"{t['state'] / 1e9:,.2f}, fylke {t['fylke'] / 1e9:,.2f}, kommune "
            f"{t['kommune'] / 1e9:,.2f}); the extra residents of the area pay back NOK "
            f"{t['tax_paid_back'] / 1e9:,.2f} bn in tax; net to the public purse NOK "
            f"{t['net_public'] / 1e9:,.2f} bn"
            + (f" ({per:,.0f} per extra resident-year)" if per is not None else "")
            + f"; the target kommuner gain NOK {t['target_kommune_income'] / 1e9:,.2f} bn and "
            f"their fylker {t['target_fylke_income'] / 1e9:,.2f} bn through the "
            "inntektssystem (a transfer from the other kommuner)")


def _evidence_lines(evidence: list[dict]) -> list[str]:
    """Per policy: what backs its lever, what is assumed, and where it extrapolates."""
    lines = []
    for e in evidence:
        size = {"none": "no evaluation measured an effect"}.get(e["effect_size"],
                                                                e["effect_size"])
        line = (f"evidence for {e['policy']}: {size}"
                + (f" ({'; '.join(e['studies'])})" if e["studies"] else ""))
        if e["approximations"]:
            line += f"; assumed, not measured: {', '.join(e['approximations'])}"
        lines.append(line)
        lines += [f"  EXTRAPOLATION: {x}" for x in e["extrapolation"]]
    return lines
