"""`abi-etl bench` on a tiny input: the figures are complete and describe the same rows."""

import json
from pathlib import Path

from typer.testing import CliRunner

from etl.cli.main import app


def test_bench_reports_every_stage_and_every_baseline(
    pg_url: str, tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.setenv("ABI_WAREHOUSE_URL", pg_url)
    out = tmp_path / "bench"
    result = CliRunner().invoke(
        app, ["bench", "--publications", "400", "--companies", "20", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    figures = json.loads((out / "bench-400.json").read_text())
    assert set(figures["stages"]) == {"extract", "transform", "load", "validate", "reload"}
    assert set(figures["baselines"]) == {"raw_copy_floor", "raw_copy_keyed", "pandas_to_sql"}
    assert figures["stages"]["extract"]["rows"] >= 400 + 100  # publications + TRL rows at least
    # The baselines copy exactly the rows the load published.
    loaded = figures["stages"]["load"]["rows"]
    assert figures["baselines"]["raw_copy_floor"]["rows"] == loaded
    assert figures["baselines"]["raw_copy_keyed"]["rows"] == loaded
    assert figures["baselines"]["pandas_to_sql"]["rows"] == loaded
    assert figures["load_over_raw_copy"] > 0
    assert figures["load_over_raw_copy_keyed"] > 0
    assert figures["stages"]["reload"]["rows"] == loaded
    assert figures["reload_over_raw_copy"] > 0
    assert figures["peak_rss_mb"] > 0
