"""Label whitespace in the transform, pinned against the readers' cell cleaning."""

from __future__ import annotations

import numpy as np
import pandas as pd

from etl.extract.cells import clean_text
from etl.transform.vector import TEXT, clean_labels, collapse_whitespace


def _listed(series: pd.Series) -> list[object]:
    return [None if pd.isna(v) else v for v in series.tolist()]


def test_collapse_whitespace_makes_every_run_one_space_including_wide_spaces() -> None:
    values = pd.Series([" a  b ", "line\n\nbreak", "\u00a0x\u3000\u2003y\u205f", "tab\t\tz"])
    assert _listed(collapse_whitespace(values)) == ["a b", "line break", "x y", "tab z"]


def test_collapse_whitespace_nulls_empty_and_missing_but_keeps_placeholders() -> None:
    values = pd.Series(["", "   ", "\u00a0", None, np.nan, pd.NA, "N/A", "-", "none"])
    assert _listed(collapse_whitespace(values)) == [*[None] * 6, "N/A", "-", "none"]


def test_collapse_whitespace_keeps_index_and_returns_string_dtype() -> None:
    result = collapse_whitespace(pd.Series([" x ", 5], index=[3, 8], dtype=object))
    assert str(result.dtype) == "string"
    assert result.index.tolist() == [3, 8]
    assert _listed(result) == ["x", "5"]


def test_collapse_whitespace_and_clean_text_differ_only_in_their_two_jobs() -> None:
    # Same ends, same nulls; inner runs and placeholders are what sets the jobs apart.
    same = ["\u00a0x\u3000", "\x1cy\x1f", "\x85z\u2028", "", "  ", None, "\u200bw"]
    assert _listed(collapse_whitespace(pd.Series(same))) == _listed(clean_text(pd.Series(same)))
    assert _listed(collapse_whitespace(pd.Series(["a  b", "N/A"]))) == ["a b", "N/A"]
    assert _listed(clean_text(pd.Series(["a  b", "N/A"]))) == ["a  b", None]


def test_clean_labels_collapses_once_per_distinct_value_into_text() -> None:
    values = pd.Series(["Delaware ,  USA", None, "Delaware ,  USA", " "], index=[4, 5, 6, 7])
    result = clean_labels(values)
    assert result.dtype == TEXT
    assert result.index.tolist() == [4, 5, 6, 7]
    assert _listed(result) == ["Delaware , USA", None, "Delaware , USA", None]
