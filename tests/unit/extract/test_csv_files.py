"""Reading CSV: encodings, quoting, blank lines, the two engines and malformed files."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest

from etl.errors import SourceFileError
from etl.extract import csv_files
from etl.extract.raw_files import read_source_file

from .rows import csv_bytes, write_csv

HEADERS = ["Name", "Country", "Year"]


def _values(path: Path, headers: list[str] = HEADERS) -> list[list[str]]:
    return read_source_file(path, headers).frame.to_numpy().tolist()


def _must_not_run(path: Path) -> None:
    raise AssertionError(f"the pandas C engine read {path}")


def test_csv_decodes_cp1252_fields_and_keeps_utf8_and_emoji(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A mixed-encoding file is the normal case: it must not need the slow reference reader.
    monkeypatch.setattr(csv_files, "_read_csv_c_engine", _must_not_run)
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
    decoded = csv_files._decode(column)
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
    header = csv_files._csv_header(path)
    fast = csv_files._read_csv_arrow(path, header)
    reference = csv_files._read_csv_c_engine(path, path)
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


def _arrow_refuses(*args: object) -> None:
    raise pa.ArrowInvalid("forced: the reference reader must decide")


@pytest.mark.parametrize("engine", ["arrow", "pandas-c"])
@pytest.mark.parametrize(
    "case",
    [
        # The cut fell inside the last field: every field is there, the value is not.
        (b"B,DE,20", ["B", "DE", "20"], "inside the last record"),
        (b"B,DE", ["B", "DE", ""], "inside the last record"),
        # Inside a quoted field holding a line break: an open quote up to the end.
        (b'B,"Rhein\nland', ["B", "Rhein\nland", ""], "inside a quoted field"),
    ],
    ids=["last_field", "missing_fields", "open_quote"],
)
def test_a_record_cut_by_the_end_of_the_file_is_marked_for_both_engines(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    engine: str,
    case: tuple[bytes, list[str], str],
) -> None:
    tail, last, problem = case
    if engine == "pandas-c":
        monkeypatch.setattr(csv_files, "_read_csv_arrow", _arrow_refuses)
    path = tmp_path / "cut.csv"
    path.write_bytes(b'Name,Country,Year\nA,"FR, ""x""",2020\n' + tail)
    table = read_source_file(path, HEADERS)
    assert table.rows_in_file == 2
    assert table.frame.to_numpy().tolist() == [["A", 'FR, "x"', "2020"], last]
    assert table.truncated_row == 3
    assert table.truncated_problem is not None and problem in table.truncated_problem


@pytest.mark.parametrize("content", [b"A,FR,2020\n", b"A,FR,2020\r\n", b"A,FR,2020\n  "])
def test_a_file_ending_cleanly_or_in_spaces_has_no_cut_record(
    tmp_path: Path, content: bytes
) -> None:
    path = tmp_path / "whole.csv"
    path.write_bytes(b"Name,Country,Year\n" + content)
    table = read_source_file(path, HEADERS)
    assert table.truncated_row is None
    assert table.frame.to_numpy().tolist() == [["A", "FR", "2020"]]
