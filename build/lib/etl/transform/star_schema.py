"""The transform stage: three clean source frames in, the eight staged tables out.

Each table leaves here in its staged shape (etl.warehouse.staged.STAGED_COLUMNS: the
published table with natural keys instead of surrogate keys), with fixed dtypes,
sorted by its natural key, its grain checked. `write_tables` stores each table as one
Parquet file whose bytes depend only on the table's content.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from sqlalchemy import Boolean, Date, Float, Integer, Text
from sqlalchemy.types import TypeEngine

from etl.errors import DataError
from etl.extract.technologies import alias_table
from etl.transform.checks import require_columns, require_unique
from etl.transform.companies import (
    METRICS,
    build_dim_company,
    build_fact_financial,
    stripped_sic_descriptions,
)
from etl.transform.company_scores import build_fact_company_score
from etl.transform.dates import build_dim_date
from etl.transform.publications import build_publication_tables
from etl.transform.technologies import (
    TRL_FACT_COLUMNS,
    build_dim_technology,
    build_fact_trl_prediction,
    unknown_technology_articles,
)
from etl.transform.vector import TEXT
from etl.warehouse.arrow_types import arrow_type
from etl.warehouse.schema import PUBLISHED_TABLES
from etl.warehouse.staged import NATURAL_KEY_OF, STAGED_COLUMNS, staged_columns

logger = logging.getLogger(__name__)

TABLES = {table.name: table for table in PUBLISHED_TABLES}
TABLE_NAMES: tuple[str, ...] = tuple(TABLES)

# Columns the transform reads from each clean source frame (readers' output names).
# The TRL fact carries every clean TRL column, plus the date key the transform derives.
TRL_INPUT = tuple(c for c in TRL_FACT_COLUMNS if c != "forecast_date_key")
PUBLICATION_INPUT = (
    "pmid",
    "title",
    "abstract",
    "authors",
    "keywords",
    "pub_year",
    "pub_month",
    "technologies",
    "technology_category",
    "trl",
    "trl_category",
    "trl_stage",
    "maturity",
    "article_type",
    "country",
    "research_domain",
)
COMPANY_INPUT = (
    "cik",
    "entity_name",
    "ticker",
    "state_of_incorporation",
    "sic",
    "sic_description",
    "industry_category",
    "fiscal_year",
    *METRICS,
    "patents_issued",
    "data_completeness",
    "data_freshness",
    "year_availability",
)

PARQUET_COMPRESSION = "zstd"
ROW_GROUP_ROWS = 65_536


@dataclass(frozen=True)
class TransformStats:
    rows: dict[str, int]
    articles_without_technology: int
    unknown_technologies: int  # cited by articles, absent from the TRL file
    unknown_technology_names: tuple[str, ...] = field(default_factory=tuple)
    # Each unknown technology -> articles naming it: which aliases are worth adding.
    unknown_technology_articles: dict[str, int] = field(default_factory=dict)
    # Companies whose SIC description lost a reviewer's annotation.
    sic_descriptions_stripped: int = 0

    def as_dict(self) -> dict[str, object]:
        stats = asdict(self)
        stats["unknown_technology_names"] = list(self.unknown_technology_names)
        return stats


@dataclass(frozen=True)
class TransformResult:
    tables: dict[str, pd.DataFrame]  # table name -> staged frame, in PUBLISHED_TABLES order
    stats: TransformStats


# --- staged shape: column order, dtypes, grain ---------------------------------------


def natural_key(table_name: str) -> tuple[str, ...]:
    """Grain of a staged table, read off the schema: its primary key in natural-key terms."""
    table = TABLES[table_name]
    own_natural = [
        natural
        for surrogate, (natural, _, dimension) in NATURAL_KEY_OF.items()
        if dimension == table_name and surrogate in table.c
    ]
    if own_natural:  # a dimension with an identity key: its natural key is the grain
        return tuple(own_natural)
    return tuple(
        NATURAL_KEY_OF[column.name][0] if column.name in NATURAL_KEY_OF else column.name
        for column in table.primary_key.columns
    )


def _nullable(table_name: str, column: str) -> bool:
    table = TABLES[table_name]
    return bool(table.c[column].nullable) if column in table.c else False  # natural keys


def _pandas_dtype(type_: TypeEngine, nullable: bool) -> object:
    if isinstance(type_, Integer):  # SmallInteger and BigInteger included
        return "Int64" if nullable else "int64"
    if isinstance(type_, Float):
        return "float64"
    if isinstance(type_, Boolean):
        return "boolean" if nullable else "bool"
    if isinstance(type_, Date):
        return object  # datetime.date values
    if isinstance(type_, Text):
        return TEXT
    raise TypeError(f"no pandas dtype for {type_!r}")


def staged_dtypes(table_name: str) -> dict[str, object]:
    return {
        column.name: _pandas_dtype(column.type, _nullable(table_name, column.name))
        for column in staged_columns(TABLES[table_name])
    }


def arrow_schema(table_name: str) -> pa.Schema:
    """Explicit Parquet schema, so a column that is all-null this run keeps its type."""
    return pa.schema(
        [
            pa.field(column.name, arrow_type(column.type), _nullable(table_name, column.name))
            for column in staged_columns(TABLES[table_name])
        ]
    )


def _sort_codes(values: pd.Series) -> np.ndarray:
    """Integers that sort like the key column (keys are NOT NULL, checked before)."""
    if pd.api.types.is_integer_dtype(values.dtype):
        return values.to_numpy(dtype="int64")
    codes, _ = pd.factorize(values, sort=True)  # codes follow the sorted distinct values
    return codes


def sort_by_key(frame: pd.DataFrame, keys: list[str], table_name: str) -> pd.DataFrame:
    """Rows ordered by the natural key; a key seen twice raises (the grain is broken).

    One integer lexsort, and duplicates are found as equal neighbours once sorted:
    cheaper than `duplicated` plus `sort_values` on a million rows of text keys.
    """
    codes = [_sort_codes(frame[key]) for key in keys]
    order = np.lexsort(codes[::-1])  # lexsort sorts by its last key first
    same = np.ones(max(len(frame) - 1, 0), dtype=bool)
    for column_codes in codes:
        ordered = column_codes[order]
        same &= ordered[1:] == ordered[:-1]
    if same.any():
        sample = frame.iloc[order[1:][same][:3]][keys].to_dict("records")
        raise DataError(
            f"table={table_name} problem=duplicate_natural_key key={','.join(keys)} "
            f"rows={int(same.sum())} sample={sample}"
        )
    if np.array_equal(order, np.arange(len(frame))):
        return frame.reset_index(drop=True)  # already sorted (e.g. read back): no copy of text
    return frame.take(order).reset_index(drop=True)


def conform(table_name: str, frame: pd.DataFrame) -> pd.DataFrame:
    """Staged column order and dtypes, sorted by the natural key, grain and NOT NULL checked."""
    columns = STAGED_COLUMNS[table_name]
    require_columns(frame, columns, table_name)
    for column in columns:
        if not _nullable(table_name, column) and frame[column].isna().any():
            nulls = int(frame[column].isna().sum())
            raise DataError(f"table={table_name} column={column} problem=nulls rows={nulls}")
    typed = frame[columns].astype(staged_dtypes(table_name), copy=False)
    return sort_by_key(typed, list(natural_key(table_name)), table_name)


# --- the transform ---------------------------------------------------------------------


def transform_tables(
    trl: pd.DataFrame,
    publications: pd.DataFrame,
    companies: pd.DataFrame,
    reference_year: int | None = None,
    technology_aliases: Mapping[str, str] | None = None,
) -> TransformResult:
    """Build all eight staged tables from the readers' clean frames (ExtractResult.data).

    `reference_year` anchors the publication recency score; by default the newest
    publication year in `publications` (docs/scoring.md). `technology_aliases` is the
    settings' `technologies.aliases` (variant -> the TRL file's technology), applied to
    the TRL file's and the articles' technologies before they are matched.
    """
    aliases = alias_table(technology_aliases or {})
    require_columns(trl, TRL_INPUT, "trl_predictions")
    require_columns(publications, PUBLICATION_INPUT, "pubmed_articles")
    require_columns(companies, COMPANY_INPUT, "biotech_companies")
    require_unique(publications, ["pmid"], "pubmed_articles")
    require_unique(companies, ["cik", "fiscal_year"], "biotech_companies")

    fact_trl = build_fact_trl_prediction(trl, aliases)
    require_unique(fact_trl, ["technology", "forecast_year"], "trl_predictions")
    pubs = build_publication_tables(publications, reference_year, aliases)
    dim_technology = build_dim_technology(fact_trl["technology"], pubs.named)
    fact_financial = build_fact_financial(companies)
    built = {
        "dim_date": build_dim_date(
            [
                pubs.dim_publication["pub_year"],
                fact_trl["forecast_year"],
                fact_financial["fiscal_year"],
            ]
        ),
        "dim_technology": dim_technology,
        "dim_publication": pubs.dim_publication,
        "dim_company": build_dim_company(companies),
        "fact_trl_prediction": fact_trl,
        "fact_publication_technology": pubs.fact_publication_technology,
        "fact_financial": fact_financial,
        "fact_company_score": build_fact_company_score(fact_financial),
    }
    tables = {name: conform(name, built[name]) for name in TABLE_NAMES}

    unknown = unknown_technology_articles(dim_technology, pubs.named)
    stats = TransformStats(
        rows={name: len(frame) for name, frame in tables.items()},
        articles_without_technology=pubs.articles_without_technology,
        unknown_technologies=len(unknown),
        unknown_technology_names=tuple(unknown),
        unknown_technology_articles=unknown,
        sic_descriptions_stripped=stripped_sic_descriptions(tables["dim_company"]),
    )
    logger.info(
        "stage=transform %s articles_without_technology=%d unknown_technologies=%d "
        "sic_descriptions_stripped=%d",
        " ".join(f"rows_{name}={count}" for name, count in stats.rows.items()),
        stats.articles_without_technology,
        stats.unknown_technologies,
        stats.sic_descriptions_stripped,
    )
    for name, articles in unknown.items():  # a handful of names, for the analyst
        logger.info("stage=transform unknown_technology=%s articles=%d", name, articles)
    return TransformResult(tables, stats)


# --- Parquet hand-over -----------------------------------------------------------------


def _write_parquet(frame: pd.DataFrame, schema: pa.Schema, path: Path) -> None:
    """Write in fixed-size row groups: memory stays at one group's Arrow copy, and the
    group boundaries (hence the bytes) depend only on the row count."""
    with pq.ParquetWriter(
        path, schema, compression=PARQUET_COMPRESSION, write_statistics=True
    ) as writer:
        # A loop over row groups (a few per million rows), not over rows.
        for start in range(0, max(len(frame), 1), ROW_GROUP_ROWS):
            chunk = frame.iloc[start : start + ROW_GROUP_ROWS]
            table = pa.Table.from_pandas(chunk, schema=schema, preserve_index=False)
            writer.write_table(table.replace_schema_metadata(None))


def write_tables(tables: Mapping[str, pd.DataFrame], out_dir: Path) -> dict[str, Path]:
    """One `<table>.parquet` per table; same content -> byte-identical files.

    The Arrow schema comes from the warehouse schema (no pandas metadata, no index),
    and Parquet itself records no timestamp. Each file is written under a temporary
    name and renamed, so a reader never sees half a file.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths: dict[str, Path] = {}
    for name in [name for name in TABLE_NAMES if name in tables]:
        # Column order is enforced here; dtypes are checked by Arrow against the schema
        # (an overflow or a wrong type raises). Row order is the caller's: `conform`.
        require_columns(tables[name], STAGED_COLUMNS[name], name)
        frame = tables[name][STAGED_COLUMNS[name]]
        path = out_dir / f"{name}.parquet"
        partial = path.with_name(f".{path.name}.partial")
        try:
            _write_parquet(frame, arrow_schema(name), partial)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
        os.replace(partial, path)
        paths[name] = path
        logger.info(
            "table=%s rows=%d file=%s bytes=%d", name, len(frame), path, path.stat().st_size
        )
    return paths


def _to_pandas_type(arrow_type: pa.DataType) -> object | None:
    if pa.types.is_integer(arrow_type):
        return pd.Int64Dtype()  # conform narrows NOT NULL columns to int64
    if pa.types.is_string(arrow_type):
        return TEXT
    return None  # default conversion (float64, bool, date -> datetime.date)


def read_tables(paths: Mapping[str, Path | str]) -> dict[str, pd.DataFrame]:
    """Read files written by `write_tables` back into staged frames (same dtypes)."""
    return {
        name: conform(name, pq.read_table(path).to_pandas(types_mapper=_to_pandas_type))
        for name, path in paths.items()
    }
