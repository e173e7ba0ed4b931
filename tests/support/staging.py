"""The staging schema stood up directly in a test database, without a pipeline run."""

from __future__ import annotations

from sqlalchemy import Connection, Engine, MetaData, Table, text

from etl.warehouse.schema import PUBLISHED_TABLES, STAGING_SCHEMA
from etl.warehouse.staged import staged_columns


def create_staging_tables(engine: Engine) -> None:
    """`staging.<table>` for every published table, with exactly the staged columns."""
    metadata = MetaData(schema=STAGING_SCHEMA)
    for table in PUBLISHED_TABLES:
        Table(table.name, metadata, *staged_columns(table))
    with engine.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA IF NOT EXISTS {STAGING_SCHEMA}"))
        metadata.create_all(conn)


DIM_DATE_SQL = """
INSERT INTO staging.dim_date
SELECT to_char(d, 'YYYYMMDD')::int, d, extract(year FROM d), extract(quarter FROM d),
       extract(month FROM d), to_char(d, 'FMMonth'), extract(week FROM d),
       extract(isodow FROM d), extract(isodow FROM d) >= 6, extract(year FROM d),
       extract(quarter FROM d)
FROM generate_series(DATE :first, DATE :last, INTERVAL '1 day') AS d
"""


def fill_dim_date(conn: Connection, first: str = "2010-01-01", last: str = "2045-12-31") -> None:
    """Every day from `first` to `last`, computed the way the schema's checks expect."""
    conn.execute(text(DIM_DATE_SQL), {"first": first, "last": last})
