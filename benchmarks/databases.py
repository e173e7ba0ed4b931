"""Throwaway databases on a server, and a quiet server before each measurement."""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, pool, text
from sqlalchemy.engine import URL

from etl.warehouse.tables import qi


@contextmanager
def fresh_database(server: URL) -> Iterator[str]:
    """URL of a new, empty database on `server` (the role needs CREATEDB), dropped after."""
    name = f"abi_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT", poolclass=pool.NullPool)
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {qi(name)}"))
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {qi(name)} WITH (FORCE)"))
        admin.dispose()


def settle(server: URL) -> None:
    """Flush dirty pages (ours and the server's) so a measurement never pays for the last."""
    os.sync()
    admin = create_engine(server, isolation_level="AUTOCOMMIT", poolclass=pool.NullPool)
    with admin.connect() as conn:
        superuser = conn.execute(
            text("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        ).scalar()
        # The previous load's autovacuum would otherwise run during this measurement.
        while conn.execute(
            text("SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'autovacuum worker'")
        ).scalar():
            time.sleep(0.5)
        if superuser:
            conn.execute(text("CHECKPOINT"))
    admin.dispose()
    os.sync()
