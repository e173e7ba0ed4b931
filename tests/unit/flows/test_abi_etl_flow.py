"""The "ABI ETL Pipeline" flow against a real (temporary) Prefect API and PostgreSQL."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import (
    FlowRunFilter,
    FlowRunFilterId,
    LogFilter,
    LogFilterFlowRunId,
)
from prefect.settings import PREFECT_API_URL
from sqlalchemy.exc import OperationalError

from etl.config.settings import load_settings
from etl.flows.abi_etl_flow import abi_etl_pipeline
from etl.flows.artifacts import ARTIFACT_KEYS
from etl.stages import load as load_stage
from etl.stages import transform as transform_stage
from etl.stages.standard import run_standard
from tests.unit.conftest import sample_manifest_counts

# Where each row of dim_company is and which transaction wrote it: equal after a run
# that wrote nothing.
COMPANY_ROW_VERSIONS = (
    "SELECT string_agg(ctid::text || '@' || xmin::text, ',' ORDER BY ctid) "
    "FROM warehouse.dim_company"
)
# The pipeline summary's stage table, in run order.
STAGE_NAMES = ("extraction", "transformation", "load", "validation", "publish")

pytestmark = pytest.mark.usefixtures("prefect_api")


def flow_run_id(state: Any) -> UUID:
    return state.state_details.flow_run_id


def task_runs(run_id: UUID) -> dict[str, Any]:
    with get_client(sync_client=True) as client:
        runs = client.read_task_runs(
            flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[run_id]))
        )
    return {run.name: run for run in runs}


def artifacts(run_id: UUID) -> dict[str, Any]:
    with get_client(sync_client=True) as client:
        found = client.read_artifacts(
            flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[run_id]))
        )
    return {a.key: a for a in found if a.key}


@pytest.fixture
def fast_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    for stage in ("extraction", "transformation", "load", "validation"):
        monkeypatch.setenv(f"ABI_STAGES__{stage.upper()}__RETRY_DELAY_SECONDS", "0")


def test_flow_publishes_the_sample_with_five_artifacts(warehouse, sample_counts) -> None:
    state = abi_etl_pipeline(return_state=True)
    assert state.is_completed()
    warehouse.assert_sample_published(sample_counts["published"])

    run_id = flow_run_id(state)
    names = set(task_runs(run_id))
    assert {
        "extract_source-trl_predictions",
        "extract_source-pubmed_articles",
        "extract_source-biotech_companies",
    } <= names
    assert any(n.startswith("transform_sources") for n in names)
    assert any(n.startswith("write_staging") for n in names)
    assert any(n.startswith("audit_staging") for n in names)
    assert any(n.startswith("publish_staging") for n in names)

    found = artifacts(run_id)
    assert set(ARTIFACT_KEYS) <= set(found)
    extraction = {row["source"]: row for row in json.loads(found["extraction-summary"].data)}
    assert extraction["pubmed_articles"]["loaded"] == sample_counts["loaded"]["pubmed_articles"]
    assert extraction["biotech_companies"]["rejected"] == 5
    published = sample_counts["published"]
    assert f"| dim_publication | {published['dim_publication']} |" in (
        found["transformation-summary"].data
    )
    assert f"| fact_financial | {published['fact_financial']} |" in found["loading-summary"].data
    assert "errors: 0" in found["validation-summary"].data
    assert "status: completed" in found["pipeline-summary"].data
    stage_rows = [
        line.split("|")[1:4:2]
        for line in found["pipeline-summary"].data.splitlines()
        if line.startswith("| ") and line.split("|")[1].strip() in STAGE_NAMES
    ]
    assert [name.strip() for name, _ in stage_rows] == list(STAGE_NAMES)
    assert int(stage_rows[0][1]) == sum(sample_counts["loaded"].values())
    assert found["loading-progress"].data == 100.0
    flow_run = warehouse.scalar("SELECT flow_run_id FROM warehouse.etl_run WHERE mode = 'prefect'")
    assert flow_run == str(run_id)


def test_transient_load_failure_is_retried(
    warehouse, sample_counts, fast_retries, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = load_stage.write_staging
    calls: list[int] = []

    def flaky(*args: Any) -> Any:
        calls.append(1)
        if len(calls) == 1:
            raise OperationalError("COPY", {}, Exception("server closed the connection"))
        return real(*args)

    monkeypatch.setattr(load_stage, "write_staging", flaky)
    state = abi_etl_pipeline(return_state=True)
    assert state.is_completed()
    assert len(calls) == 2
    (write,) = [r for n, r in task_runs(flow_run_id(state)).items() if n.startswith("write_st")]
    assert write.run_count == 2
    financials = warehouse.scalar("SELECT count(*) FROM warehouse.fact_financial")
    assert financials == sample_counts["published"]["fact_financial"]


def test_data_error_fails_at_once(warehouse, fast_retries, broken_raw_dir: Path) -> None:
    state = abi_etl_pipeline(raw_dir=str(broken_raw_dir), return_state=True)
    assert state.is_failed()
    runs = task_runs(flow_run_id(state))
    extract = runs["extract_source-biotech_companies"]
    assert extract.state.is_failed()
    assert extract.run_count == 1  # three retries configured, none used
    assert "cik" in warehouse.scalar("SELECT error FROM warehouse.etl_run")


def test_stage_over_its_timeout_fails_timed_out(warehouse, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ABI_STAGES__TRANSFORMATION__TIMEOUT_SECONDS", "1")
    monkeypatch.setenv("ABI_STAGES__TRANSFORMATION__RETRIES", "0")

    def slow(*args: Any) -> Any:
        # Short sleeps: a timeout in a worker thread interrupts Python code between
        # calls (as in real, chunked stage work), not inside one long blocking call.
        for _ in range(300):
            time.sleep(0.1)

    monkeypatch.setattr(transform_stage, "transform_sources", slow)
    started = time.monotonic()
    state = abi_etl_pipeline(return_state=True)
    assert state.is_failed()
    assert time.monotonic() - started < 25
    (transform,) = [
        r for n, r in task_runs(flow_run_id(state)).items() if n.startswith("transform_sources")
    ]
    assert transform.state.name == "TimedOut"


def test_flow_and_standard_mode_publish_identical_tables(warehouse) -> None:
    assert abi_etl_pipeline(return_state=True).is_completed()
    by_flow = warehouse.checksums()
    run_standard(load_settings(), full_refresh=True)
    assert warehouse.checksums() == by_flow


def test_an_unchanged_night_completes_skipped_and_says_so(warehouse, http_receiver, monkeypatch):
    monkeypatch.setenv("ABI_NOTIFICATIONS__WEBHOOK_URL", http_receiver.url)
    first = abi_etl_pipeline(return_state=True)
    versions = warehouse.scalar(COMPANY_ROW_VERSIONS)
    second = abi_etl_pipeline(return_state=True)
    assert first.is_completed() and second.is_completed()
    assert second.name == "Completed"
    summary = second.result()
    assert summary.skipped_because.startswith("inputs_unchanged last_run_id=")

    run_id = flow_run_id(second)
    names = set(task_runs(run_id))
    assert any(n.startswith("check_unchanged") for n in names)
    assert not any(n.startswith(("extract_source", "publish_staging")) for n in names)
    pipeline = artifacts(run_id)["pipeline-summary"].data
    assert "status: completed" in pipeline
    assert f"skipped: {summary.skipped_because}" in pipeline
    assert warehouse.scalar(COMPANY_ROW_VERSIONS) == versions
    skipped = warehouse.scalar(
        f"SELECT skipped_because FROM warehouse.etl_run WHERE flow_run_id = '{run_id}'"
    )
    assert skipped == summary.skipped_because

    notice = http_receiver.received[-1]["body"]
    assert notice["event"] == "success"
    assert notice["flow_run_id"] == str(run_id)
    assert f"Skipped, nothing changed: {summary.skipped_because}" in notice["text"]
    published = sample_manifest_counts()["published"]
    assert notice["counts"]["fact_financial"] == published["fact_financial"]


def test_notifications_arrive_for_success_and_failure(
    warehouse, http_receiver, smtp_receiver, broken_raw_dir: Path, monkeypatch
) -> None:
    monkeypatch.setenv("ABI_NOTIFICATIONS__WEBHOOK_URL", http_receiver.url)
    monkeypatch.setenv("ABI_NOTIFICATIONS__SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("ABI_NOTIFICATIONS__SMTP_PORT", str(smtp_receiver.port))
    monkeypatch.setenv("ABI_NOTIFICATIONS__EMAIL_RECIPIENTS", '["data-team@example.org"]')

    ok = abi_etl_pipeline(return_state=True)
    failed = abi_etl_pipeline(raw_dir=str(broken_raw_dir), return_state=True)
    assert ok.is_completed() and failed.is_failed()

    bodies = [hook["body"] for hook in http_receiver.received]
    assert [b["event"] for b in bodies] == ["success", "failure"]
    success, failure = bodies
    assert success["flow_run_id"] == str(flow_run_id(ok))
    assert success["state"] == "Completed"
    published = sample_manifest_counts()["published"]
    assert success["counts"]["fact_financial"] == published["fact_financial"]
    assert success["duration_seconds"] > 0
    assert success["ui_url"].endswith(f"/runs/flow-run/{flow_run_id(ok)}")
    assert failure["state"] == "Failed"
    assert "cik" in failure["text"]

    subjects = [m["Subject"] for m in smtp_receiver.messages]
    assert subjects == [
        "[abi-etl] ABI ETL Pipeline: Completed",
        "[abi-etl] ABI ETL Pipeline: Failed",
    ]
    assert smtp_receiver.messages[0]["To"] == "data-team@example.org"


# `abi-etl run` as a user starts it: its own process, Prefect imported there, by the CLI.


def abi_etl_run(
    tmp_path: Path, *args: str, api: bool = True, **env: str
) -> subprocess.CompletedProcess[str]:
    """`abi-etl run ARGS` against the test API (`api`), or Prefect's temporary local one."""
    merged = {**os.environ, "PREFECT_HOME": str(tmp_path / "prefect-home"), **env}
    merged.pop("PREFECT_API_URL", None)
    if api:
        merged["PREFECT_API_URL"] = PREFECT_API_URL.value()
    command = [str(Path(sys.executable).with_name("abi-etl")), "run", *args]
    return subprocess.run(
        command, check=False, cwd=tmp_path, env=merged, capture_output=True, text=True, timeout=600
    )


