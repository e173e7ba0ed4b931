"""Reader of the biotech companies file: one row per SEC company (CIK) per fiscal year."""

from __future__ import annotations

import logging
from pathlib import Path

from etl.config.year_ranges import YearRanges
from etl.extract.assembly import build_result
from etl.extract.clean_table import apply_rules
from etl.extract.columns import BIOTECH_COMPANIES, DROPPED_HEADERS, NATURAL_KEYS, REPEAT_IGNORED
from etl.extract.raw_files import read_source_file
from etl.extract.result import ExtractResult, log_result
from etl.extract.verdicts import reject_repeated_keys, table_rejects

logger = logging.getLogger(__name__)

SOURCE = "biotech_companies"


def read_biotech_companies(path: Path, ranges: YearRanges) -> ExtractResult:
    """Clean company-years keyed by (cik, fiscal_year), never by the company name.

    `file_path` (a path on the analyst's machine) is not data: it stays out of the clean
    table but is kept in the raw JSON of rejected rows, like every column of the file.
    """
    headers = [rule.header for rule in BIOTECH_COMPANIES]
    table = read_source_file(path, headers, optional=DROPPED_HEADERS.get(SOURCE, ()))
    rejects = table_rejects(table)
    parsed = apply_rules(table.frame, ranges.apply(BIOTECH_COMPANIES), rejects)
    repeats = reject_repeated_keys(
        parsed.data, NATURAL_KEYS[SOURCE], rejects, REPEAT_IGNORED.get(SOURCE, ())
    )
    result = build_result(SOURCE, table, parsed, rejects, repeats)
    log_result(logger, result)
    return result
