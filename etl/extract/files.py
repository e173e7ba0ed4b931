"""Read a source file (csv, xlsx, parquet) into an all-text table, checked for shape.

Every cell comes back as text (pyarrow-backed pandas strings, never null: an empty cell is
""), so the column rules in `parse` see one representation whatever the format. Rows keep
their spreadsheet number (header = row 1) and fully blank rows are counted, then set aside.

CSV: the pyarrow CSV reader builds Arrow strings without one Python object per cell (a
1.3 GB, 1,000,000-row file: a few seconds, against 10-17 s for the pandas C engine with
dtype=str on this 2-core machine). It reads fields as bytes; a chunk of rows that is not
all valid UTF-8 is decoded field by field with `surrogateescape` and its invalid bytes
given their cp1252 meaning, so one `États-Unis` in cp1252 costs one chunk, not the file.
Arrow refuses rows whose field count differs from the header's (a whitespace-only line
counts as such); such a file is read again by the pandas C engine (dtype=str,
surrogateescape, same repair), the reference reader, which pads short rows and names
what is wrong. Both give the same table for a file both accept (tested).

Parquet has no header row; its rows are numbered as if it had one (first row = 2), so a
row number means the same thing whatever the format.

xlsx: pandas.read_excel(engine="calamine") keeps blank rows in the middle of a sheet
(checked with pandas 2.3.3 / python-calamine 0.9.1: a blank sheet row comes back as a row
of ""), so frame position + 2 is the real sheet row number. Measured on a 100,000-row,
16-column xlsx (7.5 MB, pubmed-like, 300-character abstracts), best of 3 on 2 cores:
    pandas.read_excel(engine="calamine", dtype=str) ............ 2.07 s
    python_calamine to_python(skip_empty_area=False) only ...... 1.40 s (no DataFrame yet)
    pandas.read_excel(engine="openpyxl", dtype=str) ............ 21.6 s (1 run)
    openpyxl load_workbook(read_only=True).iter_rows ........... 20.7 s (1 run)
Commands (file written by openpyxl write_only from a 100,000-row pubmed-like frame):
    .venv/bin/python -m timeit -n 1 -r 3 -s "import pandas as pd" \
        "pd.read_excel('pubmed_100k.xlsx', engine='calamine', dtype=str)"
    .venv/bin/python -m timeit -n 1 -r 3 -s "from python_calamine import CalamineWorkbook" \
        "CalamineWorkbook.from_path('pubmed_100k.xlsx').get_sheet_by_index(0)
        .to_python(skip_empty_area=False)"
    .venv/bin/python -m timeit -n 1 -r 1 -s "import pandas as pd" \
        "pd.read_excel('pubmed_100k.xlsx', engine='openpyxl', dtype=str)"
"""

from __future__ import annotations

import logging
import unicodedata
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq
from python_calamine import CalamineError

from etl.errors import SourceFileError

logger = logging.getLogger(__name__)

SUPPORTED_EXTENSIONS = ("xlsx", "csv", "parquet")
TEXT = pd.StringDtype("pyarrow")
FIRST_DATA_ROW = 2  # the header is spreadsheet row 1
_WRONG_DELIMITERS = (";", "\t", "|")

# surrogateescape turns each undecodable byte 0xXX into the lone surrogate U+DCXX; this
# table gives that byte its cp1252 meaning (latin-1 for the 5 bytes cp1252 leaves undefined).
_SURROGATES = "[\udc80-\udcff]"
_CP1252_OF_SURROGATE = {
    0xDC00 + byte: bytes([byte]).decode("cp1252", errors="ignore") or chr(byte)
    for byte in range(0x80, 0x100)
}


@dataclass(frozen=True)
class RawTable:
    """A source file as text: `frame` holds the non-blank rows, indexed by row number."""

    path: Path
    frame: pd.DataFrame  # every column TEXT, no nulls; index `row_number` (int64)
    rows_in_file: int  # data rows, header excluded, blank rows included
    blank_rows: int


def resolve_source_path(raw_dir: Path, file_name: str) -> Path:
    """The configured file, or the same stem under another supported extension."""
    wanted = Path(raw_dir) / file_name
    if wanted.is_file():
        return wanted
    for extension in SUPPORTED_EXTENSIONS:
        candidate = wanted.with_suffix(f".{extension}")
        if candidate != wanted and candidate.is_file():
            logger.warning("file=%s problem=missing, using=%s", wanted, candidate)
            return candidate
    tried = ", ".join(f"{wanted.stem}.{ext}" for ext in SUPPORTED_EXTENSIONS)
    raise SourceFileError(wanted, f"missing file (looked for {tried} in {wanted.parent})")


def read_source_file(path: Path, headers: Sequence[str], optional: Sequence[str] = ()) -> RawTable:
    """Read `path` by extension, check it has every header in `headers`, set blanks aside.

    `optional` headers are known columns that may be absent (spelling normalised if present).
    """
    path = Path(path)
    if not path.is_file():
        raise SourceFileError(path, "missing file")
    frame = read_text_frame(path)
    frame = _match_headers(path, frame, headers, optional)
    return _split_blank_rows(path, frame)


