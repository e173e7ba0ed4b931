"""Header matching: spelling variants accepted, missing and duplicate columns named."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from etl.errors import SourceFileError
from etl.extract.headers import match_headers
from etl.extract.raw_files import read_source_file

from .rows import write_csv

HEADERS = ["Name", "Country", "Year"]


def test_missing_columns_are_named(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "short.csv", ["Name"], [{"Name": "A"}])
    with pytest.raises(SourceFileError) as error:
        read_source_file(path, HEADERS)
    assert str(error.value) == f"file={path} problem=missing required column(s): Country, Year"


def test_headers_match_despite_bom_spaces_case_and_composition(tmp_path: Path) -> None:
    path = tmp_path / "headers.csv"
    decomposed = "Re\u0301sume\u0301"  # e + combining acute, as macOS may write it
    path.write_bytes(("\ufeff name , COUNTRY,year," + decomposed + ",Extra\n1,2,3,4,5\n").encode())
    table = read_source_file(path, [*HEADERS, "R\u00e9sum\u00e9"])
    assert list(table.frame.columns) == [*HEADERS, "R\u00e9sum\u00e9", "Extra"]


def test_headers_equal_once_normalised_are_duplicates(tmp_path: Path) -> None:
    path = tmp_path / "twice.csv"
    path.write_bytes(b"Name,Country,Year,year \nA,FR,2020,2021\n")
    with pytest.raises(SourceFileError, match=r"twice\.csv problem=duplicate column\(s\): Year"):
        read_source_file(path, HEADERS)


def test_optional_header_is_respelled_when_present_and_not_required() -> None:
    frame = pd.DataFrame(columns=["NAME", " file_PATH "])
    matched = match_headers(Path("f.csv"), frame, ["Name"], optional=["file_path", "Extra"])
    assert list(matched.columns) == ["Name", "file_path"]
