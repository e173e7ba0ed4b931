"""Time the staging suites on a synthetic warehouse built in SQL (generate_series).

    python -m etl.quality.bench --server-url postgresql+psycopg2://u:p@host:5432/postgres \
        --publications 1000000 [--compare-pandas]

A throwaway database is created on the server (the role needs CREATEDB), filled inside
PostgreSQL, validated, and dropped; nothing else on the server is touched. Every row is
valid, so the figure is that of a normal night. `create_staging_tables` is also what the
tests use to stand up the staging schema.
"""

from __future__ import annotations

import argparse
import json
import logging
import tempfile
import time
from pathlib import Path

from sqlalchemy import Connection, Engine, MetaData, Table, create_engine, text
from sqlalchemy.engine import make_url

from etl.config.settings import PathsSettings, Settings
from etl.logs import configure_logging
from etl.warehouse.bench_load import fresh_database
from etl.warehouse.schema import PUBLISHED_TABLES, STAGING_SCHEMA
from etl.warehouse.staged import staged_columns

logger = logging.getLogger(__name__)

TECHNOLOGIES = 25
FORECAST_YEARS = (2026, 2027, 2028, 2030)
FISCAL_YEARS = range(2019, 2026)


def create_staging_tables(engine: Engine) -> None:
    """`staging.<table>` for every published table, with exactly the staged columns."""
    metadata = MetaData(schema=STAGING_SCHEMA)
    for table in PUBLISHED_TABLES:
        Table(table.name, metadata, *staged_columns(table))
    with engine.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA IF NOT EXISTS {STAGING_SCHEMA}"))
        metadata.create_all(conn)


DIM_DATE_SQL = """
INSERT INTO staging.dim_date
SELECT to_char(d, 'YYYYMMDD')::int, d, extract(year FROM d), extract(quarter FROM d),
       extract(month FROM d), to_char(d, 'FMMonth'), extract(week FROM d),
       extract(isodow FROM d), extract(isodow FROM d) >= 6, extract(year FROM d),
       extract(quarter FROM d)
FROM generate_series(DATE :first, DATE :last, INTERVAL '1 day') AS d
"""


def fill_dim_date(conn: Connection, first: str = "2010-01-01", last: str = "2045-12-31") -> None:
    """Every day from `first` to `last`, computed the way the schema's checks expect."""
    conn.execute(text(DIM_DATE_SQL), {"first": first, "last": last})


