"""A raw table cleaned by its column rules: rule order decides the reason of a reject."""

from __future__ import annotations

import pandas as pd

from etl.extract.arrow_text import TEXT
from etl.extract.clean_table import apply_rules
from etl.extract.columns import ColumnRule
from etl.extract.verdicts import RowRejects

from .series import listed

RULES = (
    ColumnRule("Name", "name", "text", required=True),
    ColumnRule("Year", "year", "int", True, 2015, 2025, "reject"),
    ColumnRule("Month", "month", "int", False, 1, 12, "null"),
)


def _raw(rows: list[tuple[str, str, str]]) -> pd.DataFrame:
    index = pd.Index(range(2, 2 + len(rows)), name="row_number")
    return pd.DataFrame(rows, columns=["Name", "Year", "Month"], index=index).astype(TEXT)


def test_first_failing_rule_in_rule_order_gives_the_reason() -> None:
    raw = _raw(
        [
            ("a", "2020", "13"),  # month nulled, row kept
            ("", "1899", "5"),  # missing name comes before the invalid year
            ("b", "1899", "x"),  # invalid year
            ("c", "n/a", "1"),  # missing year
        ]
    )
    rejects = RowRejects(raw.index)
    parsed = apply_rules(raw, RULES, rejects)
    assert rejects.reason.tolist() == [None, "missing_name", "invalid_year", "missing_year"]
    assert rejects.column.tolist() == [None, "Name", "Year", "Year"]
    assert rejects.message.tolist() == [
        None,
        "column=Name value='' problem=missing required value",
        "column=Year value='1899' problem=out of range 2015..2025",
        "column=Year value='n/a' problem=missing required value",
    ]
    assert listed(parsed.data["month"]) == [None, 5, None, 1]
    assert {k: v.tolist() for k, v in parsed.nulled.items()} == {
        "month": [True, False, True, False]
    }


def test_normaliser_runs_on_the_clean_text_before_the_required_check() -> None:
    raw = _raw([(" A ", "2020", ""), ("n/a", "2020", ""), ("_", "2021", "")])
    rejects = RowRejects(raw.index)
    blank_underscore = {"name": lambda clean: clean.str.lower().mask(clean == "_")}
    parsed = apply_rules(raw, RULES, rejects, normalisers=blank_underscore)
    assert listed(parsed.data["name"]) == ["a", None, None]
    assert rejects.reason.tolist() == [None, "missing_name", "missing_name"]
    assert list(parsed.data.columns) == ["name", "year", "month"]
