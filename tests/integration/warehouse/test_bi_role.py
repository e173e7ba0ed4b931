"""The BI role reads the warehouse and cannot change anything.

Grants come from the init script of warehouse-db (roles, schemas, default privileges)
and from the migrations the register job applies (etl.warehouse.grants).
"""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError

from tests.integration.helpers import run_sql

pytestmark = pytest.mark.integration


def _refused(engine: Engine, sql: str) -> str:
    """Run `sql` and return the error PostgreSQL raised (the test fails if none)."""
    with engine.connect() as conn:
        try:
            conn.execute(text(sql))
        except DBAPIError as exc:
            conn.rollback()
            return str(exc.orig)
        conn.rollback()
    pytest.fail(f"the BI role was allowed to run: {sql}")


def test_bi_role_can_select(bi_engine: Engine) -> None:
    tables = run_sql(
        bi_engine,
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'warehouse'",
    )
    assert {"dim_publication", "fact_financial", "etl_run"} <= {t[0] for t in tables}
    for (table,) in tables:
        run_sql(bi_engine, f'SELECT count(*) FROM warehouse."{table}"')


@pytest.mark.parametrize(
    "sql",
    [
        "INSERT INTO warehouse.etl_run (run_id, mode, started_at, status) "
        "VALUES ('bi-was-here', 'standard', now(), 'running')",
        "UPDATE warehouse.dim_publication SET title = 'x'",
        "DELETE FROM warehouse.fact_financial",
        "TRUNCATE warehouse.fact_trl_prediction",
        "CREATE TABLE warehouse.bi_was_here (x int)",
        "CREATE TABLE public.bi_was_here (x int)",
        "CREATE TEMPORARY TABLE bi_was_here (x int)",
        "CREATE SCHEMA bi_was_here",
        "DROP TABLE warehouse.dim_date",
    ],
)
def test_bi_role_cannot_write(bi_engine: Engine, sql: str) -> None:
    error = _refused(bi_engine, sql)
    assert "permission denied" in error or "must be owner" in error, error


def test_bi_role_cannot_read_staging(bi_engine: Engine) -> None:
    (allowed,) = run_sql(bi_engine, "SELECT has_schema_privilege('staging', 'USAGE')")[0]
    assert allowed is False


def test_tables_created_later_are_readable(etl_engine: Engine, bi_engine: Engine) -> None:
    """Default privileges: a table the ETL role creates tomorrow is readable, read-only."""
    name = f"it_default_privileges_{uuid.uuid4().hex[:8]}"
    with etl_engine.begin() as conn:
        conn.execute(text(f"CREATE TABLE warehouse.{name} (x int)"))
        conn.execute(text(f"INSERT INTO warehouse.{name} VALUES (1)"))
    try:
        assert run_sql(bi_engine, f"SELECT x FROM warehouse.{name}") == [(1,)]
        error = _refused(bi_engine, f"INSERT INTO warehouse.{name} VALUES (2)")
        assert "permission denied" in error
    finally:
        with etl_engine.begin() as conn:
            conn.execute(text(f"DROP TABLE warehouse.{name}"))
