"""Numbers stored as text: parsed values, dtypes, and each problem told apart."""

from __future__ import annotations

import numpy as np
import pytest

from etl.extract.cells import clean_text
from etl.extract.columns import ColumnRule
from etl.extract.numbers import parse_number, to_number

from .series import listed, text

YEAR = ColumnRule("Year", "year", "int", True, 2015, 2025, "reject")
AMOUNT = ColumnRule("Amount", "amount", "float")


def _parse(rule: ColumnRule, *values: str | None) -> tuple[list[object], list[str | None]]:
    parsed = parse_number(clean_text(text(*values)), rule)
    problems: list[str | None] = [None] * len(values)
    for mask, problem in reversed(parsed.problems):
        for position in np.flatnonzero(mask):
            problems[position] = problem
    return listed(parsed.values), problems


def test_numbers_stored_as_text_are_parsed() -> None:
    values, problems = _parse(YEAR, "2019.0", " 2020 ", "TRL 2021", "trl2022", "+2023", None)
    assert values == [2019, 2020, 2021, 2022, 2023, None]
    assert problems == [None] * 6


def test_int_column_is_nullable_int64_and_rejects_fractions() -> None:
    parsed = parse_number(clean_text(text("2019.5", "2020")), YEAR)
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
    assert parse_number(clean_text(text("1")), AMOUNT).values.dtype == "Float64"


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


def test_range_text_with_only_an_upper_bound_and_a_fractional_bound() -> None:
    rule = ColumnRule("S", "s", "float", False, None, 99.5, "null")
    assert _parse(rule, "100", "99.5") == ([None, 99.5], ["out of range <= 99.5", None])


def test_to_number_gives_nan_for_absent_and_invalid_values() -> None:
    numbers = to_number(text("1.5", None, "x", "TRL 3"))
    assert numbers[0] == pytest.approx(1.5)
    assert np.isnan(numbers[1]) and np.isnan(numbers[2])
    assert numbers[3] == 3.0
