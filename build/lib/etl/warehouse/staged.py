"""The shape of each table between transform and publish.

The transform knows natural keys only; surrogate keys are the warehouse's business and
are assigned at publish time. So a staged table is its published table with each
surrogate key replaced by the natural key it stands for: a dimension drops its own
identity column, and a fact carries `technology`, `pmid` or `cik` where the published
table has `technology_key`, `publication_key` or `company_key`.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Table, Text

from etl.warehouse.schema import PUBLISHED_TABLES

# surrogate key column -> (natural key column, its type, dimension table name)
NATURAL_KEY_OF: dict[str, tuple[str, type, str]] = {
    "technology_key": ("technology", Text, "dim_technology"),
    "publication_key": ("pmid", BigInteger, "dim_publication"),
    "company_key": ("cik", BigInteger, "dim_company"),
}


def staged_columns(table: Table) -> list[Column]:
    """Columns of `table` as the transform writes them, in order."""
    columns: list[Column] = []
    for column in table.columns:
        if column.name in NATURAL_KEY_OF:
            natural, type_, dimension = NATURAL_KEY_OF[column.name]
            if table.name == dimension:
                continue  # a dimension's own identity column
            columns.append(Column(natural, type_()))
        else:
            columns.append(Column(column.name, column.type))
    return columns


def staged_column_names(table: Table) -> list[str]:
    return [column.name for column in staged_columns(table)]


STAGED_COLUMNS: dict[str, list[str]] = {t.name: staged_column_names(t) for t in PUBLISHED_TABLES}
