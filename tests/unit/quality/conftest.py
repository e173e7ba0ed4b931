"""Shared inputs of the quality tests: clean source frames and a consistent staging set."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import create_engine, text

from etl.config.settings import PathsSettings, Settings, ValidationSettings
from etl.extract.columns import RULES
from etl.stages.extract import SourceOutcome
from tests.support.staging import create_staging_tables, fill_dim_date

_TEXT = {
    "technology": "crispr",
    "link": "https://pubmed.ncbi.nlm.nih.gov/1/",
    "period": "FY",
}


# The readers' dtypes (nullable Int64 / Float64 / string), as the extract stage writes them.
READER_DTYPES = {"int": "Int64", "float": "Float64", "text": "string"}


def _column_values(column: str, kind: str, rows: int) -> pd.Series:
    """A valid value for every row: ints and floats inside every rule's range."""
    if kind == "text":
        return pd.Series([_TEXT.get(column, f"{column} value")] * rows, dtype="string")
    fixed = {
        "pub_year": 2020,
        "forecast_year": 2027,
        "current_year": 2024,
        "fiscal_year": 2020,
        "pub_month": 6,
        "sic": 2836,
        "cik": 1000,
        "current_trl": 3,
        "trl": 4,
        "predicted_trl": 4.5,
    }
    value = fixed.get(column, 50)
    if kind == "int":
        return pd.Series([int(value)] * rows, dtype="Int64")
    return pd.Series([float(value)] * rows, dtype="Float64")


def clean_frame(source: str, rows: int = 20) -> pd.DataFrame:
    """A clean table of `source` that passes every expectation of its suite."""
    frame = pd.DataFrame(
        {rule.column: _column_values(rule.column, rule.kind, rows) for rule in RULES[source]}
    )
    serial = pd.array(range(1, rows + 1), dtype="Int64")
    if source == "pubmed_articles":
        frame.insert(0, "pmid", serial)
    elif source == "biotech_companies":
        frame["cik"] = serial
    else:
        frame["technology"] = pd.array([f"tech{i}" for i in range(rows)], dtype="string")
    return frame


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(paths=PathsSettings(data_docs_dir=tmp_path / "data_docs"))


@pytest.fixture
def limits() -> ValidationSettings:
    return ValidationSettings()


@pytest.fixture
def write_source(tmp_path: Path) -> Callable[..., SourceOutcome]:
    """Write a frame as the extract stage would and describe it as an outcome."""

    def write(source: str, frame: pd.DataFrame, rejected: int = 0, blank: int = 0) -> SourceOutcome:
        path = tmp_path / f"{source}.parquet"
        frame.to_parquet(path, index=False)
        return SourceOutcome(
            source=source,
            file=f"{source}.xlsx",
            sha256="0" * 64,
            rows_in_file=len(frame) + rejected + blank,
            loaded=len(frame),
            rejected=rejected,
            blank_rows=blank,
            rejected_by_reason={"invalid_x": rejected} if rejected else {},
            nulled={},
            data_path=str(path),
            rejected_path=str(tmp_path / f"{source}.rejected.parquet"),
        )

    return write


# A small staging set where every expectation holds; tests break one thing at a time.
BASELINE_SQL = (
    "INSERT INTO staging.dim_technology VALUES "
    "('crispr', 'CRISPR', 'Gene editing', true), ('stemcell', 'Stem cell', 'Cell', true)",
    "INSERT INTO staging.dim_publication (pmid, title, link, pub_year, pub_month, "
    "publication_date_key, trl, maturity) VALUES "
    "(1, 'a', 'https://pubmed.ncbi.nlm.nih.gov/1/', 2020, 1, 20200101, 3, 50), "
    "(2, 'b', 'https://pubmed.ncbi.nlm.nih.gov/2/', 2021, 6, 20210601, 9, 100), "
    "(3, 'c', 'https://pubmed.ncbi.nlm.nih.gov/3/', 2015, NULL, NULL, NULL, 0), "
    "(4, 'd', 'https://pubmed.ncbi.nlm.nih.gov/4/', 2025, 12, 20251201, 1, NULL)",
    "INSERT INTO staging.dim_company (cik, entity_name, industry_category, "
    "first_fiscal_year, last_fiscal_year) VALUES "
    "(100, 'Alpha', 'Biotechnology', 2019, 2020), (200, 'Beta', 'Diagnostics', 2020, 2020)",
    "INSERT INTO staging.fact_trl_prediction (technology, forecast_year, forecast_date_key, "
    "current_year, current_trl, predicted_trl, trl_change, confidence_pct) VALUES "
    "('crispr', 2026, 20261231, 2024, 3, 4.5, 1.5, 80), "
    "('stemcell', 2027, 20271231, 2024, 9, 1, -8, 0)",
    "INSERT INTO staging.fact_publication_technology VALUES "
    "(1, 'crispr', 20200101, 2020, 3, 0, 100, 50, 50), "
    "(2, 'stemcell', 20210601, 2021, 9, 10, 20, 30, 40), "
    "(3, 'crispr', NULL, 2015, NULL, NULL, NULL, NULL, NULL)",
    # Balanced; off by 1% (tolerance 2%); far off but liabilities unknown.
    "INSERT INTO staging.fact_financial (cik, fiscal_year, fiscal_year_end_date_key, assets, "
    "liabilities, stockholders_equity, data_completeness) VALUES "
    "(100, 2019, 20191231, 100, 60, 40, 80), (100, 2020, 20201231, 100, 60, 39, 100), "
    "(200, 2020, 20201231, 100, NULL, 10, 0)",
    "INSERT INTO staging.fact_company_score VALUES "
    "(100, 2019, 0, 100, 50, 50, 50, 'Buy', 'v1'), (100, 2020, 10, 10, 10, 10, 10, 'Avoid', 'v1'),"
    " (200, 2020, NULL, NULL, NULL, NULL, 100, 'Strong Buy', 'v1')",
)
_BASELINE_COUNTS = {"pubmed_articles": 4, "biotech_companies": 3, "trl_predictions": 2}


@pytest.fixture
def baseline_counts() -> dict[str, int]:
    """Loaded rows per source that reconcile with the baseline staging set."""
    return dict(_BASELINE_COUNTS)


@pytest.fixture
def staging_url(pg_url: str) -> Iterator[str]:
    """A fresh database whose staging tables hold the consistent baseline set."""
    engine = create_engine(pg_url)
    create_staging_tables(engine)
    with engine.begin() as conn:
        fill_dim_date(conn, "2010-01-01", "2045-12-31")
        for statement in BASELINE_SQL:
            conn.execute(text(statement))
    engine.dispose()
    yield pg_url


@pytest.fixture
def run_sql(staging_url: str) -> Callable[..., None]:
    def run(*statements: str) -> None:
        engine = create_engine(staging_url)
        with engine.begin() as conn:
            for statement in statements:
                conn.execute(text(statement))
        engine.dispose()

    return run


@pytest.fixture
def make_frame() -> Callable[..., pd.DataFrame]:
    return clean_frame
