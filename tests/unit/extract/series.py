"""Builders and readers of small text Series and frames for the column-level tests."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from etl.extract.arrow_text import TEXT


def text(*values: str | None) -> pd.Series:
    return pd.Series(list(values), dtype=TEXT)


def listed(series: pd.Series) -> list[object]:
    """The values with every null as None, so lists compare without NA ambiguity."""
    return [None if pd.isna(v) else v for v in series.tolist()]


def chunked_frame(rows: int, chunk: int) -> pd.DataFrame:
    """A text column in Arrow chunks of `chunk` values and an Int64 column, row-numbered."""
    text = [f"value {i}" for i in range(rows)]
    chunks = pa.chunked_array(
        [pa.array(text[i : i + chunk], pa.large_string()) for i in range(0, rows, chunk)]
    )
    return pd.DataFrame(
        {
            "text": pd.Series(pd.arrays.ArrowStringArray(chunks)),
            "number": pd.array(range(rows), dtype="Int64"),
        },
        index=pd.Index(np.arange(2, rows + 2), name="row_number"),
    )
