"""BI access: the BI role reads warehouse and analytics, and can change nothing."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import ProgrammingError

from etl.stages.summary import RunSummary
from etl.warehouse.grants import grant_bi_read_only, role_exists
from etl.warehouse.migrate import head_revision, upgrade

pytestmark = pytest.mark.postgres

VIEWS = (
    "trl_heatmap",
    "publication_trends",
    "company_league_table",
    "financial_performance_by_year",
)
REFUSED = (
    "INSERT INTO warehouse.dim_company (cik, entity_name, industry_category, "
    "first_fiscal_year, last_fiscal_year) VALUES (1, 'x', 'Other', 2020, 2020)",
    "UPDATE warehouse.dim_company SET entity_name = 'x'",
    "DELETE FROM warehouse.fact_financial",
    "TRUNCATE warehouse.fact_company_score",
    "CREATE TABLE warehouse.bi_scratch (x int)",
    "CREATE TABLE analytics.bi_scratch (x int)",
    "CREATE VIEW analytics.bi_view AS SELECT 1 AS x",
    "CREATE TABLE public.bi_scratch (x int)",
    "SELECT count(*) FROM staging.dim_company",
    "DROP VIEW analytics.trl_heatmap",
)


@pytest.fixture
def bi_role(engine: Engine) -> Iterator[str]:
    role = f"abi_bi_test_{uuid.uuid4().hex[:8]}"
    yield role
    # roles are cluster-wide: remove it, with its grants, before the database goes
    with engine.begin() as conn:
        if role_exists(conn, role):
            conn.execute(text(f'DROP OWNED BY "{role}"'))
            conn.execute(text(f'DROP ROLE "{role}"'))


def test_role_is_created_nologin_once(engine: Engine, bi_role: str) -> None:
    with engine.begin() as conn:
        grant_bi_read_only(conn, bi_role)
        grant_bi_read_only(conn, bi_role)  # exists now: skipped, grants re-applied
        can_login = conn.execute(
            text("SELECT rolcanlogin FROM pg_roles WHERE rolname = :r"), {"r": bi_role}
        ).scalar()
    assert can_login is False


def test_bi_role_selects_views_and_tables(
    first_load: RunSummary, engine: Engine, bi_role: str
) -> None:
    with engine.begin() as conn:
        grant_bi_read_only(conn, bi_role)
    with engine.connect() as conn:
        conn.execute(text(f'SET ROLE "{bi_role}"'))
        counts = {
            view: conn.execute(text(f"SELECT count(*) FROM analytics.{view}")).scalar()
            for view in VIEWS
        }
        league = conn.execute(
            text(
                "SELECT league_rank, cik, fiscal_year, total_score "
                "FROM analytics.company_league_table ORDER BY league_rank"
            )
        ).all()
        facts = conn.execute(text("SELECT count(*) FROM warehouse.fact_financial")).scalar()
    assert counts == {
        "trl_heatmap": 4,
        "publication_trends": 3,
        "company_league_table": 2,
        "financial_performance_by_year": 2,
    }
    assert [tuple(r) for r in league] == [(1, 1001, 2024, 62.5), (2, 1002, 2024, 45.0)]
    assert facts == 3


@pytest.mark.parametrize("statement", REFUSED)
def test_bi_role_cannot_change_anything(engine: Engine, bi_role: str, statement: str) -> None:
    with engine.begin() as conn:
        grant_bi_read_only(conn, bi_role)
    with engine.connect() as conn:
        conn.execute(text(f'SET ROLE "{bi_role}"'))
        with pytest.raises(ProgrammingError, match=r"permission denied|must be owner"):
            conn.execute(text(statement))
        conn.rollback()


def test_future_tables_are_readable_through_default_privileges(
    engine: Engine, bi_role: str
) -> None:
    with engine.begin() as conn:
        grant_bi_read_only(conn, bi_role)
        conn.execute(text("CREATE TABLE warehouse.later_table (x int)"))
        conn.execute(text("INSERT INTO warehouse.later_table VALUES (7)"))
    with engine.connect() as conn:
        conn.execute(text(f'SET ROLE "{bi_role}"'))
        assert conn.execute(text("SELECT x FROM warehouse.later_table")).scalar() == 7
        conn.rollback()


def test_upgrade_hands_everything_to_the_etl_role_and_grants_bi(
    engine: Engine, migrated_url: str, bi_role: str
) -> None:
    etl_role = f"abi_etl_test_{uuid.uuid4().hex[:8]}"
    with engine.begin() as conn:
        conn.execute(text(f'CREATE ROLE "{etl_role}" NOLOGIN'))
    try:
        assert upgrade(migrated_url, bi_role=bi_role, etl_role=etl_role) == head_revision()
        with engine.connect() as conn:
            owners = set(
                conn.execute(
                    text(
                        "SELECT pg_get_userbyid(c.relowner) FROM pg_class c "
                        "JOIN pg_namespace n ON n.oid = c.relnamespace "
                        "WHERE n.nspname IN ('warehouse', 'analytics', 'staging') "
                        "AND c.relkind IN ('r', 'v', 'S')"
                    )
                ).scalars()
            )
            schema_owners = set(
                conn.execute(
                    text(
                        "SELECT pg_get_userbyid(nspowner) FROM pg_namespace "
                        "WHERE nspname IN ('warehouse', 'analytics', 'staging')"
                    )
                ).scalars()
            )
            conn.execute(text(f'SET ROLE "{bi_role}"'))
            views = conn.execute(text("SELECT count(*) FROM analytics.trl_heatmap")).scalar()
            conn.rollback()
        assert owners == schema_owners == {etl_role}
        assert views == 0
    finally:
        with engine.begin() as conn:
            conn.execute(text(f'DROP OWNED BY "{etl_role}"'))
            conn.execute(text(f'DROP ROLE "{etl_role}"'))
