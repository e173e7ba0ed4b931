"""`abi-etl validate`: the data-quality checks on demand, on today's files and staged tables.

The staged tables get both halves of the load's audit: the built-in SQL checks (NOT NULL,
CHECK, unique keys, references) and the suites, which hold only what the schema cannot
say; either alone would miss what the other checks.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy import create_engine, inspect, pool

from etl.cli.errors import one_line_errors
from etl.config.settings import SOURCE_NAMES, load_settings
from etl.errors import DataQualityError, EtlError
from etl.logs import configure_logging
from etl.stages.context import new_run_context
from etl.warehouse.audit import AuditResult, builtin_checks, run_audit
from etl.warehouse.schema import STAGING_SCHEMA

logger = logging.getLogger(__name__)


def _require_staging(url: str) -> None:
    engine = create_engine(url, poolclass=pool.NullPool)
    try:
        tables = inspect(engine).get_table_names(schema=STAGING_SCHEMA)
    finally:
        engine.dispose()
    if not tables:
        raise EtlError(f"schema={STAGING_SCHEMA} problem=no staged tables; run the pipeline first")


def _audit_staging(url: str) -> list[AuditResult]:
    from etl.stages.load import TABLES  # noqa: PLC0415 (imported late: see validate)

    engine = create_engine(url, poolclass=pool.NullPool)
    try:
        with engine.connect() as conn:
            return run_audit(conn, builtin_checks(TABLES), raise_on_error=False)
    finally:
        engine.dispose()


@one_line_errors
def validate(
    config: Annotated[Path | None, typer.Option("--config", help="YAML settings file.")] = None,
) -> None:
    """Exit 0 when no built-in check and no error-level expectation fails; print the
    summary as JSON."""
    # Imported here: pandas, pyarrow and Great Expectations take seconds to import; only
    # this command loads them, not every `abi-etl` command that imports the CLI.
    from etl.quality.validate import run_quality  # noqa: PLC0415
    from etl.stages.extract import extract_source  # noqa: PLC0415

    settings = load_settings(config)
    configure_logging(settings.log_level)
    url = settings.require_warehouse_url()
    _require_staging(url)
    ctx = new_run_context(settings, "standard")
    outcomes = {source: extract_source(ctx, source) for source in SOURCE_NAMES}
    builtin = _audit_staging(url)
    report = run_quality(
        settings, outcomes, url, years=ctx.year_ranges, run_id=ctx.run_id, raise_on_error=False
    )
    blocking = [r for r in builtin if r.blocks_publish]
    summary = {
        **report.as_dict(),
        "builtin": [
            {"name": r.name, "passed": r.passed, "failed_rows": r.failed_rows, "message": r.message}
            for r in builtin
        ],
    }
    typer.echo(json.dumps(summary, indent=2, default=str))
    logger.info(
        "event=validated errors=%d warnings=%d failed_checks=%d data_docs=%s",
        len(report.errors),
        len(report.warnings),
        len(blocking),
        report.data_docs_path,
    )
    if report.errors or blocking:
        failed = "; ".join(f"check={r.name} {r.message}" for r in blocking)
        raise DataQualityError(
            f"failed_expectations={len(report.errors)} failed_checks={len(blocking)}"
            + (f" {failed}" if failed else "")
        )
