"""Injecting each kind of mess into a `MessyTable`, in a known number of rows.

A kind comes with variants (ways of being messy, e.g. `2019.0` and ` 2020 `); the rows of
a kind cycle through its variants, so every variant appears once the count reaches the
number of variants. Counts never go below that number for this reason.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from etl.sample.table import Effect, MessyTable

# Given a base row index: (header, new value, effect on the loaded value).
CellVariant = Callable[[int], tuple[str, Any, Effect]]
# Given a copy of a clean base row: the row with its one defect.
RowVariant = Callable[[dict[str, Any]], dict[str, Any]]


def mess_unit(rows: int, per: int, cap: int) -> int:
    """Rows per mess kind: grows with the file so that big files stay messy, but capped
    so that the rejected share stays far below the pipeline's max_rejected_ratio."""
    return max(1, min(cap, rows // per))


def inject_cells(
    table: MessyTable,
    kind: str,
    variants: Sequence[CellVariant],
    count: int,
    candidates: np.ndarray | None = None,
) -> np.ndarray:
    rows = table.pick(max(count, len(variants)), candidates)
    for i, row in enumerate(rows):
        header, value, effect = variants[i % len(variants)](int(row))
        table.set_cell(int(row), header, value, kind, effect)
    return rows


def inject_rejects(
    table: MessyTable, reason: str, variants: Sequence[RowVariant], count: int
) -> None:
    """Rows rejected for `reason`: copies of untouched base rows, placed anywhere.

    The variant must also give the copy a key no other row has (e.g. a fresh PMID) when
    the defect alone would leave the copy's key equal to its source's.
    """
    sources = table.pick(max(count, len(variants)))
    after = _positions(table, len(sources))
    for i, (source, position) in enumerate(zip(sources, after, strict=True)):
        values = variants[i % len(variants)](table.row(int(source)))
        table.add_rejected(values, reason, int(position))


def inject_duplicates(table: MessyTable, variants: Sequence[RowVariant], count: int) -> None:
    """Exact repeats of an earlier, clean, loaded row: its natural key and, once clean,
    its values (a variant may only respell them). The reader drops them as
    `duplicate_row`; a repeat with different values would reject its original too
    (`conflicting_duplicate`), which this generator does not inject."""
    originals = table.pick(max(count, len(variants)))
    last_allowed = table.base_rows - 2  # never after the last base row
    for i, original in enumerate(originals):
        values = variants[i % len(variants)](table.row(int(original)))
        # Anywhere after the original, so that it is the later of the two.
        position = int(table.rng.integers(int(original), last_allowed + 1))
        table.add_rejected(values, "duplicate_row", position)


def inject_blanks(table: MessyTable, count: int) -> None:
    for position in _positions(table, count):
        table.add_blank(int(position))


def _positions(table: MessyTable, count: int) -> np.ndarray:
    """Insertion points strictly inside the file: after the first row, before the last."""
    return table.rng.integers(0, table.base_rows - 1, size=count)
