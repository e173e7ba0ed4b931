"""A failed audit in flow mode: the load the flow shares with standard mode stops before
publishing, the flow run fails, and the warehouse stays as it was."""

from __future__ import annotations

from pathlib import Path

import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

from etl.flows.abi_etl_flow import abi_etl_pipeline
from tests.support.sample_files import COMPANIES, SAMPLE_DIR, cut_file, sample_copy

pytestmark = pytest.mark.usefixtures("prefect_api")


def test_failed_audit_fails_the_flow_and_publishes_nothing(warehouse, tmp_path: Path) -> None:
    assert abi_etl_pipeline(return_state=True).is_completed()
    before = warehouse.checksums()
    # A companies file cut at 40% of its bytes: the volume guard fails the audit.
    raw = sample_copy(tmp_path, "raw-today")
    cut_file(SAMPLE_DIR / COMPANIES, raw / COMPANIES, 0.4)

    state = abi_etl_pipeline(raw_dir=str(raw), return_state=True)
    assert state.is_failed()
    assert warehouse.checksums() == before
    with get_client(sync_client=True) as client:
        runs = client.read_task_runs(
            flow_run_filter=FlowRunFilter(
                id=FlowRunFilterId(any_=[state.state_details.flow_run_id])
            )
        )
    assert not any(run.name.startswith("publish_staging") for run in runs)
    audit = [run for run in runs if run.name.startswith("audit_staging")]
    assert len(audit) == 1 and audit[0].state.is_completed()
    error = warehouse.scalar("SELECT error FROM warehouse.etl_run WHERE status = 'failed'")
    assert "check=volume_guard" in error and "source=biotech_companies" in error
