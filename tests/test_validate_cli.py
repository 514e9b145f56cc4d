"""`livskraft validate` runs the backcast and writes the report a user reads."""

import json

from typer.testing import CliRunner

from sim.cli import app


def test_validate_writes_the_report(tmp_path):
    out = tmp_path / "val"
    result = CliRunner().invoke(app, ["validate", "--out", str(out),
                                      "--persons-per-agent", "50"])
    assert result.exit_code == 0, result.output
    report = (out / "validation.md").read_text(encoding="utf-8")
    assert "2015→2025" in report and ("PASS" in report or "FAIL" in report)
    assert (out / "backcast" / "moves_by_reason.csv").exists()
    assert (out / "growth_scatter.png").exists() and (out / "movers_by_age.png").exists()
    assert "Age structure by kommune" in report
    ages = json.loads((out / "validation_metrics.json").read_text("utf-8"))["age_structure"]
    assert -1 <= ages["20–29"]["2025"]["r"] <= 1 and ages["67+"]["2015"]["mae_points"] >= 0


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
