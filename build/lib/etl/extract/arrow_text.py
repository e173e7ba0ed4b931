"""Text columns between pandas and Arrow: the extract's one text dtype and its views.

Every text column of the extract is a pyarrow-backed pandas string (`TEXT`), so Arrow
kernels read and return it without one Python object per cell.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

TEXT = pd.StringDtype("pyarrow")

Mask = pd.Series | np.ndarray


def arrow_text(values: pd.Series) -> pa.ChunkedArray:
    """The Arrow strings behind a text Series (no copy when it is TEXT already)."""
    array = pa.array(values.astype(TEXT).array)
    return array if isinstance(array, pa.ChunkedArray) else pa.chunked_array([array])


def text_series(array: pa.ChunkedArray | pa.Array, index: pd.Index) -> pd.Series:
    return pd.Series(pd.arrays.ArrowStringArray(array), index=index, dtype=TEXT)


def as_bool(mask: Mask | pa.ChunkedArray) -> np.ndarray:
    """A mask as a numpy bool array, null counting as False."""
    if isinstance(mask, pa.ChunkedArray | pa.Array):
        return pc.fill_null(mask, False).to_numpy(zero_copy_only=False).astype(bool)
    if isinstance(mask, pd.Series):
        return mask.to_numpy(dtype=bool, na_value=False)
    return np.asarray(mask, dtype=bool)


def arrow_to_text_frame(table: pa.Table) -> pd.DataFrame:
    """An Arrow table of strings as a DataFrame of TEXT columns, the strings not copied."""
    return table.to_pandas(types_mapper={pa.string(): TEXT, pa.large_string(): TEXT}.get)
