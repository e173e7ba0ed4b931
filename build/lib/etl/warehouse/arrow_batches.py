"""Arrow record batches for COPY: read, cast to the staged types, stream with bounded memory.

Both COPY formats (binary, `etl.warehouse.pgbinary`, and CSV, below) start here: a
DataFrame or a Parquet file is read a record batch at a time and cast to the staged
column types. Rendering a million wide rows at once would cost gigabytes, so each batch
is converted (pyarrow, which releases the GIL) on a producer thread while psycopg2 sends
the previous batch: client work overlaps with the server's parsing, and at most
`queue_depth` rendered batches are held at once.

CSV conventions (`csv_chunks`), matching PostgreSQL's `COPY ... (FORMAT csv)`: pyarrow
quotes every string, so an empty string is `""` while a null is an empty unquoted field (NULL);
embedded quotes are doubled and newlines/tabs stay inside quotes. Values are cast to
the target column types first, so a nullable integer held by pandas as float (1.0, NaN)
is written `1` or NULL, and a non-integral value fails loudly instead of being truncated.
"""

from __future__ import annotations

import io
import logging
import queue
import threading
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
from sqlalchemy import types as sqltypes

from etl.errors import DataError
from etl.warehouse.arrow_types import arrow_type

logger = logging.getLogger(__name__)

DEFAULT_BATCH_ROWS = 16_384
DEFAULT_QUEUE_DEPTH = 4
_CSV_OPTIONS = pacsv.WriteOptions(include_header=False, batch_size=DEFAULT_BATCH_ROWS)


def arrow_schema(columns: list[tuple[str, sqltypes.TypeEngine]]) -> pa.Schema:
    return pa.schema([pa.field(name, arrow_type(type_)) for name, type_ in columns])


def _cast_batch(batch: pa.RecordBatch | pa.Table, schema: pa.Schema, table: str) -> pa.Table:
    arrays = []
    for field in schema:
        column = batch.column(batch.schema.get_field_index(field.name))
        try:
            arrays.append(column.cast(field.type, safe=True))
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError) as exc:
            raise DataError(
                f"table={table} column={field.name} problem=cannot convert "
                f"{column.type} to {field.type}: {exc}"
            ) from exc
    return pa.Table.from_arrays(arrays, schema=schema)


def _check_columns(found: list[str], schema: pa.Schema, table: str) -> None:
    expected = schema.names
    missing = [c for c in expected if c not in found]
    extra = [c for c in found if c not in expected]
    if missing or extra:
        raise DataError(
            f"table={table} problem=columns differ from the staged shape "
            f"missing={missing} unexpected={extra}"
        )


def frame_batches(
    frame: pd.DataFrame, schema: pa.Schema, table: str, batch_rows: int = DEFAULT_BATCH_ROWS
) -> Iterator[pa.Table]:
    _check_columns(list(map(str, frame.columns)), schema, table)
    for start in range(0, len(frame), batch_rows):
        chunk = frame.iloc[start : start + batch_rows]
        try:
            converted = pa.Table.from_pandas(chunk[schema.names], preserve_index=False)
        except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
            raise DataError(f"table={table} rows={start}.. problem={exc}") from exc
        yield _cast_batch(converted, schema, table)


def parquet_batches(
    path: Path, schema: pa.Schema, table: str, batch_rows: int = DEFAULT_BATCH_ROWS
) -> Iterator[pa.Table]:
    parquet = pq.ParquetFile(path)
    _check_columns(parquet.schema_arrow.names, schema, table)
    for batch in parquet.iter_batches(batch_size=batch_rows, columns=schema.names):
        yield _cast_batch(batch, schema, table)


def csv_chunks(batches: Iterator[pa.Table]) -> Iterator[bytes]:
    for batch in batches:
        sink = io.BytesIO()
        pacsv.write_csv(batch, sink, _CSV_OPTIONS)
        yield sink.getvalue()


class _Done:
    """Queue sentinel: the producer finished (with `error` if it failed)."""

    def __init__(self, error: BaseException | None = None) -> None:
        self.error = error


class ChunkStream(io.RawIOBase):
    """A readable file object over byte chunks (CSV or binary COPY) produced on a background thread.

    `read(size)` is what psycopg2's `copy_expert` calls; a producer error is re-raised
    there, which makes psycopg2 abort the COPY. Use as a context manager so an aborted
    COPY also stops the producer.
    """

    def __init__(self, chunks: Iterator[bytes], queue_depth: int = DEFAULT_QUEUE_DEPTH) -> None:
        super().__init__()
        self._chunks = chunks
        self._queue: queue.Queue[bytes | _Done] = queue.Queue(maxsize=queue_depth)
        self._stop = threading.Event()
        self._pending = memoryview(b"")
        self._finished = False
        self.bytes_read = 0
        self.error: BaseException | None = None  # the producer's, once read() raised it
        self._thread = threading.Thread(target=self._produce, name="copy-producer", daemon=True)
        self._thread.start()

    def _put(self, item: bytes | _Done) -> bool:
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def _produce(self) -> None:
        try:
            for chunk in self._chunks:
                if not self._put(chunk):
                    return
        except BaseException as exc:  # handed to the reading thread, which raises it
            self._put(_Done(exc))
            return
        self._put(_Done())

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0:
            return b"".join(iter(lambda: self.read(1 << 20), b""))
        while not self._pending and not self._finished:
            item = self._queue.get()
            if isinstance(item, _Done):
                self._finished = True
                if item.error is not None:
                    self.error = item.error
                    raise item.error
            else:
                self._pending = memoryview(item)
        data = bytes(self._pending[:size])
        self._pending = self._pending[size:]
        self.bytes_read += len(data)
        return data

    def readinto(self, buffer: bytearray) -> int:  # type: ignore[override]
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        super().close()

    def __enter__(self) -> ChunkStream:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
