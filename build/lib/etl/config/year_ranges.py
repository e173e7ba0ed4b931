"""The years a run accepts: the configured minimum up to the year the run happens in.

No year literal stands for "now" anywhere: the upper bounds move with the run's own clock
(`RunContext.started_at`), so this year's articles are never rejected, and a year after
the run's (an article "published" next year) is impossible and rejected with its reason.
Readers, source suites and warehouse suites all take their year bounds from here; the
CHECK constraints only carry wide sanity bounds, and tests/unit/config/test_year_ranges.py
proves the settings can never leave them.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

from etl.config.settings import ValidationSettings
from etl.extract.columns import ColumnRule


@dataclass(frozen=True)
class YearRange:
    minimum: int
    maximum: int
    source: str  # where the bounds come from, for messages and the docs


@dataclass(frozen=True)
class YearRanges:
    """The year bounds of one run, per clean column that holds a year."""

    by_column: dict[str, YearRange]

    def __getitem__(self, column: str) -> YearRange:
        return self.by_column[column]

    def apply(self, rules: Sequence[ColumnRule]) -> tuple[ColumnRule, ...]:
        """`rules` with the bounds of every year column set to this run's."""
        return tuple(
            dataclasses.replace(rule, minimum=bound.minimum, maximum=bound.maximum)
            if (bound := self.by_column.get(rule.column)) is not None
            else rule
            for rule in rules
        )


def year_ranges(limits: ValidationSettings, run_year: int) -> YearRanges:
    published = YearRange(
        limits.min_year, run_year, "settings.validation.min_year .. year of the run"
    )
    fiscal = YearRange(
        limits.min_fiscal_year,
        run_year + 1,
        "settings.validation.min_fiscal_year .. year of the run + 1",
    )
    forecast = YearRange(
        limits.min_year,
        run_year + limits.forecast_years_ahead,
        "settings.validation.min_year .. year of the run + forecast_years_ahead",
    )
    return YearRanges(
        {
            "pub_year": published,
            # The year a TRL was assessed: it cannot be later than the run either.
            "current_year": published,
            "forecast_year": forecast,
            "fiscal_year": fiscal,
            "first_fiscal_year": fiscal,
            "last_fiscal_year": fiscal,
        }
    )
