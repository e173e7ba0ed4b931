"""Row verdicts: the first reject stands; repeated keys are exact or conflicting."""

from __future__ import annotations

import numpy as np
import pandas as pd

from etl.extract.verdicts import Repeats, RowRejects, reject_repeated_keys


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
    repeats = reject_repeated_keys(data, ("tech", "year"), rejects)
    assert rejects.reason.tolist() == ["invalid_x", None, "duplicate_row", None, None]
    assert rejects.column.tolist() == ["X", None, None, None, None]
    assert rejects.message[2] == "column=tech,year value='crispr,2026' problem=same values as row 3"
    assert repeats == Repeats(exact=1)


def test_no_duplicate_keys_leaves_every_row_accepted() -> None:
    index = pd.Index([2, 3], name="row_number")
    rejects = RowRejects(index)
    repeats = reject_repeated_keys(pd.DataFrame({"pmid": [1, 2]}, index=index), ("pmid",), rejects)
    assert rejects.mask.tolist() == [False, False]
    assert repeats == Repeats()


def _companies(index: pd.Index) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "cik": pd.array([7, 7, 8, 8, 8, 9], dtype="Int64"),
            "fiscal_year": pd.array([2020] * 6, dtype="Int64"),
            "revenues": pd.array([1.5, 1.5, 5.0, 6.0, 5.0, 2.0], dtype="Float64"),
            "entity_name": pd.Series(["A", "A", "B", "B", "b", "C"], dtype="string[pyarrow]"),
        },
        index=index,
    )


def test_conflicting_repeat_rejects_every_row_of_its_key_and_names_rows_and_columns() -> None:
    index = pd.Index([2, 3, 4, 5, 6, 7], name="row_number")
    rejects = RowRejects(index)
    repeats = reject_repeated_keys(_companies(index), ("cik", "fiscal_year"), rejects)
    assert rejects.reason.tolist() == [
        None,
        "duplicate_row",
        "conflicting_duplicate",
        "conflicting_duplicate",
        "conflicting_duplicate",
        None,
    ]
    assert (
        rejects.message[2:5].tolist()
        == [
            "column=cik,fiscal_year value='8,2020' problem=conflicting duplicate: rows 4,5,6 "
            "differ in revenues,entity_name"
        ]
        * 3
    )
    # Later rows of the conflicting key: the two after row 4; all three rejected.
    assert repeats == Repeats(exact=1, conflicting=2, conflicting_rows=3)


def test_a_null_against_a_value_is_a_conflict_and_ignored_columns_never_are() -> None:
    index = pd.Index([2, 3, 4, 5], name="row_number")
    data = pd.DataFrame(
        {
            "pmid": [1, 1, 2, 2],
            "link": ["http://a/1", "https://a/1/", "x", "y"],
            "month": pd.array([3, 3, pd.NA, 4], dtype="Int64"),
        },
        index=index,
    )
    rejects = RowRejects(index)
    repeats = reject_repeated_keys(data, ("pmid",), rejects, ignored=("link",))
    assert rejects.reason.tolist() == [
        None,
        "duplicate_row",
        "conflicting_duplicate",
        "conflicting_duplicate",
    ]
    assert rejects.message[3].endswith("problem=conflicting duplicate: rows 4,5 differ in month")
    assert repeats == Repeats(exact=1, conflicting=1, conflicting_rows=2)
