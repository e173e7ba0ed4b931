"""Run one expectation suite on one batch definition; log a converted suite result."""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime
from typing import Any

import great_expectations as gx
from great_expectations.core import ExpectationSuiteValidationResult
from great_expectations.core.batch_definition import BatchDefinition
from great_expectations.data_context import AbstractDataContext

from etl.quality.results import SuiteResult
from etl.quality.unexpected_rows import EXAMPLE_LIMIT

logger = logging.getLogger(__name__)

# SUMMARY gives counts plus a few unexpected values fetched with LIMIT in SQL; COMPLETE
# would fetch every unexpected value, which on a broken staging table is the whole table.
RESULT_FORMAT: dict[str, Any] = {
    "result_format": "SUMMARY",
    "partial_unexpected_count": EXAMPLE_LIMIT,
}


def run_validation(
    context: AbstractDataContext,
    kind: str,
    suite: gx.ExpectationSuite,
    batch_definition: BatchDefinition,
    *,
    run_id: str,
    batch_parameters: dict[str, Any] | None = None,
) -> tuple[ExpectationSuiteValidationResult, float]:
    """Validate `suite` (already added to `context`), store the result for Data Docs.

    Returns GX's result and the seconds the validation took.
    """
    definition = context.validation_definitions.add(
        gx.ValidationDefinition(name=f"{kind}.{suite.name}", data=batch_definition, suite=suite)
    )
    started = time.perf_counter()
    validation = definition.run(
        batch_parameters=batch_parameters,
        result_format=RESULT_FORMAT,
        run_id=gx.RunIdentifier(run_name=run_id, run_time=datetime.now(UTC)),
    )
    return validation, time.perf_counter() - started


def log_suite_result(result: SuiteResult) -> None:
    logger.info(
        "quality=suite kind=%s suite=%s evaluated=%d failed_errors=%d failed_warnings=%d "
        "seconds=%.3f",
        result.kind,
        result.name,
        len(result.results),
        len(result.errors),
        len(result.warnings),
        result.seconds,
    )
