"""Reader of the TRL predictions file: one row per technology per forecast horizon."""

from __future__ import annotations

import logging
from pathlib import Path

from etl.config.year_ranges import YearRanges
from etl.extract.assembly import build_result
from etl.extract.clean_table import apply_rules
from etl.extract.columns import DROPPED_HEADERS, NATURAL_KEYS, REPEAT_IGNORED, TRL_PREDICTIONS
from etl.extract.raw_files import read_source_file
from etl.extract.result import ExtractResult, log_result
from etl.extract.technologies import normalise_technology
from etl.extract.verdicts import reject_repeated_keys, table_rejects

logger = logging.getLogger(__name__)

SOURCE = "trl_predictions"


def read_trl_predictions(path: Path, ranges: YearRanges) -> ExtractResult:
    """Clean TRL forecasts keyed by (technology, forecast_year).

    The grain is the horizon, not the technology: all four horizons of a technology are
    kept, and only a repeated (technology, year) pair is a duplicate.
    """
    headers = [rule.header for rule in TRL_PREDICTIONS]
    table = read_source_file(path, headers, optional=DROPPED_HEADERS.get(SOURCE, ()))
    rejects = table_rejects(table)
    parsed = apply_rules(
        table.frame,
        ranges.apply(TRL_PREDICTIONS),
        rejects,
        normalisers={"technology": normalise_technology},
    )
    repeats = reject_repeated_keys(
        parsed.data, NATURAL_KEYS[SOURCE], rejects, REPEAT_IGNORED.get(SOURCE, ())
    )
    result = build_result(SOURCE, table, parsed, rejects, repeats)
    log_result(logger, result)
    return result
