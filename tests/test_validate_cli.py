"""`livskraft validate` runs the backcast and writes the report a user reads."""

import json

from typer.testing import CliRunner

from sim.cli import app
from sim.validation import backcast


def test_validate_writes_the_report(tmp_path):
    out = tmp_path / "val"
    result = CliRunner().invoke(app, ["validate", "--out", str(out), "--quick",
                                      "--persons-per-agent", "50"])
    assert result.exit_code == 0, result.output
    # it says first what it runs and how far that is from the reported configuration
    said = " ".join(result.output.split())
    assert said.startswith("validate: 1 backcast run at 50 persons per agent; "
                           "docs/validation.md reports 8 runs at 1 person per agent")
    report = (out / "validation.md").read_text(encoding="utf-8")
    m = json.loads((out / "validation_metrics.json").read_text("utf-8"))
    # the report states each target's verdict as the metrics computed it
    assert len(m["targets"]) == 3
    for t in m["targets"]:
        assert f"**{'PASS' if t['passed'] else 'FAIL'}** — {t['name']}" in report
    # even at 50 persons per agent the backcast keeps Norway's total within the 1 % target
    assert m["national"]["max_abs_error_pct"] < 1.0 and m["national"]["years_compared"] == 21
    assert (out / "backcast" / "moves_by_reason.csv").exists()
    assert (out / "growth_scatter.png").exists() and (out / "movers_by_age.png").exists()
    assert "Age structure by kommune" in report
    # the old of 2015 mostly lived where they live in 2006: their share by kommune follows
    # the observed one even in a coarse run
    assert m["age_structure"]["67+"]["2015"]["r"] > 0.3
    assert "Forecast accuracy as forecasters report it" in report
    assert "at 50 persons per agent" in m["calibration_note"]


def test_the_default_is_the_reported_configuration():
    """`livskraft validate` with no options runs what docs/validation.md reports; --quick the
    coarse check; options given win."""
    assert backcast.configuration(None, None, False)[:2] == (1, 8)
    assert "the configuration docs/validation.md reports" in backcast.configuration(
        None, None, False)[2]
    assert backcast.configuration(None, None, True)[:2] == (10, 1)
    assert backcast.configuration(2, None, True)[:2] == (2, 1)
    assert backcast.configuration(None, 3, False)[:2] == (1, 3)


def test_seeds_in_parallel_give_the_sequential_results(tmp_path):
    """`--workers 2` runs the seeds in a process pool; each run seeds its own generator, so the
    report's figures are those of the seeds run one after the other."""
    figures = {}
    for workers in ("1", "2"):
        out = tmp_path / f"w{workers}"
        result = CliRunner().invoke(app, ["validate", "--out", str(out), "--persons-per-agent",
                                          "200", "--seeds", "2", "--workers", workers])
        assert result.exit_code == 0, result.output
        figures[workers] = json.loads((out / "validation_metrics.json").read_text("utf-8"))
        assert (out / "backcast-seed2" / "kommuner.csv").exists()
        assert "How sure is the verdict" in (out / "validation.md").read_text("utf-8")
    assert figures["1"]["periods"] == figures["2"]["periods"]
    assert figures["1"]["national"] == figures["2"]["national"]
    # how sure the verdict is: two runs give a corrected r, the bootstrap is reproducible
    assert figures["1"]["uncertainty"] == figures["2"]["uncertainty"]
    assert figures["1"]["age_structure"] == figures["2"]["age_structure"]
    assert len(figures["1"]["uncertainty"]["single_run_r"]) == 2
