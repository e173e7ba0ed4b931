"""Small hand-made staged frames, shaped exactly like STAGED_COLUMNS.

Hand-checked content (the tests assert these numbers):
  dim_date 6 days, dim_technology 3, dim_publication 4, dim_company 2,
  fact_trl_prediction 4, fact_publication_technology 5, fact_financial 3,
  fact_company_score 3.
Publication 102 carries awkward text (quotes, newline, tab, comma, backslash-dot) and an
empty-string keyword list distinct from a null one.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from etl.warehouse.staged import STAGED_COLUMNS

DATES = [
    dt.date(2023, 12, 31),
    dt.date(2024, 3, 1),
    dt.date(2024, 4, 1),
    dt.date(2024, 12, 31),
    dt.date(2025, 12, 31),
    dt.date(2026, 12, 31),
]
AWKWARD_ABSTRACT = 'He said "CRISPR, again"\nsecond line\twith tab, and \\. alone'


def date_key(day: dt.date) -> int:
    return day.year * 10000 + day.month * 100 + day.day


def dim_date(days: list[dt.date] = DATES) -> pd.DataFrame:
    rows = [
        {
            "date_key": date_key(d),
            "date": d,
            "year": d.year,
            "quarter": (d.month - 1) // 3 + 1,
            "month": d.month,
            "month_name": d.strftime("%B"),
            "iso_week": d.isocalendar().week,
            "day_of_week": d.isoweekday(),
            "is_weekend": d.isoweekday() >= 6,
            "fiscal_year": d.year,
            "fiscal_quarter": (d.month - 1) // 3 + 1,
        }
        for d in days
    ]
    return pd.DataFrame(rows, columns=STAGED_COLUMNS["dim_date"])


def dim_technology() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "technology": ["crispr", "mrna", "car-t"],
            "display_name": ["CRISPR", "mRNA", "CAR-T"],
            "technology_category": ["Gene Editing", "Vaccines", None],
            "in_trl_file": [True, True, False],
        },
        columns=STAGED_COLUMNS["dim_technology"],
    )


def dim_publication() -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "pmid": [101, 102, 103, 104],
            "title": ["Gene editing", 'mRNA, "quoted"', None, "Cells"],
            "abstract": ["Plain.", AWKWARD_ABSTRACT, None, ""],
            "authors": ["A. Author", "B; C", None, "D"],
            "keywords": ["crispr", "", None, "car-t"],
            "pub_year": [2024, 2024, 2023, 2024],
            # pandas holds a nullable int as float: 3.0 and NaN must arrive as 3 and NULL
            "pub_month": [3.0, 4.0, np.nan, 3.0],
            "publication_date_key": [20240301, 20240401, None, 20240301],
            "article_type": ["Journal Article", "Review", None, "Journal Article"],
            "country": ["United States", "Germany", None, "France"],
            "research_domain": ["Genomics", "Vaccines", None, "Genomics"],
            "technology_category": ["Gene Editing", "Vaccines", None, None],
            "trl": pd.array([3, 5, pd.NA, 7], dtype="Int16"),
            "trl_category": ["Research", "Development", None, "Deployment"],
            "trl_stage": ["Early", "Mid", None, "Late"],
            "maturity": [33.3, 55.5, None, 77.7],
        }
    )
    frame["link"] = [f"https://pubmed.ncbi.nlm.nih.gov/{p}/" for p in frame["pmid"]]
    return frame[STAGED_COLUMNS["dim_publication"]]


def dim_company() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "cik": [1001, 1002],
            "entity_name": ["Acme Bio Inc", "Beta Therapeutics"],
            "ticker": ["ACME", None],
            "state_of_incorporation": ["Delaware", None],
            "country_of_incorporation": ["United States", "Canada"],
            "state_of_incorporation_raw": ["DE", "A6"],
            "sic": [2834, 2836],
            "sic_description": ["Pharmaceutical Preparations", "Biological Products"],
            "industry_category": ["Pharma", "Biotech"],
            "industry_category_raw": ["pharma", None],
            "first_fiscal_year": [2023, 2024],
            "last_fiscal_year": [2024, 2024],
        },
        columns=STAGED_COLUMNS["dim_company"],
    )


def fact_trl_prediction() -> pd.DataFrame:
    base = {
        "current_year": 2024,
        "current_trl": 4,
        "trl_change": 1.0,
        "years_gap": 1,
        "annual_change_rate": 1.0,
        "change_category": "Moderate",
        "current_category": "Development",
        "predicted_category": "Development",
        "current_stage": "Mid",
        "predicted_stage": "Mid",
        "confidence_pct": 80.0,
        "historical_data_points": 5,
        "model_used": "linear",
    }
    rows = [
        {**base, "technology": "crispr", "forecast_year": 2025, "predicted_trl": 5.0},
        {**base, "technology": "crispr", "forecast_year": 2026, "predicted_trl": 6.0},
        {**base, "technology": "mrna", "forecast_year": 2025, "predicted_trl": 7.5},
        {**base, "technology": "mrna", "forecast_year": 2026, "predicted_trl": 8.0},
    ]
    frame = pd.DataFrame(rows)
    frame["forecast_date_key"] = frame["forecast_year"] * 10000 + 1231
    return frame[STAGED_COLUMNS["fact_trl_prediction"]]


def fact_publication_technology() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "pmid": [101, 101, 102, 103, 104],
            "technology": ["crispr", "mrna", "mrna", "crispr", "car-t"],
            "publication_date_key": [20240301, 20240301, 20240401, None, 20240301],
            "pub_year": [2024, 2024, 2024, 2023, 2024],
            "trl": [3, 3, 5, None, 7],
            "maturity_score": [30.0, 31.0, 50.0, None, 70.0],
            "innovation_score": [60.0, 61.0, 40.0, 10.0, 90.0],
            "market_score": [20.0, 21.0, 80.0, 0.0, 100.0],
            "risk_score": [50.0, 51.0, 30.0, 99.5, 5.0],
        },
        columns=STAGED_COLUMNS["fact_publication_technology"],
    )


def fact_financial() -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "cik": [1001, 1001, 1002],
            "fiscal_year": [2023, 2024, 2024],
            "revenues": [100.0, 150.0, 40.0],
            "net_income_loss": [-10.0, 5.0, -20.0],
            "rd_expense": [30.0, 45.0, 25.0],
            "patents_issued": [2, None, 0],
            "data_completeness": [90.0, 95.0, 60.0],
            "data_freshness": ["stale", "current", "current"],
        }
    )
    frame["fiscal_year_end_date_key"] = frame["fiscal_year"] * 10000 + 1231
    return frame.reindex(columns=STAGED_COLUMNS["fact_financial"])


def fact_company_score() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "cik": [1001, 1001, 1002],
            "fiscal_year": [2023, 2024, 2024],
            "rd_score": [60.0, 70.0, 90.0],
            "cash_score": [50.0, 55.0, 20.0],
            "growth_score": [None, 80.0, 40.0],
            "market_score": [40.0, 45.0, 30.0],
            "total_score": [50.0, 62.5, 45.0],
            "recommendation": ["Hold", "Buy", "Watch"],
            "scoring_version": ["v1", "v1", "v1"],
        },
        columns=STAGED_COLUMNS["fact_company_score"],
    )


def staged_frames() -> dict[str, pd.DataFrame]:
    return {
        "dim_date": dim_date(),
        "dim_technology": dim_technology(),
        "dim_publication": dim_publication(),
        "dim_company": dim_company(),
        "fact_trl_prediction": fact_trl_prediction(),
        "fact_publication_technology": fact_publication_technology(),
        "fact_financial": fact_financial(),
        "fact_company_score": fact_company_score(),
    }


EXPECTED_ROWS = {
    "dim_date": 6,
    "dim_technology": 3,
    "dim_publication": 4,
    "dim_company": 2,
    "fact_trl_prediction": 4,
    "fact_publication_technology": 5,
    "fact_financial": 3,
    "fact_company_score": 3,
}
