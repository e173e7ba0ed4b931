"""Read a source file (csv, xlsx, parquet) into an all-text table, checked for shape.

Every cell comes back as text (pyarrow-backed pandas strings, never null: an empty cell is
""), so the column rules see one representation whatever the format. Rows keep their
spreadsheet number (header = row 1; Parquet, which has no header row, is numbered as if it
had one) and fully blank rows are counted, then set aside.

Characters PostgreSQL text cannot hold (NUL) are removed from every cell here, before
any rule reads it, so that a rejected row's message and raw JSON are storable too; the
cells changed are counted per column (`RawTable.cleaned`). What each format can carry:
CSV holds NUL as a byte (the Arrow engine keeps it; the pandas C engine, the fallback for
malformed files, ends the field at it); xlsx holds it as Excel's `_x0000_` escape (a raw
NUL or `&#0;` in the XML makes calamine refuse the file); lone surrogates reach no table:
invalid UTF-8 bytes in a CSV (a surrogate encoded as ED A0 80) are repaired as cp1252,
and calamine refuses an xlsx holding a surrogate character reference (unreadable file).

Measured (best of 3, 2 cores), `cells.remove_unstorable` on a 1,048,576-row column:
    100-byte titles, no NUL ........... 0.015 s   (one byte scan per chunk)
    1,000-byte abstracts, no NUL ...... 0.23 s
    abstracts, NUL in 10 of 16 chunks . 3.3 s     (cell search + rewrite of those chunks)
against 5.3 s for a `match_substring` over the whole abstracts column (the first try).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd

from etl.errors import SourceFileError
from etl.extract.cells import remove_unstorable
from etl.extract.csv_files import CsvText, read_csv_text
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
    truncated_row: int | None = None  # a CSV's last record, cut short by the end of the file
    truncated_problem: str | None = None
    cleaned: dict[str, int] = field(default_factory=dict)  # header -> cells NUL removed from


def read_source_file(path: Path, headers: Sequence[str], optional: Sequence[str] = ()) -> RawTable:
    """Read `path` by extension, check it has every header in `headers`, set blanks aside.

    `optional` headers are known columns that may be absent (spelling normalised if present).
    """
    path = Path(path)
    if not path.is_file():
        raise SourceFileError(path, "missing file")
    text = read_text(path)
    frame = match_headers(path, text.frame, headers, optional)
    frame, cleaned = _remove_unstorable(frame)
    table = replace(_split_blank_rows(path, frame), cleaned=cleaned)
    last = FIRST_DATA_ROW + table.rows_in_file - 1
    # A cut that left only spaces after the last line break left a blank row: nothing lost.
    if text.cut is not None and last in table.frame.index:
        table = replace(table, truncated_row=last, truncated_problem=text.cut)
    return table


def _remove_unstorable(frame: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, int]]:
    cleaned: dict[str, int] = {}
    columns = {}
    # A loop over columns; each is cleaned by Arrow kernels.
    for name in frame.columns:
        columns[name], changed = remove_unstorable(frame[name])
        if changed.any():
            cleaned[name] = int(changed.sum())
    if not cleaned:
        return frame, cleaned
    return pd.DataFrame(columns, index=frame.index, columns=frame.columns), cleaned


def read_text_frame(path: Path) -> pd.DataFrame:
    """The whole file as an all-text DataFrame (header names as written, RangeIndex)."""
    return read_text(path).frame


def read_text(path: Path) -> CsvText:
    """The whole file as text, with a CSV's cut-short last record noted (never for xlsx or
    Parquet: a cut zip or Parquet file is unreadable as a whole)."""
    extension = path.suffix.lstrip(".").lower()
    readers = {"xlsx": read_xlsx, "parquet": read_parquet}
    if extension == "csv":
        return read_csv_text(path)
    if extension not in readers:
        supported = ", ".join(SUPPORTED_EXTENSIONS)
        raise SourceFileError(path, f"unsupported extension {path.suffix!r} (use {supported})")
    return CsvText(readers[extension](path))


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
