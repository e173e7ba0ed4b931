"""A CSV file as an all-text frame, whatever mix of UTF-8 and cp1252 its fields hold.

The pyarrow CSV reader builds Arrow strings without one Python object per cell (a
1.3 GB, 1,000,000-row file: a few seconds, against 10-17 s for the pandas C engine with
dtype=str on this 2-core machine). It reads fields as bytes; a chunk of rows that is not
all valid UTF-8 is decoded field by field with `surrogateescape` and its invalid bytes
given their cp1252 meaning, so one `États-Unis` in cp1252 costs one chunk, not the file.
Arrow refuses rows whose field count differs from the header's (a whitespace-only line
counts as such); such a file is read again by the pandas C engine (dtype=str,
surrogateescape, same repair), the reference reader, which pads short rows and names
what is wrong. Both give the same table for a file both accept (tested).

A file cut mid-record (a copy that stopped halfway) is told by its end: every CSV writer
(Excel, pandas, the csv module) ends each record with a line break, so a file whose last
byte is not one has its last record cut short. Which part of it survived says nothing (a
cut inside the last field keeps every field), so that record is never data: the readers
reject it as `truncated_row` (`CsvText.cut` says why). When the cut fell inside a quoted
field (an odd number of `"` in the file: RFC 4180 quotes come in pairs), the engines read
the file with a closing quote added at the end, so that they stop at the cut record
instead of failing (pandas) or joining it to nothing. The quote count costs a pass over
the file (memory-mapped, about 0.5 s per GB) and is made only for a file that ends
without a line break. A file whose last record simply lacks its final line break is
rejected that way too: the row is counted and kept in the rejected rows, never lost.
"""

from __future__ import annotations

import io
import logging
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv

from etl.errors import SourceFileError
from etl.extract.arrow_text import TEXT, arrow_to_text_frame

logger = logging.getLogger(__name__)

_WRONG_DELIMITERS = (";", "\t", "|")

# surrogateescape turns each undecodable byte 0xXX into the lone surrogate U+DCXX; this
# table gives that byte its cp1252 meaning (latin-1 for the 5 bytes cp1252 leaves undefined).
_SURROGATES = "[\udc80-\udcff]"
_CP1252_OF_SURROGATE = {
    0xDC00 + byte: bytes([byte]).decode("cp1252", errors="ignore") or chr(byte)
    for byte in range(0x80, 0x100)
}


_LINE_BREAKS = (b"\n", b"\r")
_BLOCK_BYTES = 8 * 2**20
# Arrow's CSV reader makes one chunk per block. At its default 1 MB a million articles
# come as ~780 chunks per column, and every later per-chunk step pays for each: writing
# the pmid-sorted Parquet gathered rows with 168k `take` calls (62 of a loaded run's
# 307 s, cProfile). 16 MB blocks give ~50 chunks and still one block per core in flight.
CSV_BLOCK_BYTES = 16 * 2**20

Source = Path | io.BufferedIOBase


@dataclass(frozen=True)
class CsvText:
    frame: pd.DataFrame  # all text, header names as written, RangeIndex
    cut: str | None = None  # why the last record is cut short; None: the file ends cleanly


def read_csv(path: Path) -> pd.DataFrame:
    """The whole CSV as an all-text DataFrame (header names as written, RangeIndex)."""
    return read_csv_text(path).frame


def read_csv_text(path: Path) -> CsvText:
    """The whole CSV as text, and whether its last record is cut short (module docstring)."""
    header = _csv_header(path)
    cut, opener = _cut_last_record(path)
    if not any("\n" in name or "\r" in name for name in header):
        try:
            with _opened(opener) as source:
                return CsvText(_read_csv_arrow(source, header), cut)
        except pa.ArrowException as exc:
            # The reference reader decides: it repairs the file or names its problem.
            logger.debug("file=%s engine=arrow problem=%s fallback=pandas-c", path, exc)
    with _opened(opener) as source:
        return CsvText(_read_csv_c_engine(path, source), cut)


@contextmanager
def _opened(opener: Callable[[], Source]) -> Iterator[Source]:
    source = opener()
    try:
        yield source
    finally:
        if not isinstance(source, Path):
            source.close()


def _cut_last_record(path: Path) -> tuple[str | None, Callable[[], Source]]:
    """Why the last record is cut (None if it is not), and how to open the file for the
    engines: as is, or followed by the quote that closes a field cut open."""
    size = path.stat().st_size
    with path.open("rb") as handle:
        handle.seek(max(size - 1, 0))
        last = handle.read(1)
    if not last or last in _LINE_BREAKS:
        return None, lambda: path
    if _count_quotes(path) % 2 == 0:
        return "the file ends without a line break, inside the last record", lambda: path
    problem = "the file ends without a line break, inside a quoted field of the last record"
    return problem, lambda: io.BufferedReader(_FollowedBy(path, b'"'))


def _count_quotes(path: Path) -> int:
    count = 0
    with path.open("rb") as handle:
        # A loop over 8 MB blocks; bytes.count runs at memory speed.
        while block := handle.read(_BLOCK_BYTES):
            count += block.count(b'"')
    return count


class _FollowedBy(io.RawIOBase):
    """The bytes of a file, then `tail`: the file is streamed, never copied."""

    def __init__(self, path: Path, tail: bytes) -> None:
        self._file = path.open("rb")
        self._tail = tail

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        count = self._file.readinto(buffer)
        if count:
            return count
        count = min(len(buffer), len(self._tail))
        memoryview(buffer)[:count] = self._tail[:count]
        self._tail = self._tail[count:]
        return count

    def close(self) -> None:
        self._file.close()
        super().close()


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


def _read_csv_arrow(source: Source, header: list[str]) -> pd.DataFrame:
    # Positional names f0..fn: the header was already decoded by _csv_header. Columns are
    # read as bytes so that a field in cp1252 does not make Arrow refuse the whole file.
    names = [f"f{i}" for i in range(len(header))]
    table = pa_csv.read_csv(
        source,
        read_options=pa_csv.ReadOptions(
            column_names=names, skip_rows=1, block_size=CSV_BLOCK_BYTES
        ),
        parse_options=pa_csv.ParseOptions(newlines_in_values=True, ignore_empty_lines=False),
        convert_options=pa_csv.ConvertOptions(
            column_types=dict.fromkeys(names, pa.large_binary()),
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
        ),
    )
    return arrow_to_text_frame(pa.table([_decode(c) for c in table.columns], names=header))


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


def _read_csv_c_engine(path: Path, source: Source) -> pd.DataFrame:
    try:
        with warnings.catch_warnings():
            # index_col=False drops a first row's extra fields with only this warning.
            warnings.simplefilter("error", pd.errors.ParserWarning)
            frame = pd.read_csv(source, **_csv_options())
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
