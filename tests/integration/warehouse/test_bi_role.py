"""The BI role reads the warehouse and cannot change anything.

Grants come from the init script of warehouse-db (roles, schemas, default privileges)
and from the migrations the register job applies (etl.warehouse.grants). The objects are
read from the metadata (etl.warehouse.schema) and from the database's catalogs, never
listed here: a table or view added tomorrow is covered by these tests.
"""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError

from etl.warehouse.schema import ANALYTICS_SCHEMA, STAGING_SCHEMA, WAREHOUSE_SCHEMA, metadata
from tests.integration.helpers import ENV_FILE, Stack, read_env_file, run_sql

pytestmark = pytest.mark.integration

PUBLISHED = sorted(t.name for t in metadata.sorted_tables)  # warehouse.*: published + run log
WRITE_PRIVILEGES = ("INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER")


def _bi_role() -> str:
    return Stack(read_env_file(ENV_FILE)).get("ABI_WAREHOUSE_BI_USER", "abi_bi")


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


def _assert_permission_denied(engine: Engine, sql: str) -> None:
    error = _refused(engine, sql)
    assert "permission denied" in error or "must be owner" in error, f"{sql}: {error}"


def _relations(engine: Engine, schema: str, kinds: str) -> list[str]:
    rows = run_sql(
        engine,
        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = :schema AND c.relkind = ANY(:kinds) ORDER BY 1",
        schema=schema,
        kinds=list(kinds),
    )
    return [name for (name,) in rows]


@pytest.fixture(scope="module")
def views(etl_engine: Engine) -> list[str]:
    found = _relations(etl_engine, ANALYTICS_SCHEMA, "vm")
    assert found, "no analytics view: has the register job run?"
    return found


@pytest.fixture(scope="module")
def sequences(etl_engine: Engine) -> list[str]:
    found = _relations(etl_engine, WAREHOUSE_SCHEMA, "S")
    assert found, "the identity columns' sequences are missing"
    return found


def test_the_metadata_tables_are_the_published_ones(etl_engine: Engine) -> None:
    assert _relations(etl_engine, WAREHOUSE_SCHEMA, "rp") == PUBLISHED


@pytest.mark.parametrize("table", PUBLISHED)
def test_bi_role_reads_every_published_table(bi_engine: Engine, table: str) -> None:
    [(rows,)] = run_sql(bi_engine, f'SELECT count(*) FROM {WAREHOUSE_SCHEMA}."{table}"')
    assert rows >= 0


def test_bi_role_reads_every_analytics_view(bi_engine: Engine, views: list[str]) -> None:
    for view in views:
        run_sql(bi_engine, f'SELECT * FROM {ANALYTICS_SCHEMA}."{view}" LIMIT 1')


@pytest.mark.parametrize("table", PUBLISHED)
def test_bi_role_cannot_write_a_published_table(bi_engine: Engine, table: str) -> None:
    name = f'{WAREHOUSE_SCHEMA}."{table}"'
    column = metadata.tables[f"{WAREHOUSE_SCHEMA}.{table}"].columns.values()[-1].name
    for sql in (
        f"INSERT INTO {name} DEFAULT VALUES",
        f'UPDATE {name} SET "{column}" = "{column}"',
        f"DELETE FROM {name}",
        f"TRUNCATE {name}",
        f"SELECT 1 FROM {name} LIMIT 1 FOR UPDATE",  # row locks would block the publish
        f"LOCK TABLE {name} IN EXCLUSIVE MODE",
        f"ALTER TABLE {name} ADD COLUMN bi_was_here int",
        f"DROP TABLE {name}",
    ):
        _assert_permission_denied(bi_engine, sql)