def test_stage_log_lines_reach_the_flow_run_logs(warehouse, tmp_path: Path) -> None:
    result = abi_etl_run(tmp_path)
    assert result.returncode == 0, result.stderr
    run_id = warehouse.scalar("SELECT flow_run_id FROM warehouse.etl_run WHERE mode = 'prefect'")
    with get_client(sync_client=True) as client:
        logs = client.read_logs(LogFilter(flow_run_id=LogFilterFlowRunId(any_=[UUID(run_id)])))
    messages = [log.message for log in logs]
    assert any("stage=transform " in m and "tables=8" in m for m in messages)
    assert any(m.startswith("stage=extract source=pubmed_articles") for m in messages)
    # Lines logged outside the flow stay on the console, without Prefect's warning.
    assert "event=run_finished" in result.stderr
    assert "without a flow run id" not in result.stderr


def test_data_error_prints_one_line_and_logs_the_traceback_at_debug(
    warehouse, fast_retries, broken_raw_dir: Path, tmp_path: Path
) -> None:
    quiet = abi_etl_run(tmp_path, "--raw-dir", str(broken_raw_dir))
    assert quiet.returncode == 2
    assert "Traceback" not in quiet.stderr
    path = broken_raw_dir / "abi_targeted_biotech_dataset_2019_2025.csv"
    errors = [line for line in quiet.stderr.splitlines() if line.startswith("error:")]
    assert errors == [f"error: file={path} problem=missing required column(s): cik"]

    debug = abi_etl_run(tmp_path, "--raw-dir", str(broken_raw_dir), ABI_LOG_LEVEL="DEBUG")
    assert debug.returncode == 2
    assert "level=DEBUG logger=prefect.flow_runs Encountered exception" in debug.stderr
    assert "Traceback (most recent call last)" in debug.stderr


def test_local_api_mode_sends_no_telemetry_and_draws_the_stages(warehouse, tmp_path: Path) -> None:
    terminal = {"TTY_COMPATIBLE": "1", "TTY_INTERACTIVE": "1", "COLUMNS": "120"}
    result = abi_etl_run(tmp_path, api=False, **terminal)
    assert result.returncode == 0, result.stderr
    assert "Starting temporary server" in result.stderr  # the mode under test
    for word in ("analytics", "telemetry", "traceback"):
        assert word not in result.stderr.lower(), word
    for bar in ("extract", "3,675 rows", "transform_sources", "publish_staging", "14,783 rows"):
        assert bar in result.stderr, bar
    assert warehouse.scalar("SELECT status FROM warehouse.etl_run") == "completed"
