"""Writing a sample table as CSV (bytes, mixed encodings), xlsx or Parquet, byte-stable."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from openpyxl import Workbook

from etl.sample.table import Columns

CSV_CHUNK_ROWS = 100_000  # bounds the memory of the joined lines
_EMPTY = pa.scalar("", type=pa.large_string())
# Fixed timestamps, so that the same sample gives the same bytes on every run.
_ZIP_TIME = (2025, 1, 1, 0, 0, 0)
_CORE_TIME = b"2025-01-01T00:00:00Z"
_CORE_DATES = re.compile(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(<)")


def write_table(columns: Columns, path: Path, cp1252_positions: Sequence[int] = ()) -> None:
    suffix = path.suffix.lower()
    if suffix == ".csv":
        write_csv(columns, path, cp1252_positions)
    elif suffix == ".xlsx":
        write_xlsx(columns, path)
    elif suffix == ".parquet":
        write_parquet(columns, path)
    else:
        raise ValueError(f"no writer for {path.name}: use .csv, .xlsx or .parquet")


# ---- CSV ----------------------------------------------------------------------------


def write_csv(columns: Columns, path: Path, cp1252_positions: Sequence[int] = ()) -> None:
    """UTF-8 with minimal quoting, except the rows at `cp1252_positions`, written as cp1252
    like rows pasted in from an old Windows export.

    pandas' `to_csv` needs about 25 s for a million articles; here each column is turned
    into codes plus its distinct values (few, since text comes from pools), only the
    distinct values are quoted, and Arrow joins the fields of each line in C++.
    """
    encoded = [_CsvColumn.of(values) for values in columns.values()]
    encoded[-1] = encoded[-1].ending_lines()
    rows = _row_count(columns)
    cp1252 = sorted(cp1252_positions)
    for position in cp1252:
        _check_cp1252_row([values[position] for values in columns.values()], position)
    with path.open("wb") as out:
        out.write(_header_line(list(columns)))
        for start in range(0, rows, CSV_CHUNK_ROWS):
            stop = min(start + CSV_CHUNK_ROWS, rows)
            fields = [column.texts(start, stop) for column in encoded]
            lines = pc.binary_join_element_wise(*fields, pa.scalar(",", type=pa.large_string()))
            local = [p - start for p in cp1252 if start <= p < stop]
            _write_lines(out, lines, local)


@dataclass(frozen=True)
class _CsvColumn:
    codes: np.ndarray  # index into `quoted`; missing values point at its last entry ""
    quoted: pa.Array  # distinct values as CSV fields, quoted where needed

    @classmethod
    def of(cls, values: np.ndarray) -> _CsvColumn:
        codes, distinct = _factorize_as_text(values)
        quoted = pa.concat_arrays([_quote(distinct), pa.array([""], type=pa.large_string())])
        return cls(np.where(codes < 0, len(distinct), codes), quoted)

    def ending_lines(self) -> _CsvColumn:
        """The last field of a line carries the line break, saving a join."""
        newline = pa.scalar("\n", type=pa.large_string())
        return _CsvColumn(self.codes, pc.binary_join_element_wise(self.quoted, newline, _EMPTY))

    def texts(self, start: int, stop: int) -> pa.Array:
        return self.quoted.take(pa.array(self.codes[start:stop]))


def _factorize_as_text(values: np.ndarray) -> tuple[np.ndarray, pa.Array]:
    """Codes (-1 when missing) and distinct values as Python prints them (2019, 55.6).

    Grouping before printing is what makes this fast, and it is exact because a column
    never mixes 1 and 1.0 (MessyTable coerces), which factorize would take as equal.
    """
    codes, distinct = pd.factorize(values, use_na_sentinel=True)
    texts = pd.Series(distinct, dtype=object).astype(str).to_numpy(dtype=object)
    return codes, pa.array(texts, type=pa.large_string())


def _row_count(columns: Columns) -> int:
    return len(next(iter(columns.values())))


def _quote(texts: pa.Array) -> pa.Array:
    needs_quotes = pc.match_substring_regex(texts, r'[",\r\n]')
    mark = pa.scalar('"', type=pa.large_string())
    quoted = pc.binary_join_element_wise(mark, pc.replace_substring(texts, '"', '""'), mark, _EMPTY)
    return pc.if_else(needs_quotes, quoted, texts)


def _header_line(headers: list[str]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow(headers)
    return buffer.getvalue().encode("utf-8")


def _write_lines(out: BinaryIO, lines: pa.Array, cp1252_rows: list[int]) -> None:
    """Write Arrow's UTF-8 buffer as is, re-encoding only the cp1252 lines."""
    offsets = np.frombuffer(lines.buffers()[1], dtype=np.int64)
    offsets = offsets[lines.offset : lines.offset + len(lines) + 1]
    data = memoryview(lines.buffers()[2])
    start = 0
    for row in cp1252_rows:
        out.write(data[offsets[start] : offsets[row]])
        out.write(lines[row].as_py().encode("cp1252"))
        start = row + 1
    out.write(data[offsets[start] : offsets[-1]])


