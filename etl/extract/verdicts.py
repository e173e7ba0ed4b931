"""The verdict on every row: kept, or rejected with a reason, a column and a message.

Check order: a row cut short by the end of the file (`truncated_row`) first, then the
column rules, then repeated natural keys (`duplicate_row`, `conflicting_duplicate`).

One convention: the first failing check in check order gives the reason, so a row with
several problems is reported once, for its first one. A later check never overwrites it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from etl.extract.arrow_text import Mask, as_bool
from etl.extract.raw_files import RawTable


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


@dataclass(frozen=True)
class Repeats:
    """What `reject_repeated_keys` found among the rows it looked at."""

    exact: int = 0  # later rows equal to an earlier one in every compared column
    conflicting: int = 0  # later rows of a key whose rows disagree (the ratio's numerator)
    conflicting_rows: int = 0  # every row of such keys, all rejected


def table_rejects(table: RawTable) -> RowRejects:
    """The verdicts of a table's rows, its cut-short last record already rejected: its
    values end where the copy stopped, so no rule may read them as data."""
    rejects = RowRejects(table.frame.index)
    if table.truncated_row is not None:
        row = table.truncated_row
        message = f"row={row} problem={table.truncated_problem}"
        rejects.add(table.frame.index == row, "truncated_row", None, pd.Series([message], [row]))
    return rejects


def reject_repeated_keys(
    data: pd.DataFrame, key: Sequence[str], rejects: RowRejects, ignored: Sequence[str] = ()
) -> Repeats:
    """Reject the rows of a natural key seen more than once among rows still accepted.

    Two kinds of repeat, told apart by the clean values of every other column of `data`
    except `ignored` (raw spellings such as a PubMed link, which say nothing of the data):
    - exact (`duplicate_row`): every row of the key holds the same values; the first is
      kept, the later ones are dropped: nothing is lost;
    - conflicting (`conflicting_duplicate`): the rows disagree on at least one column.
      Every row of the key is rejected, the first too: nothing says which one is right
      (a restatement? a typo?), and keeping the first would publish a figure chosen by
      file order. Each message names all the rows of the key and the columns that differ.
    A key either is exact or conflicting as a whole: three rows of which two agree are
    still one conflict, all three rejected.
    """
    key = list(key)
    compared = [name for name in data.columns if name not in {*key, *ignored}]
    # The key columns alone find the repeats; only their rows are then taken whole. Taking
    # every accepted row first copied all of a million articles' text (11 of the pubmed
    # extract's 56 s, pyinstrument, loaded machine) to keep a few hundred.
    alive_keys = data.loc[~rejects.mask, key]
    involved = data.loc[alive_keys.index[alive_keys.duplicated(keep=False).to_numpy()]]
    if involved.empty:
        return Repeats()
    frame = involved.reset_index()
    groups = frame.groupby(key, sort=False, dropna=False)
    # Per key and column: how many distinct values (a null is a value: NA vs 12 differs).
    distinct = groups[compared].nunique(dropna=False)
    differs = distinct.to_numpy() > 1
    conflict_of_group = differs.any(axis=1)
    group = groups.ngroup().to_numpy()
    conflicting = conflict_of_group[group]
    repeat = frame.duplicated(subset=key, keep="first").to_numpy()
    value = _key_text(frame, key)
    rows = frame["row_number"].to_numpy()

    first_row = groups["row_number"].transform("first").astype(str)
    exact = repeat & ~conflicting
    exact_messages = f"column={','.join(key)} value='" + value + "' problem=same values as row "
    exact_messages = (exact_messages + first_row).to_numpy(dtype=object)
    _reject_rows(rejects, data.index, rows[exact], "duplicate_row", exact_messages[exact])

    if conflicting.any():
        # Text per key, built column by column (a loop over columns, never over rows).
        columns = pd.Series("", index=distinct.index, dtype=object)
        for position, name in enumerate(distinct.columns):
            columns = columns + np.where(differs[:, position], name + ",", "")
        listed = groups["row_number"].agg(lambda numbers: ",".join(map(str, numbers)))
        per_group = (
            "problem=conflicting duplicate: rows "
            + listed.to_numpy(dtype=object)
            + " differ in "
            + columns.str.rstrip(",").to_numpy(dtype=object)
        )
        conflict_messages = (f"column={','.join(key)} value='" + value + "' ").to_numpy(
            dtype=object
        ) + per_group[group]
        _reject_rows(
            rejects,
            data.index,
            rows[conflicting],
            "conflicting_duplicate",
            conflict_messages[conflicting],
        )
    return Repeats(
        exact=int(exact.sum()),
        conflicting=int((repeat & conflicting).sum()),
        conflicting_rows=int(conflicting.sum()),
    )


def _key_text(frame: pd.DataFrame, key: list[str]) -> pd.Series:
    value = frame[key[0]].astype(str)
    for name in key[1:]:
        value = value + "," + frame[name].astype(str)
    return value


def _reject_rows(
    rejects: RowRejects, index: pd.Index, rows: np.ndarray, reason: str, messages: np.ndarray
) -> None:
    if rows.size:
        rejects.add(index.isin(rows), reason, None, pd.Series(messages, index=rows))
