"""dim_date and the date keys the facts point at.

Calendar conventions, fixed here once:
- `date_key` is the integer YYYYMMDD of the day.
- The fiscal year is the calendar year and the fiscal quarter the calendar quarter: the
  SEC company facts are reported per fiscal year with no fiscal-year-end month in the
  source, so a fiscal year is keyed on its 31 December (`year_end_key`).
- `day_of_week` is ISO (Monday 1 .. Sunday 7) and `iso_week` the ISO 8601 week number,
  so the first days of January may belong to week 52/53 of the previous year.
- A publication is dated the first day of its month (`month_start_key`); a publication
  with an unknown month has no date key, only its year.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

import numpy as np
import pandas as pd

logger = logging.getLogger(__name__)

# Fixed English names: `Series.dt.month_name()` follows the process locale.
MONTH_NAMES = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
DIM_DATE_COLUMNS = (
    "date_key",
    "date",
    "year",
    "quarter",
    "month",
    "month_name",
    "iso_week",
    "day_of_week",
    "is_weekend",
    "fiscal_year",
    "fiscal_quarter",
)


def date_key(year: pd.Series, month: pd.Series, day: int | pd.Series) -> pd.Series:
    """YYYYMMDD as nullable Int64; null when any part is null."""
    return year.astype("Int64") * 10_000 + month.astype("Int64") * 100 + day


def month_start_key(year: pd.Series, month: pd.Series) -> pd.Series:
    """Key of the first day of the month; null when the month is unknown."""
    return date_key(year, month, 1)


def year_end_key(year: pd.Series) -> pd.Series:
    """Key of 31 December of the year (forecast years, fiscal years)."""
    return year.astype("Int64") * 10_000 + 1231


def covering_years(*years: pd.Series) -> tuple[int, int] | None:
    """(first, last) year over every given column, nulls ignored; None if all are empty."""
    values = [pd.Series(column).dropna().astype("int64") for column in years]
    values = [column for column in values if not column.empty]
    if not values:
        return None
    return int(min(column.min() for column in values)), int(max(column.max() for column in values))


def build_dim_date(years: Iterable[pd.Series]) -> pd.DataFrame:
    """Every day of every full calendar year from the earliest to the latest year given.

    A continuous range, not only the days facts use, so BI tools can fill gaps in time
    series. Returns the columns of `DIM_DATE_COLUMNS`; `date` holds `datetime.date`.
    """
    span = covering_years(*years)
    if span is None:
        logger.info("dim_date=empty reason=no_years")
        return pd.DataFrame({column: pd.Series(dtype=object) for column in DIM_DATE_COLUMNS})
    first, last = span
    days = pd.date_range(f"{first}-01-01", f"{last}-12-31", freq="D")
    iso = days.isocalendar()
    year = days.year.to_numpy(dtype="int64")
    month = days.month.to_numpy(dtype="int64")
    quarter = days.quarter.to_numpy(dtype="int64")
    day_of_week = iso["day"].to_numpy(dtype="int64")
    frame = pd.DataFrame(
        {
            "date_key": year * 10_000 + month * 100 + days.day.to_numpy(dtype="int64"),
            "date": days.date,
            "year": year,
            "quarter": quarter,
            "month": month,
            "month_name": np.asarray(MONTH_NAMES, dtype=object)[month - 1],
            "iso_week": iso["week"].to_numpy(dtype="int64"),
            "day_of_week": day_of_week,
            "is_weekend": day_of_week >= 6,
            "fiscal_year": year,  # fiscal year = calendar year (module docstring)
            "fiscal_quarter": quarter,
        }
    )
    logger.info("dim_date=built first_year=%d last_year=%d days=%d", first, last, len(frame))
    return frame
