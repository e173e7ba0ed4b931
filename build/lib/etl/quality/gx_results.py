"""Turn GX validation results into our plain `SuiteResult`, JSON-safe all the way down."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from great_expectations.core import ExpectationSuiteValidationResult, ExpectationValidationResult

from etl.quality.results import ExpectationResult, SuiteResult
from etl.quality.severity import Severity
from etl.quality.unexpected_rows import EXAMPLE_LIMIT, ExpectQueryToReturnNoRows

# Keys of an expectation's kwargs that say where it looks, not what it demands.
_NOT_THRESHOLD = {
    "column",
    "column_list",
    "column_A",
    "column_B",
    "batch_id",
    "result_format",
    "catch_exceptions",
    "unexpected_rows_query",
    "row_condition",
    "condition_parser",
}


def jsonable(value: Any) -> Any:
    """Plain JSON types only: numpy scalars, decimals, dates and NaN/NA are converted."""
    if value is None or isinstance(value, bool | str | int):
        return value
    if isinstance(value, float):
        return None if math.isnan(value) or math.isinf(value) else value
    if isinstance(value, Decimal):
        return jsonable(float(value))
    if isinstance(value, dt.date | dt.datetime | dt.time):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [jsonable(v) for v in value]
    item = getattr(value, "item", None)  # numpy scalar
    if callable(item):
        try:
            return jsonable(item())
        except (TypeError, ValueError):
            return str(value)
    if type(value).__name__ in {"NAType", "NaTType"}:
        return None
    return str(value)


def _columns(kwargs: Mapping[str, Any], meta: Mapping[str, Any]) -> tuple[str, ...]:
    if "columns" in meta:  # a query expectation names the columns it is about in its meta
        return tuple(str(c) for c in meta["columns"])
    if "column" in kwargs:
        return (str(kwargs["column"]),)
    if "column_list" in kwargs:
        return tuple(str(c) for c in kwargs["column_list"])
    return tuple(str(kwargs[k]) for k in ("column_A", "column_B") if k in kwargs)


def _exception_message(info: Any) -> str | None:
    """GX nests exception info per metric; the first raised one explains the failure."""
    if not isinstance(info, Mapping):
        return None
    if info.get("raised_exception"):
        return str(info.get("exception_message") or "exception raised")
    for nested in info.values():
        message = _exception_message(nested)
        if message:
            return message
    return None


def _observed(result: Mapping[str, Any]) -> Any:
    if "observed_value" in result:
        return jsonable(result["observed_value"])
    if "unexpected_percent" in result:
        # Column-map expectations report a share of rows rather than a single value.
        percent = result.get("unexpected_percent") or 0.0
        return {
            "unexpected_ratio": round(float(percent) / 100, 6),
            "element_count": jsonable(result.get("element_count")),
        }
    return None


def expectation_result(suite: str, evr: ExpectationValidationResult) -> ExpectationResult:
    config = evr.expectation_config
    kwargs = dict(config.kwargs)
    meta = dict(config.meta or {})
    result = dict(evr.result or {})
    unexpected = result.get("unexpected_count")
    if unexpected is None and config.type == ExpectQueryToReturnNoRows.expectation_type:
        unexpected = result.get("observed_value")  # the number of rows the query returned
    examples = result.get("partial_unexpected_list") or []
    if not examples and isinstance(result.get("details"), Mapping):
        examples = result["details"].get("unexpected_rows") or []
    return ExpectationResult(
        suite=suite,
        expectation_type=config.type,
        check=str(meta.get("check", config.type)),
        columns=_columns(kwargs, meta),
        severity=Severity.from_gx(config.severity),
        success=bool(evr.success),
        observed_value=_observed(result),
        unexpected_count=None if unexpected is None else int(unexpected),
        unexpected_examples=tuple(jsonable(list(examples[:EXAMPLE_LIMIT]))),
        threshold=jsonable({k: v for k, v in kwargs.items() if k not in _NOT_THRESHOLD}),
        description=config.description,
        exception=_exception_message(evr.exception_info),
    )


def suite_result(
    name: str, kind: str, validation: ExpectationSuiteValidationResult, seconds: float
) -> SuiteResult:
    results = tuple(expectation_result(name, evr) for evr in validation.results)
    return SuiteResult(name=name, kind=kind, results=results, seconds=seconds)
