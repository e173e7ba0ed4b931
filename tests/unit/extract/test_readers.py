"""The source registry and its entry point."""

from __future__ import annotations

from pathlib import Path

import pytest

from etl.config.settings import SOURCE_NAMES, PathsSettings, Settings
from etl.errors import ConfigError, SourceFileError
from etl.extract.readers import READERS, extract_source
from tests.support.clock import RUN_YEAR

from .rows import PUBMED_HEADERS, TRL_HEADERS, pubmed_row, trl_row, write_csv, write_xlsx


def _settings(raw_dir: Path) -> Settings:
    return Settings(paths=PathsSettings(raw_dir=raw_dir))


def test_every_configured_source_has_a_reader() -> None:
    assert set(READERS) == set(SOURCE_NAMES)


def test_extract_source_reads_the_configured_file(tmp_path: Path) -> None:
    write_xlsx(tmp_path / "realistic_trl_predictions.xlsx", TRL_HEADERS, [trl_row()])
    result = extract_source(_settings(tmp_path), "trl_predictions", RUN_YEAR)
    assert result.file == tmp_path / "realistic_trl_predictions.xlsx"
    assert (result.source, len(result.data)) == ("trl_predictions", 1)


def test_extract_source_takes_another_extension_of_the_same_stem(tmp_path: Path) -> None:
    path = tmp_path / "pubmed_articles_2015_2025_mergeds.csv"
    write_csv(path, PUBMED_HEADERS, [pubmed_row(1), pubmed_row(2)])
    result = extract_source(_settings(tmp_path), "pubmed_articles", RUN_YEAR)
    assert (result.file, result.data["pmid"].tolist()) == (path, [1, 2])


def test_extract_source_missing_file_and_unknown_source(tmp_path: Path) -> None:
    with pytest.raises(SourceFileError, match=r"abi_targeted_biotech_dataset_2019_2025\.csv"):
        extract_source(_settings(tmp_path), "biotech_companies", RUN_YEAR)
    with pytest.raises(ConfigError, match=r"key=sources\.patents problem=unknown source"):
        extract_source(_settings(tmp_path), "patents", RUN_YEAR)
