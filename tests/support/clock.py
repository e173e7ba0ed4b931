"""The frozen clock of tests that read files directly: a run in the year the sample was made.

Readers take the years a run accepts from the run's own date; tests pin that date so the
same file gives the same verdicts every year.
"""

from __future__ import annotations

from etl.config.settings import ValidationSettings
from etl.config.year_ranges import YearRanges, year_ranges

RUN_YEAR = 2026


def run_year_ranges(run_year: int = RUN_YEAR) -> YearRanges:
    return year_ranges(ValidationSettings(), run_year)
