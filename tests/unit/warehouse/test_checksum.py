"""Content checksums: equal content gives equal sums, whatever the physical row order."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from etl.stages.summary import RunSummary
from etl.warehouse.checksum import checksums, table_checksum
from tests.support.staged_frames import EXPECTED_ROWS

pytestmark = pytest.mark.postgres


def test_checksums_count_rows_of_every_published_table(
    first_load: RunSummary, engine: Engine
) -> None:
    with engine.connect() as conn:
        sums = checksums(conn)
    assert {name: s.rows for name, s in sums.items()} == EXPECTED_ROWS
    assert {name: s.checksum for name, s in sums.items()} == first_load.table_checksums
    assert len({s.checksum for s in sums.values()}) == len(sums)


def test_checksum_ignores_physical_order_but_sees_any_change(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE public.a (k int PRIMARY KEY, v text, f float8)"))
        conn.execute(text("CREATE TABLE public.b (k int PRIMARY KEY, v text, f float8)"))
        conn.execute(text("INSERT INTO public.a VALUES (1, 'x', 0.5), (2, NULL, 1e-9)"))
        conn.execute(text("INSERT INTO public.b VALUES (2, NULL, 1e-9), (1, 'x', 0.5)"))
    with engine.connect() as conn:
        a = table_checksum(conn, "a", schema="public")
        b = table_checksum(conn, "b", schema="public")
        assert (a.rows, a.checksum) == (b.rows, b.checksum)
        conn.execute(text("UPDATE public.b SET v = '' WHERE k = 2"))  # NULL -> empty string
        assert table_checksum(conn, "b", schema="public").checksum != a.checksum
        conn.rollback()


def test_empty_table_has_a_stable_checksum(engine: Engine) -> None:
    with engine.connect() as conn:
        first = table_checksum(conn, "dim_company")
        second = table_checksum(conn, "fact_financial")
    assert first.rows == second.rows == 0
    assert first.checksum == second.checksum
