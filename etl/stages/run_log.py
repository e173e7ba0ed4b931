"""The run's own record: `etl_run`, one row per run (its rejected rows: rejected_rows.py).

Written outside the publish transaction on purpose: a failed run must leave its trace
(status, error, rejects) even though the published tables stay as they were.

A run whose process dies (SIGKILL, lost container) records nothing; so each run holds
its run lock (etl.warehouse.locks) on a connection of its own while it runs, and every
run marks `crashed` the `running` rows whose lock nobody holds any more.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

from sqlalchemy import create_engine, delete, func, insert, pool, select, update
from sqlalchemy.engine import Connection

from etl.stages.context import RunContext
from etl.stages.summary import RunSummary
from etl.warehouse.locks import run_lock_is_free, take_run_lock
from etl.warehouse.migrate import upgrade
from etl.warehouse.schema import etl_run

logger = logging.getLogger(__name__)


@contextmanager
def _transaction(url: str) -> Iterator[Connection]:
    engine = create_engine(url, poolclass=pool.NullPool)
    try:
        with engine.begin() as conn:
            yield conn
    finally:
        engine.dispose()


CRASHED_ERROR = (
    "crashed: the run's process ended without recording an outcome (killed, or its "
    "container or machine lost); found by run {finder} because no session held its run lock"
)


@contextmanager
def holding_run_lock(url: str, ctx: RunContext) -> Iterator[None]:
    """Hold the run's lock on a connection of its own for the duration of the block.

    Taken before the run's row exists, so that no other run ever sees the row `running`
    without its lock. Closing the connection (or the process dying) releases it.
    """
    engine = create_engine(url, poolclass=pool.NullPool)
    try:
        with engine.connect() as conn:
            take_run_lock(conn, ctx.run_id)
            yield
    finally:
        engine.dispose()


def mark_crashed_runs(url: str, ctx: RunContext) -> list[str]:
    """Mark `crashed` the other runs still `running` whose run lock no session holds.

    Their process died without recording an outcome; `running` would otherwise stay
    forever. A row whose holder is alive is left alone; a row its own run settles
    meanwhile keeps that run's outcome (the update re-reads its status).
    """
    with _transaction(url) as conn:
        candidates = conn.execute(
            select(etl_run.c.run_id).where(
                etl_run.c.status == "running", etl_run.c.run_id != ctx.run_id
            )
        ).scalars()
        # Few rows (normally none): one probe each, so no lock is probed for a settled run.
        dead = [run_id for run_id in candidates.all() if run_lock_is_free(conn, run_id)]
        if not dead:
            return []
        crashed = (
            conn.execute(
                update(etl_run)
                .where(etl_run.c.run_id.in_(dead), etl_run.c.status == "running")
                .values(
                    status="crashed",
                    ended_at=func.now(),
                    error=CRASHED_ERROR.format(finder=ctx.run_id),
                )
                .returning(etl_run.c.run_id)
            )
            .scalars()
            .all()
        )
    for run_id in crashed:
        logger.warning("event=run_marked_crashed run_id=%s found_by=%s", run_id, ctx.run_id)
    return sorted(crashed)


def record_run_start(url: str, ctx: RunContext) -> None:
    # The run row must be writable before anything else, so the schema comes first.
    upgrade(url)
    with _transaction(url) as conn:
        conn.execute(
            insert(etl_run).values(
                run_id=ctx.run_id,
                flow_run_id=ctx.flow_run_id,
                mode=ctx.mode,
                started_at=ctx.started_at,
                status="running",
                skip_validation=ctx.skip_validation,
                allow_shrink=ctx.allow_shrink,
                full_refresh=ctx.full_refresh,
            )
        )


def prune_run_log(url: str, ctx: RunContext) -> int:
    """Delete the runs that started more than `retention.run_log_days` before this one,
    with their rejected rows (ON DELETE CASCADE); a run still marked running is kept."""
    days = ctx.settings.retention.run_log_days
    cutoff = ctx.started_at - timedelta(days=days)
    with _transaction(url) as conn:
        pruned = conn.execute(
            delete(etl_run).where(etl_run.c.started_at < cutoff, etl_run.c.status != "running")
        ).rowcount
    logger.info(
        "event=run_log_pruned run_id=%s runs=%d older_than_days=%d", ctx.run_id, pruned, days
    )
    return pruned


def unknown_technologies(summary: RunSummary) -> dict[str, int] | None:
    """Technology -> articles naming it, for those the TRL file does not know.

    None when the run stopped before the transform knew them; `{}` when there were none.
    """
    transformed = summary.stages.get("transformation")
    if transformed is None:
        # None, or those of the run a skipped run matched (etl.stages.unchanged).
        return summary.unknown_technologies
    return dict(transformed.details.get("unknown_technology_articles", {}))


def record_run_end(url: str, ctx: RunContext, summary: RunSummary) -> None:
    with _transaction(url) as conn:
        conn.execute(
            update(etl_run)
            .where(etl_run.c.run_id == ctx.run_id)
            .values(
                ended_at=datetime.now(UTC),
                status=summary.status,
                source_counts={
                    name: {
                        k: s[k]
                        for k in ("rows_in_file", "loaded", "rejected", "blank_rows", "cleaned")
                    }
                    for name, s in summary.sources.items()
                },
                table_counts=summary.table_counts,
                input_checksums={name: s["sha256"] for name, s in summary.sources.items()},
                table_checksums=summary.table_checksums,
                validation_summary=summary.validation or None,
                unknown_technologies=unknown_technologies(summary),
                error=summary.error,
                skipped_because=summary.skipped_because,
                fingerprint=summary.fingerprint or None,
                publish_generation=summary.publish_generation,
            )
        )
