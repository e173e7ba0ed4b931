"""Each check once: a rule the SQL audit enforces is never evaluated again by a suite.

The audit's rules are read off the schema (`etl.warehouse.audit.enforced_rules`); every
expectation of every staging suite is compared with them by (table, columns, rule). Rows
that break a rule the suites used to repeat are caught by the audit, with a message
naming the table, the column and the problem, while the suite stays silent.
"""

from __future__ import annotations

from collections.abc import Callable

import great_expectations.expectations as gxe
import pytest
from sqlalchemy import create_engine, pool

from etl.config.settings import ValidationSettings
from etl.quality.gx_context import new_context
from etl.quality.unexpected_rows import ExpectQueryToReturnNoRows
from etl.quality.warehouse_suites import build_table_suite, run_warehouse_suites
from etl.warehouse.audit import (
    AuditFailedError,
    Rule,
    builtin_checks,
    enforced_rules,
    run_audit,
)
from etl.warehouse.schema import PUBLISHED_TABLES
from tests.support.clock import run_year_ranges

TABLES = [t.name for t in PUBLISHED_TABLES]


def duplicated_rule(table: str, expectation: gxe.Expectation) -> Rule | None:
    """The audit rule that catches every row `expectation` would fail, if there is one.

    Severity needs no comparison: every audit rule is error-level, as strict as it gets.
    """
    rules = enforced_rules(table)

    def find(kind: str, columns: tuple[str, ...], holds: Callable[[Rule], bool]) -> Rule | None:
        return next((r for r in rules if (r.kind, r.columns) == (kind, columns) and holds(r)), None)

    def anything(_: Rule) -> bool:
        return True

    if isinstance(expectation, gxe.ExpectColumnValuesToNotBeNull):
        if expectation.mostly not in (None, 1, 1.0):
            return None  # a null ratio: the schema cannot say that
        return find("not_null", (expectation.column,), anything)
    if isinstance(expectation, gxe.ExpectColumnValuesToBeUnique):
        return find("unique", (expectation.column,), anything)
    if isinstance(expectation, gxe.ExpectCompoundColumnsToBeUnique):
        return find("unique", tuple(expectation.column_list), anything)
    if isinstance(expectation, gxe.ExpectColumnValuesToBeBetween):
        low, high = expectation.min_value, expectation.max_value

        def within(rule: Rule) -> bool:
            # The CHECK's range inside the suite's: whatever the suite fails, it fails.
            if rule.bounds is None:
                return False
            return (low is None or rule.bounds[0] >= low) and (
                high is None or rule.bounds[1] <= high
            )

        return find("check", (expectation.column,), within)
    if isinstance(expectation, gxe.ExpectColumnValuesToBeInSet):
        allowed = set(expectation.value_set or ())
        return find(
            "check",
            (expectation.column,),
            lambda r: r.values is not None and set(r.values) <= allowed,
        )
    if isinstance(expectation, ExpectQueryToReturnNoRows) and expectation.meta:
        dimension = expectation.meta.get("dimension")
        columns = tuple(expectation.meta.get("columns", ()))
        return find("found_in", columns, lambda r: r.condition.startswith(f"{dimension}."))
    return None


def test_the_audit_enforces_every_constraint_of_the_schema() -> None:
    rules = {table: {r.name for r in enforced_rules(table)} for table in TABLES}
    assert {"not_null.pmid", "unique.pmid", "check.ck_dim_publication_trl_1_9"} <= rules[
        "dim_publication"
    ]
    assert {
        "unique.cik+fiscal_year",
        "found_in.dim_company.cik",
        "found_in.dim_date.fiscal_year_end_date_key",
        "check.ck_fact_financial_completeness_0_100",
    } <= rules["fact_financial"]
    [known] = [r for r in enforced_rules("fact_company_score") if r.values is not None]
    assert known.columns == ("recommendation",) and "Hold" in known.values


