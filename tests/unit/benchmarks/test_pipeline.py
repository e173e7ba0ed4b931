"""`python -m benchmarks` on a tiny input: every scenario runs the production path, the
baselines copy the rows it published, and the report's files say so.

Run as `make bench` runs it, from the checkout in a child process: the benchmarks are not
installed, so the entry point must work from the repository root alone. No flow mode
here (its Prefect server takes half a minute to start); tests/unit/flows run the flow.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
PUBLICATIONS = 400
CHANGED, ADDED = 20, 20
STAGES = {"unchanged_check", "extraction", "transformation", "load", "validation", "publish"}


def test_bench_reports_every_scenario_and_baseline(pg_url: str, tmp_path: Path) -> None:
    out = tmp_path / "bench"
    command = [sys.executable, "-m", "benchmarks", "--size", str(PUBLICATIONS)]
    command += ["--companies", "20", "--no-flow", "--small-change", str(CHANGED + ADDED)]
    result = subprocess.run(
        [*command, "--out", str(out)],
        cwd=ROOT,
        # A terminal, as Rich recognises one: the measurements are drawn as bars on stderr.
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
    report = json.loads((out / "bench.json").read_text())
    (size,) = report["sizes"]
    assert json.loads((out / f"bench-{PUBLICATIONS}.json").read_text())["runs"] == size["runs"]
    runs = size["runs"]
    assert set(runs) == {"first_run", "unchanged_night", "small_change"}
    assert {run["status"] for run in runs.values()} == {"completed"}
    first = runs["first_run"]
    assert set(first["stages"]) == STAGES
    assert sum(first["breakdown"].values()) == pytest.approx(first["seconds"], abs=0.05)
    assert first["peak_rss_mb"] > 0
    # The baselines copy exactly the rows the first run published; the same files again
    # publish the same rows.
    published = first["published_rows"]
    assert published > PUBLICATIONS
    assert {b["rows"] for b in size["baselines"].values()} == {published}
    assert set(size["baselines"]) == {"raw_copy_floor", "raw_copy_keyed", "pandas_to_sql"}
    assert runs["unchanged_night"]["published_rows"] == published
    # The same files again: the run proves nothing changed and runs no other stage.
    assert set(runs["unchanged_night"]["stages"]) == {"unchanged_check"}
    # Every added article loads (one clean PubMed row more each); the edited ones still do.
    extracted = first["stage_rows"]["extraction"]
    assert runs["small_change"]["stage_rows"]["extraction"] == extracted + ADDED
    assert runs["small_change"]["published_rows"] > published
    assert size["small_change"] == {"changed": CHANGED, "added": ADDED}
    assert size["ratios"]["first_run_over_floor"] > 0
    assert report["machine"]["nproc"] >= 1
    # The printed table is the written one; the PNG is there.
    assert (out / "bench.txt").read_text() == result.stdout
    assert "first run: abi-etl run --no-prefect" in result.stdout
    assert (out / "bench.png").read_bytes().startswith(b"\x89PNG")
    assert "bench=first_run publications=400" in result.stderr
    # Each run's own log stays beside the report, to see where its time went.
    run_log = (out / "logs" / str(PUBLICATIONS) / "small_change.log").read_text()
    assert "event=run_end" in run_log
    assert "status=completed" in run_log
    for bar in ("first_run", "raw_copy_floor", f"{published:,} rows"):
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
