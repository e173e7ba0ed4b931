"""Fault: `prefect-server` restarted during a run.

The test holds the run's load lock (the advisory lock a second run waits on), so the
run is surely in progress, waiting in PostgreSQL, while the server restarts; then lets
it go. The run ends in a final state that Prefect, `etl_run` and the notice agree on.
"""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from etl.warehouse.locks import LOAD_LOCK
from tests.integration.faults.helpers import (
    Inputs,
    Services,
    application_name,
    etl_run_of,
    record_run_fault,
    restore_sample,
    run_and_wait,
    wait_until,
)
from tests.integration.helpers import (
    TERMINAL_STATES,
    assert_completed,
    is_notice_of,
    published_checksums,
    run_sql,
    trigger_run,
    wait_for_terminal_state,
)
from tests.support.receivers import HttpReceiver

pytestmark = pytest.mark.integration

RECORDED = {"COMPLETED": "completed", "FAILED": "failed", "CRASHED": "failed"}


def _waiting_for_load_lock(engine: Engine) -> list[object]:
    return run_sql(
        engine,
        "SELECT a.pid FROM pg_stat_activity a JOIN pg_locks l ON l.pid = a.pid "
        "WHERE a.application_name = :app AND l.locktype = 'advisory' AND NOT l.granted "
        "AND l.objid = :key",
        app=application_name(),
        key=LOAD_LOCK.key,
    )


def test_server_restarted_during_a_run(
    api: httpx.Client,
    etl_engine: Engine,
    services: Services,
    stack_webhook: HttpReceiver,
    inputs: Inputs,
) -> None:
    with etl_engine.connect() as holder:
        holder.execute(text("SELECT pg_advisory_lock(:key)"), {"key": LOAD_LOCK.key})
        holder.commit()
        try:
            flow_run_id = trigger_run(api)
            wait_until(lambda: _waiting_for_load_lock(etl_engine), "the run waiting to load")
            services.restart("prefect-server")
            services.wait_healthy("prefect-server")
        finally:
            holder.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": LOAD_LOCK.key})
            holder.commit()
    run = wait_for_terminal_state(api, flow_run_id)

    state = run["state"]["type"]
    assert state in TERMINAL_STATES
    record = etl_run_of(etl_engine, flow_run_id)
    assert record["status"] == RECORDED.get(state), (
        f"Prefect says {run['state']['name']} ({run['state']['message']}), "
        f"etl_run says {record['status']} ({record['error']})"
    )
    notices = stack_webhook.wait_for(is_notice_of(flow_run_id), timeout_s=60, settle_s=2)
    record_run_fault("prefect_server_restarted", run, etl_engine, inputs, notices)
    expected = "success" if state == "COMPLETED" else "failure"
    assert [n["body"]["event"] for n in notices] == [expected]
    # Version A over A: complete and unchanged are the same tables.
    assert published_checksums(etl_engine) == inputs.a_checksums
    if state != "COMPLETED":
        restore_sample(api, etl_engine, inputs)
    else:
        # The next run completes, through the restarted server.
        assert_completed(run_and_wait(api))
