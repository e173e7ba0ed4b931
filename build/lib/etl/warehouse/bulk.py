"""First-load fast path: drop the indexes and keys of empty tables, re-create them after.

Filling an empty table through its indexes costs one b-tree insertion (and WAL record)
per row per index, and through its foreign keys one trigger lookup per row per key; a
sorted index build and one validating join per key are several times cheaper. Every
dropped object is re-created from schema.metadata under the same name before commit,
fully validated, so the published schema is unchanged (compare_metadata stays empty).
Only tables that are empty when the publish starts are touched, so a re-run never
pays for index builds; and all of it happens inside the publish transaction, so a
failure restores the original objects.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field

from sqlalchemy import ForeignKeyConstraint, Index, Table, UniqueConstraint, text
from sqlalchemy.engine import Connection
from sqlalchemy.schema import AddConstraint, CreateIndex, DropConstraint, DropIndex

from etl.warehouse.schema import PUBLISHED_TABLES
from etl.warehouse.tables import DIALECT, table_by_name

logger = logging.getLogger(__name__)


def _sql(ddl: object) -> str:
    return str(ddl.compile(dialect=DIALECT))  # type: ignore[attr-defined]


def _referencing(table: Table) -> list[ForeignKeyConstraint]:
    return [
        fk
        for other in PUBLISHED_TABLES
        for fk in other.foreign_key_constraints
        if fk.referred_table is table
    ]


@dataclass
class BulkPlan:
    """What to drop before filling the empty `tables`, and how to put it back."""

    tables: set[str]
    foreign_keys: list[ForeignKeyConstraint] = field(default_factory=list)
    keys: list[object] = field(default_factory=list)  # PK and UNIQUE constraints
    indexes: list[Index] = field(default_factory=list)

    @classmethod
    def for_tables(cls, names: set[str]) -> BulkPlan:
        plan = cls(tables=set(names))
        for name in sorted(names):
            table = table_by_name(name)
            plan.foreign_keys.extend(table.foreign_key_constraints)
        for name in sorted(names):
            table = table_by_name(name)
            # A key another non-empty table still references cannot be dropped.
            if all(fk.table.name in names for fk in _referencing(table)):
                plan.keys.append(table.primary_key)
                plan.keys.extend(c for c in table.constraints if isinstance(c, UniqueConstraint))
                plan.indexes.extend(sorted(table.indexes, key=lambda i: str(i.name)))
        plan.foreign_keys.sort(key=lambda fk: (fk.table.name, fk.column_keys))
        return plan

    def drop(self, conn: Connection) -> None:
        if not self.tables:
            return
        for fk in self.foreign_keys:
            conn.execute(text(_sql(DropConstraint(fk))))
        for index in self.indexes:
            conn.execute(text(_sql(DropIndex(index))))
        for key in self.keys:
            conn.execute(text(_sql(DropConstraint(key))))
        logger.info(
            "event=bulk_mode tables=%s dropped_keys=%d dropped_indexes=%d dropped_fks=%d",
            ",".join(sorted(self.tables)),
            len(self.keys),
            len(self.indexes),
            len(self.foreign_keys),
        )

    def recreate(self, conn: Connection) -> None:
        # Keys first: the foreign keys need the referenced primary keys back.
        statements = [_sql(AddConstraint(key)) for key in self.keys]
        statements += [_sql(CreateIndex(index)) for index in self.indexes]
        statements += [_sql(AddConstraint(fk)) for fk in self.foreign_keys]
        for statement in statements:
            started = time.perf_counter()
            conn.execute(text(statement))
            logger.debug(
                "event=bulk_recreated seconds=%.2f ddl=%s", time.perf_counter() - started, statement
            )
