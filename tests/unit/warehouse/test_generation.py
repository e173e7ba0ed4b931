"""The published tables' write counter moves with every committed write, and only then."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from etl.stages.summary import RunSummary
from etl.warehouse.generation import publish_generation
from etl.warehouse.schema import PUBLISHED_TABLES

pytestmark = pytest.mark.postgres


def _generation(engine: Engine) -> int:
    with engine.connect() as conn:
        return publish_generation(conn)


def test_a_publish_records_the_counter_its_commit_left(
    first_load: RunSummary, engine: Engine
) -> None:
    assert first_load.publish_generation is not None
    assert first_load.publish_generation > 0
    assert _generation(engine) == first_load.publish_generation


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE warehouse.dim_company SET ticker = 'EDIT' WHERE company_key = "
        "(SELECT min(company_key) FROM warehouse.dim_company)",
        "DELETE FROM warehouse.fact_company_score WHERE fiscal_year = "
        "(SELECT min(fiscal_year) FROM warehouse.fact_company_score)",
        "TRUNCATE warehouse.fact_financial",
        # A write that touches no row still says someone wrote.
        "UPDATE warehouse.fact_trl_prediction SET model_used = model_used WHERE false",
    ],
)
def test_a_manual_write_moves_the_counter(
    first_load: RunSummary, engine: Engine, statement: str
) -> None:
    before = _generation(engine)
    with engine.begin() as conn:
        conn.execute(text(statement))
    assert _generation(engine) == before + 1


def test_a_rolled_back_write_leaves_the_counter(first_load: RunSummary, engine: Engine) -> None:
    before = _generation(engine)
    with engine.connect() as conn, conn.begin() as transaction:
        conn.execute(text("UPDATE warehouse.dim_technology SET display_name = 'x'"))
        transaction.rollback()
    assert _generation(engine) == before


def test_every_published_table_counts_its_writes(engine: Engine) -> None:
    for table in PUBLISHED_TABLES:
        before = _generation(engine)
        with engine.begin() as conn:
            conn.execute(text(f"DELETE FROM warehouse.{table.name}"))
        assert _generation(engine) == before + 1, table.name
