"""The volume guard: a run never shrinks the warehouse by more than it is allowed to.

A half-copied file still parses: it loads what it has, and publish would then make each
fact table equal to that fraction, with exit 0. So, before publishing, the audit compares
each source's loaded rows and each fact table's staged rows with the last completed run
in `etl_run`. A drop larger than `validation.max_shrink_ratio` is an error-level failure:
nothing is published. An intended shrink (a source that really lost rows) is let through
by `abi-etl run --allow-shrink`, which keeps the finding as a warning and is recorded in
`etl_run.allow_shrink`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.engine import Connection

from etl.warehouse.audit import AuditCheck, AuditResult
from etl.warehouse.schema import etl_run

CHECK_NAME = "volume_guard"


@dataclass(frozen=True)
class Shrink:
    kind: str  # source | table
    name: str
    rows: int
    previous_rows: int
    previous_run_id: str

    @property
    def drop(self) -> float:
        return (self.previous_rows - self.rows) / self.previous_rows

    def describe(self) -> str:
        return (
            f"{self.kind}={self.name} rows={self.rows} previous_rows={self.previous_rows} "
            f"previous_run_id={self.previous_run_id} drop={self.drop:.2f}"
        )


def find_shrinks(
    conn: Connection,
    loaded: Mapping[str, int],
    staged_facts: Mapping[str, int],
    max_shrink_ratio: float,
) -> list[Shrink]:
    """Every source and fact table that lost more than `max_shrink_ratio` of its rows
    since the last completed run (none when there is no completed run yet)."""
    previous = conn.execute(
        select(etl_run.c.run_id, etl_run.c.source_counts, etl_run.c.table_counts)
        .where(etl_run.c.status == "completed")
        .order_by(etl_run.c.started_at.desc())
        .limit(1)
    ).first()
    if previous is None:
        return []
    before = {
        "source": {
            name: counts["loaded"] for name, counts in (previous.source_counts or {}).items()
        },
        "table": dict(previous.table_counts or {}),
    }
    shrinks = []
    for kind, now in (("source", loaded), ("table", staged_facts)):
        for name, rows in sorted(now.items()):
            shrink = Shrink(kind, name, rows, int(before[kind].get(name) or 0), previous.run_id)
            if shrink.previous_rows and shrink.drop > max_shrink_ratio:
                shrinks.append(shrink)
    return shrinks


def volume_check(
    loaded: Mapping[str, int],
    staged_facts: Mapping[str, int],
    max_shrink_ratio: float,
    allow_shrink: bool,
) -> AuditCheck:
    """The guard as an audit check: error level, or warning when the shrink is allowed."""

    def check(conn: Connection) -> AuditResult:
        shrinks = find_shrinks(conn, loaded, staged_facts, max_shrink_ratio)
        message = ""
        if shrinks:
            message = "; ".join(s.describe() for s in shrinks) + (
                f" max_shrink_ratio={max_shrink_ratio}"
                + (" allowed_by=--allow-shrink" if allow_shrink else "")
            )
        return AuditResult(
            name=CHECK_NAME,
            passed=not shrinks,
            level="warning" if allow_shrink else "error",
            failed_rows=len(shrinks),
            details={f"{s.kind}.{s.name}": s.previous_rows - s.rows for s in shrinks},
            message=message,
        )

    return check
