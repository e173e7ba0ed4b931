"""The ExtractResult of a reader, assembled from the raw table, the clean table and the
verdicts: loaded rows, rejected rows with their raw values as JSON, nulled-field and
cleaned-cell counts."""

from __future__ import annotations

import numpy as np
import pandas as pd

from etl.extract.clean_table import ParsedTable
from etl.extract.columns import REJECTED_COLUMNS, RULES
from etl.extract.raw_files import RawTable
from etl.extract.result import ExtractResult
from etl.extract.rows import select_rows
from etl.extract.verdicts import Repeats, RowRejects


def build_result(
    source: str, table: RawTable, parsed: ParsedTable, rejects: RowRejects, repeats: Repeats
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
        cleaned=cleaned_by_column(source, table.cleaned),
        conflicting_repeats=repeats.conflicting,
    )


def cleaned_by_column(source: str, by_header: dict[str, int]) -> dict[str, int]:
    """Counts keyed by header, renamed to the clean column (a dropped column keeps its header)."""
    column_of = {rule.header: rule.column for rule in RULES.get(source, ())}
    return {column_of.get(header, header): count for header, count in by_header.items()}


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
