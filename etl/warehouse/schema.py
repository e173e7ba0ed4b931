"""The warehouse schema as SQLAlchemy Core metadata: the single source of truth.

Published tables live in the `warehouse` schema, the BI views in `analytics`, and the
write step's work tables in `staging`. Every table states its grain in `info["grain"]`,
which docs/warehouse.md repeats. Migrations (etl/warehouse/migrations) are generated
from and checked against this metadata.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Identity,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB

WAREHOUSE_SCHEMA = "warehouse"
STAGING_SCHEMA = "staging"
ANALYTICS_SCHEMA = "analytics"

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(schema=WAREHOUSE_SCHEMA, naming_convention=NAMING_CONVENTION)

RECOMMENDATIONS = ("Strong Buy", "Buy", "Hold", "Watch", "Avoid")


def _score(name: str) -> Column:
    return Column(name, Float, CheckConstraint(f"{name} BETWEEN 0 AND 100", name=f"{name}_0_100"))


def _date_key(name: str, nullable: bool = True) -> Column:
    return Column(name, Integer, ForeignKey("dim_date.date_key"), nullable=nullable)


dim_date = Table(
    "dim_date",
    metadata,
    Column("date_key", Integer, primary_key=True, autoincrement=False),
    Column("date", Date, nullable=False, unique=True),
    Column("year", SmallInteger, nullable=False),
    Column("quarter", SmallInteger, nullable=False),
    Column("month", SmallInteger, nullable=False),
    Column("month_name", Text, nullable=False),
    Column("iso_week", SmallInteger, nullable=False),
    Column("day_of_week", SmallInteger, nullable=False),  # ISO: Monday 1 .. Sunday 7
    Column("is_weekend", Boolean, nullable=False),
    Column("fiscal_year", SmallInteger, nullable=False),
    Column("fiscal_quarter", SmallInteger, nullable=False),
    CheckConstraint("date BETWEEN DATE '1990-01-01' AND DATE '2100-12-31'", name="date_range"),
    CheckConstraint(
        "date_key = (EXTRACT(YEAR FROM date) * 10000 + EXTRACT(MONTH FROM date) * 100 "
        "+ EXTRACT(DAY FROM date))::int",
        name="key_matches_date",
    ),
    info={"grain": "one row per calendar day"},
)

dim_technology = Table(
    "dim_technology",
    metadata,
    Column("technology_key", Integer, Identity(), primary_key=True),
    Column("technology", Text, nullable=False, unique=True),  # normalised name
    Column("display_name", Text, nullable=False),
    Column("technology_category", Text),
    Column("in_trl_file", Boolean, nullable=False),
    info={"grain": "one row per technology (normalised name)"},
)

dim_publication = Table(
    "dim_publication",
    metadata,
    Column("publication_key", BigInteger, Identity(), primary_key=True),
    Column("pmid", BigInteger, nullable=False, unique=True),
    Column("title", Text),
    Column("abstract", Text),
    Column("authors", Text),
    Column("keywords", Text),
    Column("link", Text, nullable=False),  # canonical https://pubmed.ncbi.nlm.nih.gov/<pmid>/
    Column("pub_year", SmallInteger, nullable=False),
    Column("pub_month", SmallInteger),
    _date_key("publication_date_key"),  # first day of the month; null when the month is unknown
    Column("article_type", Text),
    Column("country", Text),  # normalised English name
    Column("research_domain", Text),
    Column("technology_category", Text),
    Column("trl", SmallInteger, CheckConstraint("trl BETWEEN 1 AND 9", name="trl_1_9")),
    Column("trl_category", Text),
    Column("trl_stage", Text),
    Column("maturity", Float, CheckConstraint("maturity BETWEEN 0 AND 100", name="maturity_0_100")),
    CheckConstraint("pub_year BETWEEN 1900 AND 2100", name="pub_year_range"),
    CheckConstraint("pub_month BETWEEN 1 AND 12", name="pub_month_range"),
    info={"grain": "one row per PubMed article (PMID)"},
)

dim_company = Table(
    "dim_company",
    metadata,
    Column("company_key", Integer, Identity(), primary_key=True),
    Column("cik", BigInteger, nullable=False, unique=True),
    Column("entity_name", Text, nullable=False),  # from the latest fiscal year
    Column("ticker", Text),  # latest non-empty
    Column("state_of_incorporation", Text),  # normalised English name or code-free state
    Column("country_of_incorporation", Text),  # normalised English name
    Column("state_of_incorporation_raw", Text),
    Column("sic", SmallInteger),
    Column("sic_description", Text),  # annotation suffixes stripped
    Column("sic_description_raw", Text),  # as given, whitespace cleaned
    Column("industry_category", Text, nullable=False),  # controlled list, else 'Other'
    Column("industry_category_raw", Text),
    Column("first_fiscal_year", SmallInteger, nullable=False),
    Column("last_fiscal_year", SmallInteger, nullable=False),
    info={"grain": "one row per company (SEC CIK)"},
)

fact_trl_prediction = Table(
    "fact_trl_prediction",
    metadata,
    Column(
        "technology_key", Integer, ForeignKey("dim_technology.technology_key"), primary_key=True
    ),
    Column("forecast_year", SmallInteger, primary_key=True),
    _date_key("forecast_date_key", nullable=False),  # 31 December of the forecast year
    Column("current_year", SmallInteger),
    Column("current_trl", SmallInteger, nullable=False),
    Column("predicted_trl", Float, nullable=False),
    Column("trl_change", Float),
    Column("years_gap", SmallInteger),
    Column("annual_change_rate", Float),
    Column("change_category", Text),
    Column("current_category", Text),
    Column("predicted_category", Text),
    Column("current_stage", Text),
    Column("predicted_stage", Text),
    Column("confidence_pct", Float),
    Column("historical_data_points", Integer),
    Column("model_used", Text),
    CheckConstraint("current_trl BETWEEN 1 AND 9", name="current_trl_1_9"),
    CheckConstraint("predicted_trl BETWEEN 1 AND 9", name="predicted_trl_1_9"),
    CheckConstraint("confidence_pct BETWEEN 0 AND 100", name="confidence_0_100"),
    info={"grain": "one row per technology per forecast year"},
)

fact_publication_technology = Table(
    "fact_publication_technology",
    metadata,
    Column(
        "publication_key",
        BigInteger,
        ForeignKey("dim_publication.publication_key"),
        primary_key=True,
    ),
    Column(
        "technology_key", Integer, ForeignKey("dim_technology.technology_key"), primary_key=True
    ),
    _date_key("publication_date_key"),
    Column("pub_year", SmallInteger, nullable=False),
    Column("trl", SmallInteger, CheckConstraint("trl BETWEEN 1 AND 9", name="trl_1_9")),
    _score("maturity_score"),
    _score("innovation_score"),
    _score("market_score"),
    _score("risk_score"),
    Index(None, "technology_key"),
    info={"grain": "one row per article per technology it names"},
)

fact_financial = Table(
    "fact_financial",
    metadata,
    Column("company_key", Integer, ForeignKey("dim_company.company_key"), primary_key=True),
    Column("fiscal_year", SmallInteger, primary_key=True),
    _date_key("fiscal_year_end_date_key", nullable=False),  # 31 December of the fiscal year
    Column("revenues", Float),
    Column("net_income_loss", Float),
    Column("operating_income_loss", Float),
    Column("assets", Float),
    Column("liabilities", Float),
    Column("stockholders_equity", Float),
    Column("cash_and_equivalents", Float),
    Column("rd_expense", Float),
    Column("operating_cash_flow", Float),
    Column("goodwill", Float),
    Column("intangible_assets", Float),
    Column("patents_issued", Integer),
    Column("data_completeness", Float),
    Column("data_freshness", Text),
    Column("year_availability", Float),
    Column("rd_intensity", Float),  # rd_expense / revenues
    Column("net_margin", Float),  # net_income_loss / revenues
    Column("cash_runway_years", Float),  # cash / -operating_cash_flow when burning cash
    Column("revenue_growth_yoy", Float),  # revenues / previous year's revenues - 1
    CheckConstraint("fiscal_year BETWEEN 1990 AND 2100", name="fiscal_year_range"),
    CheckConstraint("data_completeness BETWEEN 0 AND 100", name="completeness_0_100"),
    info={"grain": "one row per company per fiscal year"},
)

fact_company_score = Table(
    "fact_company_score",
    metadata,
    Column("company_key", Integer, ForeignKey("dim_company.company_key"), primary_key=True),
    Column("fiscal_year", SmallInteger, primary_key=True),
    _score("rd_score"),
    _score("cash_score"),
    _score("growth_score"),
    _score("market_score"),
    Column("total_score", Float, nullable=False),
    Column("recommendation", Text, nullable=False),
    Column("scoring_version", Text, nullable=False),
    CheckConstraint("total_score BETWEEN 0 AND 100", name="total_score_0_100"),
    CheckConstraint(
        "recommendation IN (" + ", ".join(f"'{r}'" for r in RECOMMENDATIONS) + ")",
        name="recommendation_known",
    ),
    info={"grain": "one row per company per fiscal year"},
)

etl_run = Table(
    "etl_run",
    metadata,
    Column("run_id", Text, primary_key=True),
    Column("flow_run_id", Text),
    Column("mode", Text, nullable=False),  # prefect | standard
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("ended_at", DateTime(timezone=True)),
    # running (its run holds the run's advisory lock) | completed | failed | crashed
    Column("status", Text, nullable=False),
    Column("skip_validation", Boolean, nullable=False, server_default="false"),
    Column("allow_shrink", Boolean, nullable=False, server_default="false"),
    # Asked for the whole run even if nothing changed (`--full-refresh`).
    Column("full_refresh", Boolean, nullable=False, server_default="false"),
    Column("source_counts", JSONB),  # per source: rows_in_file, loaded, rejected, blank
    Column("table_counts", JSONB),  # per published table: rows
    Column("input_checksums", JSONB),  # per source file: sha256
    Column("table_checksums", JSONB),  # per published table: content checksum
    Column("validation_summary", JSONB),
    # Technologies articles name that the TRL file does not: name -> articles naming it.
    Column("unknown_technologies", JSONB),
    Column("error", Text),
    # Why a completed run ran none of its stages (etl.stages.unchanged): the run it
    # matched and what was compared. NULL when it ran them.
    Column("skipped_because", Text),
    # What the result depends on besides the input files: code, schema, settings, flags.
    Column("fingerprint", JSONB),
    # etl_publish_generation.generation as this run left (or found) the published tables.
    Column("publish_generation", BigInteger),
    CheckConstraint("status IN ('running', 'completed', 'failed', 'crashed')", name="status_known"),
    info={"grain": "one row per pipeline run"},
)

# Counts the statements that wrote a published table: a trigger on each (migration 0005)
# adds one in the writer's transaction. Equal values mean no write in between.
etl_publish_generation = Table(
    "etl_publish_generation",
    metadata,
    Column("id", SmallInteger, primary_key=True, autoincrement=False),
    Column("generation", BigInteger, nullable=False),
    CheckConstraint("id = 1", name="one_row"),
    info={"grain": "one row: the published tables' write counter"},
)

etl_rejected_row = Table(
    "etl_rejected_row",
    metadata,
    Column("rejected_row_key", BigInteger, Identity(), primary_key=True),
    Column("run_id", Text, ForeignKey("etl_run.run_id", ondelete="CASCADE"), nullable=False),
    Column("source", Text, nullable=False),
    Column("file", Text, nullable=False),
    Column("row_number", BigInteger, nullable=False),
    Column("column_name", Text),
    Column("reason", Text, nullable=False),
    Column("message", Text, nullable=False),
    Column("raw", JSONB, nullable=False),
    Index(None, "run_id", "source"),
    UniqueConstraint("run_id", "source", "row_number"),
    info={"grain": "one row per rejected input row per run"},
)

DIMENSIONS = (dim_date, dim_technology, dim_publication, dim_company)
FACTS = (fact_trl_prediction, fact_publication_technology, fact_financial, fact_company_score)
PUBLISHED_TABLES = DIMENSIONS + FACTS
