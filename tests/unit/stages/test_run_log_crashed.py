"""A run whose process died is marked crashed; a run whose process lives stays running.

The holder is a real process (a Python child holding the run lock on its own session,
as a flow run does); "died" is SIGKILL, after which PostgreSQL ends its session.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from etl.config.settings import Settings, load_settings
from etl.stages.context import RunContext
from etl.stages.run_log import holding_run_lock, mark_crashed_runs, record_run_start
from etl.stages.standard import run_standard
from etl.warehouse.locks import RUN_LOCK_NAMESPACE
from tests.support.postgres import query_rows

pytestmark = pytest.mark.postgres

_HOLDER = """
import os, time
from datetime import UTC, datetime
from etl.config.settings import Settings
from etl.stages.context import RunContext
from etl.stages.run_log import holding_run_lock, record_run_start

url, run_id = os.environ["HOLDER_URL"], os.environ["HOLDER_RUN_ID"]
ctx = RunContext(run_id, Settings(), "standard", False, datetime.now(UTC))
with holding_run_lock(url, ctx):
    record_run_start(url, ctx)
    print("holding", flush=True)
    time.sleep(600)
"""


def _ctx(run_id: str) -> RunContext:
    return RunContext(run_id, Settings(), "standard", False, datetime.now(UTC))


def _row(url: str, run_id: str) -> tuple:
    (row,) = query_rows(
        url,
        "SELECT status, ended_at IS NOT NULL, error FROM warehouse.etl_run WHERE run_id = :r",
        r=run_id,
    )
    return row


def _run_locks_held(url: str) -> int:
    (row,) = query_rows(
        url,
        "SELECT count(*) FROM pg_locks l JOIN pg_database d ON d.oid = l.database "
        "WHERE l.locktype = 'advisory' AND l.classid = :ns AND d.datname = current_database()",
        ns=RUN_LOCK_NAMESPACE,
    )
    return row[0]


@pytest.fixture
def holder(pg_url: str) -> Iterator[subprocess.Popen[str]]:
    """A process that started run `held-1` and holds its lock until killed."""
    process = subprocess.Popen(
        [sys.executable, "-c", _HOLDER],
        env={**os.environ, "HOLDER_URL": pg_url, "HOLDER_RUN_ID": "held-1"},
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        assert process.stdout.readline().strip() == "holding"
        yield process
    finally:
        process.kill()
        process.wait(timeout=30)


def test_a_run_whose_process_was_killed_is_marked_crashed(
    pg_url: str, holder: subprocess.Popen[str]
) -> None:
    assert _run_locks_held(pg_url) == 1
    os.kill(holder.pid, signal.SIGKILL)
    holder.wait(timeout=30)
    # PostgreSQL ends the session when it reads the closed socket; not instantly.
    deadline = time.monotonic() + 30
    while _run_locks_held(pg_url) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _row(pg_url, "held-1")[0] == "running"  # nothing recorded the death yet

    assert mark_crashed_runs(pg_url, _ctx("finder-1")) == ["held-1"]

    status, ended, error = _row(pg_url, "held-1")
    assert (status, ended) == ("crashed", True)
    assert error.startswith("crashed: the run's process ended without recording an outcome")
    assert "found by run finder-1" in error
    # the probe holds nothing afterwards, and a second look changes nothing
    assert _run_locks_held(pg_url) == 0
    assert mark_crashed_runs(pg_url, _ctx("finder-2")) == []
    assert "found by run finder-1" in _row(pg_url, "held-1")[2]


def test_a_run_whose_process_is_alive_stays_running(
    pg_url: str, holder: subprocess.Popen[str]
) -> None:
    finder = _ctx("finder-1")
    with holding_run_lock(pg_url, finder):
        record_run_start(pg_url, finder)
        assert mark_crashed_runs(pg_url, finder) == []
    assert holder.poll() is None
    assert _row(pg_url, "held-1") == ("running", False, None)
    # the finder's own row, running under its own (now released) lock, is left alone too
    assert _row(pg_url, "finder-1") == ("running", False, None)
    assert _run_locks_held(pg_url) == 1  # only the holder's


def test_the_next_run_marks_a_dead_run_crashed(warehouse) -> None:
    # A row written as a run starts, whose process then died: no session holds its lock.
    record_run_start(warehouse.url, _ctx("dead-1"))

    summary = run_standard(load_settings())

    assert summary.status == "completed"
    status, ended, error = _row(warehouse.url, "dead-1")
    assert (status, ended) == ("crashed", True)
    assert f"found by run {summary.run_id}" in error
    assert _row(warehouse.url, summary.run_id)[0] == "completed"
    assert _run_locks_held(warehouse.url) == 0
