"""The column rules of each source, written down once.

Each `ColumnRule` maps a header of the source file to a clean output column, with its
type and what happens to an impossible value: `reject` makes the whole row a rejected
row (reason `invalid_<column>` or `missing_<column>`), `null` blanks the field and keeps
the row. Placeholders (`N/A`, `n.d.`, empty, ...) are nulls before any rule applies.
Readers and the sample generator both use these tables, so headers are spelled once.
Year columns carry no bounds here: they depend on the run's date and settings, and a
reader gets them from `etl.config.year_ranges.YearRanges.apply`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Kind = Literal["text", "int", "float"]
OnInvalid = Literal["reject", "null"]

PLACEHOLDERS = ("", "n/a", "na", "n.a.", "n.d.", "nd", "none", "null", "nan", "-", "--", "?")


@dataclass(frozen=True)
class ColumnRule:
    header: str  # as spelled in the source file
    column: str  # clean output name (snake_case)
    kind: Kind
    required: bool = False  # a null here rejects the row (reason missing_<column>)
    minimum: float | None = None
    maximum: float | None = None
    on_invalid: OnInvalid = "null"  # unparsable or out-of-range value


TRL_PREDICTIONS: tuple[ColumnRule, ...] = (
    ColumnRule("Technology", "technology", "text", required=True),
    ColumnRule("Year", "forecast_year", "int", True, on_invalid="reject"),
    ColumnRule("Current_TRL", "current_trl", "int", True, 1, 9, "reject"),
    ColumnRule("Current_Year", "current_year", "int", False, on_invalid="null"),
    ColumnRule("Current_Category", "current_category", "text"),
    ColumnRule("Predicted_TRL", "predicted_trl", "float", True, 1, 9, "reject"),
    ColumnRule("Predicted_Category", "predicted_category", "text"),
    ColumnRule("TRL_Change", "trl_change", "float"),
    ColumnRule("Years_Gap", "years_gap", "int", False, 0, 100, "null"),
    ColumnRule("Annual_Change_Rate", "annual_change_rate", "float"),
    ColumnRule("Change_Category", "change_category", "text"),
    ColumnRule("Current_Stage", "current_stage", "text"),
    ColumnRule("Predicted_Stage", "predicted_stage", "text"),
    ColumnRule("Confidence_%", "confidence_pct", "float", False, 0, 100, "null"),
    ColumnRule("Historical_Data_Points", "historical_data_points", "int", False, 0, None, "null"),
    ColumnRule("Model_Used", "model_used", "text"),
)

PUBMED_ARTICLES: tuple[ColumnRule, ...] = (
    ColumnRule("Titre", "title", "text"),
    ColumnRule("Résumé", "abstract", "text"),
    ColumnRule("Auteurs", "authors", "text"),
    # The PMID is parsed from the link; a row without one is rejected (missing_pmid).
    ColumnRule("Lien", "link", "text"),
    ColumnRule("Mots-clés", "keywords", "text"),
    ColumnRule("Year", "pub_year", "int", True, on_invalid="reject"),
    ColumnRule("Month", "pub_month", "int", False, 1, 12, "null"),
    ColumnRule("Technologies", "technologies", "text"),
    ColumnRule("Technology Category", "technology_category", "text"),
    ColumnRule("TRL", "trl", "int", False, 1, 9, "null"),
    ColumnRule("TRL_Category", "trl_category", "text"),
    ColumnRule("TRL_Stage", "trl_stage", "text"),
    ColumnRule("Maturité", "maturity", "float", False, 0, 100, "null"),
    ColumnRule("Article Type", "article_type", "text"),
    ColumnRule("Country", "country", "text"),
    ColumnRule("Research Domain", "research_domain", "text"),
)

_MONEY = (
    ("Revenues", "revenues"),
    ("NetIncomeLoss", "net_income_loss"),
    ("OperatingIncomeLoss", "operating_income_loss"),
    ("Assets", "assets"),
    ("Liabilities", "liabilities"),
    ("StockholdersEquity", "stockholders_equity"),
    ("CashAndCashEquivalentsAtCarryingValue", "cash_and_equivalents"),
    ("ResearchAndDevelopmentExpense", "rd_expense"),
    ("OperatingCashFlow", "operating_cash_flow"),
    ("Goodwill", "goodwill"),
    ("IntangibleAssetsNetExcludingGoodwill", "intangible_assets"),
)

BIOTECH_COMPANIES: tuple[ColumnRule, ...] = (
    ColumnRule("cik", "cik", "int", True, 1, 9_999_999_999, "reject"),
    ColumnRule("entityName", "entity_name", "text"),
    ColumnRule("ticker", "ticker", "text"),
    ColumnRule("stateOfIncorporation", "state_of_incorporation", "text"),
    ColumnRule("sic", "sic", "int", False, 100, 9999, "null"),
    ColumnRule("sicDescription", "sic_description", "text"),
    ColumnRule("industryCategory", "industry_category", "text"),
    ColumnRule("fiscalYear", "fiscal_year", "int", True, on_invalid="reject"),
    ColumnRule("period", "period", "text"),
    *(ColumnRule(header, column, "float") for header, column in _MONEY),
    ColumnRule("PatentsIssued", "patents_issued", "int", False, 0, None, "null"),
    ColumnRule("dataCompleteness", "data_completeness", "float", False, 0, 100, "null"),
    ColumnRule("dataFreshness", "data_freshness", "text"),
    ColumnRule("yearAvailability", "year_availability", "float"),
)

# Columns present in the file but not data: read (so the header check passes) and dropped.
DROPPED_HEADERS: dict[str, tuple[str, ...]] = {"biotech_companies": ("file_path",)}

RULES: dict[str, tuple[ColumnRule, ...]] = {
    "trl_predictions": TRL_PREDICTIONS,
    "pubmed_articles": PUBMED_ARTICLES,
    "biotech_companies": BIOTECH_COMPANIES,
}

# Natural key (grain) of each clean source table. A key seen twice is an exact repeat
# (same values in every other clean column: later rows dropped, `duplicate_row`) or a
# conflict (all its rows rejected, `conflicting_duplicate`): see verdicts.reject_repeated_keys.
NATURAL_KEYS: dict[str, tuple[str, ...]] = {
    "trl_predictions": ("technology", "forecast_year"),
    "pubmed_articles": ("pmid",),
    "biotech_companies": ("cik", "fiscal_year"),
}

# Clean columns that do not tell two rows of a key apart: how the source spelled the key
# (the same PMID under http/https, a trailing slash, a query string...), not data.
REPEAT_IGNORED: dict[str, tuple[str, ...]] = {"pubmed_articles": ("link",)}

# Columns every rejected-rows frame carries, in this order.
REJECTED_COLUMNS = ("source", "file", "row_number", "column", "reason", "message", "raw")
