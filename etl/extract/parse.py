"""Vectorised cleaning by the column rules, row verdicts, and the ExtractResult assembly.

Every step works on whole columns (pandas / pyarrow kernels); nothing loops over rows.
Row verdicts follow one convention: the first failing check in check order gives the
reason, so a row with several problems is reported once, for its first one.

Output dtypes: text columns are pyarrow-backed pandas strings, int columns nullable
`Int64`, float columns nullable `Float64`; a null is always `pd.NA`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from etl.extract.arrow_text import TEXT, Mask, arrow_text, as_bool, text_series
from etl.extract.columns import PLACEHOLDERS, REJECTED_COLUMNS, ColumnRule
from etl.extract.raw_files import RawTable
from etl.extract.result import ExtractResult
from etl.extract.rows import select_rows

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
# What Arrow's cast reads as a float; anything else goes through the slower relaxed path.
_PLAIN_NUMBER = r"^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$"
# Spellings of a number the team's files use beyond that: "TRL 4".
_NUMBER_PREFIX = r"^[Tt][Rr][Ll]\s*"
# Comma thousands separators only when unambiguous: 1,234 or 12,345,678.50 (not 3,7).
_THOUSANDS = r"^[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?$"

_MAX_EXACT_INT = 2**53
_LONG_TEXT_BYTES = 128  # mean value size above which stripping looks before it trims
# Column size above which stripping looks before it trims whatever the value size: a
# trimmed copy of every title would sit next to the raw one until the stage ends.
_TRIM_ALL_MAX_BYTES = 16 * 2**20

Normaliser = Callable[[pd.Series], pd.Series]


# --- cells -----------------------------------------------------------------------------


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


@dataclass(frozen=True)
class NumberParse:
    """A numeric column: values (NA where absent or invalid) and its problems."""

    values: pd.Series  # Int64 for int rules, Float64 for float rules
    problems: list[tuple[np.ndarray, str]]  # (rows, problem text) in check order


def to_number(clean: pd.Series) -> np.ndarray:
    """Numbers stored as text -> float array; NaN where absent or not a finite number."""
    array = arrow_text(clean)
    try:
        # A clean column (plain numbers and nulls) converts in one cast.
        plain_values, retry = array, np.zeros(len(array), dtype=bool)
        numbers = pc.cast(array, pa.float64())
    except pa.ArrowInvalid:
        plain = pc.fill_null(pc.match_substring_regex(array, _PLAIN_NUMBER), False)
        plain_values = pc.if_else(plain, array, pa.scalar(None, array.type))
        numbers = pc.cast(plain_values, pa.float64())
        retry = clean.notna().to_numpy() & ~as_bool(plain)
    # Arrow's numpy view is read-only; the retry below writes into it.
    numbers = numbers.to_numpy(zero_copy_only=False).copy()
    if retry.any():
        relaxed = pd.to_numeric(_relax_number_text(clean[retry]), errors="coerce")
        numbers[retry] = relaxed.to_numpy(dtype=float, na_value=np.nan)
    numbers[~np.isfinite(numbers)] = np.nan
    return numbers


def _relax_number_text(text: pd.Series) -> pd.Series:
    text = text.astype(object).str.replace(_NUMBER_PREFIX, "", regex=True)
    grouped = text.str.match(_THOUSANDS).astype(bool)
    return text.where(~grouped, text.str.replace(",", "", regex=False))


def parse_number(clean: pd.Series, rule: ColumnRule) -> NumberParse:
    numbers = to_number(clean)
    absent = np.isnan(numbers)
    problems = [(clean.notna().to_numpy() & absent, "not a number")]
    if rule.kind == "int":
        fraction = np.mod(np.where(absent, 0.0, numbers), 1.0)
        problems.append((fraction != 0, "not a whole number"))
        # Beyond 2**53 a float no longer holds every integer: the value is not trustworthy.
        problems.append((np.abs(np.where(absent, 0.0, numbers)) > _MAX_EXACT_INT, "too large"))
    out_of_range = np.zeros(len(numbers), dtype=bool)
    if rule.minimum is not None:
        out_of_range |= numbers < rule.minimum
    if rule.maximum is not None:
        out_of_range |= numbers > rule.maximum
    problems.append((out_of_range, f"out of range {_range_text(rule)}"))
    null = absent | np.logical_or.reduce([mask for mask, _ in problems])
    return NumberParse(pd.Series(_nullable(numbers, null, rule), index=clean.index), problems)


def _nullable(
    numbers: np.ndarray, null: np.ndarray, rule: ColumnRule
) -> pd.api.extensions.ExtensionArray:
    # Built from (values, mask) directly: pandas' own coercion rescans every float.
    filled = np.where(null, 0.0, numbers)
    if rule.kind == "int":
        return pd.arrays.IntegerArray(filled.astype(np.int64), null)
    return pd.arrays.FloatingArray(filled, null)


def _range_text(rule: ColumnRule) -> str:
    low, high = _bound(rule.minimum), _bound(rule.maximum)
    if low and high:
        return f"{low}..{high}"
    return f">= {low}" if low else f"<= {high}"


def _bound(value: float | None) -> str:
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else str(value)


def normalise_technology(values: pd.Series) -> pd.Series:
    """`CRISPR`, ` crispr `, `Gene_Therapy` -> `crispr`, `genetherapy`; hyphens stay."""
    return _via_uniques(values, _normalise_technology_uniques)


def normalise_technology_list(values: pd.Series) -> pd.Series:
    """`CRISPR, Gene Therapy; crispr` -> `crispr;genetherapy` (order kept, no repeats)."""
    return _via_uniques(values, _normalise_list_uniques)


def _normalise_technology_uniques(values: pd.Series) -> pd.Series:
    norm = values.astype(TEXT).str.lower().str.replace(r"[\s_]+", "", regex=True)
    return norm.mask(norm == "")


def _normalise_list_uniques(values: pd.Series) -> pd.Series:
    tokens = values.astype(object).str.split(r"[,;]", regex=True).explode()
    tokens = _normalise_technology_uniques(tokens).dropna()
    pairs = tokens.rename("token").rename_axis("position").reset_index().drop_duplicates()
    joined = pairs.groupby("position", sort=False)["token"].agg(";".join)
    return joined.reindex(values.index).astype(TEXT)


def _via_uniques(values: pd.Series, transform: Normaliser) -> pd.Series:
    # Technology columns hold few distinct spellings: transform those, then map back.
    codes, uniques = pd.factorize(values.astype(TEXT), use_na_sentinel=True)
    mapped = transform(pd.Series(uniques, dtype=TEXT)).astype(TEXT).reset_index(drop=True)
    return pd.Series(mapped.array.take(codes, allow_fill=True), index=values.index, dtype=TEXT)


# --- rows ------------------------------------------------------------------------------


class RowRejects:
    """The verdict of every row: the first failing check gives reason, column, message.

    Positional numpy arrays (None = not rejected) aligned with `index`, the row numbers.
    """

    def __init__(self, index: pd.Index) -> None:
        self.index = index
        self.reason = np.full(len(index), None, dtype=object)
        self.column = np.full(len(index), None, dtype=object)
        self.message = np.full(len(index), None, dtype=object)

    @property
    def mask(self) -> np.ndarray:
        return pd.notna(self.reason)

    def _unset(self, mask: Mask) -> np.ndarray:
        return as_bool(mask) & ~self.mask

    def add(self, mask: Mask, reason: str, column: str | None, messages: pd.Series) -> None:
        """Reject rows in `mask` not rejected yet; `messages` (by row number) needs only those."""
        hit = self._unset(mask)
        if not hit.any():
            return
        self.reason[hit] = reason
        self.column[hit] = column
        self.message[hit] = messages.loc[self.index[hit]].to_numpy(dtype=object)

    def add_value_problem(
        self, mask: Mask, reason: str, header: str, raw: pd.Series, problem: str
    ) -> None:
        """Reject with the message `column=<header> value='<raw>' problem=<problem>`."""
        hit = self._unset(mask)
        if hit.any():
            values = raw[hit].astype(object)
            self.add(
                hit, reason, header, f"column={header} value='" + values + f"' problem={problem}"
            )


@dataclass
class ParsedTable:
    data: pd.DataFrame  # clean output columns in rule order, index row_number
    nulled: dict[str, np.ndarray] = field(default_factory=dict)  # column -> fields set to NA


def apply_rules(
    raw: pd.DataFrame,
    rules: Sequence[ColumnRule],
    rejects: RowRejects,
    normalisers: Mapping[str, Normaliser] | None = None,
) -> ParsedTable:
    """Clean each column by its rule, in rule order, recording rejects and nulled fields."""
    normalisers = normalisers or {}
    parsed = ParsedTable(data=pd.DataFrame(index=raw.index))
    for rule in rules:
        values = raw[rule.header]
        clean = clean_text(values)
        if rule.column in normalisers:
            clean = normalisers[rule.column](clean)
        parsed.data[rule.column] = _apply_rule(rule, values, clean, rejects, parsed.nulled)
    return parsed


def _apply_rule(
    rule: ColumnRule,
    raw: pd.Series,
    clean: pd.Series,
    rejects: RowRejects,
    nulled: dict[str, np.ndarray],
) -> pd.Series:
    if rule.kind == "text":
        result = clean
    else:
        number = parse_number(clean, rule)
        result = number.values
        for mask, problem in number.problems:
            if rule.on_invalid == "reject":
                rejects.add_value_problem(mask, f"invalid_{rule.column}", rule.header, raw, problem)
            elif mask.any():
                nulled[rule.column] = nulled.get(rule.column, False) | mask
    if rule.required:
        # After nulling: a required value must survive into the clean table.
        missing = result.isna()
        rejects.add_value_problem(
            missing, f"missing_{rule.column}", rule.header, raw, "missing required value"
        )
    return result


def reject_duplicate_keys(data: pd.DataFrame, key: Sequence[str], rejects: RowRejects) -> None:
    """Reject a later row repeating the key of an earlier row still accepted."""
    key = list(key)
    alive = data.loc[~rejects.mask, key]
    involved = alive[alive.duplicated(keep=False)]
    if involved.empty:
        return
    frame = involved.reset_index()
    first_row = frame.groupby(key, sort=False)["row_number"].transform("first")
    repeat = frame.duplicated(subset=key, keep="first").to_numpy()
    value = frame[key[0]].astype(str)
    for name in key[1:]:
        value = value + "," + frame[name].astype(str)
    messages = (
        f"column={','.join(key)} value='" + value + "' problem=duplicate of row "
    ) + first_row.astype(str)
    row_numbers = frame["row_number"].to_numpy()[repeat]
    messages = pd.Series(messages.to_numpy()[repeat], index=row_numbers)
    rejects.add(data.index.isin(row_numbers), "duplicate_key", None, messages)


# --- result ----------------------------------------------------------------------------


def build_result(
    source: str, table: RawTable, parsed: ParsedTable, rejects: RowRejects
) -> ExtractResult:
    kept = ~rejects.mask
    # Filtering copies every column (1 GB of abstracts at 1M rows): only when needed.
    data = (parsed.data if kept.all() else select_rows(parsed.data, kept)).reset_index()
    data = data[[*parsed.data.columns, "row_number"]].astype({"row_number": "int64"})
    # Counted over loaded rows only: a rejected row keeps its raw values, nothing is nulled.
    counts = {column: int((mask & kept).sum()) for column, mask in parsed.nulled.items()}
    nulled = {column: count for column, count in counts.items() if count}
    return ExtractResult(
        source=source,
        file=table.path,
        data=data,
        rejected=rejected_frame(source, table, rejects),
        rows_in_file=table.rows_in_file,
        blank_rows=table.blank_rows,
        nulled=nulled,
    )


def rejected_frame(source: str, table: RawTable, rejects: RowRejects) -> pd.DataFrame:
    mask = rejects.mask
    # Selecting from chunked Arrow columns costs even for no rows: skip it when possible.
    rows = select_rows(table.frame, mask) if mask.any() else table.frame.iloc[:0]
    frame = pd.DataFrame(
        {
            "source": source,
            "file": str(table.path),
            "row_number": rows.index.to_numpy(dtype=np.int64),
            "column": rejects.column[mask],
            "reason": rejects.reason[mask],
            "message": rejects.message[mask],
            "raw": raw_json(rows),
        },
        columns=list(REJECTED_COLUMNS),
    )
    return frame.astype({"source": object, "file": object, "row_number": "int64"})


def raw_json(rows: pd.DataFrame) -> list[str]:
    """One JSON object per row, keyed by header, non-ASCII kept as is."""
    if rows.empty:
        return []
    text = rows.to_json(orient="records", lines=True, force_ascii=False)
    # pandas escapes every '/' as '\/' (valid JSON, but noisy in URLs); a literal slash is
    # never left unescaped, so each '\/' pair is an escaped slash and can be undone.
    lines = text.replace("\\/", "/").split("\n")
    return lines[:-1] if lines and lines[-1] == "" else lines


def summary(result: ExtractResult) -> str:
    """The reader's one log line, as key=value text."""
    reasons = ",".join(f"{k}:{v}" for k, v in sorted(result.rejected_by_reason().items()))
    nulled = ",".join(f"{k}:{v}" for k, v in sorted(result.nulled.items()))
    return (
        f"source={result.source} file={result.file} rows={result.rows_in_file} "
        f"loaded={len(result.data)} rejected={len(result.rejected)} blank={result.blank_rows} "
        f"reasons={reasons or '-'} nulled={nulled or '-'}"
    )


def log_result(logger: logging.Logger, result: ExtractResult) -> None:
    logger.info("%s", summary(result))
