"""An unchanged night: prove that a full run would publish nothing new, or say why not.

A run may skip its stages only when all of these hold against the LAST completed run
(by start time; a skipped run counts, since it proved the same things of its own last
run, so the proofs chain back to the run that published):

* its `fingerprint` is this run's: the package version, a sha256 of the package's own
  files (so an edited checkout counts as a new version), the versions of the libraries
  it depends on, the schema revision, the settings that shape the result (sources,
  validation, technology aliases), the year ranges of the run's year, the source file
  paths, and the flags `skip_validation` and `allow_shrink`;
* nobody wrote a published table since it published: the write counter that a trigger
  on each published table moves (etl.warehouse.generation) still holds the value that
  run recorded. A manual UPDATE, a later publish, a restore of another moment's dump all
  move it or bring back another run's rows with it;
* every input file has the sha256 that run recorded. Hashed from the original (no
  snapshot copy: a file that changes while it is read has a size or times that differ
  before and after, and the run does not skip).

Not proven: writes made with the triggers disabled (`session_replication_role =
replica`, ALTER TABLE ... DISABLE TRIGGER), DDL on the published tables (the schema
revision only names what Alembic applied), and anything a dependency does that its
version number does not say. `--full-refresh` (flow parameter `full_refresh`) runs the
whole pipeline anyway; so does every run of a backfill (`after_flow_run_id`), whose
previous run may not have published when it starts.

Cheapest comparisons first; the first difference ends the check. On a night whose files
changed, the check costs what it hashes before the first file that differs, smallest
file first (the whole run then reads them again, from the page cache).
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import logging
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import insert, literal, select
from sqlalchemy.engine import Connection

import etl
from etl.config.settings import SOURCE_NAMES
from etl.extract.paths import resolve_source_path
from etl.extract.snapshot import file_sha256
from etl.stages.context import RunContext, warehouse_connection
from etl.stages.summary import RunSummary
from etl.warehouse.generation import publish_generation
from etl.warehouse.migrate import head_revision
from etl.warehouse.schema import etl_rejected_row, etl_run

logger = logging.getLogger(__name__)

DISTRIBUTION = "abi-etl"
SKIPPED = "inputs_unchanged"
# The run row columns a skipped run takes from the run it matched: what the published
# tables hold and what the (same) input files contain.
_INHERITED = ("source_counts", "table_counts", "table_checksums", "unknown_technologies")
_COUNT_KEYS = ("rows_in_file", "loaded", "rejected", "blank_rows", "cleaned")


@dataclass(frozen=True)
class Verdict:
    """Small and picklable: it travels through a Prefect result."""

    unchanged: bool
    reason: str  # inputs_unchanged, or the first difference found
    detail: str
    fingerprint: dict[str, Any]
    last_run_id: str | None = None
    generation: int | None = None
    # source -> {file, sha256}: what this run hashed (all sources when unchanged)
    inputs: dict[str, dict[str, str]] = field(default_factory=dict)
    # the last run's columns named in _INHERITED
    inherited: dict[str, Any] = field(default_factory=dict)

    def describe(self) -> str:
        return f"reason={self.reason} last_run_id={self.last_run_id or '-'} {self.detail}"


def _digest(data: object) -> str:
    text = json.dumps(data, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def _code_digest() -> str:
    """sha256 over the package's own files (sources, migrations, suites): ~10 ms."""
    root = Path(etl.__file__).parent
    digest = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0")
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _library_versions() -> dict[str, str]:
    names = {
        re.split(r"[ ;<>=!~\[(]", requirement, maxsplit=1)[0]
        for requirement in importlib.metadata.requires(DISTRIBUTION) or []
        if "extra ==" not in requirement
    }
    return {name: importlib.metadata.version(name) for name in sorted(names)}


def source_paths(ctx: RunContext) -> dict[str, Path]:
    settings = ctx.settings
    return {
        name: resolve_source_path(settings.paths.raw_dir, settings.sources.get(name).file)
        for name in SOURCE_NAMES
    }


def fingerprint(ctx: RunContext, paths: dict[str, Path]) -> dict[str, Any]:
    """What the run's result depends on besides the bytes of its input files at `paths`."""
    settings = ctx.settings
    years = {
        column: [bound.minimum, bound.maximum]
        for column, bound in ctx.year_ranges.by_column.items()
    }
    return {
        "package_version": importlib.metadata.version(DISTRIBUTION),
        "code_sha256": _code_digest(),
        "libraries_sha256": _digest(_library_versions()),
        "schema_revision": head_revision(),
        "settings_sha256": _digest(
            {
                "sources": settings.sources.model_dump(mode="json"),
                "validation": settings.validation.model_dump(mode="json"),
                "technologies": settings.technologies.model_dump(mode="json"),
            }
        ),
        "year_ranges": years,
        "files": {name: str(path) for name, path in paths.items()},
        "skip_validation": ctx.skip_validation,
        "allow_shrink": ctx.allow_shrink,
    }


def _stat(path: Path) -> tuple[int, int, int, int]:
    stat = path.stat()
    return stat.st_ino, stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns


def _size(path: Path) -> int:
    return path.stat().st_size if path.exists() else -1


