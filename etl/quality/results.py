"""The structured outcome of a validation: plain data, JSON-serialisable, GX-free.

The pipeline stores `QualityReport.as_dict()` in `etl_run.validation_summary`, notifications
quote it, and `raise_for_errors` turns error-level failures into a `DataQualityError`.
Nothing here imports Great Expectations, so reading a report stays cheap.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from etl.errors import DataQualityError
from etl.quality.severity import Severity

logger = logging.getLogger(__name__)

# How many failures the exception message spells out; the report itself keeps them all.
_MESSAGE_FAILURES = 20


@dataclass(frozen=True)
class ExpectationResult:
    suite: str
    expectation_type: str
    check: str  # our stable short name, e.g. range, score_has_financials
    columns: tuple[str, ...]
    severity: Severity
    success: bool
    observed_value: Any = None
    unexpected_count: int | None = None
    unexpected_examples: tuple[Any, ...] = ()
    threshold: dict[str, Any] = field(default_factory=dict)  # mostly, min/max, value, ...
    description: str | None = None
    exception: str | None = None  # set when GX could not evaluate the expectation

    @property
    def failed_error(self) -> bool:
        return not self.success and self.severity is Severity.ERROR

    @property
    def failed_warning(self) -> bool:
        return not self.success and self.severity is Severity.WARNING

    def describe(self) -> str:
        """One key=value line naming suite, expectation, column(s) and unexpected count."""
        count = "-" if self.unexpected_count is None else self.unexpected_count
        parts = [
            f"suite={self.suite}",
            f"expectation={self.expectation_type}",
            f"check={self.check}",
            f"column={','.join(self.columns) or '-'}",
            f"unexpected_count={count}",
            f"observed={self.observed_value!r}",
        ]
        if self.exception:
            parts.append(f"exception={self.exception!r}")
        return " ".join(parts)

    def as_dict(self) -> dict[str, Any]:
        return {
            "suite": self.suite,
            "expectation_type": self.expectation_type,
            "check": self.check,
            "columns": list(self.columns),
            "severity": self.severity.value,
            "success": self.success,
            "observed_value": self.observed_value,
            "unexpected_count": self.unexpected_count,
            "unexpected_examples": list(self.unexpected_examples),
            "threshold": dict(self.threshold),
            "description": self.description,
            "exception": self.exception,
        }


@dataclass(frozen=True)
class SuiteResult:
    name: str  # the source or staged table the suite is named after
    kind: str  # "source" or "warehouse"
    results: tuple[ExpectationResult, ...]
    seconds: float = 0.0

    @property
    def errors(self) -> list[ExpectationResult]:
        return [r for r in self.results if r.failed_error]

    @property
    def warnings(self) -> list[ExpectationResult]:
        return [r for r in self.results if r.failed_warning]

    @property
    def success(self) -> bool:
        """True when no error-level expectation failed (warnings do not count)."""
        return not self.errors

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "kind": self.kind,
            "success": self.success,
            "evaluated": len(self.results),
            "failed_errors": len(self.errors),
            "failed_warnings": len(self.warnings),
            "seconds": round(self.seconds, 3),
            "expectations": [r.as_dict() for r in self.results],
        }


@dataclass(frozen=True)
class QualityReport:
    suites: tuple[SuiteResult, ...] = ()
    data_docs_path: str | None = None  # index.html of this run's Data Docs site
    skipped: bool = False
    run_id: str | None = None

    @property
    def errors(self) -> list[ExpectationResult]:
        """Failed error-level expectations: any of them blocks publish."""
        return [r for suite in self.suites for r in suite.errors]

    @property
    def warnings(self) -> list[ExpectationResult]:
        """Failed warning-level expectations: reported, never blocking."""
        return [r for suite in self.suites for r in suite.warnings]

    @property
    def success(self) -> bool:
        return not self.errors

    def suite(self, name: str) -> SuiteResult:
        for suite in self.suites:
            if suite.name == name:
                return suite
        raise KeyError(f"no suite named {name!r} in this report")

    def as_dict(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "skipped": self.skipped,
            "success": self.success,
            "data_docs_path": self.data_docs_path,
            "evaluated": sum(len(s.results) for s in self.suites),
            "failed_errors": len(self.errors),
            "failed_warnings": len(self.warnings),
            "suites": [s.as_dict() for s in self.suites],
        }

    def raise_for_errors(self) -> None:
        """Raise `DataQualityError` naming every failed error-level expectation."""
        errors = self.errors
        for warning in self.warnings:
            logger.warning("quality=warning %s", warning.describe())
        if not errors:
            return
        for error in errors:
            logger.error("quality=error %s", error.describe())
        shown = "; ".join(e.describe() for e in errors[:_MESSAGE_FAILURES])
        more = len(errors) - _MESSAGE_FAILURES
        suffix = f"; and {more} more" if more > 0 else ""
        docs = f" data_docs={self.data_docs_path}" if self.data_docs_path else ""
        error = DataQualityError(
            f"failed_expectations={len(errors)}{docs} problem=error-level data-quality "
            f"expectations failed: {shown}{suffix}"
        )
        # The caller records the summary of a blocked run too (etl_run.validation_summary).
        error.summary = self.as_dict()  # type: ignore[attr-defined]
        raise error


def combine(
    reports: Iterable[QualityReport],
    data_docs_path: str | None = None,
    run_id: str | None = None,
) -> QualityReport:
    """One report holding the suites of several, e.g. sources then warehouse."""
    suites = tuple(s for report in reports for s in report.suites)
    return QualityReport(suites=suites, data_docs_path=data_docs_path, run_id=run_id)
