"""Read a source file (csv, xlsx, parquet) into an all-text table, checked for shape.

Every cell comes back as text (pyarrow-backed pandas strings, never null: an empty cell is
""), so the column rules see one representation whatever the format. Rows keep their
spreadsheet number (header = row 1; Parquet, which has no header row, is numbered as if it
had one) and fully blank rows are counted, then set aside.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from etl.errors import SourceFileError
from etl.extract.csv_files import read_csv
from etl.extract.headers import match_headers
from etl.extract.parquet_files import read_parquet
from etl.extract.paths import SUPPORTED_EXTENSIONS
from etl.extract.rows import blank_mask, select_rows
from etl.extract.xlsx_files import read_xlsx

FIRST_DATA_ROW = 2  # the header is spreadsheet row 1


@dataclass(frozen=True)
class RawTable:
    """A source file as text: `frame` holds the non-blank rows, indexed by row number."""

    path: Path
    frame: pd.DataFrame  # every column TEXT, no nulls; index `row_number` (int64)
    rows_in_file: int  # data rows, header excluded, blank rows included
    blank_rows: int


def read_source_file(path: Path, headers: Sequence[str], optional: Sequence[str] = ()) -> RawTable:
    """Read `path` by extension, check it has every header in `headers`, set blanks aside.

    `optional` headers are known columns that may be absent (spelling normalised if present).
    """
    path = Path(path)
    if not path.is_file():
        raise SourceFileError(path, "missing file")
    frame = read_text_frame(path)
    frame = match_headers(path, frame, headers, optional)
    return _split_blank_rows(path, frame)


def read_text_frame(path: Path) -> pd.DataFrame:
    """The whole file as an all-text DataFrame (header names as written, RangeIndex)."""
    extension = path.suffix.lstrip(".").lower()
    readers = {"csv": read_csv, "xlsx": read_xlsx, "parquet": read_parquet}
    if extension not in readers:
        supported = ", ".join(SUPPORTED_EXTENSIONS)
        raise SourceFileError(path, f"unsupported extension {path.suffix!r} (use {supported})")
    return readers[extension](path)


def _split_blank_rows(path: Path, frame: pd.DataFrame) -> RawTable:
    rows_in_file = len(frame)
    if rows_in_file == 0:
        raise SourceFileError(path, "no data rows (header only)")
    blank = blank_mask(frame)
    blank_rows = int(blank.sum())
    if blank_rows == rows_in_file:
        raise SourceFileError(path, f"no data rows ({blank_rows} blank rows only)")
    row_number = pd.Index(
        np.arange(FIRST_DATA_ROW, FIRST_DATA_ROW + rows_in_file, dtype=np.int64), name="row_number"
    )
    frame = frame.set_axis(row_number, axis=0)
    kept = select_rows(frame, ~blank) if blank_rows else frame
    return RawTable(path=path, frame=kept, rows_in_file=rows_in_file, blank_rows=blank_rows)
