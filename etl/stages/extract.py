"""Extract stage: one source file in, a clean Parquet file and a rejected-rows file out."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from itertools import pairwise
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from etl.errors import DataError, RejectedRatioError, SourceFileError
from etl.extract.columns import NATURAL_KEYS
from etl.extract.paths import resolve_source_path
from etl.extract.readers import READERS
from etl.extract.result import ExtractResult
from etl.extract.snapshot import file_sha256, snapshot_file
from etl.stages.context import RunContext

logger = logging.getLogger(__name__)

ROW_GROUP_ROWS = 65_536
# Clean files written in the order the transform sorts them in: its sort then finds the
# rows in order and copies nothing (at 1M articles, 1 GB of abstracts).
SORT_KEYS = {"pubmed_articles": "pmid"}


@dataclass(frozen=True)
class SourceOutcome:
    """Small and picklable on purpose: it travels through Prefect results, the data does not."""

    source: str
    file: str
    sha256: str
    rows_in_file: int
    loaded: int
    rejected: int
    blank_rows: int
    rejected_by_reason: dict[str, int]
    nulled: dict[str, int]
    data_path: str
    rejected_path: str
    seconds: float = 0.0
    # column -> cells from which characters PostgreSQL cannot store were removed
    cleaned: dict[str, int] = field(default_factory=dict)
    # Later rows of natural keys whose rows disagree, counted on the file's rows before
    # anything is dropped, and the limit they were read under (settings.validation).
    conflicting_repeats: int = 0
    max_duplicate_ratio: float = 1.0
    # The run's private copy the rows and `sha256` come from (etl.extract.snapshot); the
    # archive stores it, not the original, which may have changed since. Deleted with the
    # run's folder.
    read_from: str = ""

    @property
    def counted_rows(self) -> int:
        return self.rows_in_file - self.blank_rows

    @property
    def rejected_ratio(self) -> float:
        return self.rejected / self.counted_rows if self.counted_rows else 0.0

    @property
    def duplicate_ratio(self) -> float:
        return self.conflicting_repeats / self.counted_rows if self.counted_rows else 0.0

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def as_read_from(result: ExtractResult, path: Path) -> ExtractResult:
    """`result` of a reader given the run's copy of `path`, naming `path` instead."""
    result.file = path
    if len(result.rejected):
        result.rejected["file"] = str(path)
    return result


def _take_rows(table: pa.Table, rows: np.ndarray) -> pa.Table:
    """`table.take(rows)`, gathered chunk by chunk: Arrow's take over a column of
    hundreds of chunks (a CSV read) holds several hundred MB more while it runs."""
    columns = []
    # A loop over the columns, then over each column's chunks, not over rows.
    for column in table.columns:
        if column.num_chunks <= 1:
            columns.append(column.take(pa.array(rows)))
            continue
        starts = np.cumsum([0] + [len(chunk) for chunk in column.chunks])
        owner = np.searchsorted(starts, rows, side="right") - 1
        by_chunk = np.argsort(owner, kind="stable")
        bounds = np.searchsorted(owner[by_chunk], np.arange(column.num_chunks + 1))
        pieces = [
            column.chunk(c).take(pa.array(rows[by_chunk[lo:hi]] - starts[c]))
            for c, (lo, hi) in enumerate(pairwise(bounds))
            if hi > lo
        ]
        gathered = pa.concat_arrays(pieces)
        columns.append(gathered.take(pa.array(np.argsort(by_chunk))))
    return pa.Table.from_arrays(columns, schema=table.schema)


def write_clean_parquet(frame: pd.DataFrame, path: Path, sort_key: str | None = None) -> None:
    """`frame` as Parquet (pandas metadata kept, no index) in row groups of ROW_GROUP_ROWS,
    ordered by `sort_key` (a unique integer column) when given.

    Sorting is done one row group at a time (`take` of that group's rows), so no sorted
    copy of the whole frame is ever held.
    """
    table = pa.Table.from_pandas(frame, preserve_index=False)
    order = None
    if sort_key is not None and len(frame):
        keys = frame[sort_key].to_numpy(dtype="int64")
        if (np.diff(keys) < 0).any():
            order = np.argsort(keys, kind="stable")
    with pq.ParquetWriter(path, table.schema) as writer:
        # A loop over row groups (a few per million rows), not over rows.
        for start in range(0, max(len(frame), 1), ROW_GROUP_ROWS):
            if order is None:
                group = table.slice(start, ROW_GROUP_ROWS)
            else:
                group = _take_rows(table, order[start : start + ROW_GROUP_ROWS])
            writer.write_table(group, row_group_size=ROW_GROUP_ROWS)


