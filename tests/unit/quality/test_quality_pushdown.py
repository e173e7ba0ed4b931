"""The staging suites compute in PostgreSQL: only counts and a few examples reach Python.

Every statement any SQLAlchemy engine runs is captured with the number of rows it returned
(psycopg2's default cursor receives a whole result set, so `rowcount` is what crossed the
wire). Every row of both tables fails an expectation, the worst case for transfer.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine

from etl.config.settings import ValidationSettings
from etl.quality.gx_context import new_context
from etl.quality.warehouse_suites import run_warehouse_suites
from tests.support.clock import run_year_ranges
from tests.support.staging import create_staging_tables

pytestmark = pytest.mark.postgres

ROWS = 200_000
BIG_TABLES = ("dim_publication", "fact_company_score")
AGGREGATE_OR_LIMIT = re.compile(r"\b(count|sum|min|max|avg)\s*\(|\blimit\b", re.IGNORECASE)


@pytest.fixture
def captured() -> Iterator[list[tuple[str, int]]]:
    statements: list[tuple[str, int]] = []

    # SQLAlchemy passes (conn, cursor, statement, parameters, context, executemany).
    def capture(_conn: object, cursor: Any, statement: str, *_rest: object) -> None:
        rows = cursor.rowcount if cursor.description is not None else 0
        statements.append((" ".join(statement.split()), rows))

    event.listen(Engine, "after_cursor_execute", capture)
    try:
        yield statements
    finally:
        event.remove(Engine, "after_cursor_execute", capture)


def test_broken_big_tables_are_validated_without_reading_them(
    pg_url: str, captured: list[tuple[str, int]]
) -> None:
    engine = create_engine(pg_url)
    create_staging_tables(engine)
    with engine.begin() as conn:
        # Years before the run's minimum, and scores of years fact_financial does not hold.
        conn.execute(
            text(
                "INSERT INTO staging.dim_publication (pmid, link, pub_year) "
                "SELECT g, 'https://x/' || g, 1901 FROM generate_series(1, :n) AS g"
            ),
            {"n": ROWS},
        )
        conn.execute(
            text(
                "INSERT INTO staging.fact_company_score (cik, fiscal_year, total_score, "
                "recommendation, scoring_version) "
                "SELECT g, 2020, 50, 'Hold', 'v1' FROM generate_series(1, :n) AS g"
            ),
            {"n": ROWS},
        )
    engine.dispose()
    captured.clear()  # only what the validation issues counts

    suites = run_warehouse_suites(
        new_context(),
        ValidationSettings(),
        pg_url,
        {"pubmed_articles": ROWS},
        run_id="pushdown",
        years=run_year_ranges(),
        tables=list(BIG_TABLES),
    )

    failed = {(s.name, r.check, r.columns): r for s in suites for r in s.results if not r.success}
    # The full counts were computed: the database saw every row.
    assert failed[("dim_publication", "range", ("pub_year",))].unexpected_count == ROWS
    orphans = failed[("fact_company_score", "score_has_financials", ("cik", "fiscal_year"))]
    assert orphans.unexpected_count == ROWS
    assert len(orphans.unexpected_examples) == 5
    # ... but Python received a handful of rows per statement.
    assert captured, "no SQL captured: the listener is not on the engine GX uses"
    assert max(rows for _, rows in captured) <= 20
    assert sum(rows for _, rows in captured) < 1_000
    on_big_tables = [s for s, _ in captured if any(t in s for t in BIG_TABLES)]
    assert on_big_tables
    unbounded = [s for s in on_big_tables if not AGGREGATE_OR_LIMIT.search(s)]
    assert unbounded == []
