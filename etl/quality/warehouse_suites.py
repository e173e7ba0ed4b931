"""Expectation suites for the staged warehouse tables, run inside PostgreSQL.

One suite per table, named after it, validated through a GX PostgreSQL data source with
a table asset on `staging.<table>`: every expectation compiles to SQL that aggregates in
the database (counts, sums, anti-joins) and returns at most a few example rows, so no
table is ever read into Python.

The suites hold only what the schema cannot say. NOT NULL, CHECK, unique keys and
references are the built-in SQL audit's (`etl.warehouse.audit.enforced_rules`, derived
from `etl.warehouse.schema`), which runs on every load, validation skipped or not; a
suite never evaluates one of them again (tests/unit/quality/test_quality_once.py).
What stays: the staged column set, the year bounds of the run (narrower than the CHECKs'
sanity bounds, and moving with the run's date), calendar ranges of `dim_date` and rules
across columns or tables that no constraint states, warnings, and row counts.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass

import great_expectations as gx
import great_expectations.expectations as gxe
from great_expectations.data_context import AbstractDataContext
from great_expectations.datasource.fluent import PostgresDatasource
from sqlalchemy import Table
from sqlalchemy.engine import make_url

from etl.config.settings import Settings, ValidationSettings
from etl.config.year_ranges import YearRanges
from etl.quality.data_docs import build_data_docs, new_run_id, site_dir
from etl.quality.gx_context import new_context
from etl.quality.gx_results import suite_result
from etl.quality.results import QualityReport, SuiteResult
from etl.quality.runner import log_suite_result, run_validation
from etl.quality.severity import ERROR, WARNING, Severity
from etl.quality.unexpected_rows import ExpectQueryToReturnNoRows
from etl.warehouse.schema import PUBLISHED_TABLES, STAGING_SCHEMA
from etl.warehouse.staged import STAGED_COLUMNS

logger = logging.getLogger(__name__)

KIND = "warehouse"
DATASOURCE_NAME = "staging"

# Which staged table each source's clean rows become, one row per clean row.
RECONCILED_TABLE = {
    "pubmed_articles": "dim_publication",
    "biotech_companies": "fact_financial",
    "trl_predictions": "fact_trl_prediction",
}

# trl_change is Predicted_TRL - Current_TRL in the source; the file rounds to 0.1 at most.
TRL_CHANGE_TOLERANCE = 0.051


@dataclass(frozen=True)
class Bounds:
    column: str
    minimum: float
    maximum: float
    severity: Severity
    source: str


def table_bounds(name: str, years: YearRanges) -> list[Bounds]:
    """Range checks of one staged table that no CHECK states: the run's years, calendars."""

    def year(column: str, severity: Severity = ERROR) -> Bounds:
        bound = years[column]
        return Bounds(column, bound.minimum, bound.maximum, severity, bound.source)

    # Fixed scales that a CHECK states (scores 0..100, TRL 1..9, pub_month 1..12) are the
    # audit's; the year bounds here are narrower than the CHECKs' and follow the run.
    per_table: dict[str, list[Bounds]] = {
        "dim_date": [
            Bounds("month", 1, 12, ERROR, "calendar"),
            Bounds("quarter", 1, 4, ERROR, "calendar"),
            Bounds("fiscal_quarter", 1, 4, ERROR, "calendar"),
            Bounds("iso_week", 1, 53, ERROR, "calendar"),
            Bounds("day_of_week", 1, 7, ERROR, "calendar (ISO)"),
        ],
        "dim_publication": [year("pub_year")],
        "dim_company": [year("first_fiscal_year"), year("last_fiscal_year")],
        "fact_trl_prediction": [
            year("forecast_year"),
            # The assessment year, not a key: worth a look, not a block.
            year("current_year", WARNING),
        ],
        "fact_publication_technology": [year("pub_year")],
        "fact_financial": [year("fiscal_year")],
        "fact_company_score": [year("fiscal_year")],
    }
    return per_table.get(name, [])


