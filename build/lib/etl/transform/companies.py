"""dim_company and fact_financial from the clean SEC company-facts rows.

A company is its CIK (never its name, which changes between years). Its descriptive
attributes come from its latest fiscal year that has a value for each attribute.
"""

from __future__ import annotations

import logging

import pandas as pd

from etl.transform.dates import year_end_key
from etl.transform.normalise import (
    clean_sic_description,
    normalise_incorporation,
    normalise_industry,
)
from etl.transform.vector import TEXT, as_float, as_int, clean_labels, finite_or_nan

logger = logging.getLogger(__name__)

METRICS = (
    "revenues",
    "net_income_loss",
    "operating_income_loss",
    "assets",
    "liabilities",
    "stockholders_equity",
    "cash_and_equivalents",
    "rd_expense",
    "operating_cash_flow",
    "goodwill",
    "intangible_assets",
)
RATIOS = ("rd_intensity", "net_margin", "cash_runway_years", "revenue_growth_yoy")
FACT_FINANCIAL_COLUMNS = (
    "cik",
    "fiscal_year",
    "fiscal_year_end_date_key",
    *METRICS,
    "patents_issued",
    "data_completeness",
    "data_freshness",
    "year_availability",
    *RATIOS,
)
DIM_COMPANY_COLUMNS = (
    "cik",
    "entity_name",
    "ticker",
    "state_of_incorporation",
    "country_of_incorporation",
    "state_of_incorporation_raw",
    "sic",
    "sic_description",
    "sic_description_raw",
    "industry_category",
    "industry_category_raw",
    "first_fiscal_year",
    "last_fiscal_year",
)
# Attributes taken from the latest fiscal year that has a value.
_LATEST_ATTRIBUTES = (
    "entity_name",
    "ticker",
    "state_of_incorporation",
    "sic",
    "sic_description",
    "industry_category",
)


def _keys(companies: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "cik": as_int(companies["cik"]).astype("int64"),
            "fiscal_year": as_int(companies["fiscal_year"]).astype("int64"),
        },
        index=companies.index,
    )


def latest_attributes(companies: pd.DataFrame) -> pd.DataFrame:
    """Per CIK (index), each attribute from its latest fiscal year with a non-empty value."""
    frame = _keys(companies)
    for column in (
        "entity_name",
        "ticker",
        "state_of_incorporation",
        "sic_description",
        "industry_category",
    ):
        frame[column] = clean_labels(companies[column])
    frame["ticker"] = frame["ticker"].str.upper()
    frame["sic"] = as_int(companies["sic"])
    ordered = frame.sort_values(["cik", "fiscal_year"], kind="stable")
    grouped = ordered.groupby("cik", sort=True)
    latest = grouped[list(_LATEST_ATTRIBUTES)].last()  # last() skips nulls per column
    years = grouped["fiscal_year"].agg(["min", "max"])
    latest["first_fiscal_year"] = years["min"]
    latest["last_fiscal_year"] = years["max"]
    return latest


def build_dim_company(companies: pd.DataFrame) -> pd.DataFrame:
    """One row per CIK with normalised place, SIC description and industry category."""
    latest = latest_attributes(companies)
    dim = pd.DataFrame({"cik": latest.index.to_numpy(dtype="int64")})
    # entity_name is NOT NULL in the warehouse; a CIK that never had a name gets a label.
    fallback_name = ("CIK " + dim["cik"].astype(str)).astype(TEXT)
    dim["entity_name"] = latest["entity_name"].reset_index(drop=True).fillna(fallback_name)
    dim["ticker"] = latest["ticker"].array
    places = normalise_incorporation(latest["state_of_incorporation"].reset_index(drop=True))
    dim = pd.concat([dim, places], axis=1)
    dim["sic"] = latest["sic"].array
    dim["sic_description"] = clean_sic_description(latest["sic_description"]).array
    dim["sic_description_raw"] = latest["sic_description"].array  # whitespace cleaned only
    industry = normalise_industry(latest["industry_category"].reset_index(drop=True))
    dim = pd.concat([dim, industry], axis=1)
    dim["first_fiscal_year"] = latest["first_fiscal_year"].to_numpy()
    dim["last_fiscal_year"] = latest["last_fiscal_year"].to_numpy()
    logger.info(
        "dim_company=built companies=%d unknown_state=%d other_industry=%d "
        "sic_descriptions_stripped=%d",
        len(dim),
        int(
            (
                dim["state_of_incorporation_raw"].notna() & dim["country_of_incorporation"].isna()
            ).sum()
        ),
        int((dim["industry_category"] == "Other").sum()),
        stripped_sic_descriptions(dim),
    )
    return dim[list(DIM_COMPANY_COLUMNS)]


