"""Staging suites in PostgreSQL: each expectation tripped by crafted rows, and passed.

The rules the built-in SQL audit enforces (NOT NULL, CHECK, unique keys, references) are
not in these suites; tests/unit/quality/test_quality_once.py shows the audit catching them.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path

import pytest

from etl.config.settings import Settings, ValidationSettings
from etl.errors import DataQualityError
from etl.quality.gx_context import new_context
from etl.quality.results import ExpectationResult, QualityReport, SuiteResult
from etl.quality.warehouse_suites import (
    build_table_suite,
    libpq_options,
    run_warehouse_suites,
    validate_staging,
)
from etl.warehouse.schema import PUBLISHED_TABLES, fact_trl_prediction
from tests.support.clock import run_year_ranges

pytestmark = pytest.mark.postgres


def run(
    url: str,
    counts: Mapping[str, int],
    tables: list[str] | None = None,
    limits: ValidationSettings | None = None,
) -> dict[str, SuiteResult]:
    suites = run_warehouse_suites(
        new_context(),
        limits or ValidationSettings(),
        url,
        counts,
        run_id="t",
        years=run_year_ranges(),
        tables=tables,
    )
    return {s.name: s for s in suites}


def failures(suite: SuiteResult) -> dict[tuple[str, str], ExpectationResult]:
    return {(r.check, ",".join(r.columns)): r for r in suite.results if not r.success}


def test_suites_keep_what_the_schema_cannot_say() -> None:
    suite = build_table_suite(
        fact_trl_prediction, ValidationSettings(), run_year_ranges(), expected_rows=7
    )
    checks = [(e.meta["check"], getattr(e, "column", None)) for e in suite.expectations]
    assert checks == [
        ("staged_columns", None),
        ("range", "forecast_year"),
        ("range", "current_year"),
        ("trl_change_consistent", None),
        ("row_count_reconciles", None),
    ]


def test_consistent_staging_passes_and_builds_data_docs(
    staging_url: str, settings: Settings, baseline_counts: dict[str, int]
) -> None:
    report = validate_staging(
        settings, staging_url, baseline_counts, years=run_year_ranges(), run_id="ok"
    )
    assert [s.name for s in report.suites] == [t.name for t in PUBLISHED_TABLES]
    assert {k: v for s in report.suites for k, v in failures(s).items()} == {}
    assert report.errors == [] and report.warnings == []
    report.raise_for_errors()
    index = Path(report.data_docs_path or "")
    assert index == (settings.paths.data_docs_dir / "ok" / "staging" / "index.html").resolve()
    assert index.is_file()
    assert "fact_financial" in index.read_text(encoding="utf-8")
    summary = json.loads(json.dumps(report.as_dict()))
    assert summary["success"] is True and summary["evaluated"] == 28


# A score of a year that fact_financial does not hold for its company.
ORPHAN_SCORE = "(200, 2019, 1, 1, 1, 1, 1, 'Hold', 'v1')"

# name -> (table, statements, failed (check, column) -> (severity, unexpected_count, observed))
# The audit's rules are in test_quality_once.CAUGHT_BY_THE_AUDIT.
CASES = {
    "forecast_year_past_the_horizon": (
        "fact_trl_prediction",
        [
            "UPDATE staging.fact_trl_prediction SET forecast_year = 2042, "
            "forecast_date_key = 20421231 WHERE forecast_year = 2026"
        ],
        {("range", "forecast_year"): ("error", 1, None)},
    ),
    "fiscal_year_above_settings_max": (
        "fact_financial",
        [
            "UPDATE staging.fact_financial SET fiscal_year = 2031, "
            "fiscal_year_end_date_key = 20311231 WHERE cik = 200"
        ],
        {("range", "fiscal_year"): ("error", 1, None)},
    ),
    "current_year_out_of_range_is_a_warning": (
        "fact_trl_prediction",
        ["UPDATE staging.fact_trl_prediction SET current_year = 2001"],
        {("range", "current_year"): ("warning", 2, None)},
    ),
    "balance_sheet_off_is_a_warning": (
        "fact_financial",
        ["UPDATE staging.fact_financial SET stockholders_equity = 30 WHERE fiscal_year = 2019"],
        {("balance_sheet", "assets,liabilities,stockholders_equity"): ("warning", 1, 1)},
    ),
    "trl_change_inconsistent_is_a_warning": (
        "fact_trl_prediction",
        ["UPDATE staging.fact_trl_prediction SET trl_change = 2 WHERE forecast_year = 2026"],
        {
            ("trl_change_consistent", "current_trl,predicted_trl,trl_change"): ("warning", 1, 1),
        },
    ),
    "score_without_financials": (
        "fact_company_score",
        [f"INSERT INTO staging.fact_company_score VALUES {ORPHAN_SCORE}"],
        {("score_has_financials", "cik,fiscal_year"): ("error", 1, 1)},
    ),
    "last_fiscal_year_before_first": (
        "dim_company",
        ["UPDATE staging.dim_company SET first_fiscal_year = 2021 WHERE cik = 100"],
        {("fiscal_years_ordered", "last_fiscal_year,first_fiscal_year"): ("error", 1, None)},
    ),
    "staged_columns_differ": (
        "dim_technology",
        ["ALTER TABLE staging.dim_technology ADD COLUMN technology_key integer"],
        {("staged_columns", ""): ("error", None, None)},
    ),
    "row_count_differs_from_extract": (
        "dim_publication",
        ["DELETE FROM staging.dim_publication WHERE pmid = 4"],
        {("row_count_reconciles", ""): ("error", None, 3)},
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_crafted_rows_trip_exactly_their_expectation(
    case: str, staging_url: str, run_sql: Callable[..., None], baseline_counts: dict[str, int]
) -> None:
    table, statements, expected = CASES[case]
    run_sql(*statements)
    suite = run(staging_url, baseline_counts, tables=[table])[table]
    failed = failures(suite)
    assert set(failed) == set(expected)
    for key, (severity, count, observed) in expected.items():
        result = failed[key]
        assert result.severity.value == severity
        assert result.unexpected_count == count
        if observed is not None:
            assert result.observed_value == observed
        if count:
            assert 0 < len(result.unexpected_examples) <= min(count, 5)


def test_query_expectations_show_offending_rows(
    staging_url: str, run_sql: Callable[..., None], baseline_counts: dict[str, int]
) -> None:
    run_sql(f"INSERT INTO staging.fact_company_score VALUES {ORPHAN_SCORE}")
    suite = run(staging_url, baseline_counts, tables=["fact_company_score"])
    failed = failures(suite["fact_company_score"])
    example = failed[("score_has_financials", "cik,fiscal_year")].unexpected_examples
    assert example == ({"cik": 200, "fiscal_year": 2019},)


def test_warning_does_not_raise_and_error_does(
    staging_url: str,
    run_sql: Callable[..., None],
    settings: Settings,
    baseline_counts: dict[str, int],
) -> None:
    run_sql("UPDATE staging.fact_financial SET stockholders_equity = 30 WHERE fiscal_year = 2019")
    report = validate_staging(
        settings, staging_url, baseline_counts, years=run_year_ranges(), run_id="warn"
    )
    assert [w.check for w in report.warnings] == ["balance_sheet"]
    assert report.errors == []
    report.raise_for_errors()  # warnings never block

    run_sql(f"INSERT INTO staging.fact_company_score VALUES {ORPHAN_SCORE}")
    report = validate_staging(
        settings, staging_url, baseline_counts, years=run_year_ranges(), run_id="err"
    )
    with pytest.raises(DataQualityError) as raised:
        report.raise_for_errors()
    message = str(raised.value)
    assert (
        "suite=fact_company_score expectation=expect_query_to_return_no_rows "
        "check=score_has_financials column=cik,fiscal_year unexpected_count=1"
    ) in message
    assert f"data_docs={report.data_docs_path}" in message
    assert raised.value.summary["failed_errors"] == len(report.errors)  # type: ignore[attr-defined]
    assert isinstance(report, QualityReport) and report.warnings  # the warning still reported


def test_tolerance_comes_from_settings(staging_url: str, baseline_counts: dict[str, int]) -> None:
    # The baseline's 1% imbalance passes at 2% and fails at 0.5%.
    strict = ValidationSettings(balance_sheet_tolerance=0.005)
    suites = run(staging_url, baseline_counts, ["fact_financial"], limits=strict)
    failed = failures(suites["fact_financial"])
    [(key, result)] = failed.items()
    assert key[0] == "balance_sheet" and result.unexpected_count == 1
    assert result.unexpected_examples[0]["stockholders_equity"] == 39


def test_search_path_keeps_the_urls_own_libpq_options() -> None:
    assert libpq_options("postgresql://u@h/db") == "-c search_path=staging"
    own = "postgresql://u@h/db?options=-c%20statement_timeout%3D5000"
    assert libpq_options(own) == "-c statement_timeout=5000 -c search_path=staging"


def test_unknown_source_in_extract_counts_is_refused(staging_url: str) -> None:
    with pytest.raises(ValueError, match="unknown source"):
        run(staging_url, {"weather": 1})
