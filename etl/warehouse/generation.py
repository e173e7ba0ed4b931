"""The published tables' write counter (`etl_publish_generation`, migration 0005).

Every statement that writes a published table adds one to it, in the writer's own
transaction, through a trigger on the table. A run records the value its publish leaves;
while the counter still holds that value, nobody has written a published table since:
not a later publish, not a manual UPDATE, not a restore of another moment's dump.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.engine import Connection

from etl.warehouse.schema import etl_publish_generation


def publish_generation(conn: Connection) -> int:
    """The counter as `conn`'s transaction sees it."""
    query = select(etl_publish_generation.c.generation).where(etl_publish_generation.c.id == 1)
    return int(conn.execute(query).scalar_one())
