"""Alembic environment, driven programmatically by etl.warehouse.migrate (no alembic.ini).

The caller puts either an open Connection in `config.attributes["connection"]` or a URL
in the `sqlalchemy.url` main option. Only the project's schemas are compared, so other
objects in the database (alembic's own version table in `public`, extensions) are ignored.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine, pool, text
from sqlalchemy.engine import Connection

from etl.warehouse.schema import ANALYTICS_SCHEMA, STAGING_SCHEMA, WAREHOUSE_SCHEMA, metadata

OWN_SCHEMAS = {WAREHOUSE_SCHEMA, STAGING_SCHEMA, ANALYTICS_SCHEMA}
# Two processes upgrading at once would both try to create the same objects.
MIGRATION_LOCK_KEY = 0x41424D47  # "ABMG"


def include_name(name: str | None, type_: str, parent_names: dict) -> bool:
    if type_ == "schema":
        return name in OWN_SCHEMAS
    return True


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        include_schemas=True,
        include_name=include_name,
        compare_type=True,
        transaction_per_migration=False,
    )
    with context.begin_transaction():
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
        context.run_migrations()


def run_migrations_online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = create_engine(
        context.config.get_main_option("sqlalchemy.url"), poolclass=pool.NullPool
    )
    with engine.connect() as conn:
        _run(conn)
    engine.dispose()


if context.is_offline_mode():
    raise RuntimeError("offline (SQL script) migrations are not supported")
run_migrations_online()
