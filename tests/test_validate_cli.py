"""`livskraft validate` runs the backcast and writes the report a user reads."""

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
