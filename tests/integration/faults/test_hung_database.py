"""Fault: a hung database. Another session holds a lock on a published table.

The test's session takes `LOCK TABLE ... IN SHARE MODE` on the first table the publish
writes (readers pass, writers wait), as the ETL role, in an open transaction. The run's
publish waits `database.lock_timeout_seconds` (ABI_DATABASE__LOCK_TIMEOUT_SECONDS of the
stack; CI: 10 s), fails with an error naming the table, sends the on_retry notice, and
retries after the load stage's delay; the lock is released meanwhile, so the retry
publishes and the run completes with version B's tables.
"""

from __future__ import annotations

import json
import time
from typing import Any

import httpx
import pytest
from sqlalchemy.engine import Engine

from etl.config.settings import load_settings
from tests.integration.faults.helpers import (
    Inputs,
    Services,
    application_name,
    etl_run_of,
    held_table_lock,
    record_run_fault,
    restore_sample,
    task_run_named,
    wait_until,
    waiting_etl_sessions,
)
from tests.integration.helpers import (
    Stack,
    assert_completed,
    is_notice_of,
    published_checksums,
    run_sql,
    trigger_run,
    wait_for_terminal_state,
)
from tests.support.receivers import HttpReceiver

pytestmark = pytest.mark.integration

LOCKED_TABLE = "dim_date"  # first in publish order
SLACK_S = 15  # task failure, notice delivery, polling


def _lock_timeout_s(stack: Stack) -> float:
    configured = stack.get("ABI_DATABASE__LOCK_TIMEOUT_SECONDS")
    return float(configured) if configured else load_settings().database.lock_timeout_seconds


def _is_retry_notice(flow_run_id: str):
    of_run = is_notice_of(flow_run_id)
    return lambda record: of_run(record) and record["body"].get("event") == "retry"


def test_publish_gives_up_after_the_lock_timeout_then_retries_and_completes(
    api: httpx.Client,
    etl_engine: Engine,
    stack: Stack,
    stack_webhook: HttpReceiver,
    inputs: Inputs,
) -> None:
    timeout_s = _lock_timeout_s(stack)
    with held_table_lock(etl_engine, LOCKED_TABLE, "SHARE"):
        flow_run_id = trigger_run(api, inputs.b_dir)
        waiting = wait_until(
            lambda: waiting_etl_sessions(etl_engine), "the run's publish waiting for the lock"
        )
        started_waiting = time.monotonic()
        assert LOCKED_TABLE in waiting[0].query
        notices = stack_webhook.wait_for(
            _is_retry_notice(flow_run_id), timeout_s=timeout_s + 120, settle_s=0
        )
        waited = time.monotonic() - started_waiting
        assert notices, f"no on_retry notice within {timeout_s + 120:.0f}s of the lock wait"
        # Bounded: the attempt gave up after the lock timeout, not the task's timeout.
        assert timeout_s - 1 <= waited <= timeout_s + SLACK_S, (
            f"the publish waited {waited:.1f}s for a lock_timeout of {timeout_s}s"
        )
        message = notices[0]["body"]["message"]
        assert "task=publish_staging attempt=1" in message
        assert (
            f"stage=publish table={LOCKED_TABLE} problem=another session holds a lock on it"
            in message
        )
        publish = task_run_named(api, flow_run_id, "publish_staging")
        assert publish is not None
        assert publish["state"]["name"] in {"AwaitingRetry", "Retrying", "Running"}
        # The attempt that gave up left the warehouse as it was (SHARE lets us read).
        assert published_checksums(etl_engine) == inputs.a_checksums
    run = wait_for_terminal_state(api, flow_run_id)
    of_run = is_notice_of(flow_run_id)
    stack_webhook.wait_for(lambda r: of_run(r) and r["body"]["event"] != "retry", 30)
    record_run_fault(
        "hung_database",
        run,
        etl_engine,
        inputs,
        stack_webhook.matching(of_run),
        lock_timeout_s=timeout_s,
        gave_up_after_s=f"{waited:.1f}",
    )

    assert_completed(run)
    publish = task_run_named(api, flow_run_id, "publish_staging")
    assert publish["run_count"] == 2, "one failed attempt, then the retry that published"
    assert published_checksums(etl_engine) == inputs.b_checksums
    record = etl_run_of(etl_engine, flow_run_id)
    assert record["status"] == "completed"
    assert [n["body"]["event"] for n in stack_webhook.matching(of_run)] == ["retry", "success"]
    # Nothing of the lock is left: no ETL session waits; the next run completes.
    assert not waiting_etl_sessions(etl_engine)
    restore_sample(api, etl_engine, inputs)


def test_worker_connections_carry_the_database_settings(
    api: httpx.Client, etl_engine: Engine, services: Services, stack: Stack, inputs: Inputs
) -> None:
    """The settings reach the connections the flow opens (seen by the server while a
    run waits) and those the worker's environment builds (read back from libpq)."""
    timeout_s = _lock_timeout_s(stack)
    with held_table_lock(etl_engine, LOCKED_TABLE, "SHARE"):
        flow_run_id = trigger_run(api)
        wait_until(lambda: waiting_etl_sessions(etl_engine), "the run's publish waiting")
        sessions = run_sql(
            etl_engine,
            "SELECT application_name, usename, client_addr IS NOT NULL AS remote "
            "FROM pg_stat_activity WHERE datname = current_database() "
            "AND application_name = :app",
            app=application_name(),
        )
    assert sessions, "no warehouse session named by database.application_name"
    etl_role = stack.get("ABI_WAREHOUSE_ETL_USER", "abi_etl")
    assert {(s.usename, s.remote) for s in sessions} == {(etl_role, True)}
    probe = (
        "import json; from sqlalchemy import create_engine, text; "
        "from etl.config.settings import load_settings; "
        "engine = create_engine(load_settings().require_warehouse_url()); conn = engine.connect(); "
        "show = lambda name: conn.execute(text("
        "'SELECT setting FROM pg_settings WHERE name = :n'), {'n': name}).scalar(); "
        "dsn = conn.connection.dbapi_connection.get_dsn_parameters(); "
        "print(json.dumps({'lock_timeout': show('lock_timeout'), "
        "'statement_timeout': show('statement_timeout'), "
        "'application_name': show('application_name'), "
        "'dsn': {k: dsn.get(k) for k in ('connect_timeout', 'keepalives', 'keepalives_idle', "
        "'keepalives_interval', 'keepalives_count')}}))"
    )
    seen: dict[str, Any] = json.loads(services.exec("worker", "python", "-c", probe))
    settings = load_settings().database
    # pg_settings gives both in milliseconds.
    assert seen["lock_timeout"] == str(int(timeout_s * 1000))
    assert seen["statement_timeout"] == str(int(settings.statement_timeout_seconds * 1000))
    assert seen["application_name"] == application_name()
    assert seen["dsn"] == {
        "connect_timeout": str(settings.connect_timeout_seconds),
        "keepalives": "1",
        "keepalives_idle": str(settings.keepalives_idle_seconds),
        "keepalives_interval": str(settings.keepalives_interval_seconds),
        "keepalives_count": str(settings.keepalives_count),
    }
    # The run the lock held up retries and completes once the lock is gone.
    assert_completed(wait_for_terminal_state(api, flow_run_id))
    assert published_checksums(etl_engine) == inputs.a_checksums