def extract_source(ctx: RunContext, source: str) -> SourceOutcome:
    """Read one source, write its clean and rejected rows as Parquet, and count everything."""
    settings = ctx.settings
    path = resolve_source_path(settings.paths.raw_dir, settings.sources.get(source).file)
    started = pd.Timestamp.now()
    out_dir = ctx.stage_dir("extract")
    # The run reads one version of the file: a private copy, which the original's
    # replacement cannot touch; its checksum and its rows are of the same bytes.
    snapshot = snapshot_file(path, out_dir / "inputs" / source)
    # The checksum reads the copy in a thread while the reader parses it (hashlib
    # releases the GIL): about a second saved at 1M articles.
    try:
        with ThreadPoolExecutor(max_workers=1) as pool:
            checksum = pool.submit(file_sha256, snapshot)
            result = as_read_from(READERS[source](snapshot, ctx.year_ranges), path)
            sha256 = checksum.result()
    except SourceFileError as exc:
        # Named by the file the team knows, not by the run's copy of it.
        raise SourceFileError(path, exc.problem) from exc
    data_path = out_dir / f"{source}.parquet"
    rejected_path = out_dir / f"{source}.rejected.parquet"
    write_clean_parquet(result.data, data_path, SORT_KEYS.get(source))
    # Arrow keeps freed pages for reuse; give them back before the next source or stage.
    pa.default_memory_pool().release_unused()
    result.rejected.to_parquet(rejected_path, index=False)
    outcome = SourceOutcome(
        source=source,
        file=str(path),
        sha256=sha256,
        rows_in_file=result.rows_in_file,
        loaded=len(result.data),
        rejected=len(result.rejected),
        blank_rows=result.blank_rows,
        rejected_by_reason=result.rejected_by_reason(),
        nulled=dict(result.nulled),
        data_path=str(data_path),
        rejected_path=str(rejected_path),
        seconds=(pd.Timestamp.now() - started).total_seconds(),
        cleaned=dict(result.cleaned),
        conflicting_repeats=result.conflicting_repeats,
        max_duplicate_ratio=settings.validation.max_duplicate_ratio,
        read_from=str(snapshot),
    )
    logger.info(
        "stage=extract source=%s file=%s rows_in_file=%d loaded=%d rejected=%d blank=%d "
        "conflicting_repeats=%d",
        source,
        path,
        outcome.rows_in_file,
        outcome.loaded,
        outcome.rejected,
        outcome.blank_rows,
        outcome.conflicting_repeats,
    )
    return outcome


class ConflictingDuplicatesError(DataError):
    """Too many rows repeat a natural key with different values: the file is not one truth."""


def check_conflicting_duplicates(outcome: SourceOutcome) -> None:
    """Stop when conflicting repeats exceed `outcome.max_duplicate_ratio` of the file's rows.

    The one duplicate check of the run (the GX suites have none: they see the clean table,
    unique by construction). Exact repeats lose nothing and count only toward the
    rejected-row ratio.
    """
    if outcome.duplicate_ratio > outcome.max_duplicate_ratio:
        key = ",".join(NATURAL_KEYS[outcome.source])
        raise ConflictingDuplicatesError(
            f"file={outcome.file} source={outcome.source} problem=conflicting duplicates "
            f"(same {key}, different values) conflicting_repeats={outcome.conflicting_repeats} "
            f"rows={outcome.counted_rows} ratio={outcome.duplicate_ratio:.4f} "
            f"max={outcome.max_duplicate_ratio:.4f} "
            "(settings.validation.max_duplicate_ratio; see rejected rows conflicting_duplicate)"
        )


def check_rejected_ratio(outcome: SourceOutcome, max_ratio: float) -> None:
    """Too many rejects means the file changed shape: stop rather than publish a hollow table.

    Conflicting duplicates are checked first (`check_conflicting_duplicates`): the run's
    sequence calls this one function per source once the rejected rows are recorded.
    """
    check_conflicting_duplicates(outcome)
    if outcome.rejected_ratio > max_ratio:
        top = sorted(outcome.rejected_by_reason.items(), key=lambda kv: -kv[1])[:3]
        reasons = ",".join(f"{reason}:{count}" for reason, count in top)
        raise RejectedRatioError(
            f"file={outcome.file} source={outcome.source} rejected={outcome.rejected} "
            f"ratio={outcome.rejected_ratio:.4f} max={max_ratio:.4f} top_reasons={reasons}"
        )
