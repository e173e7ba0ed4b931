"""The extract stage reads one version of a source file and records that version's sha256.

The source file is replaced (by rename, as an export tool writes it, or in place) while
the stage reads it; the test's reader is the real one, called after the replacement, so
that the old code (checksum of the path in a thread, parse of the path) recorded the
checksum of one version and loaded the rows of the other.
"""

from __future__ import annotations

import hashlib
import logging
import os
import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from etl.config.settings import load_settings
from etl.config.year_ranges import YearRanges
from etl.errors import SourceFileError
from etl.extract import snapshot as snapshot_module
from etl.extract.biotech_companies import read_biotech_companies
from etl.extract.readers import READERS
from etl.extract.result import ExtractResult
from etl.extract.snapshot import snapshot_file
from etl.stages.archive import archive_run
from etl.stages.context import RunContext, new_run_context
from etl.stages.extract import extract_source
from tests.support.clock import run_year_ranges
from tests.support.sample_files import COMPANIES, sample_copy

SOURCE = "biotech_companies"
# Longer than hashing the sample's 190 KB file in the old code's thread takes, by far.
HASH_DONE_S = 0.3


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _versions(path: Path) -> tuple[bytes, bytes]:
    """The sample file, and a later export of it with its second half of rows gone."""
    first = path.read_bytes()
    lines = first.splitlines(keepends=True)
    return first, b"".join(lines[: len(lines) // 2])


def _context(raw: Path) -> RunContext:
    return new_run_context(load_settings(raw_dir=raw), "standard")


def _replace_then_read(monkeypatch: pytest.MonkeyPatch, replace: Callable[[], None]) -> list[Path]:
    """Make the stage's reader replace the source file, then read what it was given."""
    real = READERS[SOURCE]
    read: list[Path] = []

    def replaced_while_reading(path: Path, ranges: YearRanges) -> ExtractResult:
        time.sleep(HASH_DONE_S)
        replace()
        read.append(path)
        return real(path, ranges)

    monkeypatch.setitem(READERS, SOURCE, replaced_while_reading)
    return read


def _rows_of(version: bytes, folder: Path) -> int:
    """Rows the real reader finds in `version` (a record may span lines)."""
    folder.mkdir()
    path = folder / COMPANIES
    path.write_bytes(version)
    return read_biotech_companies(path, run_year_ranges()).rows_in_file


@pytest.mark.parametrize("how", ["rename", "in_place"])
def test_checksum_is_of_the_version_whose_rows_were_loaded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    raw = sample_copy(tmp_path)
    path = raw / COMPANIES
    first, later = _versions(path)

    def replace() -> None:
        if how == "rename":
            fresh = raw / f".{COMPANIES}.tmp"
            fresh.write_bytes(later)
            os.replace(fresh, path)
        else:
            path.write_bytes(later)

    _replace_then_read(monkeypatch, replace)
    outcome = extract_source(_context(raw), SOURCE)

    # The file was replaced: the run read the version that was there when it started.
    assert path.read_bytes() == later
    rows_first = _rows_of(first, tmp_path / "first")
    assert rows_first != _rows_of(later, tmp_path / "later")
    assert outcome.rows_in_file == rows_first
    assert outcome.sha256 == _sha256(first)
    assert outcome.file == str(path)

    # The archive stores the bytes the run read, under their checksum, not today's file.
    ctx = _context(raw)
    paths = ctx.settings.paths.model_copy(update={"archive_dir": tmp_path / "archive"})
    settings = ctx.settings.model_copy(update={"paths": paths})
    report = archive_run(settings, ctx.run_id, {SOURCE: outcome.as_dict()})
    (blob,) = report.copied
    assert (tmp_path / "archive" / "files" / blob).read_bytes() == first


def test_rejected_rows_and_errors_name_the_source_file_not_the_runs_copy(
    tmp_path: Path,
) -> None:
    raw = sample_copy(tmp_path)
    ctx = _context(raw)
    outcome = extract_source(ctx, SOURCE)
    rejected = pd.read_parquet(outcome.rejected_path)
    assert len(rejected), "the sample has rejected company rows"
    assert set(rejected["file"]) == {str(raw / COMPANIES)}
    # The copy stays in the run's folder (the archive stores it) and says where it is.
    assert outcome.read_from == str(ctx.run_dir / "extract" / "inputs" / SOURCE / COMPANIES)

    (raw / COMPANIES).write_bytes(b"")
    with pytest.raises(SourceFileError, match=rf"^file={raw / COMPANIES} problem=empty file"):
        extract_source(ctx, SOURCE)


def test_snapshot_is_one_version_whatever_happens_to_the_original(tmp_path: Path) -> None:
    original = tmp_path / "source.csv"
    original.write_bytes(b"a,b\n1,2\n")
    copy = snapshot_file(original, tmp_path / "run")
    assert copy == tmp_path / "run" / "source.csv"
    original.write_bytes(b"a,b\n3,4\n5,6\n")
    assert copy.read_bytes() == b"a,b\n1,2\n"


def _written_during_copy(monkeypatch: pytest.MonkeyPatch, original: Path, writes: int) -> list[int]:
    """The first `writes` copies see the original appended to while they run."""
    real_copy = snapshot_module._copy
    done: list[int] = []

    def copy_while_written(source: int, target: int) -> None:
        real_copy(source, target)
        if len(done) < writes:
            with original.open("ab") as handle:
                handle.write(f"{len(done)},x\n".encode())
        done.append(1)

    monkeypatch.setattr(snapshot_module, "_copy", copy_while_written)
    monkeypatch.setattr(snapshot_module, "RETRY_PAUSE_S", 0.0)
    return done


def test_a_file_written_during_the_copy_is_copied_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    original = tmp_path / "source.csv"
    original.write_bytes(b"a,b\n")
    copies = _written_during_copy(monkeypatch, original, writes=2)
    with caplog.at_level(logging.WARNING, logger="etl.extract.snapshot"):
        copy = snapshot_file(original, tmp_path / "run")
    assert len(copies) == 3
    assert copy.read_bytes() == original.read_bytes() == b"a,b\n0,x\n1,x\n"
    assert f"file={original} problem=changed while it was copied attempt=2" in caplog.text


def test_a_file_that_never_holds_still_fails_and_leaves_no_copy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = tmp_path / "source.csv"
    original.write_bytes(b"a,b\n")
    _written_during_copy(monkeypatch, original, writes=snapshot_module.COPY_ATTEMPTS)
    message = rf"^file={original} problem=the file kept changing while it was read \(5 attempts\)"
    with pytest.raises(SourceFileError, match=message):
        snapshot_file(original, tmp_path / "run")
    assert not (tmp_path / "run" / "source.csv").exists()


def test_a_missing_file_is_a_source_file_error(tmp_path: Path) -> None:
    with pytest.raises(SourceFileError, match="problem=missing file"):
        snapshot_file(tmp_path / "gone.csv", tmp_path / "run")
