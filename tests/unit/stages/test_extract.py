"""The clean Parquet file of the extract stage: sorted by key in row groups, byte-stable.

The copy-free paths of the readers are tested with their modules (test_rows, test_cells).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from etl.stages import extract as extract_stage
from etl.stages.extract import write_clean_parquet
from tests.unit.extract.series import chunked_frame


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
