"""Who may do what: the ETL role owns the warehouse, the BI role only reads it.

BI tools connect as (a login role that is a member of) the BI role and see the
`warehouse` tables and the `analytics` views; `staging` is the ETL's private work area.
Both functions are idempotent, so deployments simply run them on every upgrade.
"""

from __future__ import annotations

import logging

from sqlalchemy import text
from sqlalchemy.engine import Connection

from etl.warehouse.schema import ANALYTICS_SCHEMA, STAGING_SCHEMA, WAREHOUSE_SCHEMA
from etl.warehouse.tables import qi

logger = logging.getLogger(__name__)

DEFAULT_BI_ROLE = "abi_bi"
READABLE_SCHEMAS = (WAREHOUSE_SCHEMA, ANALYTICS_SCHEMA)
OWNED_SCHEMAS = (WAREHOUSE_SCHEMA, STAGING_SCHEMA, ANALYTICS_SCHEMA)


def role_exists(conn: Connection, role: str) -> bool:
    found = conn.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :role"), {"role": role})
    return found.scalar() is not None


def ensure_role(conn: Connection, role: str) -> bool:
    """Create `role` as NOLOGIN if it does not exist; returns whether it was created."""
    if role_exists(conn, role):
        return False
    conn.execute(text(f"CREATE ROLE {qi(role)} NOLOGIN"))
    logger.info("event=role_created role=%s login=false", role)
    return True


def grant_bi_read_only(
    conn: Connection, role: str = DEFAULT_BI_ROLE, owner: str | None = None
) -> None:
    """Give `role` USAGE + SELECT on warehouse and analytics, now and for future tables.

    Default privileges attach to the role that will create future tables: `owner`
    (the ETL role) when given, else the current user, who runs the migrations.
    """
    ensure_role(conn, role)
    schemas = ", ".join(qi(s) for s in READABLE_SCHEMAS)
    grantee = qi(role)
    for_role = f"FOR ROLE {qi(owner)} " if owner else ""
    conn.execute(text(f"REVOKE ALL ON SCHEMA {qi(STAGING_SCHEMA)} FROM {grantee}"))
    conn.execute(text(f"GRANT USAGE ON SCHEMA {schemas} TO {grantee}"))
    conn.execute(text(f"GRANT SELECT ON ALL TABLES IN SCHEMA {schemas} TO {grantee}"))
    default_privileges = f"ALTER DEFAULT PRIVILEGES {for_role}IN SCHEMA {schemas}"
    conn.execute(text(f"{default_privileges} GRANT SELECT ON TABLES TO {grantee}"))
    logger.info("event=bi_grants_applied role=%s schemas=%s", role, ",".join(READABLE_SCHEMAS))


def assign_etl_owner(conn: Connection, role: str) -> None:
    """Make `role` own the three schemas and every table, view, sequence and function in them.

    The current user must be a member of `role` (or a superuser). Identity sequences
    follow their table's owner.
    """
    if not role_exists(conn, role):
        raise ValueError(f"role {role!r} does not exist: create the ETL login role first")
    owner = qi(role)
    for schema in OWNED_SCHEMAS:
        conn.execute(text(f"ALTER SCHEMA {qi(schema)} OWNER TO {owner}"))
    rows = conn.execute(
        text(
            "SELECT n.nspname, c.relname, c.relkind FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = ANY(:schemas) AND c.relkind IN ('r', 'v', 'm', 'p')"
        ),
        {"schemas": list(OWNED_SCHEMAS)},
    ).all()
    kinds = {"r": "TABLE", "p": "TABLE", "v": "VIEW", "m": "MATERIALIZED VIEW"}
    for schema, name, kind in rows:
        conn.execute(text(f"ALTER {kinds[kind]} {qi(schema)}.{qi(name)} OWNER TO {owner}"))
    # The trigger functions too (migration 0005): the role then owns everything in its
    # schemas, and DROP OWNED BY / REASSIGN OWNED take them with the schemas.
    functions = (
        conn.execute(
            text(
                "SELECT p.oid::regprocedure::text FROM pg_proc p "
                "JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = ANY(:schemas)"
            ),
            {"schemas": list(OWNED_SCHEMAS)},
        )
        .scalars()
        .all()
    )
    for signature in functions:
        conn.execute(text(f"ALTER FUNCTION {signature} OWNER TO {owner}"))
    logger.info("event=etl_owner_assigned role=%s objects=%d", role, len(rows) + len(functions))