def read_text_frame(path: Path) -> pd.DataFrame:
    """The whole file as an all-text DataFrame (header names as written, RangeIndex)."""
    extension = path.suffix.lstrip(".").lower()
    readers = {"csv": _read_csv, "xlsx": _read_xlsx, "parquet": _read_parquet}
    if extension not in readers:
        supported = ", ".join(SUPPORTED_EXTENSIONS)
        raise SourceFileError(path, f"unsupported extension {path.suffix!r} (use {supported})")
    return readers[extension](path)


# --- CSV -------------------------------------------------------------------------------


def _read_csv(path: Path) -> pd.DataFrame:
    header = _csv_header(path)
    if not any("\n" in name or "\r" in name for name in header):
        try:
            return _read_csv_arrow(path, header)
        except pa.ArrowException as exc:
            # The reference reader decides: it repairs the file or names its problem.
            logger.debug("file=%s fast CSV path refused (%s), using the C engine", path, exc)
    return _read_csv_c_engine(path)


def _csv_options() -> dict[str, object]:
    return {
        "engine": "c",
        # Without this, extra fields in the first data row silently become the index.
        "index_col": False,
        "dtype": str,
        "keep_default_na": False,
        "na_filter": False,
        "skip_blank_lines": False,
        "encoding": "utf-8",
        "encoding_errors": "surrogateescape",
    }


def _csv_header(path: Path) -> list[str]:
    try:
        names = pd.read_csv(path, nrows=0, **_csv_options()).columns
    except pd.errors.EmptyDataError as exc:
        raise SourceFileError(path, "empty file (no header row)") from exc
    except (pd.errors.ParserError, OSError) as exc:
        raise SourceFileError(path, f"unreadable CSV header: {exc}") from exc
    header = [_decode_bad_bytes(str(name)) for name in names]
    _check_delimiter(path, header)
    return header


def _check_delimiter(path: Path, header: list[str]) -> None:
    # A ';'-separated file read with ',' yields one column whose name holds every header.
    if len(header) != 1:
        return
    for delimiter in _WRONG_DELIMITERS:
        if delimiter in header[0]:
            problem = f"wrong delimiter: header is one column holding {delimiter!r}, expected ','"
            raise SourceFileError(path, problem)


def _read_csv_arrow(path: Path, header: list[str]) -> pd.DataFrame:
    # Positional names f0..fn: the header was already decoded by _csv_header. Columns are
    # read as bytes so that a field in cp1252 does not make Arrow refuse the whole file.
    names = [f"f{i}" for i in range(len(header))]
    table = pa_csv.read_csv(
        path,
        read_options=pa_csv.ReadOptions(column_names=names, skip_rows=1),
        parse_options=pa_csv.ParseOptions(newlines_in_values=True, ignore_empty_lines=False),
        convert_options=pa_csv.ConvertOptions(
            column_types=dict.fromkeys(names, pa.large_binary()),
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
        ),
    )
    return _arrow_to_text_frame(pa.table([_decode(c) for c in table.columns], names=header))


def _decode(column: pa.ChunkedArray) -> pa.ChunkedArray:
    """UTF-8 bytes as text; only the chunks holding an invalid byte take the slow repair."""
    try:
        return column.cast(pa.large_string())  # validates UTF-8 without copying the data
    except pa.ArrowInvalid:
        pass
    chunks: list[pa.Array | None] = []
    for chunk in column.chunks:
        try:
            chunks.append(chunk.cast(pa.large_string()))
        except pa.ArrowInvalid:
            chunks.append(None)
    bad = [chunk for chunk, text in zip(column.chunks, chunks, strict=True) if text is None]
    # One pandas pass over all bad chunks together: per-chunk calls cost more than the work.
    repaired, start = _repair_utf8(pa.concat_arrays(bad)), 0
    for position, text in enumerate(chunks):
        if text is None:
            size = len(column.chunk(position))
            chunks[position] = repaired.slice(start, size)
            start += size
    return pa.chunked_array(chunks, pa.large_string())


def _repair_utf8(raw: pa.Array) -> pa.Array:
    values = pd.Series(raw.to_numpy(zero_copy_only=False), dtype=object)
    text = _repair_bad_bytes(values.str.decode("utf-8", errors="surrogateescape"))
    return pa.array(text, pa.large_string())


def _read_csv_c_engine(path: Path) -> pd.DataFrame:
    try:
        with warnings.catch_warnings():
            # index_col=False drops a first row's extra fields with only this warning.
            warnings.simplefilter("error", pd.errors.ParserWarning)
            frame = pd.read_csv(path, **_csv_options())
    except pd.errors.EmptyDataError as exc:
        raise SourceFileError(path, "empty file (no header row)") from exc
    except pd.errors.ParserWarning as exc:
        problem = f"malformed CSV: the first data row has more fields than the header ({exc})"
        raise SourceFileError(path, problem) from exc
    except (pd.errors.ParserError, OSError) as exc:
        raise SourceFileError(path, f"malformed CSV: {' '.join(str(exc).split())}") from exc
    frame.columns = [_decode_bad_bytes(str(name)) for name in frame.columns]
    # Short rows come back as NaN even with na_filter off.
    return pd.DataFrame(
        {name: _object_to_text(column) for name, column in frame.fillna("").items()}
    )


