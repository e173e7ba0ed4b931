"""A backfill run waits for the run before it, then loads only if that one completed.

Real PostgreSQL: the previous run is a real session holding its run lock, as a flow run
does for its whole life; its end is that session letting go.
"""

from __future__ import annotations

import threading
import time
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from sqlalchemy import create_engine, pool, text

from etl.config.settings import Settings, StageSettings, StagesSettings
from etl.errors import TransientError
from etl.stages.context import RunContext
from etl.stages.previous_run import PreviousRunError, wait_for_previous_run
from etl.stages.run_log import record_run_start
from etl.warehouse.locks import take_run_lock

pytestmark = pytest.mark.postgres

PREVIOUS_FLOW_RUN = "11111111-2222-3333-4444-555555555555"


def _settings(url: str) -> Settings:
    return Settings(warehouse_url=url)


def _previous(url: str) -> RunContext:
    ctx = RunContext(
        "prev-1", _settings(url), "prefect", False, datetime.now(UTC), PREVIOUS_FLOW_RUN
    )
    record_run_start(url, ctx)
    return ctx


def _next(url: str) -> RunContext:
    return RunContext(
        "next-1",
        _settings(url),
        "prefect",
        False,
        datetime.now(UTC),
        "66666666-7777-8888-9999-000000000000",
        after_flow_run_id=PREVIOUS_FLOW_RUN,
    )


def _set_status(url: str, run_id: str, status: str, error: str | None = None) -> None:
    engine = create_engine(url, poolclass=pool.NullPool)
    try:
        with engine.begin() as conn:
            conn.execute(
                text("UPDATE warehouse.etl_run SET status = :s, error = :e WHERE run_id = :r"),
                {"s": status, "e": error, "r": run_id},
            )
    finally:
        engine.dispose()


def test_waits_for_the_previous_run_to_end_then_goes_on(pg_url: str) -> None:
    previous = _previous(pg_url)
    holder = create_engine(pg_url, poolclass=pool.NullPool)
    conn = holder.connect()
    take_run_lock(conn, previous.run_id)

    def finish() -> None:
        time.sleep(1.5)
        _set_status(pg_url, previous.run_id, "completed")
        conn.close()  # the previous run's process ends: its lock goes with its session

    ender = threading.Thread(target=finish)
    started = time.monotonic()
    ender.start()
    try:
        outcome = wait_for_previous_run(_next(pg_url))
    finally:
        ender.join()
        holder.dispose()
    assert time.monotonic() - started >= 1.5
    assert outcome.stage == "previous_run"
    assert outcome.seconds >= 1.4


def test_a_previous_run_that_failed_stops_this_one_naming_it(pg_url: str) -> None:
    previous = _previous(pg_url)
    _set_status(pg_url, previous.run_id, "failed", "DataQualityError: check=x failed")
    with pytest.raises(PreviousRunError) as raised:
        wait_for_previous_run(_next(pg_url))
    message = str(raised.value)
    assert f"previous_flow_run_id={PREVIOUS_FLOW_RUN}" in message
    assert "previous_run_id=prev-1 status=failed" in message
    assert "DataQualityError: check=x failed" in message


def test_a_previous_run_without_its_row_yet_is_a_transient_error(pg_url: str) -> None:
    record_run_start(pg_url, _next(pg_url))  # the schema and another run's row exist
    with pytest.raises(TransientError, match=f"previous_flow_run_id={PREVIOUS_FLOW_RUN}"):
        wait_for_previous_run(_next(pg_url))


def test_a_previous_run_that_stays_running_runs_out_the_load_timeout(pg_url: str) -> None:
    previous = _previous(pg_url)
    short = StagesSettings(load=StageSettings(retries=0, retry_delay_seconds=0, timeout_seconds=1))
    ctx = replace(_next(pg_url), settings=Settings(warehouse_url=pg_url, stages=short))
    holder = create_engine(pg_url, poolclass=pool.NullPool)
    try:
        with holder.connect() as conn:
            take_run_lock(conn, previous.run_id)
            with pytest.raises(TransientError, match="lock=run run_id=prev-1"):
                wait_for_previous_run(ctx)
    finally:
        holder.dispose()
