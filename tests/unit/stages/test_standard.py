import hashlib
import json
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from etl.config.settings import load_settings
from etl.errors import SourceFileError
from etl.stages.standard import run_standard
from etl.warehouse.locks import take_run_lock


def test_standard_mode_publishes_the_sample(warehouse, sample_counts) -> None:
    summary = run_standard(load_settings())
    assert summary.status == "completed"
    warehouse.assert_sample_published(sample_counts["published"])
    rejected = sample_counts["rejected"]
    for source, loaded in sample_counts["loaded"].items():
        counts = summary.sources[source]
        assert counts["loaded"] == loaded
        assert counts["rejected"] == rejected[source]
        assert (
            counts["rows_in_file"] == counts["loaded"] + counts["rejected"] + counts["blank_rows"]
        )
    assert warehouse.scalar("SELECT count(*) FROM warehouse.etl_rejected_row") == sum(
        rejected.values()
    )
    assert warehouse.scalar("SELECT status FROM warehouse.etl_run") == "completed"
    published = warehouse.scalar("SELECT table_counts->>'dim_publication' FROM warehouse.etl_run")
    assert int(published) == sample_counts["published"]["dim_publication"]
    assert summary.validation["skipped"] is False
    assert summary.validation["error_count"] == 0
    # A completed run leaves no intermediate files behind, and archives its inputs.
    paths = load_settings().paths
    assert not (paths.staging_dir / summary.run_id).exists()
    manifest = json.loads((paths.archive_dir / "runs" / f"{summary.run_id}.json").read_text())
    input_checksums = warehouse.scalar("SELECT input_checksums FROM warehouse.etl_run")
    assert {s: e["sha256"] for s, e in manifest["sources"].items()} == input_checksums
    for entry in manifest["sources"].values():
        archived = (paths.archive_dir / entry["archived_as"]).read_bytes()
        assert hashlib.sha256(archived).hexdigest() == entry["sha256"]


def test_second_run_changes_nothing(warehouse) -> None:
    run_standard(load_settings())
    first = warehouse.checksums()
    keys_sql = "SELECT sum(publication_key) FROM warehouse.dim_publication"
    keys = warehouse.scalar(keys_sql)
    # The whole run again: an unchanged night is skipped (test_unchanged.py).
    run_standard(load_settings(), full_refresh=True)
    assert warehouse.checksums() == first
    assert warehouse.scalar(keys_sql) == keys
    completed = "SELECT count(*) FROM warehouse.etl_run WHERE status = 'completed'"
    assert warehouse.scalar(completed) == 2


def test_bad_file_fails_the_run_and_leaves_the_warehouse(warehouse, broken_raw_dir: Path) -> None:
    run_standard(load_settings())
    before = warehouse.checksums()
    with pytest.raises(SourceFileError, match=r"abi_targeted_biotech_dataset_2019_2025.csv.*cik"):
        run_standard(load_settings(raw_dir=broken_raw_dir))
    assert warehouse.checksums() == before
    failed = warehouse.scalar("SELECT error FROM warehouse.etl_run WHERE status = 'failed'")
    assert "cik" in failed
    run_id = warehouse.scalar("SELECT run_id FROM warehouse.etl_run WHERE status = 'failed'")
    # A failed run keeps its intermediate files for inspection.
    assert (load_settings().paths.staging_dir / run_id / "extract").is_dir()


def test_skip_validation_says_so(warehouse) -> None:
    summary = run_standard(load_settings(), skip_validation=True)
    assert summary.status == "completed"
    assert summary.validation["skipped"] is True
    skipped = "SELECT validation_summary->>'skipped' FROM warehouse.etl_run"
    assert warehouse.scalar(skipped) == "true"


def test_run_log_keeps_the_configured_days(warehouse, monkeypatch) -> None:
    monkeypatch.setenv("ABI_RETENTION__RUN_LOG_DAYS", "30")
    first = run_standard(load_settings())
    rejected = warehouse.scalar("SELECT count(*) FROM warehouse.etl_rejected_row")
    assert rejected > 0
    # Age the first run past the retention, and leave a 'running' row just as old.
    engine = create_engine(warehouse.url)
    with engine.begin() as conn:
        conn.execute(
            text("UPDATE warehouse.etl_run SET started_at = started_at - interval '31 days'")
        )
        conn.execute(
            text(
                "INSERT INTO warehouse.etl_run (run_id, mode, started_at, status) "
                "VALUES ('stuck', 'standard', now() - interval '40 days', 'running')"
            )
        )
    # 'stuck' is a live run (its process holds its run lock): old, but neither crashed
    # nor pruned.
    with engine.connect() as holder:
        take_run_lock(holder, "stuck")
        second = run_standard(load_settings())
    engine.dispose()
    runs = warehouse.scalar("SELECT string_agg(run_id, ',' ORDER BY run_id) FROM warehouse.etl_run")
    assert sorted(runs.split(",")) == sorted([second.run_id, "stuck"])
    assert warehouse.scalar("SELECT status FROM warehouse.etl_run WHERE run_id = 'stuck'") == (
        "running"
    )
    assert first.run_id not in runs
    kept = warehouse.scalar("SELECT count(DISTINCT run_id) FROM warehouse.etl_rejected_row")
    assert kept == 1
    assert warehouse.scalar("SELECT count(*) FROM warehouse.etl_rejected_row") == rejected
