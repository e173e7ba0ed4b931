"""Finding a source file: the configured name, or the same stem in another format."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from etl.errors import SourceFileError
from etl.extract.paths import resolve_source_path


def test_resolve_returns_the_named_file_when_present(tmp_path: Path) -> None:
    (tmp_path / "data.xlsx").write_bytes(b"x")
    (tmp_path / "data.csv").write_bytes(b"x")
    assert resolve_source_path(tmp_path, "data.csv") == tmp_path / "data.csv"


def test_resolve_falls_back_to_same_stem_in_xlsx_csv_parquet_order(tmp_path: Path) -> None:
    (tmp_path / "data.parquet").write_bytes(b"x")
    assert resolve_source_path(tmp_path, "data.xlsx") == tmp_path / "data.parquet"
    (tmp_path / "data.csv").write_bytes(b"x")
    assert resolve_source_path(tmp_path, "data.xlsx") == tmp_path / "data.csv"
    assert resolve_source_path(tmp_path, "data.parquet") == tmp_path / "data.parquet"


def test_resolve_logs_the_fallback_as_key_value(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / "data.csv").write_bytes(b"x")
    with caplog.at_level(logging.WARNING, logger="etl.extract.paths"):
        resolve_source_path(tmp_path, "data.xlsx")
    assert [r.getMessage() for r in caplog.records] == [
        f"file={tmp_path / 'data.xlsx'} problem=missing using={tmp_path / 'data.csv'}"
    ]


def test_resolve_names_the_missing_file(tmp_path: Path) -> None:
    (tmp_path / "other.csv").write_bytes(b"x")
    with pytest.raises(SourceFileError) as error:
        resolve_source_path(tmp_path, "data.xlsx")
    assert error.value.path == str(tmp_path / "data.xlsx")
    assert error.value.problem.startswith("missing file")
    assert "data.csv" in error.value.problem
