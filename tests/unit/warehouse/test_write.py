"""WRITE: DataFrames and Parquet files into UNLOGGED staging tables through COPY."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from etl.errors import DataError
from etl.warehouse.staged import STAGED_COLUMNS
from etl.warehouse.write import write_staged, write_table
from tests.support.staged_frames import (
    AWKWARD_ABSTRACT,
    EXPECTED_ROWS,
    dim_date,
    dim_publication,
    staged_frames,
)

pytestmark = pytest.mark.postgres


def _rows(engine: Engine, sql: str) -> list[tuple]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(sql))]


def test_every_table_is_staged_with_exact_counts(engine: Engine) -> None:
    with engine.begin() as conn:
        counts = write_staged(conn, staged_frames())
    assert counts == EXPECTED_ROWS
    for name, expected in EXPECTED_ROWS.items():
        assert _rows(engine, f"SELECT count(*) FROM staging.{name}") == [(expected,)]


def test_staging_tables_are_unlogged_unconstrained_and_typed_like_published(
    engine: Engine,
) -> None:
    with engine.begin() as conn:
        write_staged(conn, staged_frames())
    persistence = _rows(
        engine,
        "SELECT DISTINCT c.relpersistence FROM pg_class c JOIN pg_namespace n "
        "ON n.oid = c.relnamespace WHERE n.nspname = 'staging' AND c.relkind = 'r'",
    )
    assert persistence == [("u",)]
    constraints = _rows(
        engine,
        "SELECT count(*) FROM pg_constraint k JOIN pg_namespace n ON n.oid = k.connamespace "
        "WHERE n.nspname = 'staging'",
    )
    assert constraints == [(0,)]
    columns = _rows(
        engine,
        "SELECT s.column_name, s.data_type, p.data_type FROM information_schema.columns s "
        "JOIN information_schema.columns p ON p.table_schema = 'warehouse' "
        "AND p.table_name = s.table_name AND p.column_name = s.column_name "
        "WHERE s.table_schema = 'staging' AND s.table_name = 'dim_publication' "
        "ORDER BY s.ordinal_position",
    )
    assert [c[0] for c in columns] == STAGED_COLUMNS["dim_publication"]
    assert all(staged == published for _, staged, published in columns)


def test_values_survive_the_round_trip(engine: Engine) -> None:
    with engine.begin() as conn:
        write_table(conn, "dim_publication", dim_publication())
        write_table(conn, "dim_date", dim_date())
    rows = _rows(
        engine,
        "SELECT pmid, title, abstract, keywords, keywords IS NULL, pub_month, trl, maturity "
        "FROM staging.dim_publication ORDER BY pmid",
    )
    assert rows[0] == (101, "Gene editing", "Plain.", "crispr", False, 3, 3, 33.3)
    # quotes, commas, newline, tab and a lone backslash-dot come back byte for byte
    assert rows[1][1:3] == ('mRNA, "quoted"', AWKWARD_ABSTRACT)
    # an empty string stays empty, a missing value is NULL (also NaN in a float column)
    assert rows[1][3:5] == ("", False)
    assert rows[2][1:] == (None, None, None, True, None, None, None)
    assert rows[3][2] == ""
    dates = _rows(engine, "SELECT date, is_weekend FROM staging.dim_date ORDER BY date_key")
    assert dates[0] == (dt.date(2023, 12, 31), True)
    assert dates[1] == (dt.date(2024, 3, 1), False)


def test_floats_round_trip_exactly(engine: Engine) -> None:
    frame = dim_publication()
    frame["maturity"] = [0.1 + 0.2, 1 / 3, 5e-324, np.nan]
    with engine.begin() as conn:
        write_table(conn, "dim_publication", frame)
    rows = _rows(engine, "SELECT maturity FROM staging.dim_publication ORDER BY pmid")
    assert [r[0] for r in rows] == [0.1 + 0.2, 1 / 3, 5e-324, None]


def test_parquet_input_and_many_small_batches(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "dim_publication.parquet"
    dim_publication().to_parquet(path, index=False)
    with engine.begin() as conn:
        rows = write_table(conn, "dim_publication", path, batch_rows=1)
    assert rows == 4
    text_rows = _rows(engine, "SELECT abstract FROM staging.dim_publication WHERE pmid = 102")
    assert text_rows == [(AWKWARD_ABSTRACT,)]


def test_rewrite_replaces_the_previous_staging_table(engine: Engine) -> None:
    with engine.begin() as conn:
        write_table(conn, "dim_publication", dim_publication())
    with engine.begin() as conn:
        write_table(conn, "dim_publication", dim_publication().iloc[:1])
    assert _rows(engine, "SELECT pmid FROM staging.dim_publication") == [(101,)]


def test_fractional_value_for_an_integer_column_fails_and_rolls_back(engine: Engine) -> None:
    with engine.begin() as conn:
        write_table(conn, "dim_publication", dim_publication())
    bad = dim_publication()
    bad["pub_month"] = [3.0, 4.0, 4.5, 3.0]
    with pytest.raises(DataError, match="pub_month"), engine.begin() as conn:
        # batch_rows=1: the bad row is in a later batch, after COPY already started
        write_table(conn, "dim_publication", bad, batch_rows=1)
    assert _rows(engine, "SELECT count(*) FROM staging.dim_publication") == [(4,)]


def test_a_frame_not_shaped_like_staged_columns_is_refused(engine: Engine) -> None:
    frame = dim_publication().drop(columns=["link"]).assign(extra=1)
    expected = r"missing=\['link'\] unexpected=\['extra'\]"
    with pytest.raises(DataError, match=expected), engine.begin() as conn:
        write_table(conn, "dim_publication", frame)


def test_an_empty_frame_stages_an_empty_table(engine: Engine) -> None:
    with engine.begin() as conn:
        rows = write_table(conn, "dim_company", pd.DataFrame(columns=STAGED_COLUMNS["dim_company"]))
    assert rows == 0
    assert _rows(engine, "SELECT count(*) FROM staging.dim_company") == [(0,)]
