"""Binary COPY encoding, checked by PostgreSQL itself: every type, NULLs and edge values."""

from __future__ import annotations

import datetime as dt
import math

import pyarrow as pa
import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from etl.warehouse.pgbinary import HEADER, TRAILER, binary_chunks, encode_batch
from etl.warehouse.write import copy_batches

pytestmark = pytest.mark.postgres

UTC = dt.UTC
COLUMNS = {
    "small": ("smallint", pa.int16(), [-32768, None, 0, 32767]),
    "regular": ("integer", pa.int32(), [2**31 - 1, -(2**31), None, 7]),
    "big": ("bigint", pa.int64(), [2**62, None, -1, 40_000_000_000]),
    "real": ("double precision", pa.float64(), [1.5, -math.inf, None, 0.1 + 0.2]),
    "flag": ("boolean", pa.bool_(), [True, False, None, True]),
    "day": (
        "date",
        pa.date32(),
        [dt.date(1999, 12, 31), dt.date(2000, 1, 1), None, dt.date(1900, 2, 28)],
    ),
    "words": ("text", pa.string(), ["héllo 東京", "", None, 'tab\there "q" \\ new\nline']),
    "moment": (
        "timestamptz",
        pa.timestamp("us", tz="UTC"),
        [
            dt.datetime(2020, 1, 1, tzinfo=UTC),
            None,
            dt.datetime(1990, 5, 5, 1, 2, 3, 456789, tzinfo=UTC),
            dt.datetime(2000, 1, 1, tzinfo=UTC),
        ],
    ),
}


def _table() -> pa.Table:
    return pa.table({name: pa.array(values, type_) for name, (_, type_, values) in COLUMNS.items()})


def _copy_back(engine: Engine, batches: list[pa.Table]) -> list[tuple]:
    ddl = ", ".join(f"{name} {sql}" for name, (sql, _, _) in COLUMNS.items())
    with engine.begin() as conn:
        conn.execute(text("SET TIME ZONE 'UTC'"))
        conn.execute(text(f"CREATE TEMP TABLE t (position serial, {ddl})"))
        copied = copy_batches(conn, "t", list(COLUMNS), iter(batches), fmt="binary")
        rows = [tuple(r)[1:] for r in conn.execute(text("SELECT * FROM t ORDER BY position"))]
    assert copied == len(rows)
    return rows


def test_every_type_and_null_round_trips_exactly(engine: Engine) -> None:
    table = _table()
    rows = _copy_back(engine, [table])
    expected = [tuple(r.values()) for r in table.to_pylist()]
    assert rows == expected
    assert rows[3][3] == 0.1 + 0.2  # all 64 bits, no decimal rendering


def test_sliced_and_empty_batches_keep_their_rows_in_order(engine: Engine) -> None:
    table = _table()
    batches = [table.slice(2, 2), table.slice(0, 0), table.slice(0, 2)]
    rows = _copy_back(engine, batches)
    full = [tuple(r.values()) for r in table.to_pylist()]
    assert rows == full[2:] + full[:2]


def test_stream_framing() -> None:
    chunks = list(binary_chunks(iter([_table().slice(0, 0)])))
    assert chunks == [HEADER, b"", TRAILER]
    one_row = encode_batch(pa.table({"n": pa.array([None], pa.int32())}))
    assert one_row == b"\x00\x01" + b"\xff\xff\xff\xff"  # one field, NULL


def test_an_unsupported_type_is_refused() -> None:
    with pytest.raises(TypeError, match="no binary COPY encoding"):
        encode_batch(pa.table({"n": pa.array([1.5], pa.float32())}))
