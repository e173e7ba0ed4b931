"""Advisory locks that serialise loads of one warehouse.

Staging is shared by all runs, so a run holds the session-level load lock from its
write until its publish has committed: a second run waits instead of rewriting staging
under the first one's audit or publish. (The publish transaction additionally takes its
own transaction-level lock, see publish.PUBLISH_LOCK_KEY.)

Call these on a connection that is not inside a transaction block: each call commits
its own short transaction, while the session lock outlives it until released or until
the connection closes.
"""

from __future__ import annotations

import logging
import time

from sqlalchemy import text
from sqlalchemy.engine import Connection

from etl.errors import TransientError

logger = logging.getLogger(__name__)

LOAD_LOCK_KEY = 0x4142494C  # "ABIL"
DEFAULT_LOAD_LOCK_TIMEOUT_S = 1800.0
_POLL_SECONDS = 0.5


def _try_lock(conn: Connection) -> bool:
    acquired = conn.execute(
        text("SELECT pg_try_advisory_lock(:key)"), {"key": LOAD_LOCK_KEY}
    ).scalar()
    conn.commit()
    return bool(acquired)


def acquire_load_lock(conn: Connection, timeout_s: float = DEFAULT_LOAD_LOCK_TIMEOUT_S) -> None:
    """Take the load lock, waiting up to `timeout_s` for another run to finish."""
    started = time.monotonic()
    while not _try_lock(conn):
        if time.monotonic() - started >= timeout_s:
            raise TransientError(
                f"lock=load key={LOAD_LOCK_KEY} problem=another load is running; "
                f"gave up after {timeout_s:.1f}s"
            )
        time.sleep(_POLL_SECONDS)
    logger.info(
        "event=load_lock_acquired key=%d waited_seconds=%.2f",
        LOAD_LOCK_KEY,
        time.monotonic() - started,
    )


def release_load_lock(conn: Connection) -> None:
    released = conn.execute(
        text("SELECT pg_advisory_unlock(:key)"), {"key": LOAD_LOCK_KEY}
    ).scalar()
    conn.commit()
    if not released:
        raise RuntimeError(f"lock=load key={LOAD_LOCK_KEY} problem=not held by this session")
