"""The advisory locks: a second holder waits in PostgreSQL, then gives up naming the lock."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from etl.errors import TransientError
from etl.warehouse.locks import LOAD_LOCK, hold_session_lock, release_session_lock
from tests.support.loading import load_context, load_frames
from tests.support.staged_frames import staged_frames

pytestmark = pytest.mark.postgres


def _held_by(engine: Engine) -> int:
    with engine.connect() as conn:
        return conn.execute(
            # advisory locks are per database: other databases on the server don't count
            text(
                "SELECT count(*) FROM pg_locks l JOIN pg_database d ON d.oid = l.database "
                "WHERE l.locktype = 'advisory' AND l.objid = :k "
                "AND d.datname = current_database()"
            ),
            {"k": LOAD_LOCK.key},
        ).scalar()


def test_second_run_gives_up_while_the_lock_is_held(
    engine: Engine, migrated_url: str, tmp_path: Path
) -> None:
    with engine.connect() as holder, hold_session_lock(holder, LOAD_LOCK, 1):
        with engine.connect() as other, pytest.raises(TransientError, match="another load"):
            started = time.perf_counter()
            with hold_session_lock(other, LOAD_LOCK, 0.2):
                pass
        assert time.perf_counter() - started >= 0.2
        # the production load, with the load stage's timeout as its wait
        ctx = load_context(migrated_url, tmp_path, lock_timeout_s=0.2)
        with pytest.raises(TransientError, match=r"lock=load .*another load is running"):
            load_frames(ctx, staged_frames())
    assert _held_by(engine) == 0
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM warehouse.dim_company")).scalar() == 0


def test_a_waiting_run_proceeds_as_soon_as_the_holder_lets_go(engine: Engine) -> None:
    with engine.connect() as holder, engine.connect() as waiter:
        with holder.begin():
            holder.execute(text("SELECT pg_advisory_lock(:k)"), {"k": LOAD_LOCK.key})
        timer = threading.Timer(0.3, lambda: release_session_lock(holder, LOAD_LOCK))
        timer.start()
        started = time.perf_counter()
        with hold_session_lock(waiter, LOAD_LOCK, 10):
            waited = time.perf_counter() - started
            assert _held_by(engine) == 1
        timer.join()
    # woken by the server, not by a polling interval
    assert 0.25 <= waited < 2
    assert _held_by(engine) == 0


def test_the_lock_is_released_when_the_block_fails(engine: Engine) -> None:
    with engine.connect() as conn:
        with pytest.raises(ZeroDivisionError), hold_session_lock(conn, LOAD_LOCK, 1):
            assert _held_by(engine) == 1
            _ = 1 / 0
        assert _held_by(engine) == 0


def test_releasing_a_lock_not_held_is_an_error(engine: Engine) -> None:
    with engine.connect() as conn, pytest.raises(RuntimeError, match="not held"):
        release_session_lock(conn, LOAD_LOCK)


def test_a_session_that_died_during_the_block_ends_it_without_error(
    engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    """A restarted server kills the holder's session: the lock went with it, and the
    finished block must not turn into a failure when the release finds no session."""
    with engine.connect() as holder, hold_session_lock(holder, LOAD_LOCK, 1):
        pid = holder.execute(text("SELECT pg_backend_pid()")).scalar()
        holder.commit()
        with engine.begin() as killer:
            killer.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        assert _held_by(engine) == 0
    assert "event=lock_lost lock=load" in caplog.text
