"""Reading source files: encodings, row numbers, blank rows and file-level errors."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from etl.errors import SourceFileError
from etl.extract import files
from etl.extract.files import read_source_file, resolve_source_path

from .rows import csv_bytes, write_csv, write_parquet, write_xlsx

HEADERS = ["Name", "Country", "Year"]


def _values(path: Path, headers: list[str] = HEADERS) -> list[list[str]]:
    return read_source_file(path, headers).frame.to_numpy().tolist()


def _must_not_run(path: Path) -> None:
    raise AssertionError(f"the pandas C engine read {path}")


# --- resolve_source_path ---------------------------------------------------------------


def test_resolve_returns_the_named_file_when_present(tmp_path: Path) -> None:
    (tmp_path / "data.xlsx").write_bytes(b"x")
    (tmp_path / "data.csv").write_bytes(b"x")
    assert resolve_source_path(tmp_path, "data.csv") == tmp_path / "data.csv"


def test_resolve_falls_back_to_same_stem_in_xlsx_csv_parquet_order(tmp_path: Path) -> None:
    (tmp_path / "data.parquet").write_bytes(b"x")
    assert resolve_source_path(tmp_path, "data.xlsx") == tmp_path / "data.parquet"
    (tmp_path / "data.csv").write_bytes(b"x")
    assert resolve_source_path(tmp_path, "data.xlsx") == tmp_path / "data.csv"
    assert resolve_source_path(tmp_path, "data.parquet") == tmp_path / "data.parquet"


def test_resolve_names_the_missing_file(tmp_path: Path) -> None:
    (tmp_path / "other.csv").write_bytes(b"x")
    with pytest.raises(SourceFileError) as error:
        resolve_source_path(tmp_path, "data.xlsx")
    assert error.value.path == str(tmp_path / "data.xlsx")
    assert error.value.problem.startswith("missing file")
    assert "data.csv" in error.value.problem


# --- CSV -------------------------------------------------------------------------------


def test_csv_decodes_cp1252_fields_and_keeps_utf8_and_emoji(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A mixed-encoding file is the normal case: it must not need the slow reference reader.
    monkeypatch.setattr(files, "_read_csv_c_engine", _must_not_run)
    path = write_csv(
        tmp_path / "mixed.csv",
        HEADERS,
        [
            {"Name": "Caf\u00e9 \U0001f600", "Country": "\u00c9tats-Unis", "Year": "2020"},
            {"Name": "Acme", "Country": "\u00c9tats-Unis".encode("cp1252"), "Year": "2021"},
            # One field mixing valid UTF-8 (emoji) and a cp1252 byte: both survive.
            {"Name": "\U0001f9ec ".encode() + b"Soci\xe9t\xe9", "Country": "", "Year": "2022"},
        ],
    )
    assert _values(path) == [
        ["Caf\u00e9 \U0001f600", "\u00c9tats-Unis", "2020"],
        ["Acme", "\u00c9tats-Unis", "2021"],
        ["\U0001f9ec Soci\u00e9t\u00e9", "", "2022"],
    ]


def test_only_chunks_with_invalid_bytes_are_repaired_and_order_is_kept() -> None:
    chunks = [[b"ok", b"\xc3\x89"], [b"\xc9tats", b""], [b"fine"], [b"a\x92b", b"\xf0\x9f\x98\x80"]]
    column = pa.chunked_array([pa.array(c, pa.large_binary()) for c in chunks])
    decoded = files._decode(column)
    assert decoded.to_pylist() == [
        "ok",
        "\u00c9",
        "\u00c9tats",
        "",
        "fine",
        "a\u2019b",
        "\U0001f600",
    ]
    assert [len(chunk) for chunk in decoded.chunks] == [2, 2, 1, 2]


def test_csv_decodes_a_cp1252_header(tmp_path: Path) -> None:
    path = tmp_path / "header.csv"
    path.write_bytes(b"Titre,R\xe9sum\xe9\nA,B\n")
    table = read_source_file(path, ["Titre", "R\u00e9sum\u00e9"])
    assert list(table.frame.columns) == ["Titre", "R\u00e9sum\u00e9"]


def test_csv_quoted_commas_and_newlines_are_one_row(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "quoted.csv",
        HEADERS,
        [
            {"Name": 'He said "hi", then\nleft', "Country": "Delaware, \u00c9tats-Unis"},
            {"Name": "Next", "Country": "France", "Year": "2020"},
        ],
    )
    table = read_source_file(path, HEADERS)
    assert table.frame.to_numpy().tolist() == [
        ['He said "hi", then\nleft', "Delaware, \u00c9tats-Unis", ""],
        ["Next", "France", "2020"],
    ]
    assert table.frame.index.tolist() == [2, 3]


def test_csv_blank_rows_are_counted_and_keep_later_row_numbers(tmp_path: Path) -> None:
    path = tmp_path / "blanks.csv"
    path.write_bytes(b"Name,Country,Year\nA,FR,2020\n\n,,\n  , \t ,\nB,DE,2021\n")
    table = read_source_file(path, HEADERS)
    assert (table.rows_in_file, table.blank_rows) == (5, 3)
    assert table.frame.index.tolist() == [2, 6]
    assert table.frame["Name"].tolist() == ["A", "B"]


@pytest.mark.parametrize("newline", [b"\n", b"\r\n"])
def test_csv_fast_and_reference_readers_agree(tmp_path: Path, newline: bytes) -> None:
    # The Arrow reader only accelerates the pandas C engine: it must give the same table.
    content = csv_bytes(
        HEADERS,
        [
            {"Name": " padded ", "Country": "a,\nb", "Year": "2019.0"},
            None,
            {"Name": '"q"', "Country": "\U0001f600", "Year": ""},
            {"Name": b"\xc9tats \xf0\x9f\x98\x80 \x81\x9d", "Country": "\u00c9tats-Unis"},
        ],
    )
    path = tmp_path / "clean.csv"
    path.write_bytes(content.replace(b"\n", newline) + newline)  # ends with a blank line
    header = files._csv_header(path)
    fast = files._read_csv_arrow(path, header)
    reference = files._read_csv_c_engine(path)
    pd.testing.assert_frame_equal(fast, reference)
    assert fast["Name"].tolist() == [" padded ", "", '"q"', "\u00c9tats \U0001f600 \x81\x9d", ""]


def test_csv_short_row_is_read_by_the_reference_path(tmp_path: Path) -> None:
    path = tmp_path / "short.csv"
    path.write_bytes(b"Name,Country,Year\nA,FR\nB,DE,2021\n")
    assert _values(path) == [["A", "FR", ""], ["B", "DE", "2021"]]


@pytest.mark.parametrize("delimiter", [b";", b"\t", b"|"])
def test_csv_wrong_delimiter_is_named(tmp_path: Path, delimiter: bytes) -> None:
    path = tmp_path / "semicolon.csv"
    path.write_bytes(csv_bytes(HEADERS, [{"Name": "A, B", "Year": "2020"}], delimiter=delimiter))
    with pytest.raises(SourceFileError) as error:
        read_source_file(path, HEADERS)
    assert str(error.value) == (
        f"file={path} problem=wrong delimiter: header is one column holding "
        f"{delimiter.decode()!r}, expected ','"
    )


def test_csv_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    with pytest.raises(SourceFileError, match=r"empty\.csv problem=empty file \(no header row\)"):
        read_source_file(path, HEADERS)


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


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        # pandas would silently turn a first row's extra fields into an index.
        (b"A,FR,2020,extra\n", "the first data row has more fields than the header"),
        (b"A,FR,2020\nB,DE,2021,extra\n", "Expected 3 fields in line 3, saw 4"),
    ],
)
def test_rows_with_extra_fields_are_a_file_error(
    tmp_path: Path, content: bytes, problem: str
) -> None:
    path = tmp_path / "ragged.csv"
    path.write_bytes(b"Name,Country,Year\n" + content)
    with pytest.raises(SourceFileError) as error:
        read_source_file(path, HEADERS)
    assert error.value.path == str(path)
    assert error.value.problem.startswith("malformed CSV: ")
    assert problem in error.value.problem


def test_headers_equal_once_normalised_are_duplicates(tmp_path: Path) -> None:
    path = tmp_path / "twice.csv"
    path.write_bytes(b"Name,Country,Year,year \nA,FR,2020,2021\n")
    with pytest.raises(SourceFileError, match=r"twice\.csv problem=duplicate column\(s\): Year"):
        read_source_file(path, HEADERS)


def test_unsupported_extension_and_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "data.txt"
    path.write_text("Name\n")
    with pytest.raises(SourceFileError, match=r"unsupported extension '\.txt'"):
        read_source_file(path, HEADERS)
    with pytest.raises(SourceFileError, match=r"absent\.csv problem=missing file"):
        read_source_file(tmp_path / "absent.csv", HEADERS)


# --- xlsx ------------------------------------------------------------------------------


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


# --- parquet ---------------------------------------------------------------------------


def test_parquet_typed_columns_become_text(tmp_path: Path) -> None:
    path = tmp_path / "typed.parquet"
    table = pa.table(
        {
            "Name": pa.array(["A", None, "C"]),
            "Country": pa.array(["FR", None, None], pa.large_string()),
            "Year": pa.array([2019, None, 2021], pa.int64()),
            "Score": pa.array([1.5, None, 2.0]),
        }
    )
    pq.write_table(table, path)
    result = read_source_file(path, HEADERS)
    assert (result.rows_in_file, result.blank_rows) == (3, 1)
    assert result.frame.index.tolist() == [2, 4]
    assert result.frame.to_numpy().tolist() == [["A", "FR", "2019", "1.5"], ["C", "", "2021", "2"]]


def test_parquet_blank_row_of_nulls(tmp_path: Path) -> None:
    path = write_parquet(
        tmp_path / "rows.parquet", HEADERS, [{"Name": "A"}, None, {"Name": "B", "Year": "1"}]
    )
    table = read_source_file(path, HEADERS)
    assert (table.rows_in_file, table.blank_rows, table.frame.index.tolist()) == (3, 1, [2, 4])


def test_parquet_corrupt_file(tmp_path: Path) -> None:
    path = tmp_path / "broken.parquet"
    path.write_bytes(b"definitely not parquet")
    with pytest.raises(SourceFileError, match=r"broken\.parquet problem=unreadable parquet"):
        read_source_file(path, HEADERS)
