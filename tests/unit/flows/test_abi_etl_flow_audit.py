"""A failed audit in flow mode: the same load as standard mode stops before publishing."""

from __future__ import annotations

import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

from etl.config.settings import load_settings
from etl.flows.abi_etl_flow import abi_etl_pipeline
from etl.stages.standard import run_standard

pytestmark = pytest.mark.usefixtures("prefect_api")


def test_failed_audit_fails_the_flow_and_publishes_nothing(warehouse, monkeypatch) -> None:
    run_standard(load_settings())
    before = warehouse.checksums()
    monkeypatch.setenv("ABI_VALIDATION__MIN_YEAR", "2020")
    state = abi_etl_pipeline(return_state=True)
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
    assert "pub_year" in error
