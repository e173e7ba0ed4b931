"""What each stage reports: small, picklable records (paths and counts, never data)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class StageOutcome:
    stage: str
    seconds: float
    rows: dict[str, int] = field(default_factory=dict)  # table or source -> rows
    paths: dict[str, str] = field(default_factory=dict)  # table -> run-scoped Parquet file
    details: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class RunSummary:
    run_id: str
    mode: str
    status: str = "running"
    stages: dict[str, StageOutcome] = field(default_factory=dict)
    sources: dict[str, dict[str, Any]] = field(default_factory=dict)
    table_counts: dict[str, int] = field(default_factory=dict)
    table_checksums: dict[str, str] = field(default_factory=dict)
    validation: dict[str, Any] = field(default_factory=dict)
    peak_rss_mb: float = 0.0
    error: str | None = None
    # Set when the run proved itself unchanged and ran no stage (etl.stages.unchanged).
    skipped_because: str | None = None
    # What the result depends on besides the input files; recorded for the next run.
    fingerprint: dict[str, Any] = field(default_factory=dict)
    # The published tables' write counter as the run left them (etl.warehouse.generation).
    publish_generation: int | None = None
    # A skipped run's, taken from the run it matched; a full run's come from its transform.
    unknown_technologies: dict[str, int] | None = None

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["stages"] = {name: s.as_dict() for name, s in self.stages.items()}
        return data
