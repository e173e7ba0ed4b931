"""The load: upgrade the schema, WRITE to staging, AUDIT, PUBLISH.

Write-audit-publish keeps the published tables all-old or all-new: staging is written
and audited outside the warehouse, and only the publish transaction touches published
tables. A failure anywhere (bad data, a lost connection, an injected fault) leaves the
warehouse exactly as it was; staging keeps the failed run's rows for inspection.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from sqlalchemy import create_engine, pool

from etl.warehouse.audit import AuditCheck, AuditResult, builtin_checks, run_audit
from etl.warehouse.checksum import TableChecksum, checksums
from etl.warehouse.locks import acquire_load_lock, release_load_lock
from etl.warehouse.migrate import upgrade
from etl.warehouse.publish import DEFAULT_LOCK_TIMEOUT_S, TableCounts, publish
from etl.warehouse.tables import publish_order, spec
from etl.warehouse.write import StagedInput, write_staged

logger = logging.getLogger(__name__)

STAGES = ("write", "audit", "publish")

StageHook = Callable[[str], None]


class InjectedFailure(RuntimeError):
    """Raised by `fail_after`: a fault injected on purpose (tests, drills)."""


@dataclass
class LoadResult:
    run_id: str
    revision: str
    staged_rows: dict[str, int]
    audit: list[AuditResult]
    published: dict[str, TableCounts]
    checksums: dict[str, TableChecksum] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def table_counts(self) -> dict[str, int]:
        return {name: counts.rows for name, counts in self.published.items()}


def check_closed(names: Sequence[str]) -> None:
    """Every dimension a staged table references must be staged in the same load."""
    for name in names:
        missing = spec(name).referenced_dimensions - set(names)
        if missing:
            raise ValueError(f"table={name} needs its dimensions staged too: {sorted(missing)}")


def _hook(on_stage: StageHook | None, fail_after: str | None) -> StageHook:
    def hook(stage: str) -> None:
        if on_stage is not None:
            on_stage(stage)
        if fail_after is not None and stage == fail_after:
            raise InjectedFailure(f"fault injected after stage={stage}")

    return hook


def load_tables(
    url: str,
    tables: Mapping[str, StagedInput],
    audit_checks: Sequence[AuditCheck] = (),
    run_id: str = "manual",
    *,
    on_stage: StageHook | None = None,
    fail_after: str | None = None,
    lock_timeout_s: float = DEFAULT_LOCK_TIMEOUT_S,
    with_checksums: bool = False,
) -> LoadResult:
    """Load the transform's tables (DataFrames or Parquet paths) into the warehouse.

    The built-in audit checks always run; `audit_checks` are added after them (the
    Great Expectations suites plug in here). `on_stage(name)` is called after "write",
    "audit", inside the publish transaction after each "publish:<table>", and after the
    "publish" commit; `fail_after=<name>` raises InjectedFailure at that point.
    """
    names = publish_order(list(tables))
    check_closed(names)
    hook = _hook(on_stage, fail_after)
    seconds: dict[str, float] = {}
    started = time.perf_counter()
    revision = upgrade(url)
    seconds["upgrade"] = time.perf_counter() - started
    engine = create_engine(url, poolclass=pool.NullPool)
    try:
        with engine.connect() as conn:
            acquire_load_lock(conn, lock_timeout_s)
            step = time.perf_counter()
            with conn.begin():
                staged_rows = write_staged(conn, tables)
            seconds["write"] = time.perf_counter() - step
            hook("write")

            step = time.perf_counter()
            audit = run_audit(conn, [*builtin_checks(names), *audit_checks])
            seconds["audit"] = time.perf_counter() - step
            hook("audit")

            step = time.perf_counter()
            published = publish(conn, names, lock_timeout_s=lock_timeout_s, on_step=hook)
            seconds["publish"] = time.perf_counter() - step
            hook("publish")

            sums: dict[str, TableChecksum] = {}
            if with_checksums:
                step = time.perf_counter()
                sums = checksums(conn, names)
                seconds["checksum"] = time.perf_counter() - step
            # On failure the lock goes with the connection, closed on the way out.
            release_load_lock(conn)
    finally:
        engine.dispose()
    seconds["total"] = time.perf_counter() - started
    logger.info(
        "event=load_completed run_id=%s revision=%s tables=%d seconds=%.2f %s",
        run_id,
        revision,
        len(names),
        seconds["total"],
        " ".join(f"{stage}_seconds={s:.2f}" for stage, s in seconds.items() if stage != "total"),
    )
    return LoadResult(
        run_id=run_id,
        revision=revision,
        staged_rows=staged_rows,
        audit=audit,
        published=published,
        checksums=sums,
        seconds=seconds,
    )
