"""A backfill run's wait for the run before it, so that the runs publish in their order.

A backfill (etl.deploy.backfill) starts run k+1 as soon as run k is Running, on another
worker: k+1 extracts and transforms while k loads. Before its own load, k+1 waits here
until run k's run lock is free (the lock every run holds for its whole life,
etl.warehouse.locks; the wait is PostgreSQL's, no polling), then reads run k's
`etl_run` row: only a completed run k lets k+1 load. A failed k stops k+1 with an error
naming k, so that a later snapshot never publishes over a gap in the order.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from sqlalchemy import create_engine, pool, select
from sqlalchemy.engine import Connection

from etl.errors import EtlError, TransientError
from etl.stages.context import RunContext
from etl.stages.summary import StageOutcome
from etl.warehouse.locks import wait_for_run_end
from etl.warehouse.schema import etl_run

logger = logging.getLogger(__name__)


class PreviousRunError(EtlError):
    """The backfill's previous run did not complete: this run must not publish after it.

    Not transient: retrying cannot make the previous run complete.
    """


@dataclass(frozen=True)
class PreviousRun:
    flow_run_id: str
    run_id: str
    status: str
    error: str | None

    def raise_unless_completed(self) -> None:
        if self.status != "completed":
            raise PreviousRunError(
                f"previous_flow_run_id={self.flow_run_id} previous_run_id={self.run_id} "
                f"status={self.status} problem=the backfill's previous run did not complete, "
                f"so this run does not publish after it (error of that run: {self.error})"
            )


def _read(conn: Connection, flow_run_id: str) -> PreviousRun | None:
    # The newest row: a flow run retried by Prefect records one row per attempt.
    row = conn.execute(
        select(etl_run.c.run_id, etl_run.c.status, etl_run.c.error)
        .where(etl_run.c.flow_run_id == flow_run_id)
        .order_by(etl_run.c.started_at.desc())
        .limit(1)
    ).first()
    if row is None:
        return None
    return PreviousRun(flow_run_id, row.run_id, row.status, row.error)


def wait_for_previous_run(ctx: RunContext) -> StageOutcome:
    """Wait until the run `ctx.after_flow_run_id` names has ended; fail unless it completed."""
    flow_run_id = ctx.after_flow_run_id
    if flow_run_id is None:
        raise ValueError("wait_for_previous_run needs ctx.after_flow_run_id")
    started = time.perf_counter()
    engine = create_engine(ctx.settings.require_warehouse_url(), poolclass=pool.NullPool)
    try:
        with engine.connect() as conn:
            with conn.begin():
                found = _read(conn, flow_run_id)
            if found is None:
                # The backfill starts this run once the previous one is Running, which
                # records its row within a second; if that has not happened yet the
                # load stage's retries wait for it, and a run that never starts fails
                # this one once they run out.
                raise TransientError(
                    f"previous_flow_run_id={flow_run_id} problem=no etl_run row yet: that "
                    "run has not started its pipeline"
                )
            wait_for_run_end(conn, found.run_id, ctx.settings.stages.load.timeout_seconds)
            with conn.begin():
                ended = _read(conn, flow_run_id)
    finally:
        engine.dispose()
    if ended is None:
        raise PreviousRunError(
            f"previous_flow_run_id={flow_run_id} problem=its etl_run row vanished while "
            "this run waited (run log pruned?)"
        )
    ended.raise_unless_completed()
    outcome = StageOutcome("previous_run", time.perf_counter() - started)
    logger.info(
        "event=previous_run_completed run_id=%s previous_flow_run_id=%s previous_run_id=%s "
        "waited_seconds=%.2f",
        ctx.run_id,
        flow_run_id,
        ended.run_id,
        outcome.seconds,
    )
    return outcome
