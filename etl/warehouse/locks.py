"""Advisory locks that serialise the runs loading one warehouse, and mark a run alive.

Two locks serialise the loads, one pattern. The session-level LOAD_LOCK is held by a run
from its write to staging until its publish has committed: staging is shared, so a second
run waits instead of rewriting it under the first one's audit or publish. The
transaction-level PUBLISH_LOCK is taken inside the publish transaction itself, so that
nothing else ever publishes at the same time, whatever called it.

Both wait inside PostgreSQL under `lock_timeout` (no polling loop: the waiter is queued
and woken by the server the moment the holder lets go), and a wait that runs out is a
TransientError naming the lock, so that the stage's retry policy decides what happens next.

A third lock marks a run alive: each run holds its own RUN lock (keyed by its run id, in
the two-int key space: no bigint key above can collide with it) on a session of its own
for as long as it runs. Its `etl_run` row says `running` only while that lock is held; a
process that dies (SIGKILL, lost container) drops its session and so the lock, and the
next run finds the row's lock free and marks it crashed (etl.stages.run_log).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from psycopg2 import errors as pg_errors
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError, OperationalError

from etl.errors import TransientError

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class AdvisoryLock:
    name: str
    key: int
    holder: str  # who holds it, for the message of a wait that ran out


LOAD_LOCK = AdvisoryLock("load", 0x4142494C, "another load is running")  # "ABIL"
PUBLISH_LOCK = AdvisoryLock("publish", 0x41424950, "another run is publishing")  # "ABIP"
# First half of a run's lock key (pg_advisory_lock(int4, int4)); the second is
# hashtext(run_id). A collision only delays the crash finding for one row.
RUN_LOCK_NAMESPACE = 0x41424952  # "ABIR"
_RUN_KEY = "(:namespace, hashtext(:run_id))"


@contextmanager
def naming_lock_waits(waiter: str, timeout_s: float | None = None) -> Iterator[None]:
    """Turn a wait that ran out of `lock_timeout` into a TransientError naming the waiter.

    PostgreSQL only says "canceling statement due to lock timeout"; the run's error must
    say what was waiting, so that an operator knows which session to look for.
    """
    try:
        yield
    except OperationalError as exc:
        if isinstance(exc.orig, pg_errors.LockNotAvailable):
            waited = (
                f"{timeout_s:.1f}s" if timeout_s is not None else "database.lock_timeout_seconds"
            )
            raise TransientError(f"{waiter}; gave up after {waited}") from exc
        raise


def _wait_for(conn: Connection, lock: AdvisoryLock, function: str, timeout_s: float) -> None:
    """Take `lock` with `function` inside the caller's open transaction."""
    conn.execute(text(f"SET LOCAL lock_timeout = '{max(1, int(timeout_s * 1000))}ms'"))
    started = time.perf_counter()
    waiter = f"lock={lock.name} key={lock.key} problem={lock.holder}"
    with naming_lock_waits(waiter, timeout_s):
        conn.execute(text(f"SELECT {function}(:key)"), {"key": lock.key})
    # The statements that follow in the transaction keep no lock_timeout of ours.
    conn.execute(text("SET LOCAL lock_timeout = DEFAULT"))
    logger.info(
        "event=lock_acquired lock=%s key=%d waited_seconds=%.2f",
        lock.name,
        lock.key,
        time.perf_counter() - started,
    )


def take_transaction_lock(conn: Connection, lock: AdvisoryLock, timeout_s: float) -> None:
    """Take `lock` until the end of the transaction `conn` is in."""
    _wait_for(conn, lock, "pg_advisory_xact_lock", timeout_s)


@contextmanager
def hold_session_lock(conn: Connection, lock: AdvisoryLock, timeout_s: float) -> Iterator[None]:
    """Hold `lock` on `conn`'s session for the duration of the block.

    `conn` must not be in a transaction: the lock is taken in a short transaction of its
    own and outlives it. If the connection dies, PostgreSQL releases the lock with it.
    """
    with conn.begin():
        _wait_for(conn, lock, "pg_advisory_lock", timeout_s)
    try:
        yield
    except BaseException:
        # The block's error is the one to report. If it killed the connection, the
        # server has released the lock with the session; say so, and re-raise the cause.
        try:
            release_session_lock(conn, lock)
        except DBAPIError as unlock_error:
            logger.warning(
                "event=lock_release_failed lock=%s key=%d error=%s",
                lock.name,
                lock.key,
                type(unlock_error.orig).__name__,
            )
        raise
    try:
        release_session_lock(conn, lock)
    except DBAPIError as exc:
        # The session died during the block (a restarted server): the server dropped the
        # lock with it, and the guarded work is done (its publish committed in its own
        # transaction, under PUBLISH_LOCK), so failing here would make a run that
        # published report failure. Any other error still raises.
        if not exc.connection_invalidated:
            raise
        logger.warning(
            "event=lock_lost lock=%s key=%d reason=session_ended_during_the_block",
            lock.name,
            lock.key,
        )


def release_session_lock(conn: Connection, lock: AdvisoryLock) -> None:
    released = conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": lock.key}).scalar()
    conn.commit()
    if not released:
        raise RuntimeError(f"lock={lock.name} key={lock.key} problem=not held by this session")


def take_run_lock(conn: Connection, run_id: str) -> None:
    """Take run `run_id`'s lock on `conn`'s session; it lasts until the session ends.

    A run id is new, so the lock is free: finding it held means a second process claims
    the same run, which is a bug, not a wait.
    """
    with conn.begin():
        taken = conn.execute(
            text(f"SELECT pg_try_advisory_lock{_RUN_KEY}"),
            {"namespace": RUN_LOCK_NAMESPACE, "run_id": run_id},
        ).scalar()
    if not taken:
        raise RuntimeError(f"lock=run run_id={run_id} problem=held by another session")
    logger.info("event=lock_acquired lock=run run_id=%s", run_id)


def run_lock_is_free(conn: Connection, run_id: str) -> bool:
    """Whether no session holds run `run_id`'s lock, i.e. its process is gone.

    Probes with a transaction-level lock, so the probe itself holds nothing once the
    caller's transaction ends; a run whose lock is held stays untouched.
    """
    return bool(
        conn.execute(
            text(f"SELECT pg_try_advisory_xact_lock{_RUN_KEY}"),
            {"namespace": RUN_LOCK_NAMESPACE, "run_id": run_id},
        ).scalar()
    )


def wait_for_run_end(conn: Connection, run_id: str, timeout_s: float) -> None:
    """Block until no session holds run `run_id`'s lock, i.e. that run has ended.

    The wait is PostgreSQL's own (the caller is queued behind the holder and woken when
    it lets go), under `lock_timeout`; the lock is taken at transaction level and so let
    go again as soon as the caller's transaction ends. A wait that runs out is a
    TransientError naming the run.
    """
    with conn.begin():
        conn.execute(text(f"SET LOCAL lock_timeout = '{max(1, int(timeout_s * 1000))}ms'"))
        started = time.perf_counter()
        with naming_lock_waits(
            f"lock=run run_id={run_id} problem=that run is still going", timeout_s
        ):
            conn.execute(
                text(f"SELECT pg_advisory_xact_lock{_RUN_KEY}"),
                {"namespace": RUN_LOCK_NAMESPACE, "run_id": run_id},
            )
    logger.info(
        "event=run_end_awaited run_id=%s waited_seconds=%.2f",
        run_id,
        time.perf_counter() - started,
    )
