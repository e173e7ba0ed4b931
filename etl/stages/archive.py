"""Archive each completed run's input files, and keep only the last runs' folders.

The archive answers "which files did the warehouse come from on that night": a manifest
per completed run (`runs/<run_id>.json`: source, file name, sha256, size) and the files
themselves stored once by content (`files/<sha256><suffix>`), so the same file loaded
every night is copied once, not once per run (the previous version's archive grew
without limit). Retention keeps the newest `paths.archive_keep_runs` manifests and the
files they reference; the same count bounds the per-run Data Docs sites and the staging
folders that failed runs leave for inspection. `archive_keep_runs: 0` turns archiving
off and prunes everything older than the current run (whose own Data Docs stay).

Run ids start with a UTC timestamp, so sorting names sorts runs by start time.
"""

from __future__ import annotations

import errno
import json
import logging
import os
import shutil
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from etl.config.settings import Settings
from etl.errors import EtlError

logger = logging.getLogger(__name__)

RUNS_DIR = "runs"
# What os.link says when the archive is on another filesystem or one without hard links.
_NO_LINK = frozenset({errno.EXDEV, errno.EPERM, errno.EMLINK, errno.ENOTSUP, errno.EOPNOTSUPP})
FILES_DIR = "files"


@dataclass
class ArchiveReport:
    manifest: Path | None = None
    copied: list[str] = field(default_factory=list)  # blob names written by this run
    pruned: list[str] = field(default_factory=list)  # paths removed by retention


def _blob_name(sha256: str, file_name: str) -> str:
    return f"{sha256}{Path(file_name).suffix.lower()}"


def _store(source_file: Path, target: Path, *, private: bool) -> bool:
    """Copy `source_file` to `target` unless it is already there; True when copied.

    `private`: the file is the run's own copy, which nothing writes again."""
    if target.exists():
        return False
    partial = target.with_name(f".{target.name}.partial")
    partial.unlink(missing_ok=True)
    # On the same filesystem a second name for the run's private copy stores the blob
    # without copying its bytes (780 MB at 1M articles); across filesystems (the stack's
    # separate volumes) it is copied. A user's file is always copied: it may be rewritten
    # in place, and a link would rewrite the archive with it.
    if not (private and _linked(source_file, partial)):
        shutil.copyfile(source_file, partial)
    # A crash mid-copy leaves a .partial file, never a truncated blob under a real name.
    os.replace(partial, target)
    return True


def _linked(source_file: Path, target: Path) -> bool:
    """Hard-link `target` to `source_file`; False where the filesystem cannot."""
    try:
        os.link(source_file, target)
    except OSError as error:
        if error.errno in _NO_LINK:
            return False
        raise
    return True


def archive_inputs(
    settings: Settings, run_id: str, sources: Mapping[str, Mapping[str, Any]]
) -> ArchiveReport:
    """Store the run's input files (by content) and write its manifest.

    `sources` maps each source to at least its `file` path and `sha256`, as recorded in
    the run summary, and `read_from`, the run's copy of the file those come from: the
    original may have been replaced since the run read it, and a blob must hold the
    bytes its name says.
    """
    report = ArchiveReport()
    if settings.paths.archive_keep_runs == 0:
        return report
    root = settings.paths.archive_dir
    (root / FILES_DIR).mkdir(parents=True, exist_ok=True)
    (root / RUNS_DIR).mkdir(parents=True, exist_ok=True)
    entries = {}
    for source, recorded in sources.items():
        path = Path(recorded["file"])
        read = Path(recorded.get("read_from") or path)
        blob = _blob_name(recorded["sha256"], path.name)
        if _store(read, root / FILES_DIR / blob, private=read != path):
            report.copied.append(blob)
        entries[source] = {
            "file": path.name,
            "sha256": recorded["sha256"],
            "bytes": read.stat().st_size,
            "archived_as": f"{FILES_DIR}/{blob}",
        }
    manifest = root / RUNS_DIR / f"{run_id}.json"
    manifest.write_text(
        json.dumps({"run_id": run_id, "sources": entries}, indent=2) + "\n", encoding="utf-8"
    )
    report.manifest = manifest
    logger.info(
        "event=inputs_archived run_id=%s manifest=%s copied=%d reused=%d",
        run_id,
        manifest,
        len(report.copied),
        len(entries) - len(report.copied),
    )
    return report


def _older_than_kept(names: list[str], current_run: str, keep: int) -> list[str]:
    """Runs older than the current one beyond the newest `keep` (the current run counts
    as one of them). The current run and newer ones (a concurrent run) are never listed."""
    older = sorted(n for n in names if n < current_run)
    return older[: max(len(older) - max(keep - 1, 0), 0)]


def _prune_dirs(parent: Path, current_run: str, keep: int) -> list[str]:
    if not parent.is_dir():
        return []
    names = [p.name for p in parent.iterdir() if p.is_dir()]
    pruned = []
    for name in _older_than_kept(names, current_run, keep):
        shutil.rmtree(parent / name)
        pruned.append(str(parent / name))
    return pruned


def _prune_archive(root: Path, current_run: str, keep: int) -> list[str]:
    runs, files = root / RUNS_DIR, root / FILES_DIR
    if not runs.is_dir():
        return []
    manifests = {p.stem: p for p in runs.glob("*.json")}
    pruned = []
    for name in _older_than_kept(list(manifests), current_run, keep):
        manifests.pop(name).unlink()
        pruned.append(str(runs / f"{name}.json"))
    referenced = {
        Path(entry["archived_as"]).name
        for manifest in manifests.values()
        for entry in json.loads(manifest.read_text(encoding="utf-8"))["sources"].values()
    }
    for blob in sorted(files.iterdir()) if files.is_dir() else []:
        if blob.is_file() and blob.name not in referenced:
            blob.unlink()
            pruned.append(str(blob))
    return pruned


def apply_retention(settings: Settings, current_run: str) -> list[str]:
    """Remove manifests, unreferenced files, Data Docs sites and failed runs' staging
    folders beyond the newest `archive_keep_runs`; returns the removed paths."""
    keep = settings.paths.archive_keep_runs
    pruned = _prune_archive(settings.paths.archive_dir, current_run, keep)
    pruned += _prune_dirs(settings.paths.data_docs_dir, current_run, keep)
    pruned += _prune_dirs(settings.paths.staging_dir, current_run, keep)
    logger.info(
        "event=retention_applied run_id=%s keep_runs=%d removed=%d", current_run, keep, len(pruned)
    )
    return pruned


def archive_run(
    settings: Settings, run_id: str, sources: Mapping[str, Mapping[str, Any]]
) -> ArchiveReport:
    """Archive a completed run's inputs, then apply retention.

    Runs after publish, so a failure here names what is and is not done.
    """
    try:
        report = archive_inputs(settings, run_id, sources)
        report.pruned = apply_retention(settings, run_id)
    except OSError as exc:
        raise EtlError(
            f"stage=archive run_id={run_id} dir={settings.paths.archive_dir} problem={exc}; "
            "the warehouse was published, only archiving or retention failed"
        ) from exc
    return report
