"""One range rule per year column: the run's own date sets the maximum, settings the minimum.

Readers, suites and CHECK constraints agree, and no year literal stands for "now": the
same file gives other verdicts on 31 December and on 1 January.
"""

from __future__ import annotations

import dataclasses
import re
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest
from pydantic import SecretStr
from sqlalchemy import CheckConstraint

from etl.config.settings import PathsSettings, Settings, SourcesSettings, ValidationSettings
from etl.config.year_ranges import year_ranges
from etl.extract.columns import RULES
from etl.quality.source_suites import source_expectations
from etl.stages.context import RunContext, new_run_context
from etl.stages.extract import extract_source
from etl.warehouse.schema import PUBLISHED_TABLES
from tests.unit.extract.rows import (
    COMPANY_HEADERS,
    PUBMED_HEADERS,
    company_row,
    pubmed_row,
    write_csv,
)

NEW_YEARS_EVE = datetime(2026, 12, 31, 23, 59, 59, tzinfo=UTC)
NEW_YEARS_DAY = datetime(2027, 1, 1, 0, 0, 0, tzinfo=UTC)


def _ctx(raw: Path, started_at: datetime) -> RunContext:
    settings = Settings(
        warehouse_url=SecretStr("postgresql://unused/none"),
        paths=PathsSettings(raw_dir=raw, staging_dir=raw / "staging"),
        sources=SourcesSettings(),
    )
    # The run's clock, frozen: everything year-related derives from `started_at`.
    return dataclasses.replace(new_run_context(settings, "standard"), started_at=started_at)


def _files(tmp_path: Path) -> Path:
    raw = tmp_path / "raw"
    raw.mkdir()
    sources = SourcesSettings()
    write_csv(
        raw / Path(sources.get("pubmed_articles").file).with_suffix(".csv").name,
        PUBMED_HEADERS,
        [
            pubmed_row(10_000_001, Year="2025"),
            pubmed_row(10_000_002, Year="2026"),  # this year's article
            pubmed_row(10_000_003, Year="2027"),  # next year's
        ],
    )
    write_csv(
        raw / sources.get("biotech_companies").file,
        COMPANY_HEADERS,
        [
            company_row(cik="1", fiscalYear="2026"),
            company_row(cik="2", fiscalYear="2027"),  # a fiscal year ends after the run's
            company_row(cik="3", fiscalYear="2028"),
        ],
    )
    return raw


def _verdicts(ctx: RunContext, source: str, key: str) -> tuple[list[int], dict[int, str]]:
    outcome = extract_source(ctx, source)
    loaded = pd.read_parquet(outcome.data_path)[key].tolist()
    rejected = pd.read_parquet(outcome.rejected_path)
    return sorted(loaded), dict(zip(rejected["row_number"], rejected["message"], strict=True))


def test_this_years_articles_load_and_next_years_are_impossible(tmp_path: Path) -> None:
    ctx = _ctx(_files(tmp_path), NEW_YEARS_EVE)
    loaded, rejected = _verdicts(ctx, "pubmed_articles", "pmid")
    assert loaded == [10_000_001, 10_000_002]
    assert rejected == {4: "column=Year value='2027' problem=out of range 2015..2026"}


def test_new_years_day_accepts_the_new_year(tmp_path: Path) -> None:
    ctx = _ctx(_files(tmp_path), NEW_YEARS_DAY)
    loaded, rejected = _verdicts(ctx, "pubmed_articles", "pmid")
    assert loaded == [10_000_001, 10_000_002, 10_000_003]
    assert rejected == {}


@pytest.mark.parametrize(
    ("started_at", "loaded_ciks", "rejected_row"),
    [(NEW_YEARS_EVE, [1, 2], 4), (NEW_YEARS_DAY, [1, 2, 3], None)],
    ids=["31-december", "1-january"],
)
def test_fiscal_years_reach_one_year_past_the_run(
    tmp_path: Path, started_at: datetime, loaded_ciks: list[int], rejected_row: int | None
) -> None:
    loaded, rejected = _verdicts(_ctx(_files(tmp_path), started_at), "biotech_companies", "cik")
    assert loaded == loaded_ciks
    if rejected_row is None:
        assert rejected == {}
    else:
        assert rejected == {
            rejected_row: "column=fiscalYear value='2028' problem=out of range 2015..2027"
        }


def test_the_suites_check_the_bounds_the_readers_applied() -> None:
    years = year_ranges(ValidationSettings(min_year=2017), NEW_YEARS_EVE.year)
    compared = []
    for source in ("pubmed_articles", "biotech_companies", "trl_predictions"):
        outcome = type(
            "Outcome",
            (),
            {"source": source, "rows_in_file": 1, "loaded": 1, "rejected": 0, "blank_rows": 0},
        )()
        ranges = {
            e.column: (e.min_value, e.max_value)
            for e in source_expectations(source, ValidationSettings(min_year=2017), outcome, years)
            if type(e).__name__ == "ExpectColumnValuesToBeBetween"
        }
        for rule in years.apply(RULES[source]):
            if rule.column in years.by_column:
                assert ranges[rule.column] == (rule.minimum, rule.maximum)
                compared.append(rule.column)
    assert sorted(compared) == ["current_year", "fiscal_year", "forecast_year", "pub_year"]
    assert years["pub_year"].minimum == 2017 and years["pub_year"].maximum == 2026
    assert years["fiscal_year"].maximum == 2027


def _check_bounds() -> dict[str, tuple[float, float]]:
    """`column BETWEEN a AND b` of every CHECK constraint of the published tables."""
    found: dict[str, tuple[float, float]] = {}
    for table in PUBLISHED_TABLES:
        constraints = list(table.constraints)
        for column in table.columns:
            constraints.extend(column.constraints)
        for constraint in constraints:
            if not isinstance(constraint, CheckConstraint):
                continue
            match = re.fullmatch(r"(\w+) BETWEEN (\S+) AND (\S+)", str(constraint.sqltext))
            if match:
                found[match[1]] = (float(match[2]), float(match[3]))
    return found


def test_check_constraints_agree_with_the_readers_rules() -> None:
    checks = _check_bounds()
    compared = 0
    for rules in RULES.values():
        for rule in rules:
            if rule.column in checks and rule.minimum is not None:
                assert checks[rule.column] == (rule.minimum, rule.maximum), rule.column
                compared += 1
    assert compared >= 6  # trl x2 tables, current/predicted trl, month, maturity, percents


def test_year_checks_hold_every_year_the_settings_allow() -> None:
    checks = _check_bounds()
    floors = {
        name: next(m.ge for m in field.metadata if hasattr(m, "ge"))
        for name, field in ValidationSettings.model_fields.items()
        if name in ("min_year", "min_fiscal_year")
    }
    assert checks["pub_year"][0] == floors["min_year"]
    assert checks["fiscal_year"][0] == floors["min_fiscal_year"]
    # The CHECKs' upper bounds outlast any run of this century.
    assert checks["pub_year"][1] >= 2099 and checks["fiscal_year"][1] >= 2099
