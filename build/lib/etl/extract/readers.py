"""The reader of each source, and the one entry point the pipeline calls."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from etl.config.settings import Settings
from etl.config.year_ranges import YearRanges, year_ranges
from etl.errors import ConfigError
from etl.extract.biotech_companies import read_biotech_companies
from etl.extract.paths import resolve_source_path
from etl.extract.pubmed_articles import read_pubmed_articles
from etl.extract.result import ExtractResult
from etl.extract.trl_predictions import read_trl_predictions

READERS: dict[str, Callable[[Path, YearRanges], ExtractResult]] = {
    "trl_predictions": read_trl_predictions,
    "pubmed_articles": read_pubmed_articles,
    "biotech_companies": read_biotech_companies,
}


def extract_source(settings: Settings, name: str, run_year: int) -> ExtractResult:
    """Read source `name` from the raw directory (another extension if the named file is
    absent), accepting years up to those of a run in `run_year`."""
    if name not in READERS:
        known = ", ".join(READERS)
        raise ConfigError(f"key=sources.{name} problem=unknown source (known: {known})")
    path = resolve_source_path(settings.paths.raw_dir, settings.sources.get(name).file)
    return READERS[name](path, year_ranges(settings.validation, run_year))
