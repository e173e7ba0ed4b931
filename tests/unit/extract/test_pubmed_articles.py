"""The PubMed reader on a crafted file holding every mess of the input contract."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pandas as pd
import pytest

from etl.extract.columns import PUBMED_ARTICLES, REJECTED_COLUMNS
from etl.extract.pubmed_articles import parse_pmid, read_pubmed_articles
from etl.extract.result import ExtractResult
from tests.support.clock import run_year_ranges

from .conftest import MakeFile
from .rows import PUBMED_HEADERS, Row, pubmed_row

ABSTRACT = 'First line, with commas.\nSecond line "quoted".'


def _reference(**values: object) -> Row:
    """Article 1001: numbers as text, technologies in many spellings."""
    return pubmed_row(
        1001,
        {"Résumé": ABSTRACT, "Technologies": "CRISPR, Gene Therapy; crispr"},
        Titre="Gene editing \U0001f9ec",
        Year="2019.0",
        Month=" 7 ",
        TRL="TRL 4",
        Country="\u00c9tats-Unis".encode("cp1252"),
        **values,
    )


def _messy_rows() -> list[Row]:
    return [
        _reference(),  # row 2: the reference article
        # 3 and 6: the same article under other link spellings (exact repeats)
        _reference(Lien="http://pubmed.ncbi.nlm.nih.gov/1001"),
        None,  # 4: blank line
        pubmed_row(
            1002,
            {"Maturité": "n.d."},
            Lien="https://www.pubmed.ncbi.nlm.nih.gov/1002/?from=search ",
            Year=" 2020 ",
            Month="13",
            TRL="0",
        ),  # 5: month and TRL nulled, maturity a placeholder
        _reference(Lien="  https://pubmed.ncbi.nlm.nih.gov/1001/?term=x  "),
        pubmed_row(None, Year="1899"),  # 7: no link; missing_pmid comes first
        pubmed_row(1003, Lien="https://example.org/article/1003"),  # 8: no PMID in link
        pubmed_row(1004, Year="1899"),  # 9: impossible year
        pubmed_row(1004, Year="2021"),  # 10: its first occurrence was rejected: loaded
        pubmed_row(1005, Year=""),  # 11: missing year
        {header: "" for header in PUBMED_HEADERS},  # 12: ",,,," blank row
        pubmed_row(1006, {"Maturité": "150"}, Technologies="UnknownTech", Month="2019.5"),  # 13
    ]


@pytest.fixture
def messy(make_file: MakeFile) -> ExtractResult:
    return read_pubmed_articles(
        make_file("pubmed.csv", PUBMED_HEADERS, _messy_rows()), run_year_ranges()
    )


def test_counts_reconcile(messy: ExtractResult) -> None:
    assert (messy.rows_in_file, len(messy.data), len(messy.rejected), messy.blank_rows) == (
        12,
        4,
        6,
        2,
    )
    assert messy.reconciles
    assert messy.rejected_by_reason() == {
        "duplicate_row": 2,
        "missing_pmid": 2,
        "invalid_pub_year": 1,
        "missing_pub_year": 1,
    }
    assert messy.nulled == {"pub_month": 2, "trl": 1, "maturity": 1}


def test_output_columns_and_dtypes(messy: ExtractResult) -> None:
    expected = ["pmid", *(rule.column for rule in PUBMED_ARTICLES), "row_number"]
    assert list(messy.data.columns) == expected
    assert messy.data["pmid"].dtype == "int64"
    assert messy.data["row_number"].dtype == "int64"
    assert messy.data["pub_year"].dtype == "Int64"
    assert messy.data["maturity"].dtype == "Float64"
    assert messy.data["title"].dtype == "string"


def test_cleaned_values(messy: ExtractResult) -> None:
    data = messy.data
    assert data["pmid"].tolist() == [1001, 1002, 1004, 1006]
    assert data["row_number"].tolist() == [2, 5, 10, 13]
    assert data["pub_year"].tolist() == [2019, 2020, 2021, 2020]
    assert data["pub_month"].tolist() == [7, pd.NA, 6, pd.NA]
    assert data["trl"].tolist() == [4, pd.NA, 4, 4]
    assert data["maturity"].tolist() == [40.5, pd.NA, 40.5, pd.NA]
    assert data["technologies"].tolist() == [
        "crispr;genetherapy",
        "crispr",
        "crispr",
        "unknowntech",
    ]
    first = data.iloc[0]
    assert first["country"] == "\u00c9tats-Unis"
    assert first["title"] == "Gene editing \U0001f9ec"
    assert first["abstract"] == ABSTRACT
    assert data.iloc[1]["link"] == "https://www.pubmed.ncbi.nlm.nih.gov/1002/?from=search"


def test_rejected_rows(messy: ExtractResult, tmp_path: Path) -> None:
    rejected = messy.rejected
    assert tuple(rejected.columns) == REJECTED_COLUMNS
    assert set(rejected["source"]) == {"pubmed_articles"}
    assert set(rejected["file"]) == {str(tmp_path / "pubmed.csv")}
    assert rejected["row_number"].tolist() == [3, 6, 7, 8, 9, 11]
    assert rejected["reason"].tolist() == [
        "duplicate_row",
        "duplicate_row",
        "missing_pmid",
        "missing_pmid",
        "invalid_pub_year",
        "missing_pub_year",
    ]
    assert rejected["column"].tolist() == [None, None, "Lien", "Lien", "Year", "Year"]
    assert rejected["message"].tolist() == [
        "column=pmid value='1001' problem=same values as row 2",
        "column=pmid value='1001' problem=same values as row 2",
        "column=Lien value='' problem=no PubMed id in link",
        "column=Lien value='https://example.org/article/1003' problem=no PubMed id in link",
        "column=Year value='1899' problem=out of range 2015..2026",
        "column=Year value='' problem=missing required value",
    ]


def test_raw_json_holds_the_raw_strings_by_header(messy: ExtractResult) -> None:
    raw = json.loads(messy.rejected.iloc[1]["raw"])
    assert list(raw) == PUBMED_HEADERS
    assert raw["Lien"] == "  https://pubmed.ncbi.nlm.nih.gov/1001/?term=x  "
    assert raw["Year"] == "2019.0"
    assert raw["Month"] == " 7 "


def test_one_key_value_log_line(make_file: MakeFile, caplog: pytest.LogCaptureFixture) -> None:
    path = make_file("pubmed.csv", PUBMED_HEADERS, _messy_rows())
    with caplog.at_level(logging.INFO, logger="etl.extract.pubmed_articles"):
        read_pubmed_articles(path, run_year_ranges())
    lines = [r.getMessage() for r in caplog.records if r.name == "etl.extract.pubmed_articles"]
    assert lines == [
        f"source=pubmed_articles file={path} rows=12 loaded=4 rejected=6 blank=2 "
        "reasons=duplicate_row:2,invalid_pub_year:1,missing_pmid:2,missing_pub_year:1 "
        "nulled=maturity:1,pub_month:2,trl:1 cleaned=-"
    ]


def _portable_rows() -> list[Row]:
    # What every format can hold (no raw cp1252 bytes): the same table must come out.
    return [
        pubmed_row(1, Year="2019.0", TRL="TRL 4", Country="\u00c9tats-Unis"),
        None,
        pubmed_row(
            1,
            Lien="http://pubmed.ncbi.nlm.nih.gov/1",
            Year="2019",
            TRL="4",
            Country="\u00c9tats-Unis",
        ),
        pubmed_row(2, {"Résumé": ABSTRACT}, Month="13"),
        pubmed_row(None),
    ]


@pytest.mark.parametrize("name", ["pubmed.xlsx", "pubmed.parquet"])
def test_every_format_gives_the_csv_result(make_file: MakeFile, name: str) -> None:
    expected = read_pubmed_articles(
        make_file("pubmed.csv", PUBMED_HEADERS, _portable_rows()), run_year_ranges()
    )
    result = read_pubmed_articles(
        make_file(name, PUBMED_HEADERS, _portable_rows()), run_year_ranges()
    )
    pd.testing.assert_frame_equal(result.data, expected.data)
    columns = ["row_number", "column", "reason", "message", "raw"]
    pd.testing.assert_frame_equal(result.rejected[columns], expected.rejected[columns])
    assert (result.rows_in_file, result.blank_rows, result.nulled) == (5, 1, {"pub_month": 1})
    assert result.rejected_by_reason() == {"duplicate_row": 1, "missing_pmid": 1}
    assert result.data["country"].tolist() == ["\u00c9tats-Unis", "France"]


@pytest.mark.parametrize(
    "link",
    [
        "https://pubmed.ncbi.nlm.nih.gov/12345678/",
        "http://pubmed.ncbi.nlm.nih.gov/12345678",
        "https://www.pubmed.ncbi.nlm.nih.gov/12345678/",
        "https://pubmed.ncbi.nlm.nih.gov/12345678/?from=search ",
        "  HTTPS://PubMed.ncbi.nlm.nih.gov/12345678#abstract",
        "https://www.ncbi.nlm.nih.gov/pubmed/12345678",
    ],
)
def test_pmid_from_every_link_spelling(link: str) -> None:
    assert parse_pmid(pd.Series([link], dtype="string[pyarrow]")).tolist() == [12345678]


@pytest.mark.parametrize(
    "link",
    [
        "",
        "12345678",
        "pubmed.ncbi.nlm.nih.gov/12345678/",
        "https://pubmed.ncbi.nlm.nih.gov/?term=crispr",
        "https://pubmed.ncbi.nlm.nih.gov/1234abc/",
        "https://pubmed.ncbi.nlm.nih.gov/0/",
        "https://doi.org/10.1000/12345678",
    ],
)
def test_no_pmid_is_never_guessed(link: str) -> None:
    assert parse_pmid(pd.Series([link], dtype="string[pyarrow]")).tolist() == [pd.NA]