def test_the_detector_recognises_each_kind_of_duplicate() -> None:
    """Each shape of expectation the suites used to repeat is flagged (the test can fail)."""
    duplicates = {
        "dim_publication": [
            gxe.ExpectColumnValuesToNotBeNull(column="pmid"),
            gxe.ExpectColumnValuesToBeUnique(column="pmid"),
            gxe.ExpectColumnValuesToBeBetween(column="trl", min_value=1, max_value=9),
            gxe.ExpectColumnValuesToBeBetween(column="pub_month", min_value=0, max_value=12),
        ],
        "fact_financial": [
            gxe.ExpectCompoundColumnsToBeUnique(column_list=["cik", "fiscal_year"]),
            ExpectQueryToReturnNoRows(
                unexpected_rows_query="SELECT 1 FROM {batch}",
                meta={"check": "fk_dim_company", "columns": ["cik"], "dimension": "dim_company"},
            ),
        ],
        "fact_company_score": [
            gxe.ExpectColumnValuesToBeInSet(
                column="recommendation", value_set=["Strong Buy", "Buy", "Hold", "Watch", "Avoid"]
            ),
        ],
    }
    for table, expectations in duplicates.items():
        for expectation in expectations:
            assert duplicated_rule(table, expectation) is not None, (table, expectation)
    # What the schema cannot say is not a duplicate.
    kept = {
        "dim_publication": [
            gxe.ExpectColumnValuesToNotBeNull(column="pmid", mostly=0.95),
            gxe.ExpectColumnValuesToBeBetween(column="pub_year", min_value=1990, max_value=2026),
            gxe.ExpectColumnValuesToBeBetween(column="trl", min_value=2, max_value=9),
            gxe.ExpectColumnValuesToNotBeNull(column="title"),
        ],
        "dim_date": [gxe.ExpectColumnValuesToBeBetween(column="month", min_value=1, max_value=12)],
    }
    for table, expectations in kept.items():
        for expectation in expectations:
            assert duplicated_rule(table, expectation) is None, (table, expectation)


@pytest.mark.parametrize("table", TABLES)
def test_no_suite_expectation_repeats_an_audit_rule(table: str) -> None:
    table_def = next(t for t in PUBLISHED_TABLES if t.name == table)
    suite = build_table_suite(table_def, ValidationSettings(), run_year_ranges(), expected_rows=1)
    repeated = [
        (e.meta.get("check") if e.meta else None, duplicated_rule(table, e))
        for e in suite.expectations
    ]
    assert [pair for pair in repeated if pair[1] is not None] == []


