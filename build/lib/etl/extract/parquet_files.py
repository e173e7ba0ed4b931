"""A Parquet file as an all-text frame: typed columns cast to text, nulls as "".

Parquet has no header row; its rows are numbered as if it had one (first row = 2), so a
row number means the same thing whatever the format.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from etl.errors import SourceFileError
from etl.extract.arrow_text import arrow_to_text_frame


def read_parquet(path: Path) -> pd.DataFrame:
    """The whole file as an all-text DataFrame (column names as written, RangeIndex)."""
    try:
        table = pq.read_table(path)
    except (pa.ArrowException, OSError) as exc:
        raise SourceFileError(path, f"unreadable parquet: {exc}") from exc
    if table.num_columns == 0:
        raise SourceFileError(path, "empty file (no columns)")
    columns = []
    for name, column in zip(table.column_names, table.columns, strict=True):
        try:
            text = column if pa.types.is_string(column.type) else pc.cast(column, pa.string())
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
            problem = f"column {name!r} of type {column.type} cannot be read as text"
            raise SourceFileError(path, problem) from exc
        columns.append(pc.fill_null(text, "") if text.null_count else text)
    return arrow_to_text_frame(pa.table(columns, names=[str(n) for n in table.column_names]))
