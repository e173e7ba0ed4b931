"""Numbers stored as text, parsed by a column rule into nullable `Int64` / `Float64`.

A value that is not a number, not whole for an int rule, or out of the rule's range is
NA in the output and reported as a problem; the caller decides whether that problem
rejects the row or only nulls the field.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from etl.extract.arrow_text import arrow_text, as_bool
from etl.extract.columns import ColumnRule

# What Arrow's cast reads as a float; anything else goes through the slower relaxed path.
_PLAIN_NUMBER = r"^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$"
# Spellings of a number the team's files use beyond that: "TRL 4".
_NUMBER_PREFIX = r"^[Tt][Rr][Ll]\s*"
# Comma thousands separators only when unambiguous: 1,234 or 12,345,678.50 (not 3,7).
_THOUSANDS = r"^[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?$"

_MAX_EXACT_INT = 2**53


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
