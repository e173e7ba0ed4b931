"""Row verdicts: the first reject stands, duplicates count only rows still accepted."""

from __future__ import annotations

import numpy as np
import pandas as pd

from etl.extract.verdicts import RowRejects, reject_duplicate_keys


def test_earlier_reject_is_never_overwritten() -> None:
    rejects = RowRejects(pd.Index([2, 3], name="row_number"))
    raw = pd.Series(["x", "y"], index=rejects.index)
    rejects.add_value_problem(pd.Series([True, False], index=raw.index), "first", "A", raw, "p1")
    rejects.add_value_problem(np.array([True, True]), "second", "B", raw, "p2")
    assert rejects.reason.tolist() == ["first", "second"]
    assert rejects.message.tolist() == [
        "column=A value='x' problem=p1",
        "column=B value='y' problem=p2",
    ]


def test_duplicates_only_count_rows_still_accepted() -> None:
    index = pd.Index([2, 3, 4, 5, 6], name="row_number")
    data = pd.DataFrame(
        {
            "tech": ["crispr", "crispr", "crispr", "crispr", "mrna"],
            "year": [2026, 2026, 2026, 2027, 2026],
        },
        index=index,
    )
    rejects = RowRejects(index)
    rejects.add(
        pd.Series([True, False, False, False, False], index=index),
        "invalid_x",
        "X",
        pd.Series(["m"], [2]),
    )
    reject_duplicate_keys(data, ("tech", "year"), rejects)
    assert rejects.reason.tolist() == ["invalid_x", None, "duplicate_key", None, None]
    assert rejects.column.tolist() == ["X", None, None, None, None]
    assert rejects.message[2] == "column=tech,year value='crispr,2026' problem=duplicate of row 3"


def test_no_duplicate_keys_leaves_every_row_accepted() -> None:
    index = pd.Index([2, 3], name="row_number")
    rejects = RowRejects(index)
    reject_duplicate_keys(pd.DataFrame({"pmid": [1, 2]}, index=index), ("pmid",), rejects)
    assert rejects.mask.tolist() == [False, False]