def _meta(check: str, threshold_source: str | None = None) -> dict[str, object]:
    meta: dict[str, object] = {"check": check}
    if threshold_source:
        meta["threshold_source"] = threshold_source
    return meta


def _business_rules(name: str, limits: ValidationSettings) -> list[gxe.Expectation]:
    """Rules about the meaning of the numbers that no constraint states."""
    rules: list[gxe.Expectation] = []
    if name == "fact_financial":
        tolerance = limits.balance_sheet_tolerance
        rules.append(
            ExpectQueryToReturnNoRows(
                unexpected_rows_query=(
                    "SELECT cik, fiscal_year, assets, liabilities, stockholders_equity "
                    "FROM {batch} WHERE assets IS NOT NULL AND liabilities IS NOT NULL "
                    "AND stockholders_equity IS NOT NULL "
                    "AND abs(assets - (liabilities + stockholders_equity)) "
                    f"> {tolerance!r} * abs(assets)"
                ),
                severity=WARNING.gx,
                description=(
                    "assets = liabilities + equity within the tolerance (relative to assets) "
                    "where all three are present"
                ),
                meta=_meta("balance_sheet", "settings.validation.balance_sheet_tolerance")
                | {
                    "columns": ["assets", "liabilities", "stockholders_equity"],
                    "tolerance": tolerance,
                },
            )
        )
    if name == "fact_trl_prediction":
        rules.append(
            ExpectQueryToReturnNoRows(
                unexpected_rows_query=(
                    "SELECT technology, forecast_year, current_trl, predicted_trl, trl_change "
                    "FROM {batch} WHERE trl_change IS NOT NULL "
                    "AND abs(predicted_trl - current_trl - trl_change) "
                    f"> {TRL_CHANGE_TOLERANCE!r}"
                ),
                severity=WARNING.gx,
                description="trl_change = predicted_trl - current_trl",
                meta=_meta("trl_change_consistent", "fixed tolerance")
                | {
                    "columns": ["current_trl", "predicted_trl", "trl_change"],
                    "tolerance": TRL_CHANGE_TOLERANCE,
                },
            )
        )
    if name == "dim_company":
        rules.append(
            gxe.ExpectColumnPairValuesAToBeGreaterThanB(
                column_A="last_fiscal_year",
                column_B="first_fiscal_year",
                or_equal=True,
                severity=ERROR.gx,
                meta=_meta("fiscal_years_ordered"),
            )
        )
    if name == "fact_company_score":
        rules.append(
            ExpectQueryToReturnNoRows(
                unexpected_rows_query=(
                    "SELECT s.cik, s.fiscal_year FROM {batch} AS s "
                    f"LEFT JOIN {STAGING_SCHEMA}.fact_financial AS f "
                    "ON f.cik = s.cik AND f.fiscal_year = s.fiscal_year "
                    "WHERE f.cik IS NULL"
                ),
                severity=ERROR.gx,
                description="every score has the financial year it was computed from",
                meta=_meta("score_has_financials") | {"columns": ["cik", "fiscal_year"]},
            )
        )
    return rules


def build_table_suite(
    table: Table, limits: ValidationSettings, years: YearRanges, expected_rows: int | None = None
) -> gx.ExpectationSuite:
    """The suite of one staged table."""
    # Collected first: adding to a suite that no context owns yet makes GX look for one.
    expectations: list[gxe.Expectation] = []
    expectations.append(
        gxe.ExpectTableColumnsToMatchSet(
            column_set=STAGED_COLUMNS[table.name],
            exact_match=True,
            severity=ERROR.gx,
            meta=_meta("staged_columns", "etl.warehouse.staged.STAGED_COLUMNS"),
        )
    )
    for bound in table_bounds(table.name, years):
        expectations.append(
            gxe.ExpectColumnValuesToBeBetween(
                column=bound.column,
                min_value=bound.minimum,
                max_value=bound.maximum,
                severity=bound.severity.gx,
                meta=_meta("range", bound.source),
            )
        )
    for rule in _business_rules(table.name, limits):
        expectations.append(rule)
    if expected_rows is not None:
        expectations.append(
            gxe.ExpectTableRowCountToEqual(
                value=expected_rows,
                severity=ERROR.gx,
                description="row count equals the source's clean (loaded) rows",
                meta=_meta("row_count_reconciles", "extract counts (loaded rows)"),
            )
        )
    return gx.ExpectationSuite(name=table.name, expectations=expectations)


