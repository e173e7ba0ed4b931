"""Input archive and retention on real files: stored once by content, pruned by count."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from etl.config.settings import Settings, load_settings
from etl.errors import EtlError
from etl.stages.archive import archive_run

REPO_CONFIG = Path(__file__).resolve().parents[3] / "config" / "pipeline.yaml"


def _settings(tmp_path: Path, keep: int) -> Settings:
    base = load_settings(REPO_CONFIG)
    paths = base.paths.model_copy(
        update={
            "archive_dir": tmp_path / "archive",
            "data_docs_dir": tmp_path / "docs",
            "staging_dir": tmp_path / "staging",
            "archive_keep_runs": keep,
        }
    )
    return base.model_copy(update={"paths": paths})


def _source(tmp_path: Path, name: str, content: bytes) -> dict[str, str]:
    path = tmp_path / "raw" / name
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(content)
    return {"file": str(path), "sha256": hashlib.sha256(content).hexdigest()}


def _run_dirs(settings: Settings, run_id: str) -> None:
    """What a run leaves besides the archive: a Data Docs site, a failed run's staging."""
    (settings.paths.data_docs_dir / run_id / "all").mkdir(parents=True)
    (settings.paths.staging_dir / run_id / "extract").mkdir(parents=True)


def _names(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir())


def test_same_file_every_night_is_stored_once(tmp_path: Path) -> None:
    settings = _settings(tmp_path, keep=7)
    companies = _source(tmp_path, "companies.CSV", b"cik,name\n1,a\n")
    first = archive_run(settings, "20261101T000000Z-a", {"biotech_companies": companies})
    second = archive_run(settings, "20261102T000000Z-b", {"biotech_companies": companies})
    blob = f"{companies['sha256']}.csv"
    assert (first.copied, second.copied) == ([blob], [])
    archive = settings.paths.archive_dir
    assert _names(archive / "files") == [blob]
    assert _names(archive / "runs") == ["20261101T000000Z-a.json", "20261102T000000Z-b.json"]
    manifest = json.loads((archive / "runs" / "20261102T000000Z-b.json").read_text())
    assert manifest["sources"]["biotech_companies"] == {
        "file": "companies.CSV",
        "sha256": companies["sha256"],
        "bytes": 13,
        "archived_as": f"files/{blob}",
    }
    assert (archive / "files" / blob).read_bytes() == b"cik,name\n1,a\n"


def test_retention_keeps_the_newest_runs_and_the_files_they_use(tmp_path: Path) -> None:
    settings = _settings(tmp_path, keep=2)
    shared = _source(tmp_path, "trl.csv", b"same every night\n")
    runs = ["20261101T000000Z-a", "20261102T000000Z-b", "20261103T000000Z-c"]
    for night, run_id in enumerate(runs):
        _run_dirs(settings, run_id)
        pubmed = _source(tmp_path, "pubmed.csv", f"night {night}\n".encode())
        report = archive_run(settings, run_id, {"trl": shared, "pubmed": pubmed})
    archive = settings.paths.archive_dir
    assert _names(archive / "runs") == [f"{r}.json" for r in runs[1:]]
    # Night 0's pubmed file went with its manifest; the shared file stays.
    assert len(_names(archive / "files")) == 3
    assert f"{shared['sha256']}.csv" in _names(archive / "files")
    assert _names(settings.paths.data_docs_dir) == runs[1:]
    assert _names(settings.paths.staging_dir) == runs[1:]
    assert str(archive / "runs" / f"{runs[0]}.json") in report.pruned


def test_newer_folders_of_a_concurrent_run_are_never_pruned(tmp_path: Path) -> None:
    settings = _settings(tmp_path, keep=1)
    _run_dirs(settings, "20261101T000000Z-old")
    _run_dirs(settings, "20261105T000000Z-newer")
    trl = _source(tmp_path, "trl.csv", b"x\n")
    archive_run(settings, "20261103T000000Z-current", {"trl": trl})
    assert _names(settings.paths.data_docs_dir) == ["20261105T000000Z-newer"]
    assert _names(settings.paths.staging_dir) == ["20261105T000000Z-newer"]


def test_keep_zero_archives_nothing(tmp_path: Path) -> None:
    settings = _settings(tmp_path, keep=0)
    trl = _source(tmp_path, "trl.csv", b"x\n")
    report = archive_run(settings, "20261101T000000Z-a", {"trl": trl})
    assert report.manifest is None
    assert not settings.paths.archive_dir.exists()


def test_unwritable_archive_fails_naming_what_was_done(tmp_path: Path) -> None:
    settings = _settings(tmp_path, keep=3)
    settings.paths.archive_dir.parent.mkdir(parents=True, exist_ok=True)
    settings.paths.archive_dir.write_text("a file where the archive folder should be")
    trl = _source(tmp_path, "trl.csv", b"x\n")
    with pytest.raises(EtlError, match=r"stage=archive .*the warehouse was published"):
        archive_run(settings, "20261101T000000Z-a", {"trl": trl})


def test_the_runs_own_copy_is_linked_and_a_users_file_is_copied(tmp_path: Path) -> None:
    settings = _settings(tmp_path, keep=7)
    users = _source(tmp_path, "trl.csv", b"technology,year\nmrna,2030\n")
    companies = _source(tmp_path, "companies.csv", b"cik,name\n1,a\n")
    run_copy = tmp_path / "staging" / "run" / "companies.csv"
    run_copy.parent.mkdir(parents=True)
    run_copy.write_bytes(Path(companies["file"]).read_bytes())
    archive_run(
        settings,
        "20261101T000000Z-a",
        {"trl_predictions": users, "biotech_companies": {**companies, "read_from": str(run_copy)}},
    )
    files = settings.paths.archive_dir / "files"
    linked = files / f"{companies['sha256']}.csv"
    copied = files / f"{users['sha256']}.csv"
    # The run's copy and the blob are one file; the user's file keeps its only name.
    assert linked.stat().st_ino == run_copy.stat().st_ino
    assert copied.stat().st_ino != Path(users["file"]).stat().st_ino
    assert Path(users["file"]).stat().st_nlink == 1
    assert copied.read_bytes() == b"technology,year\nmrna,2030\n"
