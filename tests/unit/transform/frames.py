"""Hand-made clean frames in the readers' output shape (etl.extract.columns).

Every builder takes a list of partial records; columns not given are null. Dtypes are
the readers' nullable ones (Int64, Float64, string[pyarrow]) plus `row_number`, and pubmed
frames carry `pmid` (int64) first.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from etl.extract.columns import RULES

# As the readers produce them: Arrow-backed strings, nullable numbers.
_DTYPES = {"text": pd.StringDtype("pyarrow"), "int": "Int64", "float": "Float64"}


def clean_frame(source: str, records: Sequence[dict[str, object]]) -> pd.DataFrame:
    rules = RULES[source]
    columns = {
        rule.column: pd.array([r.get(rule.column) for r in records], dtype=_DTYPES[rule.kind])
        for rule in rules
    }
    frame = pd.DataFrame(columns)
    if source == "pubmed_articles":
        pmids = [r["pmid"] for r in records]
        frame.insert(0, "pmid", pd.array(pmids, dtype="int64"))
    frame["row_number"] = pd.array(range(2, len(records) + 2), dtype="int64")
    return frame


def trl_frame(records: Sequence[dict[str, object]]) -> pd.DataFrame:
    return clean_frame("trl_predictions", records)


def publications_frame(records: Sequence[dict[str, object]]) -> pd.DataFrame:
    return clean_frame("pubmed_articles", records)


def companies_frame(records: Sequence[dict[str, object]]) -> pd.DataFrame:
    return clean_frame("biotech_companies", records)


def trl_record(technology: str, year: int, current: int = 4, predicted: float = 5.0) -> dict:
    return {
        "technology": technology,
        "forecast_year": year,
        "current_trl": current,
        "current_year": 2025,
        "predicted_trl": predicted,
        "trl_change": predicted - current,
        "years_gap": year - 2025,
        "annual_change_rate": (predicted - current) / max(year - 2025, 1),
        "change_category": "Moderate Growth",
        "current_category": "Preuve de concept",
        "predicted_category": "Développement précoce",
        "current_stage": "RECHERCHE",
        "predicted_stage": "DÉVELOPPEMENT",
        "confidence_pct": 80.0,
        "historical_data_points": 12,
        "model_used": "Random Forest",
    }


def sample_trl() -> pd.DataFrame:
    """2 technologies x 4 forecast years = 8 forecasts."""
    return trl_frame(
        [
            trl_record(tech, year)
            for tech in ("crispr", "cart-t")
            for year in (2026, 2027, 2028, 2030)
        ]
    )


def sample_publications() -> pd.DataFrame:
    """4 articles: 2 + 1 + 0 + 2 technologies named (quantumbiology unknown to the TRL file)."""
    return publications_frame(
        [
            {
                "pmid": 101,
                "title": "CRISPR and quantum biology",
                "abstract": "Line one.\nLine two.",
                "authors": "A. Author, B. Author",
                "keywords": "crispr;quantum",
                "link": "https://pubmed.ncbi.nlm.nih.gov/101/",
                "pub_year": 2024,
                "pub_month": 3,
                "technologies": "crispr;quantumbiology",
                "technology_category": "Gene Editing",
                "trl": 5,
                "maturity": 60.0,
                "article_type": "Journal Article",
                "country": "États-Unis",
                "research_domain": "Oncology",
            },
            {
                "pmid": 102,
                "link": "http://pubmed.ncbi.nlm.nih.gov/102?x=1",
                "pub_year": 2020,
                "pub_month": None,
                "technologies": "cart-t",
                "technology_category": "Cell Therapy",
                "trl": 9,
                "maturity": 100.0,
                "article_type": "Clinical Trial",
                "country": "Allemagne",
                "research_domain": "Clinical Research",
            },
            {
                "pmid": 103,
                "pub_year": 2015,
                "pub_month": 12,
                "technologies": None,
                "country": "Atlantis ",
            },
            {
                "pmid": 104,
                "pub_year": 2025,
                "pub_month": 1,
                "technologies": "crispr;cart-t",
                "technology_category": "Gene Editing",
                "trl": None,
                "maturity": None,
                "article_type": "Review",
                "country": "USA",
                "research_domain": "Preclinical",
            },
        ]
    )


def company_record(cik: int, year: int, **values: object) -> dict:
    return {"cik": cik, "fiscal_year": year, "period": "FY", **values}


def sample_companies() -> pd.DataFrame:
    """2 companies: 1001 over 3 years (renamed, revenue 0 then growing), 1002 one year."""
    return companies_frame(
        [
            company_record(
                1001,
                2021,
                entity_name="Old Name Inc",
                ticker="ABC",
                state_of_incorporation="Delaware, États-Unis",
                sic=2834,
                sic_description="Pharmaceutical Preparations [reviewed]",
                industry_category="biotech",
                revenues=0.0,
                rd_expense=50.0,
                net_income_loss=-80.0,
                operating_cash_flow=-40.0,
                cash_and_equivalents=100.0,
                assets=500.0,
                data_completeness=90.0,
                data_freshness="Recent",
            ),
            company_record(
                1001,
                2022,
                entity_name="New Name Inc",
                ticker=None,
                state_of_incorporation="DE",
                sic=2834,
                sic_description="Pharmaceutical Preparations",
                industry_category="Biotechnology",
                revenues=200.0,
                rd_expense=100.0,
                net_income_loss=-20.0,
                operating_cash_flow=-50.0,
                cash_and_equivalents=150.0,
                assets=600.0,
                data_completeness=95.0,
                data_freshness="Recent",
            ),
            company_record(
                1001,
                2023,
                entity_name=None,
                ticker=None,
                state_of_incorporation="Delaware",
                sic=2834,
                sic_description="Pharmaceutical Preparations -- check",
                industry_category="Biotechnology",
                revenues=300.0,
                rd_expense=30.0,
                net_income_loss=30.0,
                operating_cash_flow=25.0,
                cash_and_equivalents=200.0,
                assets=700.0,
                patents_issued=3,
                data_completeness=100.0,
                data_freshness="Recent",
            ),
            company_record(
                1002,
                2023,
                entity_name="Shamrock Bio plc",
                ticker="shm",
                state_of_incorporation="Irlande",
                sic=2836,
                sic_description="Biological Products (No Diagnostic Substances) (note: verify)",
                industry_category="Gene therapy startup",
                revenues=None,
                rd_expense=None,
                operating_cash_flow=None,
                cash_and_equivalents=None,
            ),
        ]
    )
