"""dim_date: continuous full years, key format, ISO calendar, fiscal = calendar."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from etl.transform.dates import build_dim_date, covering_years, month_start_key, year_end_key


def test_covers_full_years_from_min_to_max() -> None:
    dim = build_dim_date([pd.Series([2020, None], dtype="Int64"), pd.Series([2019])])
    assert len(dim) == 365 + 366  # 2019 + leap 2020
    assert dim["date_key"].iloc[0] == 20190101
    assert dim["date_key"].iloc[-1] == 20201231
    assert dim["date_key"].is_unique
    assert dim["date"].iloc[0] == dt.date(2019, 1, 1)
    # Continuous: one row per day, no gaps.
    days = pd.to_datetime(dim["date"])
    assert (days.diff().dropna() == pd.Timedelta(days=1)).all()


def test_gap_years_are_filled() -> None:
    dim = build_dim_date([pd.Series([2015]), pd.Series([2017])])
    assert sorted(dim["year"].unique()) == [2015, 2016, 2017]


def test_calendar_attributes() -> None:
    dim = build_dim_date([pd.Series([2020, 2021])]).set_index("date_key")
    # 2021-01-01 is a Friday in ISO week 53 of 2020.
    friday = dim.loc[20210101]
    assert (friday["day_of_week"], friday["iso_week"], friday["is_weekend"]) == (5, 53, False)
    sunday = dim.loc[20210103]
    assert (sunday["day_of_week"], sunday["is_weekend"]) == (7, True)
    monday = dim.loc[20210104]
    assert (monday["day_of_week"], monday["iso_week"]) == (1, 1)
    leap = dim.loc[20200229]
    assert (leap["year"], leap["month"], leap["month_name"], leap["quarter"]) == (
        2020,
        2,
        "February",
        1,
    )
    october = dim.loc[20201015]
    assert (october["quarter"], october["fiscal_quarter"], october["fiscal_year"]) == (4, 4, 2020)
    assert dim["month_name"].nunique() == 12
    assert (dim["fiscal_year"] == dim["year"]).all()
    assert (dim["fiscal_quarter"] == dim["quarter"]).all()


def test_date_key_matches_date() -> None:
    dim = build_dim_date([pd.Series([2024])])
    rebuilt = pd.to_datetime(dim["date"]).dt.strftime("%Y%m%d").astype("int64")
    assert (rebuilt == dim["date_key"]).all()


def test_no_years_gives_empty_dimension() -> None:
    assert covering_years(pd.Series([], dtype="Int64")) is None
    assert build_dim_date([pd.Series([], dtype="Int64")]).empty


def test_fact_keys() -> None:
    years = pd.Series([2024, 2025, 2026], dtype="Int64")
    months = pd.Series([3, None, 12], dtype="Int64")
    assert month_start_key(years, months).tolist() == [20240301, pd.NA, 20261201]
    assert year_end_key(years).tolist() == [20241231, 20251231, 20261231]
