"""The verdict on every row: kept, or rejected with a reason, a column and a message.

One convention: the first failing check in check order gives the reason, so a row with
several problems is reported once, for its first one. A later check never overwrites it.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from etl.extract.arrow_text import Mask, as_bool


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
