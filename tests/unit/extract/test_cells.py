"""A raw cell's value: stripping, placeholders, and the copy-free long-text paths."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from etl.extract import cells
from etl.extract.arrow_text import TEXT
from etl.extract.cells import clean_text

from .series import listed, text


def test_clean_text_strips_and_nulls_placeholders_in_any_case() -> None:
    values = text(
        " a b ", "N/A", "n.d.", " NULL ", "", "   ", "-", "None", "nan", "?", "\u00a0x\u3000", None
    )
    assert listed(clean_text(values)) == ["a b", *[None] * 9, "x", None]


def test_clean_text_keeps_values_that_only_look_like_placeholders() -> None:
    long_text = "n/a " + "x" * 2000
    values = text("-5", "n/a x", "NaNo", long_text, "\U0001f600 ok ", "\u2003Sant\u00e9\u205f")
    assert listed(clean_text(values)) == [
        "-5",
        "n/a x",
        "NaNo",
        long_text,
        "\U0001f600 ok",
        "Sant\u00e9",
    ]


def test_clean_text_keeps_inner_whitespace_as_written() -> None:
    # Only the ends are stripped: an abstract keeps its line breaks and its spacing.
    values = text(" a  b ", "line one\n\nline two", "tab\there")
    assert listed(clean_text(values)) == ["a  b", "line one\n\nline two", "tab\there"]


@pytest.mark.parametrize("size", [10, 1000])  # short and long texts take different paths
def test_clean_text_strips_unicode_whitespace_at_both_ends(size: int) -> None:
    body = "\u00c9tude " + "x" * size + " sant\u00e9"
    edges = [" ", "\t", "\u00a0", "\u2003", "\u3000", "\u205f", "\n\r", "\x85"]
    values = text(body, *(edge + body for edge in edges), *(body + edge for edge in edges))
    assert listed(clean_text(values)) == [body] * (1 + 2 * len(edges))


def test_clean_text_accepts_object_series_and_keeps_index() -> None:
    values = pd.Series([" x ", np.nan, None, pd.NA], index=[7, 9, 11, 13], dtype=object)
    result = clean_text(values)
    assert result.dtype == TEXT
    assert result.index.tolist() == [7, 9, 11, 13]
    assert listed(result) == ["x", None, None, None]


def test_null_masked_keeps_the_bytes_and_honours_slice_offsets() -> None:
    base = pa.array(["a", "b", None, "dd", "", "ff"], pa.large_string())
    chunk = base.slice(1)  # offset 1: the validity bitmap must line up
    nulled = cells._null_masked(chunk, pa.array([False, False, True, True, False]))
    assert nulled.to_pylist() == ["b", None, None, None, "ff"]
    assert nulled.null_count == 3
    assert nulled.buffers()[2].address == chunk.buffers()[2].address  # text not copied
    nulled.validate(full=True)


def test_clean_text_strips_and_nulls_long_text_without_touching_other_values() -> None:
    long = "x" * 300
    values = pd.Series(
        [long, f"  {long}\n", "", "N/A", "\u00a0" + long, None], dtype=TEXT, index=range(2, 8)
    )
    clean = clean_text(values)
    assert clean.tolist()[:3] == [long, long, pd.NA]
    assert clean.isna().tolist() == [False, False, True, True, False, True]
    assert clean.iloc[4] == long


def test_big_short_text_column_is_stripped_by_looking_first(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(cells, "_TRIM_ALL_MAX_BYTES", 0)
    values = pd.Series([" a ", "b", "", "n.d.", "c\t"], dtype=TEXT)
    assert clean_text(values).tolist() == ["a", "b", pd.NA, pd.NA, "c"]


def test_remove_unstorable_drops_nul_and_says_which_cells_changed() -> None:
    values = text("Acme\x00 Bio", "plain", "\x00", None, "a\x00b\x00c")
    cleaned, changed = cells.remove_unstorable(values)
    assert listed(cleaned) == ["Acme Bio", "plain", "", None, "abc"]
    assert changed.tolist() == [True, False, True, False, True]


def test_remove_unstorable_rewrites_only_the_chunks_holding_a_nul() -> None:
    clean_chunk = pa.array(["a", "b"], pa.large_string())
    array = pa.chunked_array([clean_chunk, pa.array(["c\x00"], pa.large_string())])
    values = pd.Series(pd.arrays.ArrowStringArray(array), dtype=TEXT)
    cleaned, changed = cells.remove_unstorable(values)
    assert listed(cleaned) == ["a", "b", "c"]
    assert changed.tolist() == [False, False, True]
    kept = pa.array(cleaned.array).chunk(0)
    assert kept.buffers()[2].address == clean_chunk.buffers()[2].address  # not copied
