"""Text columns between pandas and Arrow: no copy, nulls kept, masks as numpy bools."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from etl.extract.arrow_text import TEXT, arrow_text, arrow_to_text_frame, as_bool, text_series


def test_arrow_text_of_a_text_series_shares_its_buffers() -> None:
    chunks = pa.chunked_array([pa.array(v, pa.large_string()) for v in (["a", None], ["c"])])
    array = arrow_text(text_series(chunks, pd.RangeIndex(3)))
    assert array.to_pylist() == ["a", None, "c"]
    assert [c.buffers()[2].address for c in array.chunks] == [
        c.buffers()[2].address for c in chunks.chunks
    ]


def test_arrow_text_converts_object_series() -> None:
    assert arrow_text(pd.Series(["x", np.nan], dtype=object)).to_pylist() == ["x", None]


def test_text_series_keeps_the_index_and_the_text_dtype() -> None:
    series = text_series(pa.array(["a", None]), pd.Index([5, 6]))
    assert series.dtype == TEXT
    assert series.index.tolist() == [5, 6]
    assert series.isna().tolist() == [False, True]


def test_as_bool_counts_null_as_false_for_every_mask_kind() -> None:
    expected = [True, False, False]
    assert as_bool(pa.chunked_array([[True, None, False]])).tolist() == expected
    assert as_bool(pa.array([True, None, False])).tolist() == expected
    assert as_bool(pd.Series([True, pd.NA, False], dtype="boolean")).tolist() == expected
    assert as_bool(np.array([1, 0, 0])).tolist() == expected


def test_arrow_to_text_frame_maps_both_string_types_to_text() -> None:
    table = pa.table({"a": pa.array(["x"]), "b": pa.array(["y"], pa.large_string())})
    frame = arrow_to_text_frame(table)
    assert frame.dtypes.tolist() == [TEXT, TEXT]
    assert frame.to_numpy().tolist() == [["x", "y"]]
