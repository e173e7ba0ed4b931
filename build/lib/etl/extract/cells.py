"""A raw cell's value: text stripped at both ends, empty cells and placeholders null.

The inner text stays as written (an abstract keeps its line breaks); placeholders
(`N/A`, `n.d.`, `-`, ... in any case, see `columns.PLACEHOLDERS`) mean "no value".
Every step works on whole Arrow columns, and a chunk is rewritten only when it holds a
value to change: at 1M rows the abstracts alone are 1 GB.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from etl.extract.arrow_text import arrow_text, as_bool, text_series
from etl.extract.columns import PLACEHOLDERS

_PLACEHOLDER_VALUES = pa.array(PLACEHOLDERS, type=pa.large_string())
_PLACEHOLDER_MAX_BYTES = max(len(p.encode()) for p in PLACEHOLDERS)
# Non-ASCII whitespace that strip removes (no-break space, ideographic space...), as UTF-8
# byte strings grouped by length: all are 2 or 3 bytes long.
_WIDE_SPACES = {
    width: pa.array(
        [
            c.encode()
            for c in map(chr, range(0x80, 0x3001))
            if c.isspace() and len(c.encode()) == width
        ],
        pa.large_binary(),
    )
    for width in (2, 3)
}
_NUL = "\x00"  # PostgreSQL text cannot hold it: COPY fails on the whole table
_LONG_TEXT_BYTES = 128  # mean value size above which stripping looks before it trims
# Column size above which stripping looks before it trims whatever the value size: a
# trimmed copy of every title would sit next to the raw one until the stage ends.
_TRIM_ALL_MAX_BYTES = 16 * 2**20


def remove_unstorable(values: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """`values` without the characters PostgreSQL text cannot hold, and which cells changed.

    Only NUL (U+0000) can be there: lone surrogates (U+D800-U+DFFF) cannot be in Arrow
    text, which is valid UTF-8 by construction. A chunk's bytes are first scanned for a
    zero byte as numbers (`min`, about 3 GB/s); only a chunk holding one is searched cell
    by cell and rewritten.
    """
    array = arrow_text(values)
    found = np.zeros(len(array), dtype=bool)
    start = 0
    # A loop over chunks (16 per million rows), never over rows.
    for chunk in array.chunks:
        if _holds_zero_byte(chunk):
            found[start : start + len(chunk)] = as_bool(pc.match_substring(chunk, _NUL))
        start += len(chunk)
    if not found.any():
        return values, found
    array = _rewrite_chunks(array, found, _remove_nul_masked)
    return text_series(array, values.index), found


def _holds_zero_byte(chunk: pa.Array) -> bool:
    _, offsets, data = chunk.buffers()
    if data is None or len(chunk) == 0:
        return False
    bounds = np.frombuffer(offsets, dtype=np.int64 if chunk.type == pa.large_string() else np.int32)
    first, last = int(bounds[chunk.offset]), int(bounds[chunk.offset + len(chunk)])
    return last > first and np.frombuffer(data, np.uint8, last - first, first).min() == 0


def _remove_nul_masked(chunk: pa.Array, mask: pa.Array) -> pa.Array:
    cleaned = pc.replace_substring(pc.filter(chunk, mask), _NUL, "")
    return pc.replace_with_mask(chunk, mask, cleaned)


def clean_text(values: pd.Series) -> pd.Series:
    """Strip; empty strings and placeholders (any case, after strip) become NA."""
    array = _strip(arrow_text(values))
    array = _rewrite_chunks(array, _placeholder_mask(array), _null_masked)
    return text_series(array, values.index)


def _strip(array: pa.ChunkedArray) -> pa.ChunkedArray:
    total_bytes = pc.sum(pc.binary_length(array)).as_py() or 0
    if total_bytes <= _LONG_TEXT_BYTES * len(array) and total_bytes <= _TRIM_ALL_MAX_BYTES:
        return pc.utf8_trim_whitespace(array)  # short values: trimming them all is cheapest
    # Long texts (1 kB abstracts) or big columns: find the few values that need trimming
    # from their first and last bytes, and trim only those.
    raw = array.cast(pa.large_binary())
    starts = [pc.binary_slice(raw, 0, width) for width in (1, 2, 3)]
    ends = [pc.binary_slice(raw, -width) for width in (1, 2, 3)]
    # An empty value has nothing to trim (and is most often a missing abstract).
    edges = pc.or_(_is_space_edge(*starts), _is_space_edge(*ends))
    needs_strip = pc.and_(edges, pc.greater(pc.binary_length(raw), 0))
    return _rewrite_chunks(array, as_bool(needs_strip), _strip_masked)


def _is_space_edge(
    one: pa.ChunkedArray, two: pa.ChunkedArray, three: pa.ChunkedArray
) -> pa.ChunkedArray:
    # One byte below '!' is ASCII whitespace or a control (or an empty value): trimming a
    # control-led value is a harmless no-op. Wider whitespace is 2 or 3 UTF-8 bytes.
    wide = pc.or_(
        pc.is_in(two, value_set=_WIDE_SPACES[2]), pc.is_in(three, value_set=_WIDE_SPACES[3])
    )
    return pc.or_(pc.less(one, b"!"), wide)


def _strip_masked(chunk: pa.Array, mask: pa.Array) -> pa.Array:
    return pc.replace_with_mask(chunk, mask, pc.utf8_trim_whitespace(pc.filter(chunk, mask)))


def _null_masked(chunk: pa.Array, mask: pa.Array) -> pa.Array:
    """`chunk` with the masked values null: a new validity bitmap over the same offsets
    and bytes (Arrow ignores what lies under a null), so the text is not copied."""
    valid = as_bool(pc.and_(pc.is_valid(chunk), pc.invert(mask)))
    bits = np.zeros(chunk.offset + len(chunk), dtype=bool)
    bits[chunk.offset :] = valid
    validity = pa.py_buffer(np.packbits(bits, bitorder="little"))
    _, offsets, data = chunk.buffers()
    return pa.Array.from_buffers(
        chunk.type,
        len(chunk),
        [validity, offsets, data],
        null_count=int(len(chunk) - valid.sum()),
        offset=chunk.offset,
    )


def _placeholder_mask(array: pa.ChunkedArray) -> np.ndarray:
    # Only values as short as a placeholder can be one: long texts are never lowered.
    short = as_bool(pc.less_equal(pc.binary_length(array), _PLACEHOLDER_MAX_BYTES))
    placeholder = np.zeros(len(array), dtype=bool)
    if short.any():
        candidates = pc.utf8_lower(pc.filter(array, pa.array(short)))
        placeholder[short] = as_bool(pc.is_in(candidates, value_set=_PLACEHOLDER_VALUES))
    return placeholder


def _rewrite_chunks(
    array: pa.ChunkedArray, mask: np.ndarray, rewrite: Callable[[pa.Array, pa.Array], pa.Array]
) -> pa.ChunkedArray:
    """Apply `rewrite(chunk, chunk_mask)` to the chunks holding a masked value only.

    A whole-column kernel would copy every chunk (1 GB of abstracts at 1M rows) to change
    a handful of values.
    """
    if not mask.any():
        return array
    chunks, start = [], 0
    for chunk in array.chunks:
        part = mask[start : start + len(chunk)]
        start += len(chunk)
        chunks.append(rewrite(chunk, pa.array(part)) if part.any() else chunk)
    return pa.chunked_array(chunks, type=array.type)
