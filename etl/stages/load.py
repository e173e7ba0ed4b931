"""The load: WRITE to staging, AUDIT the staged tables, PUBLISH them atomically.

This is the only write-audit-publish of the product: the flow and standard mode both
reach it through `load_staged`. Write-audit-publish keeps the published tables all-old or
all-new: staging is written and audited outside the warehouse, and only the publish
transaction touches published tables. A failure anywhere (bad data, a lost connection, a
killed task) leaves the warehouse exactly as it was; staging keeps the failed run's rows
for inspection.

The three steps run as separate stage calls (three Prefect tasks) so that each has its
own retries and timeout; `run_lock` keeps another run from touching staging in between.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from etl.errors import DataQualityError
from etl.stages.context import RunContext, warehouse_connection
from etl.stages.extract import SourceOutcome
from etl.stages.previous_run import wait_for_previous_run
from etl.stages.protocols import Reporter, StageCaller
from etl.stages.summary import RunSummary, StageOutcome
from etl.warehouse.audit import builtin_checks, run_audit
from etl.warehouse.checksum import checksums
from etl.warehouse.generation import publish_generation
from etl.warehouse.locks import LOAD_LOCK, hold_session_lock
from etl.warehouse.migrate import upgrade
from etl.warehouse.publish import publish
from etl.warehouse.schema import FACTS, PUBLISHED_TABLES
from etl.warehouse.tables import publish_order
from etl.warehouse.volume_guard import volume_check
from etl.warehouse.write import write_staged

logger = logging.getLogger(__name__)

Progress = Callable[[float], None]

# The load writes and publishes every table of the star schema, dimensions first.
TABLES = publish_order([table.name for table in PUBLISHED_TABLES])
FACT_NAMES = frozenset(table.name for table in FACTS)


@contextmanager
def run_lock(ctx: RunContext) -> Iterator[None]:
    """Hold the load lock from the write to the end of publish, on a connection of its own.

    A second run waits at most the load stage's timeout, then fails as a transient error
    (its task retries).
    """
    with (
        warehouse_connection(ctx) as conn,
        hold_session_lock(conn, LOAD_LOCK, ctx.settings.stages.load.timeout_seconds),
    ):
        yield


def load_staged(
    ctx: RunContext,
    caller: StageCaller,
    reporter: Reporter,
    summary: RunSummary,
    *,
    transformed: StageOutcome,
    outcomes: Mapping[str, SourceOutcome],
) -> StageOutcome:
    """Write the transform's tables to staging, audit them, and publish them if they pass.

    `summary` records each step as soon as it ends, so a run stopped by its audit still
    reports what the audit found. A backfill run first waits for the run before it
    (etl.stages.previous_run): the load lock alone would serialise the loads, but in
    whatever order they reached it.
    """
    if ctx.after_flow_run_id is not None:
        summary.stages["previous_run"] = caller.call(
            "load", "wait_for_previous_run", wait_for_previous_run, ctx
        )
    with run_lock(ctx):
        written = caller.call("load", "write_staging", write_staging, ctx, transformed)
        summary.stages["load"] = written

        audited = caller.call("validation", "audit_staging", audit_staging, ctx, outcomes, written)
        summary.stages["validation"] = audited
        summary.validation = audited.details
        reporter.validation(audited)
        raise_for_audit(audited)

        published = caller.call("load", "publish_staging", publish_staging, ctx, reporter.progress)
    summary.stages["publish"] = published
    summary.table_counts = dict(published.rows)
    summary.table_checksums = dict(published.details.get("checksums", {}))
    summary.publish_generation = published.details.get("publish_generation")
    reporter.loading(published)
    return published


def write_staging(ctx: RunContext, transformed: StageOutcome) -> StageOutcome:
    started = time.perf_counter()
    revision = upgrade(ctx.settings.require_warehouse_url())
    inputs = {name: Path(path) for name, path in transformed.paths.items()}
    with warehouse_connection(ctx) as conn, conn.begin():
        rows = write_staged(conn, inputs)
    outcome = StageOutcome(
        "load", time.perf_counter() - started, rows, details={"revision": revision}
    )
    logger.info("stage=write_staging seconds=%.2f rows=%d", outcome.seconds, sum(rows.values()))
    return outcome


def audit_staging(
    ctx: RunContext, outcomes: Mapping[str, SourceOutcome], written: StageOutcome
) -> StageOutcome:
    """Built-in SQL checks and the volume guard always; the Great Expectations suites
    unless skipped."""
    # Imported here, not at the top: Great Expectations (with the scipy and altair it pulls
    # in) was half of the flow module's import, which every `abi-etl` command paid too,
    # and which a run pays before it is Running; only this stage needs it. Measured in
    # the worker image (CPU seconds, 3 imports): Prefect 1.2, the flow module's other
    # imports 1.1, great_expectations 2.5. A run still pays it, here: the time moves from
    # the flow's start to its audit (docs/stack.md, "Trigger latency").
    from etl.quality.validate import run_quality  # noqa: PLC0415

    started = time.perf_counter()
    guard = volume_check(
        loaded={name: outcome.loaded for name, outcome in outcomes.items()},
        staged_facts={name: rows for name, rows in written.rows.items() if name in FACT_NAMES},
        max_shrink_ratio=ctx.settings.validation.max_shrink_ratio,
        allow_shrink=ctx.allow_shrink,
    )
    with warehouse_connection(ctx) as conn:
        builtin = run_audit(conn, [*builtin_checks(TABLES), guard], raise_on_error=False)
    report = run_quality(
        ctx.settings,
        outcomes,
        ctx.settings.require_warehouse_url(),
        years=ctx.year_ranges,
        run_id=ctx.run_id,
        skip_validation=ctx.skip_validation,
        raise_on_error=False,
    )
    summary = report.as_dict()
    blocking = [r for r in builtin if r.blocks_publish]
    details: dict[str, Any] = {
        **summary,
        "error_count": len(report.errors) + len(blocking),
        "warning_count": len(report.warnings),
        "builtin": [
            {"name": r.name, "passed": r.passed, "failed_rows": r.failed_rows, "message": r.message}
            for r in builtin
        ],
        "expectations": [
            {
                "suite": e["suite"],
                "check": e["check"],
                "columns": ",".join(e["columns"]),
                "severity": e["severity"],
                "success": e["success"],
                "unexpected_count": e["unexpected_count"],
            }
            for suite in summary["suites"]
            for e in suite["expectations"]
            if not e["success"]
        ],
        "error_message": _error_message(report, blocking),
    }
    outcome = StageOutcome("validation", time.perf_counter() - started, details=details)
    logger.info(
        "stage=audit_staging seconds=%.2f skipped=%s errors=%d warnings=%d data_docs=%s",
        outcome.seconds,
        report.skipped,
        details["error_count"],
        details["warning_count"],
        report.data_docs_path,
    )
    return outcome


def _error_message(report: Any, blocking: list[Any]) -> str | None:
    parts = [f"check={r.name} failed_rows={r.failed_rows} {r.message}" for r in blocking]
    try:
        report.raise_for_errors()
    except DataQualityError as error:
        parts.append(str(error))
    return "; ".join(parts) or None


def raise_for_audit(audited: StageOutcome) -> None:
    """A failed error-level check stops the run before publish; it is never retried."""
    if audited.details.get("error_count"):
        raise DataQualityError(audited.details["error_message"])


def publish_staging(ctx: RunContext, progress: Progress | None = None) -> StageOutcome:
    started = time.perf_counter()
    names = list(TABLES)
    done: list[str] = []

    def on_step(step: str) -> None:
        if progress is not None and step.startswith("publish:"):
            done.append(step)
            progress(100.0 * len(done) / len(names))

    generation: list[int] = []
    with warehouse_connection(ctx) as conn:
        counts = publish(
            conn,
            names,
            lock_timeout_s=ctx.settings.stages.load.timeout_seconds,
            on_step=on_step,
            # Read in the publish transaction: a write that commits after it moves the
            # counter past this value, so no later run mistakes it for this run's tables.
            before_commit=lambda c: generation.append(publish_generation(c)),
        )
        sums = checksums(conn, names)
    outcome = StageOutcome(
        "publish",
        time.perf_counter() - started,
        rows={name: c.rows for name, c in counts.items()},
        details={
            "tables": {name: c.as_dict() for name, c in counts.items()},
            "checksums": {name: s.checksum for name, s in sums.items()},
            "publish_generation": generation[0],
        },
    )
    logger.info("stage=publish_staging seconds=%.2f tables=%d", outcome.seconds, len(names))
    return outcome
