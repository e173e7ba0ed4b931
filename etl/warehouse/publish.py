"""The PUBLISH step: staged tables into the warehouse, in one transaction.

Under a transaction-scoped advisory lock (two runs never publish at once):

* dimensions are upserted by natural key, so surrogate keys never change; a row is
  written only when it is new or an attribute IS DISTINCT FROM the published one, so an
  unchanged re-run writes nothing. Rows that left the source are kept.
* facts are replaced at their grain: the published fact becomes exactly the staged
  snapshot, natural keys mapped to surrogate keys through the just-published dimensions;
  only rows that disappeared, appeared or changed are touched.

Cost: staged rows are compared with published rows first and only the difference is
sent to INSERT ... ON CONFLICT, because ON CONFLICT locks (and so rewrites) every row it
meets even when its WHERE says nothing changed. Facts resolve natural keys through narrow
temporary key maps rather than joining wide dimensions. A table that is empty when the
publish starts (the first load) has nothing to compare with: it gets a plain INSERT with
its keys and indexes dropped and rebuilt around it (see bulk.py).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass

from sqlalchemy import text
from sqlalchemy.engine import Connection

from etl.errors import DataQualityError
from etl.warehouse.bulk import BulkPlan
from etl.warehouse.locks import PUBLISH_LOCK, naming_lock_waits, take_transaction_lock
from etl.warehouse.tables import TableSpec, publish_order, qi, spec

logger = logging.getLogger(__name__)

DEFAULT_LOCK_TIMEOUT_S = 600.0
PUBLISH_WORK_MEM = "128MB"  # hash joins over a million keys stay in memory
PUBLISH_MAINTENANCE_WORK_MEM = "512MB"  # first-load index builds sort in memory
ANALYZE_CHANGE_RATIO = 0.1  # re-plan the following joins once a tenth of a table changed

StepHook = Callable[[str], None]


@dataclass(frozen=True)
class TableCounts:
    inserted: int
    updated: int
    deleted: int
    rows: int  # rows in the published table after publishing

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


def _cols(names: Iterable[str], alias: str | None = None) -> str:
    prefix = f"{alias}." if alias else ""
    return ", ".join(f"{prefix}{qi(n)}" for n in names)


def _row(names: list[str], alias: str) -> str:
    return f"ROW({_cols(names, alias)})"


def _same_key(key: Iterable[str], left: str, right: str) -> str:
    return " AND ".join(f"{left}.{qi(c)} = {right}.{qi(c)}" for c in key)


def _is_empty(conn: Connection, table_spec: TableSpec) -> bool:
    return not conn.execute(text(f"SELECT EXISTS (SELECT 1 FROM {table_spec.published})")).scalar()


def _count(conn: Connection, relation: str) -> int:
    return int(conn.execute(text(f"SELECT count(*) FROM {relation}")).scalar_one())


def _temp(kind: str, name: str) -> str:
    return f"pg_temp.{qi(f'{kind}_{name}')}"


def keymap(dimension: str) -> str:
    """Temp table (natural key, surrogate key) of a dimension, built during publish."""
    return _temp("keymap", dimension)


def _create_keymap(conn: Connection, table_spec: TableSpec, select: str | None = None) -> None:
    """Build the dimension's key map, from its published rows unless `select` is given.

    Facts resolve natural keys through this narrow table instead of joining the
    (possibly gigabyte-wide) dimension itself.
    """
    natural, surrogate = table_spec.natural_key[0], table_spec.surrogate
    if surrogate is None:
        raise ValueError(f"table={table_spec.name} has no surrogate key to map")
    source = select or f"SELECT {qi(natural)}, {qi(surrogate)} FROM {table_spec.published}"
    conn.execute(text(f"CREATE TEMP TABLE {keymap(table_spec.name)} ON COMMIT DROP AS {source}"))
    conn.execute(text(f"ANALYZE {keymap(table_spec.name)}"))


def _source_sql(table_spec: TableSpec, outer: bool = False) -> tuple[list[str], str]:
    """Published column names and a SELECT giving them from staging (keys resolved).

    With `outer`, staged rows whose natural keys do not resolve are kept, keys NULL.
    """
    published = [c.name for c in table_spec.table.columns if c.name != table_spec.surrogate]
    joins = []
    expressions = []
    maps = {m.surrogate: m for m in table_spec.key_maps}
    for column in published:
        if column in maps:
            key_map = maps[column]
            alias = f"k_{column}"
            joins.append(
                f"{'LEFT JOIN' if outer else 'JOIN'} {keymap(key_map.dimension)} AS {alias} "
                f"ON {alias}.{qi(key_map.natural)} = s.{qi(key_map.natural)}"
            )
            expressions.append(f"{alias}.{qi(column)}")
        else:
            expressions.append(f"s.{qi(column)}")
    select = f"SELECT {', '.join(expressions)} FROM {table_spec.staging} AS s {' '.join(joins)}"
    return published, select


def _changed_rows(
    conn: Connection, table_spec: TableSpec, source: str, probe_index: bool = False
) -> str:
    """Materialise the rows of `source` that are new or differ from the published ones.

    A plain SELECT (unlike INSERT ... SELECT) may run in parallel, and usually finds
    nothing, so the upsert that follows only meets the real difference. With
    `probe_index`, each row is looked up through the published unique key instead of
    hashing the published table: for a wide dimension the hash would hold every
    published row (1.5 GB at a million articles) and is twice as slow.
    """
    key = list(table_spec.conflict_key)
    values = table_spec.value_columns
    changed = _temp("changed", table_spec.name)
    if probe_index:
        conn.execute(text("SET LOCAL enable_hashjoin = off"))
        conn.execute(text("SET LOCAL enable_mergejoin = off"))
    conn.execute(
        text(
            f"CREATE TEMP TABLE {changed} ON COMMIT DROP AS "
            f"SELECT * FROM {source} AS n WHERE NOT EXISTS ("
            f"SELECT 1 FROM {table_spec.published} AS p WHERE {_same_key(key, 'p', 'n')} "
            f"AND {_row(values, 'p')} IS NOT DISTINCT FROM {_row(values, 'n')})"
        )
    )
    if probe_index:
        conn.execute(text("SET LOCAL enable_hashjoin TO DEFAULT"))
        conn.execute(text("SET LOCAL enable_mergejoin TO DEFAULT"))
    return changed


def _upsert(conn: Connection, table_spec: TableSpec, source: str) -> tuple[int, int]:
    """INSERT ... ON CONFLICT the rows of `source`; returns (inserted, updated)."""
    key = list(table_spec.conflict_key)
    values = table_spec.value_columns
    columns = key + values
    sql = f"""
        WITH written AS (
            INSERT INTO {table_spec.published} AS t ({_cols(columns)})
            SELECT {_cols(columns, "n")} FROM {source} AS n
            ON CONFLICT ({_cols(key)}) DO UPDATE
            SET {", ".join(f"{qi(c)} = EXCLUDED.{qi(c)}" for c in values)}
            WHERE {_row(values, "t")} IS DISTINCT FROM {_row(values, "EXCLUDED")}
            RETURNING (xmax = 0) AS inserted
        )
        SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted)
        FROM written
    """
    inserted, updated = conn.execute(text(sql)).one()
    return int(inserted), int(updated)


def _publish_dimension(conn: Connection, table_spec: TableSpec, bulk: bool) -> TableCounts:
    columns = [c.name for c in table_spec.table.columns if c.name != table_spec.surrogate]
    has_keys = table_spec.surrogate is not None
    if bulk:
        insert = (
            f"INSERT INTO {table_spec.published} ({_cols(columns)}) "
            f"SELECT {_cols(columns)} FROM {table_spec.staging}"
        )
        if has_keys:
            # The new keys come back from the INSERT itself: no second pass over the table.
            returning = f"{qi(table_spec.natural_key[0])}, {qi(table_spec.surrogate or '')}"
            _create_keymap(
                conn, table_spec, f"WITH i AS ({insert} RETURNING {returning}) SELECT * FROM i"
            )
            inserted = _count(conn, keymap(table_spec.name))
        else:
            inserted = int(conn.execute(text(insert)).rowcount)
        return TableCounts(inserted=inserted, updated=0, deleted=0, rows=inserted)
    changed = _changed_rows(conn, table_spec, table_spec.staging, probe_index=True)
    inserted, updated = _upsert(conn, table_spec, changed)
    if has_keys:
        _create_keymap(conn, table_spec)
        rows = _count(conn, keymap(table_spec.name))
    else:
        rows = _count(conn, table_spec.published)
    return TableCounts(inserted=inserted, updated=updated, deleted=0, rows=rows)


def _fact_diff(conn: Connection, table_spec: TableSpec) -> str:
    """One full join of the keyed staged rows with the published fact.

    Each result row is a staged row that is new, changed or unresolved (`_staged`
    true, its conflict key NULL when a natural key did not resolve), or a published row
    whose grain is no longer staged (`_staged` NULL, its key in `_old_<column>`). An
    identical re-run yields no row, after one pass over each side.
    """
    _, select = _source_sql(table_spec, outer=True)
    key = list(table_spec.conflict_key)
    values = table_spec.value_columns
    diff = _temp("diff", table_spec.name)
    old_key = ", ".join(f"p.{qi(c)} AS {qi('_old_' + c)}" for c in key)
    unresolved = " OR ".join(f"n.{qi(c)} IS NULL" for c in key)
    staged_select = "SELECT true AS _staged, " + select.removeprefix("SELECT ")
    conn.execute(
        text(
            f"CREATE TEMP TABLE {diff} ON COMMIT DROP AS "
            f"SELECT n.*, {old_key} FROM ({staged_select}) AS n "
            f"FULL JOIN {table_spec.published} AS p ON {_same_key(key, 'p', 'n')} "
            f"WHERE n._staged IS NULL OR p.{qi(key[0])} IS NULL OR {unresolved} "
            f"OR {_row(values, 'p')} IS DISTINCT FROM {_row(values, 'n')}"
        )
    )
    return diff


def _publish_fact(conn: Connection, table_spec: TableSpec, bulk: bool) -> TableCounts:
    staged = _count(conn, table_spec.staging)
    if bulk:
        columns, select = _source_sql(table_spec)
        insert = f"INSERT INTO {table_spec.published} ({_cols(columns)}) {select}"
        inserted = mapped = int(conn.execute(text(insert)).rowcount)
        updated = deleted = 0
    else:
        diff = _fact_diff(conn, table_spec)
        key = table_spec.conflict_key
        resolved = " AND ".join(f"d.{qi(c)} IS NOT NULL" for c in key)
        unmapped = int(
            conn.execute(
                text(f"SELECT count(*) FROM {diff} AS d WHERE d._staged AND NOT ({resolved})")
            ).scalar_one()
        )
        mapped = staged - unmapped
        gone = " AND ".join(f"p.{qi(c)} = d.{qi('_old_' + c)}" for c in key)
        deleted = conn.execute(
            text(
                f"DELETE FROM {table_spec.published} AS p USING {diff} AS d "
                f"WHERE d._staged IS NULL AND {gone}"
            )
        ).rowcount
        changed = f"(SELECT * FROM {diff} AS d WHERE d._staged AND {resolved})"
        inserted, updated = _upsert(conn, table_spec, changed)
    if mapped != staged:
        # The audit guarantees every natural key resolves; this guards a skipped audit.
        raise DataQualityError(
            f"table={table_spec.name} problem={staged - mapped} staged rows have natural keys "
            "missing from their published dimension"
        )
    # The published fact is now exactly the staged snapshot.
    return TableCounts(inserted=inserted, updated=updated, deleted=int(deleted), rows=mapped)


def publish(
    conn: Connection,
    tables: Iterable[str],
    lock_timeout_s: float = DEFAULT_LOCK_TIMEOUT_S,
    on_step: StepHook | None = None,
    before_commit: Callable[[Connection], None] | None = None,
) -> dict[str, TableCounts]:
    """Publish the staged `tables` in one transaction on `conn`; returns counts per table.

    `conn` must not be in a transaction. Waits up to `lock_timeout_s` for a concurrent
    publish to finish, then raises TransientError. `on_step("publish:<table>")` runs
    inside the transaction after each table (tests inject failures there): anything it
    raises rolls the whole publish back. `before_commit(conn)` runs last in the
    transaction: what it reads is exactly what the commit makes visible.
    """
    counts: dict[str, TableCounts] = {}
    with conn.begin():
        take_transaction_lock(conn, PUBLISH_LOCK, lock_timeout_s)
        conn.execute(text(f"SET LOCAL work_mem = '{PUBLISH_WORK_MEM}'"))
        conn.execute(text(f"SET LOCAL maintenance_work_mem = '{PUBLISH_MAINTENANCE_WORK_MEM}'"))
        # JIT compiles each big statement for up to a second; these are I/O-bound scans.
        conn.execute(text("SET LOCAL jit = off"))
        names = publish_order(list(tables))
        check_keymaps(names)
        with naming_lock_waits(
            "stage=publish step=plan problem=another session holds a lock on a published table"
        ):
            plan = BulkPlan.for_tables({n for n in names if _is_empty(conn, spec(n))})
            plan.drop(conn)
        for name in names:
            started = time.perf_counter()
            table_spec = spec(name)
            bulk = name in plan.tables
            with naming_lock_waits(
                f"stage=publish table={name} problem=another session holds a lock on it"
            ):
                if table_spec.is_dimension:
                    result = _publish_dimension(conn, table_spec, bulk)
                else:
                    result = _publish_fact(conn, table_spec, bulk)
            changed = result.inserted + result.updated + result.deleted
            if changed > ANALYZE_CHANGE_RATIO * max(result.rows, 1):
                conn.execute(text(f"ANALYZE {table_spec.published}"))
            counts[name] = result
            logger.info(
                "event=published table=%s inserted=%d updated=%d deleted=%d rows=%d seconds=%.2f",
                name,
                result.inserted,
                result.updated,
                result.deleted,
                result.rows,
                time.perf_counter() - started,
            )
            if on_step is not None:
                on_step(f"publish:{name}")
        started = time.perf_counter()
        plan.recreate(conn)
        logger.info("event=bulk_keys_recreated seconds=%.2f", time.perf_counter() - started)
        if before_commit is not None:
            before_commit(conn)
    return counts


def check_keymaps(names: list[str]) -> None:
    """A fact can only be published with the dimensions that resolve its keys."""
    for name in names:
        missing = {m.dimension for m in spec(name).key_maps} - set(names)
        if missing:
            raise ValueError(f"table={name} must be published with {sorted(missing)}")
