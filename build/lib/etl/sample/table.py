"""A clean table plus the mess injected into it, with exact bookkeeping.

The generator first builds `base`: clean rows that a correct reader loads. Mess then
comes in two shapes, and each messy row carries exactly one problem:
- cell mess (`set_cell`) changes one field of a base row, chosen among rows no other
  mess touched; the row still loads (its value parses, or becomes a null);
- extra rows (`add_blank`, `add_rejected`) are inserted between base rows: blank rows,
  and rows to be rejected, each a copy of an untouched base row with one defect.
Rejected rows never carry cell mess, so no null is counted in a row that is rejected.
Because every base row loads and every extra row does not, the expected counts follow
from the bookkeeping without re-implementing the readers.

Columns are plain numpy arrays keyed by header: a DataFrame would copy a million-row
table into one block on creation, for nothing, since every step works column by column.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from etl.extract.columns import ColumnRule

Columns = dict[str, np.ndarray]  # header -> values, all of one length, in file order

# What a cell mess does to the loaded value: parses to the same value, or becomes null
# as a placeholder (before rules) or as an impossible value (rule on_invalid=null).
Effect = Literal["loaded", "placeholder", "nulled"]


@dataclass
class _Extra:
    values: dict[str, Any] | None  # None: a fully blank row
    kind: str
    after: int  # inserted after this base row


@dataclass
class Assembled:
    """The table in file order, and what a correct reader must report about it."""

    columns: Columns
    rows_in_file: int
    blank_rows: int
    rejected: dict[str, int]
    nulled: dict[str, int]
    null_counts: dict[str, int]
    mess: dict[str, int]
    mess_rows: dict[str, list[int]]  # kind -> spreadsheet row numbers (header = row 1)
    cp1252_positions: list[int]  # 0-based data-row positions written as cp1252 in CSV

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.columns)


@dataclass
class MessyTable:
    base: Columns  # clean rows; the source headers in file order
    rules: tuple[ColumnRule, ...]
    rng: np.random.Generator
    stats: dict[str, int] = field(default_factory=dict)  # facts the builder noted
    _taken: np.ndarray = field(init=False)
    _overrides: dict[str, dict[int, Any]] = field(default_factory=dict)
    _extras: list[_Extra] = field(default_factory=list)
    _cell_rows: dict[str, list[int]] = field(default_factory=dict)
    _ambient: Counter[str] = field(default_factory=Counter)
    _cp1252: list[int] = field(default_factory=list)
    _nulled: Counter[str] = field(default_factory=Counter)
    _placeholders: Counter[str] = field(default_factory=Counter)
    _rejected: Counter[str] = field(default_factory=Counter)

    def __post_init__(self) -> None:
        self._taken = np.zeros(self.base_rows, dtype=bool)
        self._column_of = {rule.header: rule.column for rule in self.rules}

    @property
    def base_rows(self) -> int:
        return len(next(iter(self.base.values())))

    @property
    def rows_in_file(self) -> int:
        return self.base_rows + len(self._extras)

    # ---- choosing rows ------------------------------------------------------------

    def pick(self, count: int, candidates: np.ndarray | None = None) -> np.ndarray:
        """`count` distinct base rows no other mess uses; they are reserved from now on.

        The last base row is never picked, so that an extra row inserted after a picked
        row never becomes the file's last row (spreadsheet readers drop trailing blanks).
        """
        allowed = ~self._taken
        allowed[-1] = False
        if candidates is not None:
            allowed &= candidates
        pool = np.flatnonzero(allowed)
        if len(pool) < count:
            raise ValueError(f"too few rows to place {count} messy rows: enlarge the sample")
        chosen = np.sort(self.rng.choice(pool, size=count, replace=False))
        self._taken[chosen] = True
        return chosen

    def value(self, header: str, index: int) -> Any:
        return _native(self.base[header][index])

    def row(self, index: int) -> dict[str, Any]:
        """A base row as a dict, for copying into an extra row."""
        return {header: _native(values[index]) for header, values in self.base.items()}

    # ---- recording mess -------------------------------------------------------------

    def set_cell(
        self, index: int, header: str, value: Any, kind: str | None, effect: Effect = "loaded"
    ) -> None:
        """Overwrite one field of a base row; `kind` None sets a value without calling it mess."""
        if effect == "placeholder" and not isinstance(value, str):
            # A None would be counted twice in null_counts (as empty and as placeholder).
            raise TypeError("a placeholder is written as text")
        self._overrides.setdefault(header, {})[index] = self._coerce(header, value)
        if kind is not None:
            self._cell_rows.setdefault(kind, []).append(index)
        column = self._column_of.get(header)
        if column is None:
            return
        if effect == "placeholder":
            self._placeholders[column] += 1
        elif effect == "nulled":
            self._nulled[column] += 1

    def mark_cp1252(self, index: int) -> None:
        self._cp1252.append(index)

    def count_ambient(self, kind: str, rows: int) -> None:
        """Mess spread over many rows by construction (spellings, suffixes): counted only."""
        self._ambient[kind] += int(rows)

    def add_blank(self, after: int) -> None:
        self._extras.append(_Extra(None, "blank_row", after))

    def add_rejected(self, values: dict[str, Any], reason: str, after: int) -> None:
        coerced = {header: self._coerce(header, value) for header, value in values.items()}
        self._extras.append(_Extra(coerced, reason, after))
        self._rejected[reason] += 1

    def _coerce(self, header: str, value: Any) -> Any:
        """An int in a float column becomes a float: a column then never mixes 1 and 1.0,
        which the writers rely on to group equal values before printing them."""
        kind = self.base[header].dtype.kind
        if kind == "f" and isinstance(value, int) and not isinstance(value, bool):
            return float(value)
        if kind in "iu" and isinstance(value, float):
            raise TypeError(f"{header}: a float in an integer column")
        return value

    # ---- assembling -----------------------------------------------------------------

    def assemble(self, with_cp1252: bool) -> Assembled:
        base = self._apply_overrides()
        order, position = self._file_order()
        columns = {
            header: self._in_file_order(header, values, order) for header, values in base.items()
        }

        n_base = self.base_rows
        mess_rows: dict[str, list[int]] = {}
        for kind, rows in self._cell_rows.items():
            mess_rows[kind] = [int(position[i]) + 2 for i in rows]
        for j, extra in enumerate(self._extras):
            mess_rows.setdefault(extra.kind, []).append(int(position[n_base + j]) + 2)
        cp1252_positions = sorted(int(position[i]) for i in self._cp1252) if with_cp1252 else []
        if cp1252_positions:
            mess_rows["cp1252_row"] = [p + 2 for p in cp1252_positions]
        mess_rows = {kind: sorted(rows) for kind, rows in sorted(mess_rows.items())}

        mess = {kind: len(rows) for kind, rows in mess_rows.items()}
        for kind, rows in self._ambient.items():
            mess[kind] = mess.get(kind, 0) + rows
        return Assembled(
            columns=columns,
            rows_in_file=self.rows_in_file,
            blank_rows=sum(extra.values is None for extra in self._extras),
            rejected=dict(sorted(self._rejected.items())),
            nulled=dict(sorted(self._nulled.items())),
            null_counts=self._null_counts(base),
            mess=dict(sorted(mess.items())),
            mess_rows=mess_rows,
            cp1252_positions=cp1252_positions,
        )

    def _apply_overrides(self) -> Columns:
        base = dict(self.base)
        for header, cells in self._overrides.items():
            values = base[header].astype(object)  # a copy: self.base stays clean
            index = np.fromiter(cells.keys(), dtype=np.int64, count=len(cells))
            values[index] = _objects(list(cells.values()))
            base[header] = values
        return base

    def _in_file_order(self, header: str, values: np.ndarray, order: np.ndarray) -> np.ndarray:
        if not self._extras:
            return values
        extra = _objects([(e.values or {}).get(header) for e in self._extras])
        return np.concatenate([values, extra]).take(order)

    def _null_counts(self, base: Columns) -> dict[str, int]:
        """Nulls per output column in the loaded data: every base row loads, and its nulls
        are the empty cells plus the cells mess turned into a placeholder or a bad value."""
        return {
            rule.column: int(pd.isna(base[rule.header]).sum())
            + self._placeholders[rule.column]
            + self._nulled[rule.column]
            for rule in self.rules
        }

    def _file_order(self) -> tuple[np.ndarray, np.ndarray]:
        """Base rows keep their order; each extra goes right after its `after` row."""
        after = np.array([extra.after for extra in self._extras], dtype=np.int64)
        major = np.concatenate([np.arange(self.base_rows), after])
        minor = np.concatenate(
            [np.zeros(self.base_rows, dtype=np.int64), np.arange(1, len(after) + 1)]
        )
        order = np.lexsort((minor, major))
        position = np.empty_like(order)
        position[order] = np.arange(len(order))
        return order, position


def _objects(values: list[Any]) -> np.ndarray:
    """A 1-D object array, whatever the values (np.array would make 2-D from sequences)."""
    array = np.empty(len(values), dtype=object)
    array[:] = values
    return array


def _native(value: Any) -> Any:
    """numpy scalars to Python ones and NaN to None, so copied rows write like base rows."""
    if isinstance(value, np.generic):
        value = value.item()
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return None
    return value
