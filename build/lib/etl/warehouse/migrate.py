"""Bring a warehouse database to the latest schema revision.

Alembic is configured in code (no alembic.ini): the migration scripts ship inside the
package, and the database URL always comes from the caller.
"""

from __future__ import annotations

import logging
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, pool
from sqlalchemy.engine import Connection

from etl.warehouse.grants import assign_etl_owner, grant_bi_read_only

logger = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).with_name("migrations")


def alembic_config(url: str | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if url is not None:
        # ConfigParser interpolation would choke on a '%' in an escaped password.
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:
        raise RuntimeError(f"no migration scripts in {MIGRATIONS_DIR}")
    return head


def current_revision(conn: Connection) -> str | None:
    return MigrationContext.configure(conn).get_current_revision()


def upgrade_connection(
    conn: Connection, bi_role: str | None = None, etl_role: str | None = None
) -> str:
    """Upgrade through `conn` (committed by the caller); returns the head revision."""
    config = alembic_config()
    config.attributes["connection"] = conn
    before = current_revision(conn)
    command.upgrade(config, "head")
    after = current_revision(conn)
    if etl_role is not None:
        assign_etl_owner(conn, etl_role)
    if bi_role is not None:
        grant_bi_read_only(conn, bi_role, owner=etl_role)
    logger.info("event=warehouse_upgraded from_revision=%s to_revision=%s", before, after)
    if after is None:
        raise RuntimeError("upgrade finished without a current revision")
    return after


def upgrade(url: str, bi_role: str | None = None, etl_role: str | None = None) -> str:
    """Upgrade the database at `url` to head, idempotently; returns the head revision.

    With `etl_role`, hands every warehouse object to that role; with `bi_role`, also
    (re)applies the read-only grants for that BI role. Both run in the same transaction.
    """
    engine = create_engine(url, poolclass=pool.NullPool)
    try:
        with engine.begin() as conn:
            return upgrade_connection(conn, bi_role, etl_role)
    finally:
        engine.dispose()
