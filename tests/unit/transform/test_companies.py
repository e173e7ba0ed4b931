"""dim_company (one row per CIK, latest values) and fact_financial (metrics + ratios)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from etl.transform.companies import (
    build_dim_company,
    build_fact_financial,
    stripped_sic_descriptions,
)

from .frames import companies_frame, company_record


def test_one_company_per_cik_with_latest_values(companies: pd.DataFrame) -> None:
    dim = build_dim_company(companies).set_index("cik")
    assert list(dim.index) == [1001, 1002]
    first = dim.loc[1001]
    # 2023 has no name: the latest non-empty one (2022) wins; the ticker only exists in 2021.
    assert first["entity_name"] == "New Name Inc"
    assert first["ticker"] == "ABC"
    assert (first["first_fiscal_year"], first["last_fiscal_year"]) == (2021, 2023)
    assert first["state_of_incorporation"] == "Delaware"
    assert first["country_of_incorporation"] == "United States"
    assert first["state_of_incorporation_raw"] == "Delaware"
    assert first["sic"] == 2834
    assert first["sic_description"] == "Pharmaceutical Preparations"  # `-- check` stripped
    assert first["industry_category"] == "Biotechnology"
    second = dim.loc[1002]
    assert second["ticker"] == "SHM"
    assert pd.isna(second["state_of_incorporation"])
    assert second["country_of_incorporation"] == "Ireland"
    assert second["sic_description"] == "Biological Products (No Diagnostic Substances)"
    assert second["industry_category"] == "Other"
    assert second["industry_category_raw"] == "Gene therapy startup"


def test_sic_description_raw_keeps_the_reviewers_annotation() -> None:
    frame = companies_frame(
        [
            company_record(1, 2020, sic_description="Pharmaceutical Preparations ✓"),
            company_record(2, 2020, sic_description="Biological Products  ⚠ review"),
            company_record(3, 2020, sic_description="Services-Medical Laboratories"),
            company_record(4, 2020, sic_description="✔️ reviewed"),
            company_record(5, 2020),
        ]
    )
    dim = build_dim_company(frame)
    assert dim["sic_description"].tolist() == [
        "Pharmaceutical Preparations",
        "Biological Products",
        "Services-Medical Laboratories",
        pd.NA,
        pd.NA,
    ]
    assert dim["sic_description_raw"].tolist() == [
        "Pharmaceutical Preparations ✓",
        "Biological Products ⚠ review",  # whitespace cleaned, as the other _raw columns
        "Services-Medical Laboratories",
        "✔️ reviewed",
        pd.NA,
    ]
    assert stripped_sic_descriptions(dim) == 3


def test_nameless_company_gets_a_label() -> None:
    dim = build_dim_company(companies_frame([company_record(42, 2020)]))
    assert dim["entity_name"].tolist() == ["CIK 42"]
    assert dim["industry_category"].tolist() == ["Other"]


def test_same_name_different_cik_stays_two_companies() -> None:
    frame = companies_frame(
        [company_record(1, 2020, entity_name="Acme"), company_record(2, 2020, entity_name="Acme")]
    )
    assert build_dim_company(frame)["cik"].tolist() == [1, 2]


def _ratios(companies: pd.DataFrame) -> dict[tuple[int, int], list[float | None]]:
    fact = build_fact_financial(companies)
    columns = ["rd_intensity", "net_margin", "cash_runway_years", "revenue_growth_yoy"]
    return {
        (cik, year): [None if np.isnan(v) else round(v, 10) for v in values]
        for cik, year, *values in fact[["cik", "fiscal_year", *columns]].itertuples(index=False)
    }


def test_ratios(companies: pd.DataFrame) -> None:
    assert _ratios(companies) == {
        # revenue 0: no ratio over it (null, not inf); burning 40 with 100 cash: 2.5 years
        (1001, 2021): [None, None, 2.5, None],
        # previous revenue 0: no growth figure
        (1001, 2022): [0.5, -0.1, 3.0, None],
        # cash-generating: no runway; 300 / 200 - 1
        (1001, 2023): [0.1, 0.1, None, 0.5],
        (1001 + 1, 2023): [None, None, None, None],
    }


def test_fact_financial_columns(companies: pd.DataFrame) -> None:
    fact = build_fact_financial(companies)
    assert len(fact) == 4
    assert fact["fiscal_year_end_date_key"].tolist() == [20211231, 20221231, 20231231, 20231231]
    assert fact["patents_issued"].tolist() == [pd.NA, pd.NA, 3, pd.NA]
    assert fact["data_freshness"].iloc[0] == "Recent"


def test_growth_needs_the_previous_fiscal_year() -> None:
    frame = companies_frame(
        [
            company_record(7, 2020, revenues=100.0),
            company_record(7, 2022, revenues=150.0),  # 2021 missing: no growth for 2022
            company_record(7, 2023, revenues=120.0),
            company_record(8, 2023, revenues=50.0),  # another CIK's 2022 is not a previous year
        ]
    )
    growth = build_fact_financial(frame)["revenue_growth_yoy"].tolist()
    assert [None if np.isnan(g) else round(g, 10) for g in growth] == [None, None, -0.2, None]


@pytest.mark.parametrize(
    ("revenues", "rd_expense", "expected"),
    [
        (0.0, 10.0, None),
        (-5.0, 10.0, None),
        (None, 10.0, None),
        (20.0, 10.0, 0.5),
        (20.0, None, None),
    ],
)
def test_rd_intensity_never_infinite(
    revenues: float | None, rd_expense: float | None, expected: float | None
) -> None:
    frame = companies_frame([company_record(9, 2020, revenues=revenues, rd_expense=rd_expense)])
    value = build_fact_financial(frame)["rd_intensity"].iloc[0]
    assert (None if np.isnan(value) else value) == expected


def test_no_infinities_anywhere() -> None:
    frame = companies_frame(
        [
            company_record(
                1,
                2020,
                revenues=0.0,
                rd_expense=5.0,
                net_income_loss=-1.0,
                operating_cash_flow=0.0,
                cash_and_equivalents=10.0,
            ),
            company_record(
                1, 2021, revenues=10.0, operating_cash_flow=-0.0, cash_and_equivalents=10.0
            ),
        ]
    )
    fact = build_fact_financial(frame)
    numbers = fact.select_dtypes("float64").to_numpy()
    assert not np.isinf(numbers).any()
