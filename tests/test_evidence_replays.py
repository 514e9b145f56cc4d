"""The replays of ``livskraft evidence``: each measures what its study measured, moves it the
way the evidence says, and is judged against the study's range."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from sim.cli import app
from sim.validation import evidence


def test_a_higher_arbeidsgiveravgift_costs_jobs_and_passes_a_third_to_wages():
    """Ku, Schönberg and Schreiner (2020): the 2004 rise cut local jobs; Stokke (2021) and
    Samfunnsøkonomisk analyse (2018): employers bear most of a change."""
    found = evidence._pair(("arbeidsgiveravgift", 50, 1))
    assert found["jobs_change"] < 0
    assert 0.0 <= found["wage_pass_through"] <= 0.5


def test_the_tax_relief_draws_young_adults_to_the_zone_and_fades():
    """Norut Alta (2012:2): the zone's personal measures recruit and keep 18-40-year-olds;
    Vista Analyse (2022): the effect of a new measure fades within ten years."""
    gain = evidence._pair(("tiltakssone", 10, 1))["young_gain_by_year"]
    peak = max(gain.values())
    assert gain[evidence.START + evidence.ZONE_EFFECT_YEAR] > 0
    assert gain[evidence.START + evidence.ZONE_YEARS] < peak


def test_opening_jobs_draws_people_to_a_small_kommune(monkeypatch):
    """Telemarksforsking's fit: net in-migration rises with job growth (400 jobs here, so
    the direction stands out from chance in one seed)."""
    monkeypatch.setattr(evidence, "JOB_SHOCK", 400)
    found = evidence._pair(("jobs", 10, 1))
    assert found["extra_net_in_migration"] > 0


def test_mentees_are_employed_more_often_than_arrivals_without_a_mentor():
    found = evidence._pair(("mentoring", 100, 1))["counts"]
    (em, nm), (en, nn) = found["mentored"], found["not_mentored"]
    assert nm > 100 and nn > 100
    assert em / nm > en / nn


def test_verdicts_follow_the_study_range_and_sign():
    ev = {"employment_ratio_year_one": {"low": 1.2, "central": 1.5, "high": 2.0}}
    runs = [{"counts": {"mentored": [60, 100], "not_mentored": [40, 100]}}] * 3
    assert evidence._judge_mentoring(runs, ev)["verdict"] == "within the studies' range"
    runs = [{"counts": {"mentored": [41, 100], "not_mentored": [40, 100]}}] * 3
    assert evidence._judge_mentoring(runs, ev)["verdict"] == "outside the studies' range"
    aga = {"wage_pass_through": {"low": 0.0, "central": 0.3, "high": 0.5},
           "employment_sign_of_a_rise": -1}
    falling = [{"wage_pass_through": 0.3, "jobs_change": -0.01 - i / 100} for i in range(3)]
    assert evidence._judge_aga(falling, aga)["verdict"] == (
        "wages within the studies' range; jobs direction as the studies")
    rising = [{"wage_pass_through": 0.7, "jobs_change": 0.01} for _ in range(3)]
    assert evidence._judge_aga(rising, aga)["verdict"] == (
        "wages outside the studies' range; jobs direction not reproduced")


def test_livskraft_evidence_writes_its_report(tmp_path):
    out = tmp_path / "ev"
    result = CliRunner().invoke(app, ["evidence", "--persons-per-agent", "200", "--seeds", "1",
                                      "--workers", "1", "--out", str(out)])
    assert result.exit_code == 0, result.output
    report = json.loads((out / "evidence.json").read_text("utf-8"))
    assert len(report["replays"]) == 5
    assert all(r["verdict"] for r in report["replays"])
    text = (out / "evidence.md").read_text("utf-8")
    assert "arbeidsgiveravgift" in text and "smoke test" in text
