"""What write, audit and publish need to know about each published table.

Everything is derived from schema.metadata and staged.py so that the load machinery
never drifts from the schema: natural keys, grain, foreign keys, column lists.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from sqlalchemy import Column, Table
from sqlalchemy.dialects import postgresql

from etl.warehouse.schema import (
    DIMENSIONS,
    FACTS,
    PUBLISHED_TABLES,
    STAGING_SCHEMA,
    WAREHOUSE_SCHEMA,
)
from etl.warehouse.staged import NATURAL_KEY_OF, staged_columns

DIALECT = postgresql.dialect()


def qi(name: str) -> str:
    """Quote an identifier the way PostgreSQL wants it."""
    return DIALECT.identifier_preparer.quote(name)


def qualified(schema: str, name: str) -> str:
    return f"{qi(schema)}.{qi(name)}"


def sql_type(column: Column) -> str:
    return column.type.compile(dialect=DIALECT)


@dataclass(frozen=True)
class KeyMap:
    """A fact's surrogate key column and the dimension that resolves it."""

    surrogate: str  # e.g. publication_key
    natural: str  # e.g. pmid
    dimension: str  # e.g. dim_publication


@dataclass(frozen=True)
class TableSpec:
    name: str
    is_dimension: bool
    staged: tuple[Column, ...]  # staged columns, in order
    natural_key: tuple[str, ...]  # staged columns that identify a row (the grain)
    conflict_key: tuple[str, ...]  # published columns of the unique key upserts target
    surrogate: str | None  # a dimension's identity column
    key_maps: tuple[KeyMap, ...]  # a fact's surrogate keys resolved via dimensions
    date_keys: tuple[str, ...]  # columns referencing dim_date.date_key

    @property
    def table(self) -> Table:
        return table_by_name(self.name)

    @property
    def staged_names(self) -> list[str]:
        return [c.name for c in self.staged]

    @property
    def published(self) -> str:
        return qualified(WAREHOUSE_SCHEMA, self.name)

    @property
    def staging(self) -> str:
        return qualified(STAGING_SCHEMA, self.name)

    @property
    def value_columns(self) -> list[str]:
        """Published columns an upsert may overwrite: all but the conflict key and identity."""
        skip = set(self.conflict_key) | {self.surrogate}
        return [c.name for c in self.table.columns if c.name not in skip]

    @property
    def referenced_dimensions(self) -> set[str]:
        names = {m.dimension for m in self.key_maps}
        if self.date_keys:
            names.add("dim_date")
        return names


def table_by_name(name: str) -> Table:
    for table in PUBLISHED_TABLES:
        if table.name == name:
            return table
    raise KeyError(f"unknown published table {name!r}")


def _natural_of(column_name: str) -> str:
    return NATURAL_KEY_OF[column_name][0] if column_name in NATURAL_KEY_OF else column_name


@cache
def spec(name: str) -> TableSpec:
    table = table_by_name(name)
    is_dimension = table in DIMENSIONS
    pk = [c.name for c in table.primary_key.columns]
    surrogate = None
    if is_dimension and pk[0] in NATURAL_KEY_OF and NATURAL_KEY_OF[pk[0]][2] == name:
        surrogate = pk[0]
        natural = (NATURAL_KEY_OF[pk[0]][0],)
        conflict = natural
    else:
        natural = tuple(_natural_of(c) for c in pk)
        conflict = tuple(pk)
    key_maps = tuple(
        KeyMap(c.name, *NATURAL_KEY_OF[c.name][::2])
        for c in table.columns
        if c.name in NATURAL_KEY_OF and c.name != surrogate
    )
    date_keys = tuple(
        c.name
        for c in table.columns
        for fk in c.foreign_keys
        if fk.target_fullname.endswith("dim_date.date_key")
    )
    return TableSpec(
        name=name,
        is_dimension=is_dimension,
        staged=tuple(staged_columns(table)),
        natural_key=natural,
        conflict_key=conflict,
        surrogate=surrogate,
        key_maps=key_maps,
        date_keys=date_keys,
    )


def publish_order(names: set[str] | list[str]) -> list[str]:
    """Dimensions first (dim_date before those that reference it), then facts."""
    order = [t.name for t in DIMENSIONS] + [t.name for t in FACTS]
    unknown = set(names) - set(order)
    if unknown:
        raise KeyError(f"unknown published tables {sorted(unknown)}")
    return [n for n in order if n in names]
