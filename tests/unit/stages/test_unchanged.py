"""An unchanged night is skipped, says so, and leaves the published rows untouched; any
difference the check can see (a file, a setting, a write to the warehouse, --full-refresh)
runs the whole pipeline."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from sqlalchemy import create_engine, pool, text

from etl.config.settings import load_settings
from etl.errors import SourceFileError
from etl.stages.context import new_run_context
from etl.stages.standard import run_standard
from etl.stages.summary import RunSummary
from etl.stages.unchanged import check_unchanged
from etl.warehouse.schema import PUBLISHED_TABLES
from tests.support.postgres import query_rows
from tests.support.sample_files import COMPANIES, sample_copy

pytestmark = pytest.mark.postgres

ROW_VERSIONS = " UNION ALL ".join(
    f"SELECT '{t.name}', ctid::text, xmin::text, xmax::text FROM warehouse.{t.name}"
    for t in PUBLISHED_TABLES
)


def _commit(url: str, sql: str) -> None:
    """One statement, committed: a write by hand, as an operator would make it."""
    engine = create_engine(url, poolclass=pool.NullPool)
    try:
        with engine.begin() as conn:
            conn.execute(text(sql))
    finally:
        engine.dispose()


def _run_row(url: str, run_id: str) -> dict[str, object]:
    engine = create_engine(url, poolclass=pool.NullPool)
    try:
        with engine.connect() as conn:
            row = conn.execute(
                text("SELECT * FROM warehouse.etl_run WHERE run_id = :id"), {"id": run_id}
            )
            return dict(row.mappings().one())
    finally:
        engine.dispose()


def _rejected(url: str, run_id: str) -> list[tuple]:
    return query_rows(
        url,
        "SELECT source, file, row_number, column_name, reason, message, raw::text "
        "FROM warehouse.etl_rejected_row WHERE run_id = :id ORDER BY source, row_number",
        id=run_id,
    )


def _assert_ran_fully(summary: RunSummary) -> None:
    assert summary.status == "completed"
    assert summary.skipped_because is None
    assert {"extraction", "transformation", "publish"} <= summary.stages.keys()


def _reason(caplog: pytest.LogCaptureFixture, run: RunSummary) -> str:
    """The run's own `event=unchanged_check` line."""
    start = f"event=unchanged_check run_id={run.run_id} "
    (line,) = [r.getMessage() for r in caplog.records if r.getMessage().startswith(start)]
    return line


def test_a_second_run_on_the_same_files_is_skipped(warehouse, caplog) -> None:
    first = run_standard(load_settings())
    _assert_ran_fully(first)
    versions = query_rows(warehouse.url, ROW_VERSIONS)
    checksums = warehouse.checksums()
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="etl"):
        second = run_standard(load_settings())

    assert second.status == "completed"
    assert second.skipped_because.startswith(f"inputs_unchanged last_run_id={first.run_id}:")
    assert list(second.stages) == ["unchanged_check"]
    # Not one published row was written: same row versions, same content.
    assert query_rows(warehouse.url, ROW_VERSIONS) == versions
    assert warehouse.checksums() == checksums

    recorded = _run_row(warehouse.url, second.run_id)
    matched = _run_row(warehouse.url, first.run_id)
    assert recorded["status"] == "completed"
    assert recorded["skipped_because"] == second.skipped_because
    assert matched["skipped_because"] is None
    assert recorded["full_refresh"] is False
    for column in (
        "input_checksums",
        "table_checksums",
        "table_counts",
        "source_counts",
        "fingerprint",
        "publish_generation",
        "unknown_technologies",
    ):
        assert recorded[column] == matched[column], column
    assert recorded["input_checksums"]
    assert recorded["validation_summary"] is None  # it validated nothing
    # Its own rejected rows, the same as the run it matched: the counts still reconcile.
    assert _rejected(warehouse.url, second.run_id) == _rejected(warehouse.url, first.run_id)
    assert len(_rejected(warehouse.url, second.run_id)) == sum(
        counts["rejected"] for counts in recorded["source_counts"].values()
    )
    messages = [r.getMessage() for r in caplog.records]
    assert f"reason=inputs_unchanged last_run_id={first.run_id}" in _reason(caplog, second)
    assert any(
        m.startswith(f"event=run_skipped run_id={second.run_id} reason=inputs_unchanged")
        for m in messages
    )
    assert any(
        m.startswith(f"summary=pipeline run_id={second.run_id} status=completed skipped=True")
        for m in messages
    )

    # The chain holds: the next night compares with the skipped run, and skips too.
    third = run_standard(load_settings())
    assert third.skipped_because.startswith(f"inputs_unchanged last_run_id={second.run_id}:")


