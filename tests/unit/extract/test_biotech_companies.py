"""The companies reader on a crafted CSV: keyed by (cik, fiscal_year), file_path dropped."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from etl.extract.biotech_companies import read_biotech_companies
from etl.extract.columns import BIOTECH_COMPANIES, REJECTED_COLUMNS
from etl.extract.result import ExtractResult
from tests.support.clock import run_year_ranges

from .conftest import MakeFile
from .rows import COMPANY_HEADERS, Row, company_row


def _messy_rows() -> list[Row]:
    return [
        company_row(  # 2
            cik="0000320193",
            fiscalYear="2019.0",
            stateOfIncorporation="Delaware, \u00c9tats-Unis",
            sicDescription="Pharmaceutical Preparations [reviewed: check]",
            Revenues="",
        ),
        company_row(fiscalYear="2020", entityName="Acme Biosciences Inc"),  # 3: renamed
        # 4: row 3 again, spelled otherwise: the same values once clean (an exact repeat)
        company_row(fiscalYear="2020.0", entityName=" Acme Biosciences Inc"),
        company_row(
            cik="1000",
            Revenues="n.d.",
            NetIncomeLoss="N/A",
            entityName="Soci\u00e9t\u00e9 Bio".encode("cp1252"),
        ),  # 5
        company_row(cik=""),  # 6: no CIK
        company_row(cik="abc"),  # 7
        company_row(cik="2000", fiscalYear="1899"),  # 8
        company_row(
            cik="3000",
            sic="28.5",
            dataCompleteness="150",
            Revenues="12,345,678",
            PatentsIssued="3.0",
        ),  # 9
        company_row(cik="4000", Revenues="lots", ResearchAndDevelopmentExpense="1.5e6"),  # 10
        None,  # 11
    ]


@pytest.fixture
def messy(make_file: MakeFile) -> ExtractResult:
    return read_biotech_companies(
        make_file("companies.csv", COMPANY_HEADERS, _messy_rows()), run_year_ranges()
    )


def test_counts_reconcile(messy: ExtractResult) -> None:
    assert (messy.rows_in_file, len(messy.data), len(messy.rejected), messy.blank_rows) == (
        10,
        5,
        4,
        1,
    )
    assert messy.reconciles
    assert messy.rejected_by_reason() == {
        "duplicate_row": 1,
        "missing_cik": 1,
        "invalid_cik": 1,
        "invalid_fiscal_year": 1,
    }
    assert messy.nulled == {"sic": 1, "data_completeness": 1, "revenues": 1}


def test_file_path_dropped_and_values_cleaned(messy: ExtractResult) -> None:
    data = messy.data
    assert list(data.columns) == [*(rule.column for rule in BIOTECH_COMPANIES), "row_number"]
    assert data["row_number"].tolist() == [2, 3, 5, 9, 10]
    assert data["cik"].tolist() == [320193, 320193, 1000, 3000, 4000]
    assert data["fiscal_year"].tolist() == [2019, 2020, 2021, 2021, 2021]
    assert data["entity_name"].tolist()[:3] == [
        "Acme Bio Inc",
        "Acme Biosciences Inc",
        "Société Bio",
    ]
    assert data["state_of_incorporation"].iloc[0] == "Delaware, \u00c9tats-Unis"
    assert data["revenues"].tolist() == [pd.NA, 1_000_000.0, pd.NA, 12_345_678.0, pd.NA]
    assert data["net_income_loss"].tolist()[2] is pd.NA
    assert data["rd_expense"].iloc[4] == 1_500_000.0
    assert data["sic"].tolist() == [2834, 2834, 2834, pd.NA, 2834]
    assert data["patents_issued"].tolist() == [pd.NA, pd.NA, pd.NA, 3, pd.NA]
    assert data["data_completeness"].tolist()[3] is pd.NA


def test_rejected_rows_keep_file_path_in_raw(messy: ExtractResult) -> None:
    rejected = messy.rejected
    assert tuple(rejected.columns) == REJECTED_COLUMNS
    assert rejected["row_number"].tolist() == [4, 6, 7, 8]
    assert rejected["message"].tolist() == [
        "column=cik,fiscal_year value='320193,2020' problem=same values as row 3",
        "column=cik value='' problem=missing required value",
        "column=cik value='abc' problem=not a number",
        "column=fiscalYear value='1899' problem=out of range 2015..2027",
    ]
    raw = json.loads(rejected["raw"].iloc[0])
    assert raw["file_path"] == "C:/Users/analyst/edgar/CIK0000320193.json"
    assert list(raw) == COMPANY_HEADERS


def test_file_without_file_path_column(make_file: MakeFile) -> None:
    headers = [h for h in COMPANY_HEADERS if h != "file_path"]
    result = read_biotech_companies(
        make_file("companies.csv", headers, [company_row()]), run_year_ranges()
    )
    assert (len(result.data), len(result.rejected)) == (1, 0)