def _object_to_text(column: pd.Series) -> pd.Series:
    try:
        return column.astype(TEXT)
    except UnicodeEncodeError:  # lone surrogates cannot enter Arrow: repair this column
        return _repair_bad_bytes(column).astype(TEXT)


def _repair_bad_bytes(text: pd.Series) -> pd.Series:
    """Object strings decoded with surrogateescape: give each invalid byte its cp1252 meaning.

    Only the fields holding an invalid byte are touched; valid UTF-8 around it (an emoji, an
    accent) stays as it is.
    """
    bad = text.str.contains(_SURROGATES, regex=True)
    if not bad.any():
        return text
    fixed = text.copy()
    fixed[bad] = text[bad].str.translate(_CP1252_OF_SURROGATE)
    return fixed


def _decode_bad_bytes(text: str) -> str:
    return text.translate(_CP1252_OF_SURROGATE)


# --- xlsx and parquet ------------------------------------------------------------------


def _read_xlsx(path: Path) -> pd.DataFrame:
    try:
        frame = pd.read_excel(
            path, sheet_name=0, engine="calamine", dtype=str, keep_default_na=False
        )
    except (CalamineError, ValueError, OSError) as exc:
        raise SourceFileError(path, f"unreadable xlsx: {exc}") from exc
    if frame.columns.empty:
        raise SourceFileError(path, "empty file (no header row in the first sheet)")
    frame.columns = [str(name) for name in frame.columns]
    return frame.fillna("").astype(TEXT).reset_index(drop=True)


def _read_parquet(path: Path) -> pd.DataFrame:
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
    return _arrow_to_text_frame(pa.table(columns, names=[str(n) for n in table.column_names]))


def _arrow_to_text_frame(table: pa.Table) -> pd.DataFrame:
    return table.to_pandas(types_mapper={pa.string(): TEXT, pa.large_string(): TEXT}.get)


# --- shape checks ----------------------------------------------------------------------


def _canonical(name: str) -> str:
    return unicodedata.normalize("NFC", name).strip().lstrip("\ufeff").strip()


def _match_headers(
    path: Path, frame: pd.DataFrame, headers: Sequence[str], optional: Sequence[str]
) -> pd.DataFrame:
    """Rename the file's headers to the expected spelling; name any that are missing.

    Matching ignores surrounding spaces, a BOM, Unicode composition and case, because
    hand-edited spreadsheets vary in those and nothing else.
    """
    expected = {_canonical(h).casefold(): h for h in (*optional, *headers)}
    renamed: list[str] = []
    for name in frame.columns:
        canonical = _canonical(str(name))
        renamed.append(expected.get(canonical.casefold(), canonical))
    duplicated = sorted({name for name in renamed if renamed.count(name) > 1})
    if duplicated:
        raise SourceFileError(path, f"duplicate column(s): {', '.join(duplicated)}")
    frame = frame.set_axis(renamed, axis=1)
    missing = [h for h in headers if h not in frame.columns]
    if missing:
        raise SourceFileError(path, f"missing required column(s): {', '.join(missing)}")
    return frame


def _split_blank_rows(path: Path, frame: pd.DataFrame) -> RawTable:
    rows_in_file = len(frame)
    if rows_in_file == 0:
        raise SourceFileError(path, "no data rows (header only)")
    blank = _blank_mask(frame)
    blank_rows = int(blank.sum())
    if blank_rows == rows_in_file:
        raise SourceFileError(path, f"no data rows ({blank_rows} blank rows only)")
    row_number = pd.Index(
        np.arange(FIRST_DATA_ROW, FIRST_DATA_ROW + rows_in_file, dtype=np.int64), name="row_number"
    )
    frame = frame.set_axis(row_number, axis=0)
    kept = select_rows(frame, ~blank) if blank_rows else frame
    return RawTable(path=path, frame=kept, rows_in_file=rows_in_file, blank_rows=blank_rows)


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


_MAX_SLICED_RUNS = 256


def _kept_runs(mask: np.ndarray) -> list[tuple[int, int]] | None:
    """(start, stop) of each run of kept rows, or None when there are too many runs for
    slices to beat a copy (each slice becomes one Arrow chunk)."""
    edges = np.flatnonzero(np.diff(np.concatenate(([False], mask, [False])).astype(np.int8)))
    if edges.size // 2 > _MAX_SLICED_RUNS:
        return None
    return [(int(start), int(stop)) for start, stop in edges.reshape(-1, 2)]


def _blank_mask(frame: pd.DataFrame) -> np.ndarray:
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
