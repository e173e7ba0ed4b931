"""Fault: `warehouse-db` restarted during the load.

The test holds the run inside its publish transaction (a SHARE lock on the first table
the publish writes), then restarts the warehouse container: the publish's connection
and the run's load-lock session die with the server. Either the task retries and the
run completes with version B's tables, or the run fails with the warehouse still A;
whichever, Prefect's state, `etl_run` and the notice say the same, and the next run
completes.
"""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy.engine import Engine

from tests.integration.faults.helpers import (
    Inputs,
    Services,
    etl_run_of,
    held_table_lock,
    record_run_fault,
    restore_sample,
    wait_until,
    waiting_etl_sessions,
)
from tests.integration.helpers import (
    is_notice_of,
    published_checksums,
    trigger_run,
    wait_for_terminal_state,
)
from tests.support.receivers import HttpReceiver

pytestmark = pytest.mark.integration

LOCKED_TABLE = "dim_date"  # first in publish order


def test_warehouse_restarted_during_the_publish(
    api: httpx.Client,
    etl_engine: Engine,
    services: Services,
    stack_webhook: HttpReceiver,
    inputs: Inputs,
) -> None:
    with held_table_lock(etl_engine, LOCKED_TABLE, "SHARE"):
        flow_run_id = trigger_run(api, inputs.b_dir)
        wait_until(lambda: waiting_etl_sessions(etl_engine), "the run inside its publish")
        services.restart("warehouse-db")
    services.wait_healthy("warehouse-db")
    etl_engine.dispose()  # the pool's connections died with the server
    run = wait_for_terminal_state(api, flow_run_id)

    state = run["state"]["type"]
    record = etl_run_of(etl_engine, flow_run_id)
    tables = published_checksums(etl_engine)
    notices = stack_webhook.wait_for(is_notice_of(flow_run_id), timeout_s=60, settle_s=2)
    final = [n["body"]["event"] for n in notices if n["body"]["event"] != "retry"]
    record_run_fault("warehouse_db_restarted", run, etl_engine, inputs, notices)
    if state == "COMPLETED":
        assert record["status"] == "completed"
        assert tables == inputs.b_checksums, "completed, so the warehouse is all of B"
        assert record["table_checksums"], "a completed run records its table checksums"
        assert final == ["success"]
    else:
        assert state == "FAILED", f"run ended {run['state']['name']}: {run['state']['message']}"
        assert record["status"] == "failed" and record["error"]
        assert tables == inputs.a_checksums, "failed, so the warehouse is unchanged"
        assert final == ["failure"]
    # The next run completes.
    restore_sample(api, etl_engine, inputs)
