"""Rows of an all-text frame: which are blank, and a selection that spares Arrow chunks."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from etl.extract.arrow_text import TEXT

_MAX_SLICED_RUNS = 256


def select_rows(frame: pd.DataFrame, mask: np.ndarray) -> pd.DataFrame:
    """`frame[mask]` for a positional bool mask, text columns filtered by Arrow chunk by chunk.

    pandas selects from an Arrow column with `take`, which first joins its chunks into
    one array: for 1 GB of abstracts, seconds and a transient copy; `filter` copies only
    the kept values of each chunk.
    """
    mask = np.asarray(mask, dtype=bool)
    keep = pa.array(mask)
    runs = _kept_runs(mask)
    index = frame.index[mask]
    columns = {}
    # A loop over the columns, not over rows.
    for position, name in enumerate(frame.columns):
        column = frame.iloc[:, position]
        if column.dtype == TEXT:
            chunks = pa.array(column.array)
            if isinstance(chunks, pa.Array):
                chunks = pa.chunked_array([chunks])
            if runs is not None:  # a few rows dropped: the kept runs as slices, no copy
                pieces = [chunks.slice(start, stop - start).chunks for start, stop in runs]
                kept = pa.chunked_array([c for piece in pieces for c in piece], chunks.type)
            else:
                kept = pc.filter(chunks, keep)
            columns[name] = pd.Series(pd.arrays.ArrowStringArray(kept), index=index)
        else:
            columns[name] = column[mask]
    return pd.DataFrame(columns, index=index, columns=frame.columns)


def _kept_runs(mask: np.ndarray) -> list[tuple[int, int]] | None:
    """(start, stop) of each run of kept rows, or None when there are too many runs for
    slices to beat a copy (each slice becomes one Arrow chunk)."""
    edges = np.flatnonzero(np.diff(np.concatenate(([False], mask, [False])).astype(np.int8)))
    if edges.size // 2 > _MAX_SLICED_RUNS:
        return None
    return [(int(start), int(stop)) for start, stop in edges.reshape(-1, 2)]


def blank_mask(frame: pd.DataFrame) -> np.ndarray:
    """Rows whose every field is empty or whitespace.

    Column by column, only over rows still blank so far: after the first column the
    candidates are nearly always a handful, so long text columns are never scanned whole.
    """
    candidates = np.ones(len(frame), dtype=bool)
    for name in frame.columns:
        positions = np.flatnonzero(candidates)
        if positions.size == 0:
            break
        values = pa.array(frame[name].array)  # the column's Arrow strings, no copy
        if positions.size < len(frame):
            # Filtered by Arrow: pandas' positional take would first join the chunks.
            values = pc.filter(values, pa.array(candidates))
        blank = pc.equal(pc.utf8_trim_whitespace(values), "")
        candidates[positions] = pc.fill_null(blank, False).to_numpy(zero_copy_only=False)
    return candidates
