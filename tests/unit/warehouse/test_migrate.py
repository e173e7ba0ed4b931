"""The migrations build exactly schema.metadata, idempotently, plus the BI views."""

from __future__ import annotations

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import CheckConstraint, create_engine, pool, text

from etl.warehouse.migrate import alembic_config, head_revision, upgrade
from etl.warehouse.schema import PUBLISHED_TABLES, metadata
from tests.support.postgres import query_rows

pytestmark = pytest.mark.postgres

OWN_SCHEMAS = {"warehouse", "staging", "analytics"}
VIEWS = {
    "trl_heatmap",
    "publication_trends",
    "company_league_table",
    "financial_performance_by_year",
}


def _diff(url: str) -> list:
    engine = create_engine(url, poolclass=pool.NullPool)
    with engine.connect() as conn:
        context = MigrationContext.configure(
            conn,
            opts={
                "include_schemas": True,
                "include_name": lambda name, type_, _: (
                    name in OWN_SCHEMAS if type_ == "schema" else True
                ),
                "compare_type": True,
                "compare_server_default": True,
            },
        )
        diff = compare_metadata(context, metadata)
    engine.dispose()
    return diff


def _metadata_checks() -> set[tuple[str, str]]:
    found = set()
    for table in metadata.tables.values():
        constraints = list(table.constraints)
        for column in table.columns:
            constraints.extend(column.constraints)
        found |= {(table.name, str(c.name)) for c in constraints if isinstance(c, CheckConstraint)}
    return found


def test_upgrade_returns_head_and_is_idempotent(pg_url: str) -> None:
    assert upgrade(pg_url) == head_revision() == "0005"
    assert upgrade(pg_url) == "0005"


def test_migrated_database_matches_metadata(migrated_url: str) -> None:
    assert _diff(migrated_url) == []


def test_check_constraints_match_metadata(migrated_url: str) -> None:
    # autogenerate does not compare CHECK constraints, so compare them by name here.
    rows = query_rows(
        migrated_url,
        "SELECT c.relname, k.conname FROM pg_constraint k "
        "JOIN pg_class c ON c.oid = k.conrelid "
        "JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = 'warehouse' AND k.contype = 'c'",
    )
    assert set(rows) == _metadata_checks()


def test_schemas_and_views_exist(migrated_url: str) -> None:
    schemas = {name for (name,) in query_rows(migrated_url, "SELECT nspname FROM pg_namespace")}
    views = {
        name
        for (name,) in query_rows(
            migrated_url, "SELECT viewname FROM pg_views WHERE schemaname = 'analytics'"
        )
    }
    assert schemas >= OWN_SCHEMAS
    assert views == VIEWS


def test_downgrade_to_base_then_upgrade_again(migrated_url: str) -> None:
    config = alembic_config(migrated_url)
    command.downgrade(config, "base")
    assert _diff(migrated_url) != []  # the tables are gone
    assert upgrade(migrated_url) == head_revision()
    assert _diff(migrated_url) == []


def _columns(url: str, table: str) -> set[str]:
    sql = (
        "SELECT column_name FROM information_schema.columns "
        "WHERE table_schema = 'warehouse' AND table_name = :table"
    )
    return {name for (name,) in query_rows(url, sql, table=table)}


def test_0003_adds_raw_sic_and_unknown_technologies_and_reverts(migrated_url: str) -> None:
    assert "sic_description_raw" in _columns(migrated_url, "dim_company")
    assert "unknown_technologies" in _columns(migrated_url, "etl_run")
    command.downgrade(alembic_config(migrated_url), "0002")
    assert "sic_description_raw" not in _columns(migrated_url, "dim_company")
    assert "unknown_technologies" not in _columns(migrated_url, "etl_run")
    assert upgrade(migrated_url) == head_revision()
    assert _diff(migrated_url) == []


def _status_check(url: str) -> str:
    sql = (
        "SELECT pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conname = 'ck_etl_run_status_known'"
    )
    ((definition,),) = query_rows(url, sql)
    return definition


def test_0004_allows_crashed_runs_and_reverts_them_to_failed(migrated_url: str) -> None:
    assert "'crashed'" in _status_check(migrated_url)
    engine = create_engine(migrated_url, poolclass=pool.NullPool)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO warehouse.etl_run (run_id, mode, started_at, status) "
                "VALUES ('r1', 'prefect', now(), 'crashed')"
            )
        )
    engine.dispose()
    command.downgrade(alembic_config(migrated_url), "0003")
    assert "'crashed'" not in _status_check(migrated_url)
    assert query_rows(migrated_url, "SELECT status FROM warehouse.etl_run") == [("failed",)]
    assert upgrade(migrated_url) == head_revision()
    assert _diff(migrated_url) == []


def _triggered_tables(url: str) -> set[str]:
    sql = (
        "SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
        "WHERE t.tgname = 'etl_count_publish_write'"
    )
    return {name for (name,) in query_rows(url, sql)}


def test_0005_adds_the_write_counter_and_reverts(migrated_url: str) -> None:
    assert _triggered_tables(migrated_url) == {t.name for t in PUBLISHED_TABLES}
    assert {"full_refresh", "skipped_because", "fingerprint", "publish_generation"} <= _columns(
        migrated_url, "etl_run"
    )
    command.downgrade(alembic_config(migrated_url), "0004")
    assert _triggered_tables(migrated_url) == set()
    assert "skipped_because" not in _columns(migrated_url, "etl_run")
    assert not query_rows(
        migrated_url, "SELECT 1 FROM pg_tables WHERE tablename = 'etl_publish_generation'"
    )
    assert upgrade(migrated_url) == head_revision()
    assert query_rows(migrated_url, "SELECT generation FROM warehouse.etl_publish_generation") == [
        (0,)
    ]
    assert _diff(migrated_url) == []
