"""Reading xlsx: real sheet row numbers across blank rows, corrupt and empty workbooks."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from etl.errors import SourceFileError
from etl.extract.raw_files import read_source_file

from .rows import write_xlsx

HEADERS = ["Name", "Country", "Year"]


def test_xlsx_blank_sheet_rows_keep_real_row_numbers(tmp_path: Path) -> None:
    path = tmp_path / "sheet.xlsx"
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(HEADERS)
    sheet["A2"], sheet["B2"], sheet["C2"] = "A", "FR", 2019
    sheet["A3"] = "   "  # whitespace only: blank
    sheet["A5"], sheet["C5"] = "B", 2019.5  # row 4 absent from the sheet XML
    sheet["A7"] = "C"
    workbook.save(path)
    table = read_source_file(path, HEADERS)
    assert (table.rows_in_file, table.blank_rows) == (6, 3)
    assert table.frame.index.tolist() == [2, 5, 7]
    assert table.frame.to_numpy().tolist() == [
        ["A", "FR", "2019"],
        ["B", "", "2019.5"],
        ["C", "", ""],
    ]


def test_xlsx_corrupt_file(tmp_path: Path) -> None:
    path = tmp_path / "broken.xlsx"
    path.write_bytes(b"PK\x03\x04 this is not a zip archive")
    with pytest.raises(SourceFileError, match=r"broken\.xlsx problem=unreadable xlsx"):
        read_source_file(path, HEADERS)


def test_xlsx_empty_sheet_and_header_only(tmp_path: Path) -> None:
    empty = tmp_path / "empty.xlsx"
    openpyxl.Workbook().save(empty)
    with pytest.raises(SourceFileError, match=r"empty\.xlsx problem=empty file"):
        read_source_file(empty, HEADERS)
    header_only = write_xlsx(tmp_path / "header.xlsx", HEADERS, [])
    with pytest.raises(SourceFileError, match=r"header\.xlsx problem=no data rows"):
        read_source_file(header_only, HEADERS)