def _last_completed(conn: Connection, ctx: RunContext) -> Any:
    columns = [etl_run.c[name] for name in ("run_id", "input_checksums", "fingerprint")]
    columns += [etl_run.c.publish_generation, *(etl_run.c[name] for name in _INHERITED)]
    return conn.execute(
        select(*columns)
        .where(etl_run.c.status == "completed", etl_run.c.run_id != ctx.run_id)
        .order_by(etl_run.c.started_at.desc())
        .limit(1)
    ).first()


def _compare(
    ctx: RunContext, conn: Connection, paths: dict[str, Path], printed: dict[str, Any]
) -> Verdict:
    def differs(reason: str, detail: str, **more: Any) -> Verdict:
        return Verdict(False, reason, detail, printed, **more)

    if ctx.full_refresh:
        return differs("full_refresh", "forced=--full-refresh")
    if ctx.after_flow_run_id is not None:
        # A backfill's run publishes after the one before it, which may not have
        # published yet: comparing with the last completed run would be premature.
        return differs("backfill", f"after_flow_run_id={ctx.after_flow_run_id}")
    last = _last_completed(conn, ctx)
    if last is None:
        return differs("no_completed_run", "")
    run_id = last.run_id
    if last.fingerprint is None or last.publish_generation is None:
        return differs("no_proof", "the last run recorded no fingerprint", last_run_id=run_id)
    keys = printed.keys() | last.fingerprint.keys()
    changed = sorted(k for k in keys if printed.get(k) != last.fingerprint.get(k))
    if changed:
        return differs("fingerprint_changed", f"changed={','.join(changed)}", last_run_id=run_id)
    generation = publish_generation(conn)
    if generation != last.publish_generation:
        return differs(
            "warehouse_changed",
            f"publish_generation={generation} recorded={last.publish_generation}",
            last_run_id=run_id,
            generation=generation,
        )
    recorded = last.input_checksums or {}
    inputs: dict[str, dict[str, str]] = {}
    # Smallest first: a changed small file is found before the big one is read.
    for source, path in sorted(paths.items(), key=lambda item: _size(item[1])):
        try:
            before = _stat(path)
            sha256 = file_sha256(path)
            after = _stat(path)
        except OSError as exc:
            # The full run names the problem with the file (missing, unreadable).
            return differs("input_unreadable", f"source={source} problem={exc}", last_run_id=run_id)
        if before != after:
            return differs("input_changing", f"source={source}", last_run_id=run_id)
        inputs[source] = {"file": str(path), "sha256": sha256}
        if sha256 != recorded.get(source):
            return differs("input_changed", f"source={source}", last_run_id=run_id)
    return Verdict(
        True,
        SKIPPED,
        f"publish_generation={generation}",
        printed,
        last_run_id=run_id,
        generation=generation,
        inputs=inputs,
        inherited={name: getattr(last, name) for name in _INHERITED},
    )


def check_unchanged(ctx: RunContext) -> Verdict:
    """Whether this run may skip its stages, and why (the stage function of the check)."""
    started = time.perf_counter()
    paths = source_paths(ctx)
    printed = fingerprint(ctx, paths)
    with warehouse_connection(ctx) as conn:
        verdict = _compare(ctx, conn, paths, printed)
    logger.info(
        "event=unchanged_check run_id=%s unchanged=%s %s seconds=%.2f",
        ctx.run_id,
        verdict.unchanged,
        verdict.describe(),
        time.perf_counter() - started,
    )
    return verdict


def skip_run(ctx: RunContext, verdict: Verdict, summary: RunSummary) -> None:
    """Record the run as one that changed nothing: its summary takes the matched run's
    counts and checksums, and its rejected rows are copied, so that each run's own rows
    still reconcile (rows in file = loaded + rejected + blank) and the volume guard of
    the next run compares with real counts."""
    counts = verdict.inherited["source_counts"] or {}
    summary.sources = {
        source: {
            **{key: counts.get(source, {}).get(key, 0) for key in _COUNT_KEYS},
            **verdict.inputs[source],
            # The archive reads the original: it has the bytes this run hashed.
            "read_from": verdict.inputs[source]["file"],
        }
        for source in SOURCE_NAMES
    }
    summary.table_counts = dict(verdict.inherited["table_counts"] or {})
    summary.table_checksums = dict(verdict.inherited["table_checksums"] or {})
    summary.unknown_technologies = verdict.inherited["unknown_technologies"]
    summary.publish_generation = verdict.generation
    summary.skipped_because = (
        f"{SKIPPED} last_run_id={verdict.last_run_id}: same input sha256, code, "
        f"libraries, schema, settings and flags, and no write to the published tables "
        f"since ({verdict.detail})"
    )
    with warehouse_connection(ctx) as conn, conn.begin():
        rejected = _copy_rejected_rows(conn, verdict.last_run_id or "", ctx.run_id)
    logger.info(
        "event=run_skipped run_id=%s reason=%s last_run_id=%s rejected_rows_copied=%d",
        ctx.run_id,
        SKIPPED,
        verdict.last_run_id,
        rejected,
    )


def _copy_rejected_rows(conn: Connection, from_run: str, to_run: str) -> int:
    """The matched run's rejected rows, as this run's: one INSERT ... SELECT."""
    columns = [c for c in etl_rejected_row.columns if c.name not in ("rejected_row_key", "run_id")]
    rows = select(literal(to_run), *columns).where(etl_rejected_row.c.run_id == from_run)
    names = ["run_id", *(c.name for c in columns)]
    return int(conn.execute(insert(etl_rejected_row).from_select(names, rows)).rowcount)
