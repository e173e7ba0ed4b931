"""Expectation suites for the staged warehouse tables, run inside PostgreSQL.

One suite per table, named after it, validated through a GX PostgreSQL data source with
a table asset on `staging.<table>`: every expectation compiles to SQL that aggregates in
the database (counts, sums, anti-joins) and returns at most a few example rows, so no
table is ever read into Python. Keys, foreign keys, date keys and NOT NULL columns are
derived from `etl.warehouse.schema`, so a new column or table is covered without edits.
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
from etl.warehouse.schema import PUBLISHED_TABLES, RECOMMENDATIONS, STAGING_SCHEMA
from etl.warehouse.staged import NATURAL_KEY_OF, STAGED_COLUMNS

logger = logging.getLogger(__name__)

KIND = "warehouse"
DATASOURCE_NAME = "staging"
DATE_DIMENSION = ("dim_date", "date_key")

# Which staged table each source's clean rows become, one row per clean row.
RECONCILED_TABLE = {
    "pubmed_articles": "dim_publication",
    "biotech_companies": "fact_financial",
    "trl_predictions": "fact_trl_prediction",
}

SCORE_COLUMNS = {
    "fact_publication_technology": (
        "maturity_score",
        "innovation_score",
        "market_score",
        "risk_score",
    ),
    "fact_company_score": ("rd_score", "cash_score", "growth_score", "market_score", "total_score"),
}
TRL_COLUMNS = {
    "dim_publication": ("trl",),
    "fact_publication_technology": ("trl",),
    "fact_trl_prediction": ("current_trl", "predicted_trl"),
}
# trl_change is Predicted_TRL - Current_TRL in the source; the file rounds to 0.1 at most.
TRL_CHANGE_TOLERANCE = 0.051


@dataclass(frozen=True)
class Reference:
    column: str  # staged column holding the natural key
    dimension: str
    dimension_column: str


@dataclass(frozen=True)
class StagedTable:
    name: str
    natural_key: tuple[str, ...]
    not_null: tuple[str, ...]  # staged columns whose published column is NOT NULL
    references: tuple[Reference, ...]  # natural keys and date keys found in a dimension


def _natural(column: str) -> str:
    return NATURAL_KEY_OF[column][0] if column in NATURAL_KEY_OF else column


def staged_table(table: Table) -> StagedTable:
    """Keys and references of a staged table, read off its published definition."""
    pk = [c.name for c in table.primary_key.columns]
    own_identity = pk[0] in NATURAL_KEY_OF and NATURAL_KEY_OF[pk[0]][2] == table.name
    natural_key = tuple(_natural(c) for c in pk)
    references = []
    not_null = []
    for column in table.columns:
        if own_identity and column.name == pk[0]:
            continue  # a dimension's identity is assigned at publish, never staged
        if not column.nullable:
            not_null.append(_natural(column.name))
        if column.name in NATURAL_KEY_OF:
            natural, _, dimension = NATURAL_KEY_OF[column.name]
            references.append(Reference(natural, dimension, natural))
        elif any(fk.target_fullname.endswith("dim_date.date_key") for fk in column.foreign_keys):
            references.append(Reference(column.name, *DATE_DIMENSION))
    return StagedTable(table.name, natural_key, tuple(not_null), tuple(references))


@dataclass(frozen=True)
class Bounds:
    column: str
    minimum: float
    maximum: float
    severity: Severity
    source: str


def table_bounds(name: str, years: YearRanges) -> list[Bounds]:
    """Range checks of one staged table; years those of the run, scales fixed."""

    def year(column: str, severity: Severity = ERROR) -> Bounds:
        bound = years[column]
        return Bounds(column, bound.minimum, bound.maximum, severity, bound.source)

    def percent(column: str) -> Bounds:
        return Bounds(column, 0, 100, ERROR, "scale 0..100")

    bounds = [percent(c) for c in SCORE_COLUMNS.get(name, ())]
    bounds += [Bounds(c, 1, 9, ERROR, "TRL scale 1..9") for c in TRL_COLUMNS.get(name, ())]
    per_table: dict[str, list[Bounds]] = {
        "dim_date": [
            Bounds("month", 1, 12, ERROR, "calendar"),
            Bounds("quarter", 1, 4, ERROR, "calendar"),
            Bounds("fiscal_quarter", 1, 4, ERROR, "calendar"),
            Bounds("iso_week", 1, 53, ERROR, "calendar"),
            Bounds("day_of_week", 1, 7, ERROR, "calendar (ISO)"),
        ],
        "dim_publication": [
            year("pub_year"),
            Bounds("pub_month", 1, 12, ERROR, "calendar months 1..12"),
            percent("maturity"),
        ],
        "dim_company": [year("first_fiscal_year"), year("last_fiscal_year")],
        "fact_trl_prediction": [
            year("forecast_year"),
            # The assessment year, not a key: worth a look, not a block.
            year("current_year", WARNING),
            percent("confidence_pct"),
        ],
        "fact_publication_technology": [year("pub_year")],
        "fact_financial": [year("fiscal_year"), percent("data_completeness")],
        "fact_company_score": [year("fiscal_year")],
    }
    return bounds + per_table.get(name, [])


def _meta(check: str, threshold_source: str | None = None) -> dict[str, object]:
    meta: dict[str, object] = {"check": check}
    if threshold_source:
        meta["threshold_source"] = threshold_source
    return meta


def reference_query(table: StagedTable, ref: Reference) -> str:
    """Rows whose key is not found in the dimension: an anti-join PostgreSQL runs itself."""
    shown = list(dict.fromkeys([*table.natural_key, ref.column]))
    select = ", ".join(f"f.{c}" for c in shown)
    # LEFT JOIN rather than NOT EXISTS: GX substitutes {batch} unaliased when the query
    # has a JOIN, so our own alias `f` stays valid whatever shape the batch takes.
    return (
        f"SELECT {select} FROM {{batch}} AS f "
        f"LEFT JOIN {STAGING_SCHEMA}.{ref.dimension} AS d "
        f"ON d.{ref.dimension_column} = f.{ref.column} "
        f"WHERE f.{ref.column} IS NOT NULL AND d.{ref.dimension_column} IS NULL"
    )


def _business_rules(name: str, limits: ValidationSettings) -> list[gxe.Expectation]:
    """Rules about the meaning of the numbers: warnings unless the schema enforces them."""
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
            gxe.ExpectColumnValuesToBeInSet(
                column="recommendation",
                value_set=list(RECOMMENDATIONS),
                severity=ERROR.gx,
                meta=_meta("recommendation_known", "etl.warehouse.schema.RECOMMENDATIONS"),
            )
        )
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
    staged = staged_table(table)
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
    for column in staged.not_null:
        check = "natural_key_not_null" if column in staged.natural_key else "not_null"
        expectations.append(
            gxe.ExpectColumnValuesToNotBeNull(
                column=column,
                severity=ERROR.gx,
                meta=_meta(check, "etl.warehouse.schema (NOT NULL)"),
            )
        )
    key_meta = _meta("natural_key_unique", "etl.warehouse.schema (primary key)")
    if len(staged.natural_key) == 1:
        unique: gxe.Expectation = gxe.ExpectColumnValuesToBeUnique(
            column=staged.natural_key[0], severity=ERROR.gx, meta=key_meta
        )
    else:
        unique = gxe.ExpectCompoundColumnsToBeUnique(
            column_list=list(staged.natural_key), severity=ERROR.gx, meta=key_meta
        )
    expectations.append(unique)
    for ref in staged.references:
        check = "date_key_in_dim_date" if ref.dimension == "dim_date" else f"fk_{ref.dimension}"
        expectations.append(
            ExpectQueryToReturnNoRows(
                unexpected_rows_query=reference_query(staged, ref),
                severity=ERROR.gx,
                description=f"{ref.column} found in {STAGING_SCHEMA}.{ref.dimension}",
                meta=_meta(check) | {"columns": [ref.column], "dimension": ref.dimension},
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
