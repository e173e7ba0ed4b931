"""A SQL-query expectation that counts in the database and fetches only a few examples.

GX 1.24's `UnexpectedRowsExpectation` runs two metrics: a `COUNT(*)` over the query (good,
computed by PostgreSQL) and the query's rows themselves, of which it keeps 200. psycopg2's
default cursor still receives every row of that second query before GX keeps 200, so a
foreign-key check with a million orphans would ship a million rows to Python. Here the
examples metric wraps the query in `LIMIT`, so at most `EXAMPLE_LIMIT` rows ever leave the
database, and the examples appear in the result whatever the result format.
"""

from __future__ import annotations

from typing import Any, ClassVar

from great_expectations.expectations import UnexpectedRowsExpectation
from great_expectations.expectations.metrics.query_metrics.query_table.query_table import (
    QueryTable,
)

EXAMPLE_LIMIT = 5
EXAMPLES_METRIC = "abi_etl.unexpected_rows_query.examples"
COUNT_METRIC = "unexpected_rows_query.row_count"


class UnexpectedRowsQueryExamples(QueryTable):
    """The first `EXAMPLE_LIMIT` rows of the unexpected-rows query, limited in SQL."""

    metric_name = EXAMPLES_METRIC
    value_keys = ("unexpected_rows_query",)
    query_param_name: ClassVar[str] = "unexpected_rows_query"

    @classmethod
    def _get_query_from_metric_value_kwargs(cls, metric_value_kwargs: dict) -> str:
        query = super()._get_query_from_metric_value_kwargs(metric_value_kwargs)
        # `{batch}` stays inside and is substituted by GX after this wrapping.
        return f"SELECT * FROM ({query}) AS abi_examples LIMIT {EXAMPLE_LIMIT}"


class ExpectQueryToReturnNoRows(UnexpectedRowsExpectation):
    """Success when `unexpected_rows_query` returns no row; the count is done in SQL.

    Registered by GX as `expect_query_to_return_no_rows`.
    """

    metric_dependencies: ClassVar[tuple[str, ...]] = (EXAMPLES_METRIC, COUNT_METRIC)

    def _validate(
        self,
        metrics: dict,
        runtime_configuration: dict | None = None,
        execution_engine: Any = None,
    ) -> dict[str, Any]:
        count = int(metrics[COUNT_METRIC])
        examples = list(metrics[EXAMPLES_METRIC])
        return {
            "success": count == 0,
            # The layout of the stock expectation's COMPLETE result. `unexpected_count` or
            # `partial_unexpected_list` would make GX's Data Docs renderers look for an
            # `unexpected_percent` and `element_count` that a query result has not got.
            "result": {"observed_value": count, "details": {"unexpected_rows": examples}},
        }