def _check_cp1252_row(values: list, position: int) -> None:
    """Every accented field must stay recognisable: invalid as UTF-8 once in cp1252."""
    for value in values:
        if not isinstance(value, str) or value.isascii():
            continue
        encoded = value.encode("cp1252")  # raises on an emoji: such a row cannot be cp1252
        try:
            encoded.decode("utf-8")
        except UnicodeDecodeError:
            continue
        raise ValueError(f"row {position}: {value!r} in cp1252 is also valid UTF-8")


# ---- xlsx ---------------------------------------------------------------------------


def write_xlsx(columns: Columns, path: Path) -> None:
    """openpyxl's write-only mode streams rows: numbers stay numbers, text stays text."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Sheet1")
    sheet.append(list(columns))
    for row in zip(*(_cells(values) for values in columns.values()), strict=True):
        sheet.append(row)
    workbook.save(path)
    _normalise_zip(path)


def _cells(values: np.ndarray) -> list:
    """Python values, None for a missing one (openpyxl cannot write NaN)."""
    cells = values.astype(object)
    cells[pd.isna(values)] = None
    return cells.tolist()


def _normalise_zip(path: Path) -> None:
    """Drop the save-time timestamps openpyxl puts in the zip entries and core.xml."""
    with zipfile.ZipFile(path) as source:
        entries = [(info.filename, source.read(info)) for info in source.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as target:
        for name, data in entries:
            info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(info, _without_save_time(name, data), compresslevel=6)


def _without_save_time(name: str, data: bytes) -> bytes:
    if name != "docProps/core.xml":
        return data
    return _CORE_DATES.sub(rb"\g<1>" + _CORE_TIME + rb"\g<2>", data)


# ---- Parquet ------------------------------------------------------------------------


def write_parquet(columns: Columns, path: Path) -> None:
    """One type per column: numbers where every value is a number, text otherwise, as a
    pandas export of a messy sheet stores a column holding `N/A` or `2019.0`.

    Pooled text goes in dictionary-encoded, and without the Arrow schema so that
    readers get plain strings back.
    """
    table = pa.table({header: _arrow_column(values) for header, values in columns.items()})
    pq.write_table(table, path, compression="snappy", store_schema=False)


def _arrow_column(values: np.ndarray) -> pa.Array:
    if values.dtype != object:
        return pa.array(values, from_pandas=True)
    inferred = pd.api.types.infer_dtype(values, skipna=True)
    if inferred == "integer":
        return pa.array(values, type=pa.int64(), from_pandas=True)
    if inferred in ("floating", "mixed-integer-float"):
        return pa.array(values, type=pa.float64(), from_pandas=True)
    codes, distinct = _factorize_as_text(values)
    indices = pa.array(codes.astype(np.int32), mask=codes < 0)
    if len(distinct) > len(values) // 2:  # mostly unique (links): a dictionary only costs
        return distinct.cast(pa.string()).take(indices)
    return pa.DictionaryArray.from_arrays(indices, distinct.cast(pa.string()))