def test_bi_role_cannot_write_an_analytics_view(bi_engine: Engine, views: list[str]) -> None:
    """The views are simple enough to be auto-updatable: only privileges stop writes."""
    for view in views:
        name = f'{ANALYTICS_SCHEMA}."{view}"'
        for sql in (
            f"INSERT INTO {name} DEFAULT VALUES",
            f"DELETE FROM {name}",
            f"DROP VIEW {name}",
            f"CREATE OR REPLACE VIEW {name} AS SELECT 1",
        ):
            error = _refused(bi_engine, sql)
            # a view over a join or an aggregate is not updatable for anyone
            assert (
                "permission denied" in error
                or "must be owner" in error
                or "cannot insert into view" in error
                or "cannot delete from view" in error
            ), f"{sql}: {error}"


def test_catalog_grants_the_bi_role_select_only(etl_engine: Engine, views: list[str]) -> None:
    role = _bi_role()
    objects = [f'{WAREHOUSE_SCHEMA}."{t}"' for t in PUBLISHED]
    objects += [f'{ANALYTICS_SCHEMA}."{v}"' for v in views]
    for name in objects:
        [(select,)] = run_sql(
            etl_engine, "SELECT has_table_privilege(:role, :name, 'SELECT')", role=role, name=name
        )
        assert select is True, name
        for privilege in WRITE_PRIVILEGES:
            [(granted,)] = run_sql(
                etl_engine,
                "SELECT has_table_privilege(:role, :name, :privilege)",
                role=role,
                name=name,
                privilege=privilege,
            )
            assert granted is False, f"{role} has {privilege} on {name}"


def test_bi_role_cannot_use_the_sequences(
    bi_engine: Engine, etl_engine: Engine, sequences: list[str]
) -> None:
    role = _bi_role()
    for sequence in sequences:
        name = f'{WAREHOUSE_SCHEMA}."{sequence}"'
        for privilege in ("USAGE", "UPDATE"):
            [(granted,)] = run_sql(
                etl_engine,
                "SELECT has_sequence_privilege(:role, :name, :privilege)",
                role=role,
                name=name,
                privilege=privilege,
            )
            assert granted is False, f"{role} has {privilege} on {name}"
        _assert_permission_denied(bi_engine, f"SELECT nextval('{name}')")
        _assert_permission_denied(bi_engine, f"SELECT setval('{name}', 1)")


def test_no_function_runs_with_its_owners_rights(etl_engine: Engine) -> None:
    """A SECURITY DEFINER function would let its caller write as the ETL role."""
    definers = run_sql(
        etl_engine,
        "SELECT n.nspname, p.proname FROM pg_proc p JOIN pg_namespace n "
        "ON n.oid = p.pronamespace WHERE p.prosecdef "
        "AND n.nspname NOT IN ('pg_catalog', 'information_schema')",
    )
    assert definers == []


@pytest.mark.parametrize(
    "sql",
    [
        "CREATE TABLE warehouse.bi_was_here (x int)",
        "CREATE TABLE analytics.bi_was_here (x int)",
        "CREATE TABLE public.bi_was_here (x int)",
        "CREATE TEMPORARY TABLE bi_was_here (x int)",
        "CREATE SCHEMA bi_was_here",
        "CREATE FUNCTION public.bi_was_here() RETURNS int LANGUAGE sql AS 'SELECT 1'",
        "CREATE VIEW analytics.bi_was_here AS SELECT 1",
        "INSERT INTO public.alembic_version VALUES ('bi-was-here')",
    ],
)
def test_bi_role_cannot_create_anything(bi_engine: Engine, sql: str) -> None:
    _assert_permission_denied(bi_engine, sql)


def test_bi_role_cannot_reach_staging(bi_engine: Engine, etl_engine: Engine) -> None:
    (allowed,) = run_sql(bi_engine, f"SELECT has_schema_privilege('{STAGING_SCHEMA}', 'USAGE')")[0]
    assert allowed is False
    staged = _relations(etl_engine, STAGING_SCHEMA, "rp")
    assert staged, "no staging table to probe: has a run loaded?"
    for table in staged:
        name = f'{STAGING_SCHEMA}."{table}"'
        for sql in (f"SELECT * FROM {name} LIMIT 1", f"DELETE FROM {name}"):
            error = _refused(bi_engine, sql)
            assert f"permission denied for schema {STAGING_SCHEMA}" in error, f"{sql}: {error}"


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
