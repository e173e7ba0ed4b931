"""Fault: the worker container is SIGKILLed while a daily-etl run is Running.

Issue 12, "Worker killed mid-run": killed at the extract stage and at the publish stage,
the run must be Crashed within 5 minutes (the heartbeat automation "run unresponsive"
of `abi-etl register`), its etl_run row crashed (the next run finds its run lock free),
the published tables unchanged, exactly one crash alert at the webhook, and the next run
must complete. A run that completed must stay Completed once the window has passed.

Each kill happens at a point the run provably cannot leave: the test holds a SHARE lock
(reads pass, writes wait) on the table the run writes next, and kills once PostgreSQL
shows the run's session waiting for it:
- extract: warehouse.etl_rejected_row, which the extraction stage writes the rejected
  rows of its extract_source tasks to, before the transform can start;
- publish: every published table, inside the publish transaction of publish_staging.
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine

from etl.warehouse.schema import PUBLISHED_TABLES
from tests.integration.faults.helpers import etl_run_of, record_fault
from tests.integration.helpers import (
    assert_completed,
    is_notice_of,
    published_checksums,
    run_sql,
    service_containers,
    trigger_and_wait,
    trigger_run,
    wait_for_terminal_state,
)
from tests.support.receivers import HttpReceiver

pytestmark = pytest.mark.integration

ZOMBIE_AUTOMATION = "abi-etl daily-etl: run unresponsive"
CRASHED_WITHIN_S = 300  # the bound, from the kill
# Long enough for a duplicate notice to arrive after the first.
ALERT_SETTLE_S = 30
# The table the run is made to wait for at each stage (see the module docstring).
HELD_TABLES = {
    "extract": ["warehouse.etl_rejected_row"],
    "publish": [f"warehouse.{t.name}" for t in PUBLISHED_TABLES],
}
# Task runs the run must (not) have reached when it is killed.
STAGE_TASKS = {
    "extract": ("extract_source", "transform_sources"),
    "publish": ("publish_staging", None),
}


@pytest.fixture(scope="module")
def zombie_window_s(api: httpx.Client) -> float:
    """The window of the registered zombie automation, in seconds."""
    found = api.post("/automations/filter", json={}).raise_for_status().json()
    [automation] = [a for a in found if a["name"] == ZOMBIE_AUTOMATION]
    assert automation["enabled"]
    return float(automation["trigger"]["within"])


@pytest.fixture(scope="module")
def clean_run(api: httpx.Client, stack_webhook: HttpReceiver) -> dict[str, Any]:
    """A run left alone: its published tables are the reference for every other run."""
    run = trigger_and_wait(api)
    assert_completed(run)
    return run


@pytest.fixture(scope="module")
def clean_checksums(clean_run: dict[str, Any], etl_engine: Engine) -> dict[str, Any]:
    return published_checksums(etl_engine)


@contextmanager
def tables_held(engine: Engine, tables: list[str]) -> Iterator[Connection]:
    """Hold SHARE locks on `tables` (reads pass, writes wait) until the block ends."""
    with engine.connect() as conn:
        conn.execute(text(f"LOCK TABLE {', '.join(tables)} IN SHARE MODE"))
        try:
            yield conn
        finally:
            conn.rollback()


def _waiting_on(engine: Engine, tables: list[str], holder: Connection) -> list[str]:
    """Tables another session is waiting to lock (not granted) while `holder` holds them."""
    holder_pid = holder.execute(text("SELECT pg_backend_pid()")).scalar()
    rows = run_sql(
        engine,
        "SELECT DISTINCT l.relation::regclass::text FROM pg_locks l "
        "WHERE NOT l.granted AND l.relation = ANY(CAST(:tables AS regclass[])) "
        "AND l.pid <> :holder",
        tables=tables,
        holder=holder_pid,
    )
    return [name for (name,) in rows]


def _task_runs(api: httpx.Client, flow_run_id: str) -> dict[str, str]:
    """Task name (without its suffix) -> state type, for the task runs the API knows."""
    found = api.post(
        "/task_runs/filter", json={"flow_runs": {"id": {"any_": [flow_run_id]}}}
    ).raise_for_status()
    return {t["name"].split("-")[0]: t["state_type"] for t in found.json()}


def _wait_until_blocked(
    api: httpx.Client, engine: Engine, holder: Connection, flow_run_id: str, stage: str
) -> None:
    tables = HELD_TABLES[stage]
    reached, not_reached = STAGE_TASKS[stage]
    deadline = time.monotonic() + 900
    while True:
        run = api.get(f"/flow_runs/{flow_run_id}").raise_for_status().json()
        state = run["state"]["type"]
        assert state in {"SCHEDULED", "PENDING", "RUNNING"}, f"run ended {state} before the kill"
        tasks = _task_runs(api, flow_run_id)
        if state == "RUNNING" and _waiting_on(engine, tables, holder) and reached in tasks:
            assert not_reached not in tasks, f"run went past {stage}: {sorted(tasks)}"
            return
        if time.monotonic() >= deadline:
            pytest.fail(f"run {flow_run_id} never waited at {stage} (state {state}, {tasks})")
        time.sleep(0.5)


def _kill_workers() -> tuple[list[str], float]:
    workers = service_containers("worker")
    assert workers, "no worker container running"
    for container in workers:
        subprocess.run(
            ["docker", "kill", "--signal", "KILL", container],
            check=True,
            capture_output=True,
            timeout=60,
        )
    return workers, time.time()


def _start(containers: list[str]) -> None:
    subprocess.run(["docker", "start", *containers], check=True, capture_output=True, timeout=120)
    running = service_containers("worker")
    assert set(containers) <= set(running), f"workers not running again: {running}"


def _state_time(run: dict[str, Any]) -> float:
    return datetime.fromisoformat(run["state"]["timestamp"]).astimezone(UTC).timestamp()


@pytest.mark.parametrize("stage", ["extract", "publish"])
def test_worker_killed_mid_run(
    stage: str,
    api: httpx.Client,
    etl_engine: Engine,
    stack_webhook: HttpReceiver,
    clean_checksums: dict[str, Any],
) -> None:
    before = published_checksums(etl_engine)
    assert before == clean_checksums

    # The fault: the worker dies while the run waits inside the stage.
    with tables_held(etl_engine, HELD_TABLES[stage]) as holder:
        flow_run_id = trigger_run(api)
        _wait_until_blocked(api, etl_engine, holder, flow_run_id, stage)
        workers, killed_at = _kill_workers()
    _start(workers)

    # The run is Crashed by the heartbeat automation, within the bound.
    run = wait_for_terminal_state(api, flow_run_id, timeout_s=CRASHED_WITHIN_S + 30)
    took = _state_time(run) - killed_at
    alerts = stack_webhook.wait_for(
        is_notice_of(flow_run_id, "automation"), timeout_s=120, settle_s=ALERT_SETTLE_S
    )
    record_fault(
        f"worker_killed_at_{stage}",
        state=run["state"]["name"],
        seconds_from_kill_to_crashed=f"{took:.1f}",
        warehouse_unchanged=published_checksums(etl_engine) == before,
        crash_alerts=len(alerts),
        hook_notices=len(stack_webhook.matching(is_notice_of(flow_run_id))),
    )
    assert run["state"]["type"] == "CRASHED", run["state"]
    assert took <= CRASHED_WITHIN_S
    assert "No heartbeat for" in run["state"]["message"]
    assert ZOMBIE_AUTOMATION in run["state"]["message"]

    # Nothing was half-published.
    assert published_checksums(etl_engine) == before

    # The crash alert fires once: the "run crashed" automation's notice, and no other
    # (the run's own hooks died with it).
    assert len(alerts) == 1, [a["body"] for a in alerts]
    assert "is Crashed" in str(alerts[0]["body"])
    assert stack_webhook.matching(is_notice_of(flow_run_id)) == []

    # The next run completes, marks the dead run's row crashed, and publishes the same.
    dead = etl_run_of(etl_engine, flow_run_id)
    assert dead["status"] == "running"  # nothing could record the death but another run
    following = trigger_and_wait(api)
    assert_completed(following)
    found_by = etl_run_of(etl_engine, following["id"])
    assert found_by["status"] == "completed"
    dead = etl_run_of(etl_engine, flow_run_id)
    record_fault(
        f"worker_killed_at_{stage}",
        etl_run_after_next_run=dead["status"],
        next_run=following["state"]["name"],
    )
    assert (dead["status"], dead["ended_at"] is not None, dead["error"]) == (
        "crashed",
        True,
        f"crashed: the run's process ended without recording an outcome (killed, or its "
        f"container or machine lost); found by run {found_by['run_id']} because no session "
        "held its run lock",
    )
    assert published_checksums(etl_engine) == clean_checksums
    # The flow run's state is final: the next run did not touch it.
    assert api.get(f"/flow_runs/{flow_run_id}").json()["state"]["type"] == "CRASHED"


def test_a_completed_run_stays_completed_after_the_window(
    api: httpx.Client, clean_run: dict[str, Any], zombie_window_s: float
) -> None:
    """No false positive (PrefectHQ/prefect#18653, #20887): the clean run beat while it
    ran, completed, and is still Completed once the zombie window has passed."""
    flow_run_id = clean_run["id"]
    heartbeats = api.post(
        "/events/filter",
        json={
            "filter": {
                "event": {"name": ["prefect.flow-run.heartbeat"]},
                "resource": {"id": [f"prefect.flow-run.{flow_run_id}"]},
                "occurred": {"since": clean_run["start_time"]},
            },
            "limit": 50,
        },
    ).raise_for_status()
    assert heartbeats.json()["events"], "the run sent no heartbeat"
    ended = datetime.fromisoformat(clean_run["end_time"]).astimezone(UTC).timestamp()
    # Past the window after the last possible heartbeat, and a period of evaluation.
    wait = ended + zombie_window_s + 30 - time.time()
    if wait > 0:
        time.sleep(wait)
    states = api.get("/flow_run_states/", params={"flow_run_id": flow_run_id}).json()
    assert [s["type"] for s in states if s["type"] == "CRASHED"] == []
    assert api.get(f"/flow_runs/{flow_run_id}").json()["state"]["type"] == "COMPLETED"