def expected_rows_by_table(extract_counts: Mapping[str, int]) -> dict[str, int]:
    unknown = sorted(set(extract_counts) - set(RECONCILED_TABLE))
    if unknown:
        raise ValueError(f"sources={','.join(unknown)} problem=unknown source in extract_counts")
    return {RECONCILED_TABLE[source]: int(n) for source, n in extract_counts.items()}


def _selected(names: Iterable[str] | None) -> list[Table]:
    if names is None:
        return list(PUBLISHED_TABLES)
    wanted = set(names)
    unknown = sorted(wanted - {t.name for t in PUBLISHED_TABLES})
    if unknown:
        raise ValueError(f"tables={','.join(unknown)} problem=not a published table")
    return [t for t in PUBLISHED_TABLES if t.name in wanted]


def libpq_options(url: str) -> str:
    """libpq `options` putting `staging` first on the search path, keeping the URL's own."""
    own = make_url(url).query.get("options")
    own = " ".join(own) if isinstance(own, tuple) else own
    search_path = f"-c search_path={STAGING_SCHEMA}"
    return f"{own} {search_path}" if own else search_path


@contextmanager
def staging_datasource(context: AbstractDataContext, url: str) -> Iterator[PostgresDatasource]:
    """GX's PostgreSQL data source on the warehouse; its connection pools closed after."""
    # The table assets name bare tables; `search_path` makes them the staging ones. This
    # is GX 1.x's way: `schema_name` on a table asset is deprecated since 1.14.
    datasource = context.data_sources.add_postgres(
        DATASOURCE_NAME,
        connection_string=url,
        kwargs={"connect_args": {"options": libpq_options(url)}},
    )
    try:
        yield datasource
    finally:
        # A nightly process should not keep idle connections open until garbage collection.
        datasource.get_execution_engine().engine.dispose()
        datasource.get_engine().dispose()


def run_warehouse_suites(
    context: AbstractDataContext,
    limits: ValidationSettings,
    url: str,
    extract_counts: Mapping[str, int],
    *,
    run_id: str,
    years: YearRanges,
    tables: Iterable[str] | None = None,
) -> list[SuiteResult]:
    """Validate `staging.<table>` for each table (all published tables by default)."""
    expected = expected_rows_by_table(extract_counts)
    results = []
    with staging_datasource(context, url) as datasource:
        for table in _selected(tables):
            asset = datasource.add_table_asset(table.name, table_name=table.name)
            batch = asset.add_batch_definition_whole_table("staged")
            suite = context.suites.add(
                build_table_suite(table, limits, years, expected.get(table.name))
            )
            validation, seconds = run_validation(context, KIND, suite, batch, run_id=run_id)
            result = suite_result(suite.name, KIND, validation, seconds)
            log_suite_result(result)
            results.append(result)
    return results


def validate_staging(
    settings: Settings,
    url: str,
    extract_counts: Mapping[str, int],
    *,
    years: YearRanges,
    run_id: str | None = None,
) -> QualityReport:
    """Validate every `staging.<table>` in the database; build this run's Data Docs site."""
    run_id = run_id or new_run_id()
    docs = site_dir(settings, run_id, "staging")
    context = new_context(docs)
    suites = run_warehouse_suites(
        context, settings.validation, url, extract_counts, run_id=run_id, years=years
    )
    index = build_data_docs(context, docs)
    return QualityReport(suites=tuple(suites), data_docs_path=str(index), run_id=run_id)
