"""Extract stage: one source file in, a clean Parquet file and a rejected-rows file out."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import asdict, dataclass
from pathlib import Path

import pandas as pd

from etl.errors import RejectedRatioError
from etl.extract.files import resolve_source_path
from etl.extract.readers import READERS
from etl.pipeline.context import RunContext

logger = logging.getLogger(__name__)

_CHECKSUM_CHUNK = 8 * 1024 * 1024


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

    @property
    def rejected_ratio(self) -> float:
        counted = self.rows_in_file - self.blank_rows
        return self.rejected / counted if counted else 0.0

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHECKSUM_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def extract_source(ctx: RunContext, source: str) -> SourceOutcome:
    """Read one source, write its clean and rejected rows as Parquet, and count everything."""
    settings = ctx.settings
    path = resolve_source_path(settings.paths.raw_dir, settings.sources.get(source).file)
    started = pd.Timestamp.now()
    result = READERS[source](path)
    out_dir = ctx.stage_dir("extract")
    data_path = out_dir / f"{source}.parquet"
    rejected_path = out_dir / f"{source}.rejected.parquet"
    result.data.to_parquet(data_path, index=False)
    result.rejected.to_parquet(rejected_path, index=False)
    outcome = SourceOutcome(
        source=source,
        file=str(path),
        sha256=file_sha256(path),
        rows_in_file=result.rows_in_file,
        loaded=len(result.data),
        rejected=len(result.rejected),
        blank_rows=result.blank_rows,
        rejected_by_reason=result.rejected_by_reason(),
        nulled=dict(result.nulled),
        data_path=str(data_path),
        rejected_path=str(rejected_path),
        seconds=(pd.Timestamp.now() - started).total_seconds(),
    )
    logger.info(
        "stage=extract source=%s file=%s rows_in_file=%d loaded=%d rejected=%d blank=%d",
        source,
        path,
        outcome.rows_in_file,
        outcome.loaded,
        outcome.rejected,
        outcome.blank_rows,
    )
    return outcome


def check_rejected_ratio(outcome: SourceOutcome, max_ratio: float) -> None:
    """Too many rejects means the file changed shape: stop rather than publish a hollow table."""
    if outcome.rejected_ratio > max_ratio:
        top = sorted(outcome.rejected_by_reason.items(), key=lambda kv: -kv[1])[:3]
        reasons = ",".join(f"{reason}:{count}" for reason, count in top)
        raise RejectedRatioError(
            f"file={outcome.file} source={outcome.source} rejected={outcome.rejected} "
            f"ratio={outcome.rejected_ratio:.4f} max={max_ratio:.4f} top_reasons={reasons}"
        )
