"""What the load is compared with, on the rows it published: two COPY floors and to_sql.

Each baseline reads the final tables dumped from the loaded warehouse (`dump_published`),
so it writes exactly the rows the load wrote.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from sqlalchemy import create_engine, pool, text
from sqlalchemy.engine import Connection

from etl.warehouse.bulk import BulkPlan
from etl.warehouse.schema import PUBLISHED_TABLES, WAREHOUSE_SCHEMA
from etl.warehouse.tables import publish_order, qi, qualified, sql_type
from etl.warehouse.write import COPY_READ_SIZE

Dumps = dict[str, tuple[Path, int]]


def _copy_on(conn: Connection, sql: str, path: Path, mode: str) -> None:
    with path.open(mode) as handle:
        cursor = conn.connection.driver_connection.cursor()
        cursor.copy_expert(sql, handle, size=COPY_READ_SIZE)


def _copy(url: str, sql: str, path: Path, mode: str) -> None:
    engine = create_engine(url, poolclass=pool.NullPool)
    try:
        with engine.begin() as conn:
            _copy_on(conn, sql, path, mode)
    finally:
        engine.dispose()


def dump_published(url: str, out_dir: Path) -> Dumps:
    """The final tables exactly as published, as CSV files, with their row counts."""
    out_dir.mkdir(parents=True)
    engine = create_engine(url, poolclass=pool.NullPool)
    try:
        with engine.connect() as conn:
            counts = {
                t.name: conn.execute(
                    text(f"SELECT count(*) FROM {qualified(WAREHOUSE_SCHEMA, t.name)}")
                ).scalar_one()
                for t in PUBLISHED_TABLES
            }
    finally:
        engine.dispose()
    dumps = {}
    for table in PUBLISHED_TABLES:
        path = out_dir / f"{table.name}.csv"
        source = qualified(WAREHOUSE_SCHEMA, table.name)
        sql = f"COPY {source} ({_columns(table.name)}) TO STDOUT WITH (FORMAT csv, HEADER)"
        _copy(url, sql, path, "wb")
        dumps[table.name] = (path, counts[table.name])
    return dumps


def _columns(name: str) -> str:
    """The table's columns in the schema's order: a migrated table keeps the order its
    columns were added in, which later revisions append to."""
    table = next(t for t in PUBLISHED_TABLES if t.name == name)
    return ", ".join(qi(c.name) for c in table.columns)


def raw_copy(url: str, dumps: Dumps) -> int:
    """The floor: plain tables, no key, index or constraint, filled by one COPY each."""
    engine = create_engine(url, poolclass=pool.NullPool)
    try:
        with engine.begin() as conn:
            for table in PUBLISHED_TABLES:
                ddl = ", ".join(f"{qi(c.name)} {sql_type(c)}" for c in table.columns)
                conn.execute(text(f"CREATE TABLE {qi(table.name)} ({ddl})"))
    finally:
        engine.dispose()
    for name, (path, _) in dumps.items():
        _copy(url, f"COPY {qi(name)} FROM STDIN WITH (FORMAT csv, HEADER)", path, "rb")
    return sum(count for _, count in dumps.values())


def keyed_copy(url: str, dumps: Dumps) -> int:
    """The floor for the final tables as the schema defines them, keys included.

    The fastest way there: into the migrated warehouse tables (migrated beforehand,
    untimed), with their keys, indexes and foreign keys dropped first and rebuilt after
    (what the load's first-load path does too), all in one transaction.
    """
    engine = create_engine(url, poolclass=pool.NullPool)
    try:
        with engine.begin() as conn:
            plan = BulkPlan.for_tables({table.name for table in PUBLISHED_TABLES})
            plan.drop(conn)
            for name in publish_order(list(dumps)):
                target = qualified(WAREHOUSE_SCHEMA, name)
                sql = f"COPY {target} ({_columns(name)}) FROM STDIN WITH (FORMAT csv, HEADER)"
                _copy_on(conn, sql, dumps[name][0], "rb")
            plan.recreate(conn)
    finally:
        engine.dispose()
    return sum(count for _, count in dumps.values())


def read_dumps(dumps: Dumps) -> dict[str, pd.DataFrame]:
    """The dumped tables as frames, for `to_sql` (read before its clock starts)."""
    return {name: pd.read_csv(path) for name, (path, _) in dumps.items()}


def to_sql(url: str, frames: dict[str, pd.DataFrame]) -> int:
    """What naive code does: pandas `to_sql` of every final table."""
    engine = create_engine(url, poolclass=pool.NullPool)
    try:
        with engine.begin() as conn:
            for name, frame in frames.items():
                frame.to_sql(name, conn, index=False, chunksize=10_000)
    finally:
        engine.dispose()
    return sum(len(frame) for frame in frames.values())