def stripped_sic_descriptions(dim_company: pd.DataFrame) -> int:
    """Companies whose SIC description lost a reviewer's annotation (raw != cleaned)."""
    raw = dim_company["sic_description_raw"]
    kept = dim_company["sic_description"]
    changed = raw.notna() & (kept.isna() | (kept != raw).fillna(True))
    return int(changed.sum())


def ratio(numerator: pd.Series, denominator: pd.Series) -> pd.Series:
    """numerator / denominator over a positive denominator only; else null, never inf.

    A ratio over zero or negative revenues (or a missing one) has no business meaning.
    """
    return finite_or_nan(numerator / denominator.where(denominator > 0))


def previous_year_revenues(financials: pd.DataFrame) -> pd.Series:
    """Revenues of the same CIK in fiscal_year - 1 (null when that year is absent)."""
    previous = financials[["cik", "fiscal_year", "revenues"]].copy()
    previous["fiscal_year"] += 1  # the row of year Y is the "previous" of year Y + 1
    joined = financials[["cik", "fiscal_year"]].merge(
        previous, on=["cik", "fiscal_year"], how="left", validate="one_to_one"
    )
    return pd.Series(joined["revenues"].to_numpy(), index=financials.index)


def add_ratios(financials: pd.DataFrame) -> pd.DataFrame:
    """Add rd_intensity, net_margin, cash_runway_years, revenue_growth_yoy (NaN if undefined)."""
    revenues = financials["revenues"]
    financials["rd_intensity"] = ratio(financials["rd_expense"], revenues)
    financials["net_margin"] = ratio(financials["net_income_loss"], revenues)
    ocf = financials["operating_cash_flow"]
    cash = financials["cash_and_equivalents"]
    # Runway exists only while burning cash; negative cash has no runway to measure.
    burn = -ocf.where(ocf < 0)
    financials["cash_runway_years"] = finite_or_nan(cash.where(cash >= 0) / burn)
    growth = ratio(revenues, previous_year_revenues(financials)) - 1.0
    financials["revenue_growth_yoy"] = growth
    return financials


def build_fact_financial(companies: pd.DataFrame) -> pd.DataFrame:
    """One row per CIK per fiscal year: the metrics, the year-end date key and the ratios."""
    financials = _keys(companies).reset_index(drop=True)
    financials["fiscal_year_end_date_key"] = year_end_key(financials["fiscal_year"])
    for column in (*METRICS, "data_completeness", "year_availability"):
        financials[column] = as_float(companies[column]).to_numpy()
    financials["patents_issued"] = as_int(companies["patents_issued"]).array
    financials["data_freshness"] = clean_labels(companies["data_freshness"]).array
    financials = add_ratios(financials)
    logger.info(
        "fact_financial=built rows=%d rd_intensity_null=%d revenue_growth_null=%d",
        len(financials),
        int(financials["rd_intensity"].isna().sum()),
        int(financials["revenue_growth_yoy"].isna().sum()),
    )
    return financials[list(FACT_FINANCIAL_COLUMNS)]
