"""Reading Parquet: typed columns as text, nulls as blanks, corrupt files named."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from etl.errors import SourceFileError
from etl.extract.raw_files import read_source_file

from .rows import write_parquet

HEADERS = ["Name", "Country", "Year"]


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


def test_parquet_column_that_cannot_be_text_is_named(tmp_path: Path) -> None:
    path = tmp_path / "nested.parquet"
    pq.write_table(pa.table({"Name": [["a"]], "Country": ["FR"], "Year": ["1"]}), path)
    with pytest.raises(SourceFileError, match=r"column 'Name' of type list<.*> cannot be read"):
        read_source_file(path, HEADERS)
