"""Row selection on chunked text columns and the blank-row mask."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from etl.extract import rows
from etl.extract.arrow_text import TEXT
from etl.extract.rows import blank_mask, select_rows

from .series import chunked_frame


@pytest.mark.parametrize("max_runs", [0, 256])  # filtered by Arrow / kept as slices
@pytest.mark.parametrize("pattern", ["few", "none", "all", "alternate"])
def test_select_rows_matches_pandas_boolean_selection(
    monkeypatch: pytest.MonkeyPatch, max_runs: int, pattern: str
) -> None:
    monkeypatch.setattr(rows, "_MAX_SLICED_RUNS", max_runs)
    frame = chunked_frame(50, chunk=7)
    mask = {
        "few": ~np.isin(np.arange(50), [0, 6, 7, 20, 49]),
        "none": np.zeros(50, dtype=bool),
        "all": np.ones(50, dtype=bool),
        "alternate": np.arange(50) % 2 == 0,
    }[pattern]
    selected = select_rows(frame, mask)
    pd.testing.assert_frame_equal(selected, frame[mask])
    assert selected["text"].dtype == TEXT


def test_kept_runs_fall_back_to_a_copy_when_rows_alternate() -> None:
    assert rows._kept_runs(np.array([1, 1, 0, 1, 0, 0, 1], dtype=bool)) == [(0, 2), (3, 4), (6, 7)]
    assert rows._kept_runs(np.zeros(3, dtype=bool)) == []
    assert rows._kept_runs(np.arange(1000) % 2 == 0) is None


def test_blank_mask_needs_every_field_empty_or_whitespace() -> None:
    frame = pd.DataFrame(
        {"a": ["", " ", "x", "\t", ""], "b": ["", "\u00a0", "", "y", "  "]}, dtype=TEXT
    )
    assert blank_mask(frame).tolist() == [True, True, False, False, True]
