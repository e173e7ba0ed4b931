"""`python -m benchmarks` on a tiny input: the figures are complete and describe the same rows.

Run as `make bench` runs it, from the checkout in a child process: the benchmarks are not
installed, so the entry point must work from the repository root alone.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def test_bench_reports_every_stage_and_every_baseline(pg_url: str, tmp_path: Path) -> None:
    out = tmp_path / "bench"
    command = [sys.executable, "-m", "benchmarks", "--publications", "400", "--companies", "20"]
    result = subprocess.run(
        [*command, "--out", str(out)],
        cwd=ROOT,
        # A terminal, as Rich recognises one: the stages are drawn as bars on stderr.
        env={
            **os.environ,
            "ABI_WAREHOUSE_URL": pg_url,
            "TTY_COMPATIBLE": "1",
            "TTY_INTERACTIVE": "1",
            "COLUMNS": "120",
        },
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    figures = json.loads((out / "bench-400.json").read_text())
    assert json.loads(result.stdout) == figures
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
    assert "bench=summary" in result.stderr
    for bar in ("extract", "validate", "raw_copy_floor", f"{loaded:,} rows"):
        assert bar in result.stderr, bar


def test_bench_without_a_warehouse_url_says_so_in_one_line(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "ABI_WAREHOUSE_URL"}
    result = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--out", str(tmp_path)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr.startswith("error: key=ABI_WAREHOUSE_URL")
    assert list(tmp_path.iterdir()) == []