# name -> (table, statements, what the audit's message says, failures the suite still has)
CAUGHT_BY_THE_AUDIT = {
    "duplicate_dimension_key": (
        "dim_technology",
        ["INSERT INTO staging.dim_technology VALUES ('crispr', 'Crispr', NULL, false)"],
        "staged_constraints.dim_technology: unique.technology=1",
        set(),
    ),
    "null_dimension_key": (
        "dim_publication",
        ["UPDATE staging.dim_publication SET pmid = NULL WHERE pmid = 4"],
        "staged_constraints.dim_publication: not_null.pmid=1",
        set(),
    ),
    "duplicate_compound_key": (
        "fact_financial",
        [
            "INSERT INTO staging.fact_financial (cik, fiscal_year, fiscal_year_end_date_key) "
            "VALUES (100, 2019, 20191231)"
        ],
        "staged_constraints.fact_financial: unique.cik+fiscal_year=1",
        {"row_count_reconciles"},  # one more row than the source's clean rows: its own rule
    ),
    "null_in_compound_key": (
        "fact_trl_prediction",
        ["UPDATE staging.fact_trl_prediction SET technology = NULL WHERE forecast_year = 2027"],
        "staged_constraints.fact_trl_prediction: not_null.technology=1",
        set(),
    ),
    "not_null_column": (
        "fact_company_score",
        ["UPDATE staging.fact_company_score SET recommendation = NULL WHERE cik = 200"],
        "staged_constraints.fact_company_score: not_null.recommendation=1",
        set(),
    ),
    "technology_not_in_dimension": (
        "fact_trl_prediction",
        [
            "UPDATE staging.fact_trl_prediction SET technology = 'nanobot' "
            "WHERE forecast_year = 2026"
        ],
        "staged_references.fact_trl_prediction: found_in.dim_technology.technology=1",
        set(),
    ),
    "publication_not_in_dimension": (
        "fact_publication_technology",
        ["UPDATE staging.fact_publication_technology SET pmid = 99 WHERE pmid IN (1, 2)"],
        "staged_references.fact_publication_technology: found_in.dim_publication.pmid=2",
        set(),
    ),
    "company_not_in_dimension": (
        "fact_financial",
        ["UPDATE staging.fact_financial SET cik = 300 WHERE cik = 200"],
        "staged_references.fact_financial: found_in.dim_company.cik=1",
        set(),
    ),
    "date_key_not_in_dim_date": (
        "fact_financial",
        ["UPDATE staging.fact_financial SET fiscal_year_end_date_key = 20191232 WHERE cik = 200"],
        "staged_references.fact_financial: found_in.dim_date.fiscal_year_end_date_key=1",
        set(),
    ),
    "score_over_100_and_below_0": (
        "fact_company_score",
        [
            "UPDATE staging.fact_company_score SET total_score = 100.5 WHERE cik = 200",
            "UPDATE staging.fact_company_score SET rd_score = -1 WHERE cik = 100",
        ],
        "staged_constraints.fact_company_score: "
        "check.ck_fact_company_score_total_score_0_100=1 (total_score BETWEEN 0 AND 100), "
        "check.ck_fact_company_score_rd_score_0_100=2 (rd_score BETWEEN 0 AND 100)",
        set(),
    ),
    "publication_score_out_of_range": (
        "fact_publication_technology",
        ["UPDATE staging.fact_publication_technology SET risk_score = 101 WHERE pmid = 1"],
        "staged_constraints.fact_publication_technology: "
        "check.ck_fact_publication_technology_risk_score_0_100=1 (risk_score BETWEEN 0 AND 100)",
        set(),
    ),
    "trl_10": (
        "fact_trl_prediction",
        [
            "UPDATE staging.fact_trl_prediction SET predicted_trl = 10, trl_change = 7 "
            "WHERE forecast_year = 2026"
        ],
        "staged_constraints.fact_trl_prediction: "
        "check.ck_fact_trl_prediction_predicted_trl_1_9=1 (predicted_trl BETWEEN 1 AND 9)",
        set(),
    ),
    "publication_month_13": (
        "dim_publication",
        ["UPDATE staging.dim_publication SET pub_month = 13 WHERE pmid = 1"],
        "staged_constraints.dim_publication: "
        "check.ck_dim_publication_pub_month_range=1 (pub_month BETWEEN 1 AND 12)",
        set(),
    ),
    "unknown_recommendation": (
        "fact_company_score",
        ["UPDATE staging.fact_company_score SET recommendation = 'Sell' WHERE cik = 200"],
        "staged_constraints.fact_company_score: "
        "check.ck_fact_company_score_recommendation_known=1 (recommendation IN (",
        set(),
    ),
}


def _audit(url: str) -> None:
    engine = create_engine(url, poolclass=pool.NullPool)
    try:
        with engine.connect() as conn:
            run_audit(conn, builtin_checks(TABLES))
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_the_baseline_passes_the_audit(staging_url: str) -> None:
    _audit(staging_url)  # raises on any failure


@pytest.mark.postgres
@pytest.mark.parametrize("case", list(CAUGHT_BY_THE_AUDIT))
def test_a_rule_removed_from_the_suites_is_still_caught_by_the_audit(
    case: str, staging_url: str, run_sql: Callable[..., None], baseline_counts: dict[str, int]
) -> None:
    table, statements, message, suite_failures = CAUGHT_BY_THE_AUDIT[case]
    run_sql(*statements)
    with pytest.raises(AuditFailedError) as raised:
        _audit(staging_url)
    assert f"audit failed, nothing published: {message}" in str(raised.value)
    [failed] = [r for r in raised.value.results if not r.passed]
    assert failed.blocks_publish and table in failed.name
    [suite] = run_warehouse_suites(
        new_context(),
        ValidationSettings(),
        staging_url,
        baseline_counts,
        run_id="once",
        years=run_year_ranges(),
        tables=[table],
    )
    assert {r.check for r in suite.results if not r.success} == suite_failures
