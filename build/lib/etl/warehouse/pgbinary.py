"""Arrow record batches as PostgreSQL's binary COPY format, built by Arrow kernels.

PostgreSQL reads binary COPY much faster than CSV (1M articles, 785 MB: 2.6 s instead of
4.6 s on this machine): no quote scanning, no text-to-number parsing. The format is a
header, then per row an int16 field count and per field an int32 byte length (-1 for
NULL) followed by the value in the type's network representation, then an int16 -1.

Every field is built column-wise: its length prefix and value bytes are concatenated by
`binary_join_element_wise`, and the row is the same join across the columns, so a whole
batch comes out as the data buffer of one Arrow binary array, in row order, without a
Python loop. Fixed-width values are byte-swapped to big-endian with numpy.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

HEADER = b"PGCOPY\n\xff\r\n\x00" + (0).to_bytes(4, "big") + (0).to_bytes(4, "big")
TRAILER = (-1).to_bytes(2, "big", signed=True)
NULL_FIELD = (-1).to_bytes(4, "big", signed=True)
POSTGRES_EPOCH_DAYS = 10_957  # 2000-01-01 minus 1970-01-01
POSTGRES_EPOCH_MICROS = POSTGRES_EPOCH_DAYS * 86_400 * 1_000_000

# Arrow type -> numpy big-endian dtype of PostgreSQL's binary representation.
_FIXED: dict[pa.DataType, str] = {
    pa.int16(): ">i2",
    pa.int32(): ">i4",
    pa.int64(): ">i8",
    pa.float64(): ">f8",
    pa.bool_(): ">u1",
    pa.date32(): ">i4",
    pa.timestamp("us", tz="UTC"): ">i8",
}


def _as_binary(values: np.ndarray, width: int) -> pa.Array:
    """Each `width`-byte row of a contiguous big-endian numpy array as one binary value."""
    fixed = pa.FixedSizeBinaryArray.from_buffers(
        pa.binary(width), len(values), [None, pa.py_buffer(values.tobytes())]
    )
    return fixed.cast(pa.binary())


def _fixed_values(column: pa.Array) -> np.ndarray:
    """The column's values as numpy, in PostgreSQL's epoch for dates and timestamps."""
    type_ = column.type
    if type_ == pa.date32():
        days = column.cast(pa.int32()).fill_null(0).to_numpy()
        return days - POSTGRES_EPOCH_DAYS
    if type_ == pa.timestamp("us", tz="UTC"):
        micros = column.cast(pa.int64()).fill_null(0).to_numpy()
        return micros - POSTGRES_EPOCH_MICROS
    if type_ == pa.bool_():
        return column.fill_null(False).to_numpy(zero_copy_only=False).astype(np.uint8)
    return column.fill_null(0).to_numpy()


def _field(column: pa.Array) -> pa.Array:
    """Length prefix + value bytes of every value of `column`; NULL as length -1."""
    type_ = column.type
    if type_ in _FIXED:
        dtype = np.dtype(_FIXED[type_])
        values = _as_binary(_fixed_values(column).astype(dtype), dtype.itemsize)
        prefix = pa.scalar(dtype.itemsize.to_bytes(4, "big"), pa.binary())
        encoded = pc.binary_join_element_wise(prefix, values, b"")
    elif type_ == pa.string():  # the only text type arrow_schema produces
        data = column.cast(pa.binary())  # the same UTF-8 bytes, no copy
        lengths = pc.binary_length(data).fill_null(0).to_numpy().astype(">i4")
        encoded = pc.binary_join_element_wise(_as_binary(lengths, 4), data, b"")
    else:
        raise TypeError(f"no binary COPY encoding for Arrow type {type_}")
    if column.null_count:
        encoded = pc.if_else(column.is_valid(), encoded, pa.scalar(NULL_FIELD, pa.binary()))
    return encoded


def encode_batch(batch: pa.Table | pa.RecordBatch) -> bytes:
    """The rows of `batch` in binary COPY format, without header or trailer."""
    if batch.num_rows == 0:
        return b""
    columns = [
        column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
        for column in batch.columns
    ]
    count = pa.scalar(len(columns).to_bytes(2, "big"), pa.binary())
    rows = pc.binary_join_element_wise(count, *(_field(c) for c in columns), b"")
    _, offsets, data = rows.buffers()
    bounds = np.frombuffer(offsets, dtype=np.int32)[[rows.offset, rows.offset + len(rows)]]
    return data.slice(int(bounds[0]), int(bounds[1] - bounds[0])).to_pybytes()


def binary_chunks(batches: Iterator[pa.Table]) -> Iterator[bytes]:
    """A complete binary COPY stream: header, the batches' rows, trailer."""
    yield HEADER
    for batch in batches:
        yield encode_batch(batch)
    yield TRAILER
