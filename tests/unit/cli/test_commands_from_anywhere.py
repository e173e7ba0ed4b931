"""The installed command works from any folder, and says how to find the source files."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
SAMPLE = REPO / "data" / "sample"
NO_PATH_OVERRIDES = {
    name: None
    for name in (
        "ABI_RAW_DIR",
        "ABI_PATHS__STAGING_DIR",
        "ABI_PATHS__ARCHIVE_DIR",
        "ABI_PATHS__DATA_DOCS_DIR",
    )
}
FORCED_TERMINAL = {"TTY_COMPATIBLE": "1", "TTY_INTERACTIVE": "1", "COLUMNS": "120"}


def test_config_show_outside_the_repository_reads_the_project_file(abi_etl) -> None:
    result = abi_etl("config", "show", env={"ABI_CONFIG": None, **NO_PATH_OVERRIDES})
    assert result.returncode == 0, result.stderr
    first, *rest = result.stdout.splitlines()
    assert first == f"# config: {REPO / 'config' / 'pipeline.yaml'} (from project)"
    assert f"  raw_dir: {REPO / 'data' / 'raw'}" in rest
    assert f"  staging_dir: {REPO / 'var' / 'staging'}" in rest


def test_run_from_elsewhere_uses_the_folders_of_its_config(
    abi_etl, warehouse, sample_counts, tmp_path: Path
) -> None:
    project = tmp_path / "project"
    (project / "config").mkdir(parents=True)
    shutil.copy(REPO / "config" / "pipeline.yaml", project / "config" / "pipeline.yaml")
    shutil.copytree(SAMPLE, project / "data" / "raw")
    elsewhere = tmp_path / "elsewhere"

    result = abi_etl(
        "run",
        "--no-prefect",
        cwd=elsewhere,
        env={"ABI_CONFIG": str(project / "config" / "pipeline.yaml"), **NO_PATH_OVERRIDES},
    )
    assert result.returncode == 0, result.stderr
    warehouse.assert_sample_published(sample_counts["published"])
    (manifest,) = (project / "var" / "archive" / "runs").glob("*.json")
    assert json.loads(manifest.read_text())["run_id"] in result.stderr
    assert list(elsewhere.iterdir()) == []  # nothing written where the command ran
    # No terminal: plain key=value lines only, no progress bar.
    assert "\x1b[" not in result.stderr
    assert all(line.startswith("ts=") for line in result.stderr.splitlines())
    assert "event=run_finished" in result.stderr


def test_missing_source_file_says_how_to_point_at_the_files(
    abi_etl, pipeline_env, tmp_path: Path
) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    result = abi_etl("run", "--no-prefect", env={"ABI_RAW_DIR": str(empty)})
    assert result.returncode == 2
    error, hint = result.stderr.splitlines()[-2:]
    assert error.startswith(f"error: file={empty}/") and "problem=missing file" in error
    assert "--raw-dir DIR" in hint and "ABI_RAW_DIR" in hint and "paths.raw_dir" in hint
    assert f"the committed sample is in {SAMPLE}" in hint


def test_sample_on_a_terminal_shows_a_bar_per_file(abi_etl, tmp_path: Path) -> None:
    shown = abi_etl("sample", "--out", str(tmp_path / "tty"), env=FORCED_TERMINAL)
    assert shown.returncode == 0, shown.stderr
    assert "\x1b[" in shown.stderr
    for bar in ("write trl_predictions", "write pubmed_articles", "3,000 rows", "3,712 rows"):
        assert bar in shown.stderr, bar

    plain = abi_etl("sample", "--out", str(tmp_path / "plain"))
    assert plain.returncode == 0, plain.stderr
    assert "\x1b[" not in plain.stderr and "rows " not in plain.stderr
    lines = plain.stderr.splitlines()
    assert all(line.startswith("ts=") for line in lines)
    assert "event=sample_written" in lines[-1] and "rows=3712" in lines[-1]
