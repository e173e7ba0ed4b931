"""The copy-free paths of the extract: nulling, long-text strip, clean file.

Row selection is tested with its module (test_rows).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from etl.extract import parse
from etl.extract.arrow_text import TEXT
from etl.stages import extract as extract_stage
from etl.stages.extract import write_clean_parquet

from .series import chunked_frame


def test_null_masked_keeps_the_bytes_and_honours_slice_offsets() -> None:
    base = pa.array(["a", "b", None, "dd", "", "ff"], pa.large_string())
    chunk = base.slice(1)  # offset 1: the validity bitmap must line up
    nulled = parse._null_masked(chunk, pa.array([False, False, True, True, False]))
    assert nulled.to_pylist() == ["b", None, None, None, "ff"]
    assert nulled.null_count == 3
    assert nulled.buffers()[2].address == chunk.buffers()[2].address  # text not copied
    nulled.validate(full=True)


def test_clean_text_strips_and_nulls_long_text_without_touching_other_values() -> None:
    long = "x" * 300
    values = pd.Series(
        [long, f"  {long}\n", "", "N/A", "\u00a0" + long, None], dtype=TEXT, index=range(2, 8)
    )
    clean = parse.clean_text(values)
    assert clean.tolist()[:3] == [long, long, pd.NA]
    assert clean.isna().tolist() == [False, False, True, True, False, True]
    assert clean.iloc[4] == long


def test_big_short_text_column_is_stripped_by_looking_first(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(parse, "_TRIM_ALL_MAX_BYTES", 0)
    values = pd.Series([" a ", "b", "", "n.d.", "c\t"], dtype=TEXT)
    assert parse.clean_text(values).tolist() == ["a", "b", pd.NA, pd.NA, "c"]


def test_clean_parquet_is_sorted_by_key_in_row_groups(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(extract_stage, "ROW_GROUP_ROWS", 4)
    frame = chunked_frame(10, chunk=3)
    frame["pmid"] = np.array([9, 3, 5, 1, 8, 2, 7, 4, 10, 6], dtype="int64")
    frame = frame.reset_index()
    first, second = tmp_path / "a.parquet", tmp_path / "b.parquet"
    write_clean_parquet(frame, first, "pmid")
    write_clean_parquet(frame, second, "pmid")
    assert first.read_bytes() == second.read_bytes()
    assert pq.ParquetFile(first).metadata.num_row_groups == 3
    back = pd.read_parquet(first)
    expected = frame.sort_values("pmid").reset_index(drop=True)
    pd.testing.assert_frame_equal(back, expected, check_dtype=False)
    assert list(back.dtypes.astype(str)) == list(expected.dtypes.astype(str))


def test_clean_parquet_without_key_keeps_row_order_and_handles_no_rows(tmp_path: Path) -> None:
    frame = chunked_frame(5, chunk=2).reset_index()
    path = tmp_path / "c.parquet"
    write_clean_parquet(frame, path)
    pd.testing.assert_frame_equal(pd.read_parquet(path), frame, check_dtype=False)
    write_clean_parquet(frame.iloc[:0], path, "number")
    assert pd.read_parquet(path).columns.tolist() == frame.columns.tolist()
