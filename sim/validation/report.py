"""The validation report: ``validation.md`` and ``validation_metrics.json`` from the metrics,
with the plots beside them (``sim.validation.plots``).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from sim.validation import (
    accuracy,
    age_structure,
    components,
    intervals,
    refugee_stays,
    sex_balance,
    uncertainty,
)
from sim.validation.metrics import (
    fmt,
    interval_table,
    metrics,
    num,
    pct,
    period_key,
    period_label,
)
from sim.validation.observed import OUT_OF_SAMPLE
from sim.validation.plots import PLOTS, write_plots

DEFAULT_CALIBRATION_NOTE = (
    "Model coefficients were calibrated on 2006–2015 only. The period 2015→2025 is out of "
    "sample: nothing in the model was fitted to it.")


def json_safe(obj):
    if isinstance(obj, dict):
        return {str(k): json_safe(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [json_safe(v) for v in obj]
    if isinstance(obj, bool | str) or obj is None:
        return obj
    if isinstance(obj, int | np.integer):
        return int(obj)
    return num(obj)


# ----- the report ---------------------------------------------------------------------------
def md_table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return lines + ["| " + " | ".join(r) + " |" for r in rows]


def _verdict_md(m: dict) -> list[str]:
    lines = ["## Verdict", ""]
    for t in m["targets"]:
        word = "PASS" if t["passed"] else "FAIL"
        lines.append(f"- **{word}** — {t['name']} ({t['target']}): {t['figures']}")
    overall = "all targets met" if m["all_passed"] else "not all targets met"
    return [*lines, "", f"Overall: **{overall}**.", ""]


def _references_md(m: dict) -> list[str]:
    ref = m["references"]
    return ["## Naive references (observed data only)", "",
            "A useful model must beat simple rules of thumb. On observed data, 2015→2025:", "",
            *md_table(["reference", "how it predicts each kommune's 2015→2025 growth", "r"], [
                ["trend", "its own 2006→2015 yearly growth rate carried forward",
                 f"{ref['trend_r']:.2f}"],
                ["centrality class", "the mean 2015→2025 growth of its centrality class",
                 f"{ref['centrality_class_r']:.2f}"]]),
            "", f"Observed share of kommuner that declined 2015→2025: "
            f"{pct(ref['observed_share_declining'])}.", "", *_ceiling_md(ref.get("ceiling"))]


def _ceiling_md(c: dict | None) -> list[str]:
    if not c:
        return []
    return [f"How far r can go (`sim/validation/ceiling.py`): fitted on the 2015→2025 "
            f"outcomes themselves and scored leave-one-out, a forecast from every kommune fact "
            f"in the data pack known in 2015 ({len(c['facts'])}: growth since 2006, 2011 and "
            f"2013, size, centrality, area, latitude, the region's growth, six age groups' "
            f"shares) reaches r **{c['line_r']:.2f}** as a straight line and "
            f"**{c['nearest_r']:.2f}** as the mean of the {c['neighbours']} most alike "
            "kommuner. No forecast made in 2015 could fit on the outcome: this is a ceiling "
            "for any forecast from these facts, the model's included.", ""]


def _national_md(m: dict) -> list[str]:
    nat = m["national"]
    rows = [[str(r["year"]), f"{r['simulated']:,.0f}", f"{r['observed']:,.0f}",
             f"{r['error_pct']:+.2f}"] for r in nat["rows"]]
    return ["## National population", "",
            "Simulated vs observed population of Norway on 1 January; error = simulated / "
            f"observed − 1. Largest absolute error: {fmt(nat['max_abs_error_pct'], '.2f')} % "
            f"({nat['worst_year']}).", "",
            *md_table(["year", "simulated", "observed", "error %"], rows),
            "", f"![national population]({PLOTS['national']})", ""]


def _kommune_md(m: dict) -> list[str]:
    lines = ["## Kommune growth", "",
             "How well the simulated growth of each kommune matches the observed growth "
             "(Pearson r over kommuner), and how many kommuner shrank.", ""]
    rows = []
    for key, per in m["periods"].items():
        if not per.get("available"):
            rows.append([period_label(key), "not available", "", ""])
            continue
        rows.append([period_label(key), fmt(per["growth_r"], ".3f", "undefined"),
                     pct(per["share_declining_simulated"]),
                     pct(per["share_declining_observed"])])
    lines += md_table(["period", "r (sim vs obs)", "declining, simulated",
                     "declining, observed"], rows)
    return [*lines, "", f"![kommune growth]({PLOTS['scatter']})", ""]


def _centrality_md(m: dict) -> list[str]:
    lines = ["## Growth by centrality class", "",
             "Population-weighted growth of each class (class total at the end / at the "
             "start − 1). Class 1 is the most central, 6 the least.", ""]
    for key, per in m["periods"].items():
        if not per.get("available"):
            continue
        rows = [[str(c["class"]), pct(c["simulated"]), pct(c["observed"])]
                for c in per["class_growth"]]
        lines += [f"**{period_label(key)}**", "",
                  *md_table(["class", "simulated", "observed"], rows), ""]
    return [*lines, f"![growth by centrality class]({PLOTS['centrality']})", ""]


def _mobility_md(m: dict) -> list[str]:
    mob = m["mobility"]
    ref = f"SSB reference: {pct(mob['reference_2020'])} in 2020 (ssb.no/452035)."
    lines = ["## Moving between kommuner", ""]
    if not mob["available"]:
        return [*lines, f"Share of people who change kommune: not available. {ref}", ""]
    rows = [[str(r["year"]), pct(r["share"])] for r in mob["yearly"]]
    lines += [f"Share of people who change kommune in a year (moves / 1 January population). "
              f"Mean {pct(mob['mean'])}; 2020: {pct(mob['simulated_2020'])}. {ref}", "",
              *md_table(["year", "share moving"], rows), ""]
    return lines


def _movers_md(m: dict) -> list[str]:
    mv = m["movers_by_age"]
    lines = ["## Movers by age", ""]
    if not mv["available"]:
        return [*lines, "Movers by age group: not available in this result.", ""]
    rows = [[r["age_group"], fmt(r["simulated_per_1000"], ".0f"),
             f"{r['reference_per_1000']:.0f}"] for r in mv["rows"]]
    return [*lines, f"Persons changing kommune per 1,000 in each age group (simulated: "
            f"{mv['basis']}; reference: SSB 2008, tab-2009-05-07-09).", "",
            *md_table(["age", "simulated", "SSB 2008"], rows), "",
            f"![movers by age]({PLOTS['movers']})", ""]


def report_markdown(m: dict, calibration_note: str = DEFAULT_CALIBRATION_NOTE) -> str:
    """The text of ``validation.md``."""
    head = ["# Backcast validation, 2006–2026", "", f"> {calibration_note}", "",
            "The backcast starts from the real population on 1 January 2006 and runs to "
            "1 January 2026 with observed immigration, emigration, fertility and mortality. "
            "Its kommune populations are compared with the observed ones (SSB, 2024 borders).",
            ""]
    sure = (uncertainty.markdown(m["uncertainty"], period_label(period_key(OUT_OF_SAMPLE)))
            if "uncertainty" in m else [])
    who = age_structure.markdown(m["age_structure"]) if "age_structure" in m else []
    sexes = (sex_balance.markdown(m["sex_balance"], m.get("moves_by_sex"))
             if "sex_balance" in m else [])
    stays = refugee_stays.markdown(m["refugee_stays"]) if "refugee_stays" in m else []
    parts_of_growth = components.markdown(m.get("components", {}))
    acc = accuracy.markdown(m["accuracy"]) if "accuracy" in m else []
    acc += intervals.markdown(m["intervals"]) if "intervals" in m else []
    parts = [head, _verdict_md(m), sure, _references_md(m), _national_md(m), _kommune_md(m),
             acc, _centrality_md(m), parts_of_growth, who, sexes, _mobility_md(m),
             _movers_md(m), stays]
    return "\n".join(line for part in parts for line in part)


def write_report(result, out_dir, calibration_note: str = DEFAULT_CALIBRATION_NOTE,
                 runs: list | None = None) -> Path:
    """Write ``validation.md``, ``validation_metrics.json`` and the plots; return the .md.
    ``runs`` are the runs ``result`` is the mean of (or the one run it is)."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    m = metrics(result, runs)
    write_plots(result, m, out_dir)
    if runs:
        interval_table(result, runs).round(intervals.DECIMALS).to_csv(
            out_dir / intervals.INTERVALS_CSV, index=False)
        (out_dir / intervals.CALIBRATION_JSON).write_text(
            json.dumps(m["intervals"]["calibration"], indent=2, ensure_ascii=False),
            encoding="utf-8")
    (out_dir / "validation_metrics.json").write_text(
        json.dumps(json_safe({"calibration_note": calibration_note, **m}), indent=2,
                   ensure_ascii=False), encoding="utf-8")
    path = out_dir / "validation.md"
    path.write_text(report_markdown(m, calibration_note), encoding="utf-8")
    return path
