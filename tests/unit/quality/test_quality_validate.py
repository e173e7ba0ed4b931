"""run_quality end to end, the report's shape, and the GX context's footprint."""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from etl.config.settings import Settings
from etl.errors import DataError, DataQualityError
from etl.quality.gx_context import new_context
from etl.quality.gx_results import jsonable
from etl.quality.results import ExpectationResult, QualityReport, SuiteResult
from etl.quality.severity import Severity
from etl.quality.validate import run_quality
from tests.support.clock import run_year_ranges


@pytest.fixture
def outcomes(make_frame: Callable, write_source: Callable, baseline_counts: dict) -> dict:
    """Clean sources whose loaded counts reconcile with the baseline staging set."""
    return {s: write_source(s, make_frame(s, rows=n)) for s, n in baseline_counts.items()}


def test_skip_validation_runs_nothing(settings: Settings) -> None:
    report = run_quality(
        settings, {}, "postgresql://nowhere/none", years=run_year_ranges(), skip_validation=True
    )
    assert report.skipped and report.suites == () and report.success
    assert json.loads(json.dumps(report.as_dict()))["skipped"] is True
    assert not settings.paths.data_docs_dir.exists()


@pytest.mark.postgres
def test_run_quality_validates_sources_and_staging_into_one_site(
    settings: Settings,
    staging_url: str,
    outcomes: dict,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    workdir = tmp_path / "cwd"
    workdir.mkdir()
    monkeypatch.chdir(workdir)  # GX must not leave a project folder where it runs
    report = run_quality(
        settings, outcomes, staging_url, years=run_year_ranges(), run_id="20260101T000000Z-abc"
    )
    assert report.success and report.errors == []
    kinds = [(s.kind, s.name) for s in report.suites]
    assert kinds[:3] == [("source", n) for n in ("trl_predictions", "pubmed_articles")] + [
        ("source", "biotech_companies")
    ]
    assert len(kinds) == 3 + 8
    index = Path(report.data_docs_path or "")
    site = settings.paths.data_docs_dir / "20260101T000000Z-abc" / "all"
    assert index == (site / "index.html").resolve()
    html = index.read_text(encoding="utf-8")
    assert "pubmed_articles" in html and "dim_publication" in html
    assert list(workdir.iterdir()) == []
    assert os.environ["GX_ANALYTICS_ENABLED"] == "false"
    json.dumps(report.as_dict())


@pytest.mark.postgres
def test_run_quality_raises_after_writing_the_site(
    settings: Settings,
    staging_url: str,
    run_sql: Callable[..., None],
    outcomes: dict,
) -> None:
    run_sql(
        "UPDATE staging.fact_trl_prediction SET forecast_year = 2042, "
        "forecast_date_key = 20421231 WHERE forecast_year = 2026"
    )
    with pytest.raises(DataQualityError, match="column=forecast_year unexpected_count=1") as raised:
        run_quality(settings, outcomes, staging_url, years=run_year_ranges(), run_id="bad")
    summary = raised.value.summary  # type: ignore[attr-defined]
    assert summary["failed_errors"] == 1
    assert Path(summary["data_docs_path"]).is_file()
    assert isinstance(raised.value, DataError)  # a data error: never retried

    [error] = [e for suite in summary["suites"] for e in suite["expectations"] if not e["success"]]
    assert (error["suite"], error["check"], error["columns"]) == (
        "fact_trl_prediction",
        "range",
        ["forecast_year"],
    )


def test_context_is_ephemeral_with_analytics_off(tmp_path: Path) -> None:
    context = new_context(tmp_path / "site")
    assert type(context).__name__ == "EphemeralDataContext"
    assert context.config.analytics_enabled is False
    assert os.environ["GX_ANALYTICS_ENABLED"] == "false"
    assert not (tmp_path / "site").exists()  # nothing is written before the docs are built


def _result(success: bool, severity: Severity, column: str = "c") -> ExpectationResult:
    return ExpectationResult(
        suite="dim_x",
        expectation_type="expect_column_values_to_not_be_null",
        check="not_null",
        columns=(column,),
        severity=severity,
        success=success,
        observed_value={"unexpected_ratio": 0.5, "element_count": 4},
        unexpected_count=2,
        unexpected_examples=(None, None),
    )


def test_warnings_are_reported_and_never_raise() -> None:
    report = QualityReport(
        suites=(SuiteResult("dim_x", "warehouse", (_result(False, Severity.WARNING),)),)
    )
    assert report.success and len(report.warnings) == 1 and report.errors == []
    report.raise_for_errors()
    assert report.as_dict()["suites"][0]["success"] is True


def test_error_message_names_suite_expectation_column_and_count() -> None:
    failures = tuple(_result(False, Severity.ERROR, f"c{i}") for i in range(25))
    report = QualityReport(suites=(SuiteResult("dim_x", "warehouse", failures),))
    with pytest.raises(DataQualityError) as raised:
        report.raise_for_errors()
    message = str(raised.value)
    assert message.startswith("failed_expectations=25 ")
    assert (
        "suite=dim_x expectation=expect_column_values_to_not_be_null check=not_null "
        "column=c0 unexpected_count=2" in message
    )
    assert message.endswith("; and 5 more")


def test_jsonable_turns_database_and_numpy_values_into_json() -> None:
    value = {
        "a": np.int64(3),
        "b": np.float64("nan"),
        "c": Decimal("1.5"),
        "d": dt.date(2020, 1, 31),
        "e": pd.NA,
        "f": (np.bool_(True), float("inf")),
        "g": pd.Timestamp("2020-01-01"),
    }
    assert jsonable(value) == {
        "a": 3,
        "b": None,
        "c": 1.5,
        "d": "2020-01-31",
        "e": None,
        "f": [True, None],
        "g": "2020-01-01T00:00:00",
    }


def test_severity_maps_to_gx_and_back() -> None:
    assert Severity.ERROR.gx == "critical" and Severity.WARNING.gx == "warning"
    assert Severity.from_gx("critical") is Severity.ERROR
    assert Severity.from_gx("warning") is Severity.WARNING
    assert Severity.from_gx("info") is Severity.WARNING
