"""Column helpers shared by the transform modules: typed views and map-over-uniques.

Source columns hold few distinct values (countries, categories, technology lists), so
any Python-level text logic runs once per distinct value and is spread back with
integer codes (`pd.factorize`), never once per row.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np
import pandas as pd
import pyarrow as pa

# Text dtype of every output column: Arrow-backed, as the readers produce it, so long
# text (abstracts) is never converted to Python objects and back on its way to Parquet.
TEXT = pd.StringDtype("pyarrow")
_UNICODE_DASHES = r"[\u2010-\u2015\u2212]"


def _spread(mapped: pd.Series, codes: np.ndarray) -> np.ndarray:
    """Values of the distinct entries, taken by code; code -1 (null input) gives None."""
    distinct = mapped.astype(object).where(mapped.notna(), None).to_numpy(dtype=object)
    return np.append(distinct, None)[codes]


def map_uniques(values: pd.Series, func: Callable[[pd.Series], pd.Series]) -> pd.Series:
    """Apply `func` to the distinct non-null values of `values` and spread the result back.

    `func` receives a positional Series of the distinct values and must return a Series
    of the same length; nulls in `values` stay null (None) in the object result.
    """
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    mapped = func(pd.Series(np.asarray(uniques, dtype=object), dtype=object))
    return pd.Series(_spread(mapped.reset_index(drop=True), codes), index=values.index)


def map_uniques_text(values: pd.Series, func: Callable[[pd.Series], pd.Series]) -> pd.Series:
    """`map_uniques` for a text result, returned as TEXT without a Python object per row.

    The distinct results become an Arrow dictionary that Arrow expands by code in C++.
    """
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    mapped = func(pd.Series(np.asarray(uniques, dtype=object), dtype=object))
    mapped = mapped.reset_index(drop=True).astype(object)
    dictionary = pa.array(mapped.where(mapped.notna(), None).tolist(), type=pa.large_string())
    taken = dictionary.take(pa.array(codes, type=pa.int64(), mask=codes < 0))
    return pd.Series(pd.arrays.ArrowStringArray(taken), index=values.index)


def map_uniques_frame(values: pd.Series, func: Callable[[pd.Series], pd.DataFrame]) -> pd.DataFrame:
    """Like `map_uniques` for a function returning several columns (object dtype out)."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    mapped = func(pd.Series(np.asarray(uniques, dtype=object), dtype=object))
    mapped = mapped.reset_index(drop=True)
    # A loop over the few result columns, not over rows.
    columns = {name: _spread(mapped[name], codes) for name in mapped.columns}
    return pd.DataFrame(columns, index=values.index)


def map_table(
    values: pd.Series, key: Callable[[pd.Series], pd.Series], table: Mapping[str, object]
) -> pd.Series:
    """Look each distinct value up in `table` by its normalised `key`; unknown -> None."""
    return map_uniques(values, lambda uniques: key(uniques).map(table))


def collapse_whitespace(values: pd.Series) -> pd.Series:
    r"""Every whitespace run one space, none at the ends; empty text becomes null.

    A label's spacing carries no meaning (`Delaware ,  USA`), unlike an abstract's, so this
    is the transform's job and not the readers' `etl.extract.cells.clean_text`, which keeps
    inner text as written and nulls placeholders: a placeholder here is kept as text.
    Returns `string` dtype (Python storage: `\s` must match Unicode spaces, which Arrow's
    regex engine does not).
    """
    text = values.astype("string").str.replace(r"\s+", " ", regex=True).str.strip()
    return text.mask(text == "")


def clean_labels(values: pd.Series) -> pd.Series:
    """`collapse_whitespace` once per distinct value: for short, repetitive label columns."""
    return map_uniques_text(values, collapse_whitespace)


def fold(values: pd.Series) -> pd.Series:
    """Comparison key for free text: accents removed, case folded, whitespace collapsed.

    `États-Unis`, `etats-unis` and ` ETATS  UNIS ` fold to the same key up to punctuation.
    """
    text = values.astype(object).astype("string").str.replace(_UNICODE_DASHES, "-", regex=True)
    ascii_text = (
        text.astype(object)
        .str.normalize("NFKD")
        .str.encode("ascii", "ignore")
        .str.decode("ascii")
        .astype("string")
    )
    return ascii_text.str.casefold().str.replace(r"\s+", " ", regex=True).str.strip()


def letters_key(values: pd.Series) -> pd.Series:
    """`fold` with everything but letters removed: `Life-Sciences  Tools` -> `lifesciencestools`."""
    return fold(values).str.replace(r"[^a-z]", "", regex=True)


def as_float(values: pd.Series) -> pd.Series:
    """float64 with NaN for missing, whatever nullable or object dtype the reader produced."""
    array = pd.to_numeric(values, errors="raise").astype("Float64")
    return pd.Series(array.to_numpy(dtype="float64", na_value=np.nan), index=values.index)


def as_int(values: pd.Series) -> pd.Series:
    """Nullable Int64 (readers may hand over int64, Int64 or whole floats)."""
    return pd.to_numeric(values, errors="raise").astype("Int64")


def finite_or_nan(values: pd.Series) -> pd.Series:
    """Replace +/-inf with NaN: a ratio over a zero denominator is undefined, not infinite."""
    return values.where(np.isfinite(values.to_numpy(dtype="float64")))
