"""Cell cleaning, number parsing, row verdicts and raw JSON."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from etl.extract.arrow_text import TEXT
from etl.extract.columns import ColumnRule
from etl.extract.parse import (
    RowRejects,
    apply_rules,
    clean_text,
    normalise_technology,
    normalise_technology_list,
    parse_number,
    raw_json,
    reject_duplicate_keys,
)


def _text(*values: str | None) -> pd.Series:
    return pd.Series(list(values), dtype=TEXT)


def _listed(series: pd.Series) -> list[object]:
    return [None if pd.isna(v) else v for v in series.tolist()]


# --- clean_text ------------------------------------------------------------------------


def test_clean_text_strips_and_nulls_placeholders_in_any_case() -> None:
    values = _text(
        " a b ", "N/A", "n.d.", " NULL ", "", "   ", "-", "None", "nan", "?", "\u00a0x\u3000", None
    )
    assert _listed(clean_text(values)) == ["a b", *[None] * 9, "x", None]


def test_clean_text_keeps_values_that_only_look_like_placeholders() -> None:
    long_text = "n/a " + "x" * 2000
    values = _text("-5", "n/a x", "NaNo", long_text, "\U0001f600 ok ", "\u2003Sant\u00e9\u205f")
    assert _listed(clean_text(values)) == [
        "-5",
        "n/a x",
        "NaNo",
        long_text,
        "\U0001f600 ok",
        "Sant\u00e9",
    ]


@pytest.mark.parametrize("size", [10, 1000])  # short and long texts take different paths
def test_clean_text_strips_unicode_whitespace_at_both_ends(size: int) -> None:
    body = "\u00c9tude " + "x" * size + " sant\u00e9"
    edges = [" ", "\t", "\u00a0", "\u2003", "\u3000", "\u205f", "\n\r", "\x85"]
    values = _text(body, *(edge + body for edge in edges), *(body + edge for edge in edges))
    assert _listed(clean_text(values)) == [body] * (1 + 2 * len(edges))


def test_clean_text_accepts_object_series_and_keeps_index() -> None:
    values = pd.Series([" x ", np.nan], index=[7, 9], dtype=object)
    result = clean_text(values)
    assert result.index.tolist() == [7, 9]
    assert _listed(result) == ["x", None]


# --- numbers ---------------------------------------------------------------------------

YEAR = ColumnRule("Year", "year", "int", True, 2015, 2025, "reject")
SCORE = ColumnRule("Score", "score", "float", False, 0, 100, "null")
AMOUNT = ColumnRule("Amount", "amount", "float")


def _parse(rule: ColumnRule, *values: str | None) -> tuple[list[object], list[str | None]]:
    parsed = parse_number(clean_text(_text(*values)), rule)
    problems: list[str | None] = [None] * len(values)
    for mask, problem in reversed(parsed.problems):
        for position in np.flatnonzero(mask):
            problems[position] = problem
    return _listed(parsed.values), problems


def test_numbers_stored_as_text_are_parsed() -> None:
    values, problems = _parse(YEAR, "2019.0", " 2020 ", "TRL 2021", "trl2022", "+2023", None)
    assert values == [2019, 2020, 2021, 2022, 2023, None]
    assert problems == [None] * 6


def test_int_column_is_nullable_int64_and_rejects_fractions() -> None:
    parsed = parse_number(clean_text(_text("2019.5", "2020")), YEAR)
    assert parsed.values.dtype == "Int64"
    assert _parse(YEAR, "2019.5", "2020") == ([None, 2020], ["not a whole number", None])


def test_out_of_range_and_unparsable_are_told_apart() -> None:
    values, problems = _parse(YEAR, "1899", "2026", "abc", "inf", "2015", "2025")
    assert values == [None, None, None, None, 2015, 2025]
    assert problems == [
        "out of range 2015..2025",
        "out of range 2015..2025",
        "not a number",
        "not a number",
        None,
        None,
    ]


def test_float_column_thousands_separators_only_when_unambiguous() -> None:
    values, problems = _parse(AMOUNT, "1,234", "12,345,678.5", "-1,000", "3,7", "1e3", "-0.25")
    assert values == [1234.0, 12345678.5, -1000.0, None, 1000.0, -0.25]
    assert problems == [None, None, None, "not a number", None, None]
    assert parse_number(clean_text(_text("1")), AMOUNT).values.dtype == "Float64"


def test_infinities_are_not_numbers_even_when_the_whole_column_casts() -> None:
    values, problems = _parse(AMOUNT, "1", "inf", "-Infinity", "1e400", None)
    assert values == [1.0, None, None, None, None]
    assert problems == [None, "not a number", "not a number", "not a number", None]


def test_range_text_with_one_bound_and_integers_too_large_for_int64() -> None:
    rule = ColumnRule("N", "n", "int", False, 0, None, "null")
    assert _parse(rule, "-1", "5", "1e30", "9007199254740992") == (
        [None, 5, None, 9007199254740992],
        ["out of range >= 0", None, "too large", None],
    )


# --- technologies ----------------------------------------------------------------------


def test_normalise_technology() -> None:
    values = _text(
        "CRISPR", "Crispr", " crispr ", "Gene Therapy", "gene_therapy", "CAR-T", " _ ", None
    )
    assert _listed(normalise_technology(values)) == [
        "crispr",
        "crispr",
        "crispr",
        "genetherapy",
        "genetherapy",
        "car-t",
        None,
        None,
    ]


def test_normalise_technology_list_dedupes_in_order() -> None:
    values = _text("CRISPR, Gene Therapy; crispr", "mRNA;;stem_cell,", " ; , ", "Crispr", None)
    assert _listed(normalise_technology_list(values)) == [
        "crispr;genetherapy",
        "mrna;stemcell",
        None,
        "crispr",
        None,
    ]


# --- row verdicts ----------------------------------------------------------------------

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
    assert _listed(parsed.data["month"]) == [None, 5, None, 1]
    assert {k: v.tolist() for k, v in parsed.nulled.items()} == {
        "month": [True, False, True, False]
    }


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


# --- raw JSON --------------------------------------------------------------------------


def test_raw_json_one_object_per_row_readable_and_unescaped() -> None:
    rows = pd.DataFrame(
        {
            "Lien": ["https://pubmed.ncbi.nlm.nih.gov/1/", "a\\/b"],
            "Résumé": ['line "one"\nline two \U0001f600', "\u2028sep"],
        },
        dtype=TEXT,
    )
    lines = raw_json(rows)
    assert len(lines) == 2
    assert lines[0].startswith('{"Lien":"https://pubmed.ncbi.nlm.nih.gov/1/","Résumé":')
    assert "\U0001f600" in lines[0]
    assert [json.loads(line) for line in lines] == rows.to_dict(orient="records")
    assert raw_json(rows.iloc[:0]) == []


@pytest.mark.parametrize("value", ["\\", "\\/", "/\\", "\\\\/", "x/\\/y"])
def test_raw_json_slash_unescaping_never_corrupts_backslashes(value: str) -> None:
    assert json.loads(raw_json(pd.DataFrame({"v": [value]}, dtype=TEXT))[0]) == {"v": value}
