"""The WRITE step: the transform's tables into `staging.<table>` with binary COPY.

Staging tables are UNLOGGED (no WAL: they are rebuilt from the Parquet files after a
crash anyway) and carry no constraints, so that bad rows arrive and the audit can count
them instead of the load dying on the first one. They are dropped and recreated in the
same transaction as the COPY, which allows COPY FREEZE: rows are written frozen and
all-visible, so the audit and publish scans never rewrite pages to set hint bits.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Literal

import pandas as pd
import psycopg2
import pyarrow as pa
from sqlalchemy import text
from sqlalchemy.engine import Connection

from etl.warehouse.arrow_batches import (
    DEFAULT_BATCH_ROWS,
    ChunkStream,
    arrow_schema,
    csv_chunks,
    frame_batches,
    parquet_batches,
)
from etl.warehouse.pgbinary import binary_chunks
from etl.warehouse.schema import STAGING_SCHEMA
from etl.warehouse.tables import publish_order, qi, spec, sql_type

logger = logging.getLogger(__name__)

StagedInput = pd.DataFrame | Path | str
COPY_READ_SIZE = 4 << 20  # psycopg2 reads 8 KiB per call unless told otherwise


def staging_ddl(name: str) -> str:
    columns = ", ".join(f"{qi(c.name)} {sql_type(c)}" for c in spec(name).staged)
    # Autovacuum would otherwise scan a fresh gigabyte-sized staging table while the
    # audit and publish read it; COPY FREEZE and the explicit ANALYZE leave it nothing to do.
    return (
        f"CREATE UNLOGGED TABLE {spec(name).staging} ({columns}) WITH (autovacuum_enabled = false)"
    )


def _batches(name: str, source: StagedInput, batch_rows: int) -> Iterator[pa.Table]:
    table_spec = spec(name)
    schema = arrow_schema([(c.name, c.type) for c in table_spec.staged])
    if isinstance(source, pd.DataFrame):
        return frame_batches(source, schema, name, batch_rows)
    return parquet_batches(Path(source), schema, name, batch_rows)


def _copy(conn: Connection, sql: str, chunks: Iterator[bytes], read_size: int) -> int:
    """Run `sql` (a COPY ... FROM STDIN) fed by `chunks`; returns the rows copied."""
    cursor = conn.connection.driver_connection.cursor()
    try:
        with ChunkStream(chunks) as stream:
            try:
                cursor.copy_expert(sql, stream, size=read_size)
            except psycopg2.Error as exc:
                # psycopg2 reports a failing read() as "COPY from stdin failed": surface
                # the producer's own error (a DataError naming table and column) instead.
                if stream.error is not None:
                    raise stream.error from exc
                raise
        return cursor.rowcount
    finally:
        cursor.close()


# Binary is what the load uses: the server reads it much faster (see pgbinary.py), but
# it is not cast on arrival, so the Arrow types must be exactly the columns' types.
# CSV is cast by the server (the rejected-row log relies on that for its JSONB column).
ENCODERS: dict[str, Callable[[Iterator[pa.Table]], Iterator[bytes]]] = {
    "binary": binary_chunks,
    "csv": csv_chunks,
}


def copy_batches(
    conn: Connection,
    target: str,
    columns: list[str],
    batches: Iterator[pa.Table],
    *,
    fmt: Literal["binary", "csv"],
    freeze: bool = False,
    read_size: int = COPY_READ_SIZE,
) -> int:
    """Stream Arrow batches into `target` with COPY FROM STDIN; returns the rows copied."""
    options = f"FORMAT {fmt}, FREEZE" if freeze else f"FORMAT {fmt}"
    sql = f"COPY {target} ({', '.join(qi(c) for c in columns)}) FROM STDIN WITH ({options})"
    return _copy(conn, sql, ENCODERS[fmt](batches), read_size)


def write_table(
    conn: Connection, name: str, source: StagedInput, batch_rows: int = DEFAULT_BATCH_ROWS
) -> int:
    """Recreate `staging.<name>` and COPY `source` into it, in the caller's transaction."""
    started = time.perf_counter()
    table_spec = spec(name)
    conn.execute(text(f"DROP TABLE IF EXISTS {table_spec.staging}"))
    conn.execute(text(staging_ddl(name)))
    rows = copy_batches(
        conn,
        table_spec.staging,
        table_spec.staged_names,
        _batches(name, source, batch_rows),
        fmt="binary",
        freeze=True,
    )
    # Fresh statistics so audit and publish plan their joins on real row counts.
    conn.execute(text(f"ANALYZE {table_spec.staging}"))
    logger.info(
        "event=staged table=%s rows=%d seconds=%.2f", name, rows, time.perf_counter() - started
    )
    return rows


def write_staged(
    conn: Connection,
    tables: Mapping[str, StagedInput],
    batch_rows: int = DEFAULT_BATCH_ROWS,
) -> dict[str, int]:
    """Write every table to staging in the caller's transaction; returns rows per table.

    The caller commits once for all tables, so staging is never half old, half new.
    """
    conn.execute(text(f"CREATE SCHEMA IF NOT EXISTS {qi(STAGING_SCHEMA)}"))
    return {
        name: write_table(conn, name, tables[name], batch_rows) for name in publish_order(tables)
    }
