"""A source file as an all-text table: dispatch by extension and file-level errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from etl.errors import SourceFileError
from etl.extract.arrow_text import TEXT
from etl.extract.raw_files import read_source_file, read_text_frame

from .rows import write_table

HEADERS = ["Name", "Country", "Year"]


@pytest.mark.parametrize("extension", ["csv", "xlsx", "parquet"])
def test_every_format_gives_the_same_numbered_text_table(tmp_path: Path, extension: str) -> None:
    rows = [{"Name": "A", "Country": "FR", "Year": "2020"}, None, {"Name": "B"}]
    path = write_table(tmp_path / f"data.{extension}", HEADERS, rows)
    table = read_source_file(path, HEADERS)
    assert (table.rows_in_file, table.blank_rows) == (3, 1)
    assert table.frame.index.name == "row_number"
    assert table.frame.index.tolist() == [2, 4]
    assert table.frame.to_numpy().tolist() == [["A", "FR", "2020"], ["B", "", ""]]
    assert set(table.frame.dtypes) == {TEXT}


def test_read_text_frame_keeps_blank_rows_and_header_spelling(tmp_path: Path) -> None:
    path = tmp_path / "raw.csv"
    path.write_bytes(b" name ,Year\n\nA,1\n")
    frame = read_text_frame(path)
    assert list(frame.columns) == [" name ", "Year"]
    assert frame.to_numpy().tolist() == [["", ""], ["A", "1"]]


def test_csv_header_only_has_no_data_rows(tmp_path: Path) -> None:
    path = tmp_path / "header_only.csv"
    path.write_bytes(b"Name,Country,Year\n")
    with pytest.raises(SourceFileError, match=r"header_only\.csv problem=no data rows"):
        read_source_file(path, HEADERS)


def test_csv_with_only_blank_rows_has_no_data_rows(tmp_path: Path) -> None:
    path = tmp_path / "blank_only.csv"
    path.write_bytes(b"Name,Country,Year\n\n,,\n")
    with pytest.raises(SourceFileError, match=r"no data rows \(2 blank rows only\)"):
        read_source_file(path, HEADERS)


def test_unsupported_extension_and_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "data.txt"
    path.write_text("Name\n")
    with pytest.raises(SourceFileError, match=r"unsupported extension '\.txt'"):
        read_source_file(path, HEADERS)
    with pytest.raises(SourceFileError, match=r"absent\.csv problem=missing file"):
        read_source_file(tmp_path / "absent.csv", HEADERS)


@pytest.mark.parametrize("extension", ["csv", "xlsx", "parquet"])
def test_nul_is_removed_from_every_cell_and_counted_per_column(
    tmp_path: Path, extension: str
) -> None:
    # xlsx carries NUL as Excel's `_x0000_` escape (openpyxl refuses a raw NUL in a cell).
    nul = "_x0000_" if extension == "xlsx" else "\x00"
    rows = [
        {"Name": f"Ac{nul}me", "Country": f"F{nul}R", "Year": f"20{nul}20"},
        {"Name": "B", "Country": nul, "Year": "2021"},
        {"Name": nul, "Country": nul, "Year": nul},  # blank once clean
    ]
    path = write_table(tmp_path / f"data.{extension}", HEADERS, rows)
    table = read_source_file(path, HEADERS)
    assert table.frame.to_numpy().tolist() == [["Acme", "FR", "2020"], ["B", "", "2021"]]
    assert table.cleaned == {"Name": 2, "Country": 3, "Year": 2}
    assert (table.rows_in_file, table.blank_rows) == (3, 1)