def _synthetic_sql(publications: int) -> list[str]:
    """Statements filling a consistent staging set; every row passes every expectation."""
    years = ", ".join(str(y) for y in FORECAST_YEARS)
    companies = max(publications // 500, 10)
    fiscal = f"{FISCAL_YEARS.start}, {FISCAL_YEARS.stop - 1}"
    # ~1 kB of incompressible abstract per row, like real PubMed abstracts.
    abstract = " || ".join(f"md5(g::text || '{i}')" for i in range(30))
    return [
        "INSERT INTO staging.dim_technology SELECT 'tech' || t, 'Tech ' || t, 'Category', true "
        f"FROM generate_series(1, {TECHNOLOGIES}) AS t",
        "INSERT INTO staging.dim_publication (pmid, title, abstract, authors, keywords, link, "
        "pub_year, pub_month, publication_date_key, country, trl, maturity) "
        f"SELECT g, 'Title ' || g, {abstract}, 'A. Author, B. Author', 'k1;k2', "
        "'https://pubmed.ncbi.nlm.nih.gov/' || g || '/', 2015 + g % 11, 1 + g % 12, "
        "(2015 + g % 11) * 10000 + (1 + g % 12) * 100 + 1, 'France', 1 + g % 9, g % 101 "
        f"FROM generate_series(1, {publications}) AS g",
        # One technology per article, a second one for every other article.
        "INSERT INTO staging.fact_publication_technology SELECT p.pmid, "
        f"'tech' || (1 + (p.pmid + k) % {TECHNOLOGIES}), p.publication_date_key, p.pub_year, "
        "p.trl, p.maturity, 50, 50, 50 FROM staging.dim_publication AS p "
        "CROSS JOIN generate_series(0, 1) AS k WHERE k = 0 OR p.pmid % 2 = 0",
        "INSERT INTO staging.fact_trl_prediction (technology, forecast_year, forecast_date_key, "
        "current_year, current_trl, predicted_trl, trl_change, confidence_pct) "
        "SELECT 'tech' || t, y, y * 10000 + 1231, 2024, 3, 4.5, 1.5, 80 "
        f"FROM generate_series(1, {TECHNOLOGIES}) AS t CROSS JOIN unnest(ARRAY[{years}]) AS y",
        "INSERT INTO staging.dim_company (cik, entity_name, industry_category, "
        "first_fiscal_year, last_fiscal_year) "
        f"SELECT c, 'Company ' || c, 'Biotechnology', {FISCAL_YEARS.start}, "
        f"{FISCAL_YEARS.stop - 1} FROM generate_series(1, {companies}) AS c",
        "INSERT INTO staging.fact_financial (cik, fiscal_year, fiscal_year_end_date_key, "
        "revenues, assets, liabilities, stockholders_equity, data_completeness) "
        "SELECT c, y, y * 10000 + 1231, 1e6, 1e7, 6e6, 4e6, 90 "
        f"FROM generate_series(1, {companies}) AS c "
        f"CROSS JOIN generate_series({fiscal}) AS y",
        "INSERT INTO staging.fact_company_score SELECT cik, fiscal_year, 50, 50, 50, 50, 50, "
        "'Hold', 'v1' FROM staging.fact_financial",
    ]


def fill_synthetic(engine: Engine, publications: int) -> dict[str, int]:
    """Fill the staging tables in SQL; return the extract counts that reconcile with them."""
    with engine.begin() as conn:
        fill_dim_date(conn)
        for statement in _synthetic_sql(publications):
            conn.execute(text(statement))
        counts = {
            "pubmed_articles": "dim_publication",
            "biotech_companies": "fact_financial",
            "trl_predictions": "fact_trl_prediction",
        }
        result = {
            source: int(conn.execute(text(f"SELECT count(*) FROM staging.{t}")).scalar_one())
            for source, t in counts.items()
        }
        conn.execute(text("ANALYZE"))
    return result


def run_bench(server_url: str, publications: int, compare_pandas: bool) -> dict[str, object]:
    # Imported here: GX takes seconds to import and the helpers above do not need it.
    from etl.quality.warehouse_suites import validate_staging  # noqa: PLC0415

    figures: dict[str, object] = {"publications": publications}
    with fresh_database(make_url(server_url)) as url, tempfile.TemporaryDirectory() as docs:
        engine = create_engine(url)
        create_staging_tables(engine)
        started = time.perf_counter()
        counts = fill_synthetic(engine, publications)
        figures["fill_seconds"] = round(time.perf_counter() - started, 2)
        with engine.connect() as conn:
            figures["dim_publication_bytes"] = conn.execute(
                text("SELECT pg_total_relation_size('staging.dim_publication')")
            ).scalar_one()
        figures["extract_counts"] = counts
        settings = Settings(paths=PathsSettings(data_docs_dir=Path(docs)))
        started = time.perf_counter()
        report = validate_staging(settings, url, counts, run_id="bench")
        figures["validate_seconds"] = round(time.perf_counter() - started, 2)
        figures["suite_seconds"] = {s.name: round(s.seconds, 2) for s in report.suites}
        figures["evaluated"] = sum(len(s.results) for s in report.suites)
        figures["failed_errors"] = len(report.errors)
        figures["failed_warnings"] = len(report.warnings)
        if compare_pandas:
            import pandas as pd  # noqa: PLC0415

            started = time.perf_counter()
            with engine.connect() as conn:
                frame = pd.read_sql_table("dim_publication", conn, schema=STAGING_SCHEMA)
            figures["pandas_read_dim_publication_seconds"] = round(time.perf_counter() - started, 2)
            figures["pandas_rows"] = len(frame)
        engine.dispose()
    return figures


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server-url", required=True, help="any database on the server")
    parser.add_argument("--publications", type=int, default=1_000_000)
    parser.add_argument("--compare-pandas", action="store_true")
    args = parser.parse_args(argv)
    configure_logging("INFO")
    figures = run_bench(args.server_url, args.publications, args.compare_pandas)
    logger.info("quality=bench %s", json.dumps(figures, sort_keys=True))


if __name__ == "__main__":
    main()
