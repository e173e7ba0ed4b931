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

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["stages"] = {name: s.as_dict() for name, s in self.stages.items()}
        return data