def test_a_changed_file_runs_fully(warehouse, tmp_path: Path, caplog) -> None:
    raw = sample_copy(tmp_path)
    run_standard(load_settings(raw_dir=raw))
    with (raw / COMPANIES).open("ab") as companies:
        companies.write(b"\n")  # one more blank row: other bytes, same rows
    with caplog.at_level(logging.INFO, logger="etl"):
        second = run_standard(load_settings(raw_dir=raw))
    _assert_ran_fully(second)
    assert "reason=input_changed" in _reason(caplog, second)
    assert "source=biotech_companies" in _reason(caplog, second)
    assert _run_row(warehouse.url, second.run_id)["skipped_because"] is None


def test_full_refresh_runs_fully_and_says_so(warehouse, caplog) -> None:
    run_standard(load_settings())
    with caplog.at_level(logging.INFO, logger="etl"):
        forced = run_standard(load_settings(), full_refresh=True)
    _assert_ran_fully(forced)
    assert "reason=full_refresh" in _reason(caplog, forced)
    recorded = _run_row(warehouse.url, forced.run_id)
    assert recorded["full_refresh"] is True
    assert recorded["skipped_because"] is None


def test_a_manual_edit_of_a_published_table_is_not_skipped_over(warehouse, caplog) -> None:
    run_standard(load_settings())
    published = warehouse.checksums()
    edit = (
        "UPDATE warehouse.dim_company SET ticker = 'EDIT' "
        "WHERE company_key = (SELECT min(company_key) FROM warehouse.dim_company)"
    )
    _commit(warehouse.url, edit)
    assert warehouse.checksums() != published
    with caplog.at_level(logging.INFO, logger="etl"):
        second = run_standard(load_settings())
    _assert_ran_fully(second)
    assert "reason=warehouse_changed" in _reason(caplog, second)
    # The full run put the published tables back to what the files say.
    assert warehouse.checksums() == published


def test_a_changed_setting_is_not_skipped(warehouse, monkeypatch, caplog) -> None:
    run_standard(load_settings())
    monkeypatch.setenv("ABI_VALIDATION__MAX_NULL_RATIO", "0.06")
    with caplog.at_level(logging.INFO, logger="etl"):
        second = run_standard(load_settings())
    _assert_ran_fully(second)
    assert "reason=fingerprint_changed" in _reason(caplog, second)
    assert "changed=settings_sha256" in _reason(caplog, second)


def test_a_different_flag_is_not_skipped(warehouse, caplog) -> None:
    run_standard(load_settings())
    with caplog.at_level(logging.INFO, logger="etl"):
        second = run_standard(load_settings(), skip_validation=True)
    _assert_ran_fully(second)
    assert "changed=skip_validation" in _reason(caplog, second)


def test_a_failed_last_run_is_not_the_reference(warehouse, broken_raw_dir: Path) -> None:
    completed = run_standard(load_settings())
    with pytest.raises(SourceFileError, match="cik"):
        run_standard(load_settings(raw_dir=broken_raw_dir))
    failed = "SELECT count(*) FROM warehouse.etl_run WHERE status = 'failed'"
    assert warehouse.scalar(failed) == 1
    # The last completed run is the reference, never the failed one after it.
    third = run_standard(load_settings())
    assert third.skipped_because.startswith(f"inputs_unchanged last_run_id={completed.run_id}:")


def test_a_run_that_published_and_then_failed_is_not_skipped_over(warehouse, caplog) -> None:
    """A failed run may still have published (its archive failed afterwards): the write
    counter it moved keeps the next run from matching the completed run before it."""
    run_standard(load_settings())
    # What a publish by a run that then failed leaves: a committed write, a failed row.
    _commit(warehouse.url, "UPDATE warehouse.dim_technology SET display_name = display_name")
    _commit(
        warehouse.url,
        "INSERT INTO warehouse.etl_run (run_id, mode, started_at, status) "
        "VALUES ('published-then-failed', 'standard', now(), 'failed')",
    )
    with caplog.at_level(logging.INFO, logger="etl"):
        second = run_standard(load_settings())
    _assert_ran_fully(second)
    assert "reason=warehouse_changed" in _reason(caplog, second)


def test_a_backfill_run_is_never_skipped(warehouse) -> None:
    """Its previous run may not have published yet when it checks: it runs fully."""
    run_standard(load_settings())
    ctx = new_run_context(load_settings(), "prefect", after_flow_run_id="previous-flow-run")
    verdict = check_unchanged(ctx)
    assert (verdict.unchanged, verdict.reason) == (False, "backfill")
    assert verdict.fingerprint  # recorded all the same, for the next night's comparison
    plain = check_unchanged(new_run_context(load_settings(), "prefect"))
    assert (plain.unchanged, plain.reason) == (True, "inputs_unchanged")
