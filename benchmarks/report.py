"""The figures of one `python -m benchmarks` run: per stage, per baseline, and their ratios."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

ETL_STAGES = ("extract", "transform", "load")


@dataclass
class StageFigure:
    seconds: float
    rows: int
    peak_rss_mb: float

    @property
    def rows_per_second(self) -> float:
        return round(self.rows / self.seconds, 1) if self.seconds else 0.0

    def as_dict(self) -> dict[str, float]:
        return {
            "seconds": round(self.seconds, 2),
            "rows": self.rows,
            "rows_per_second": self.rows_per_second,
            "peak_rss_mb": round(self.peak_rss_mb, 1),
        }


@dataclass
class BenchReport:
    publications: int
    companies: int
    source_format: str
    stages: dict[str, StageFigure] = field(default_factory=dict)
    baselines: dict[str, StageFigure] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        total = sum(self.stages[s].seconds for s in ETL_STAGES if s in self.stages)

        def over(stage: str, baseline: str) -> float | None:
            timed, floor = self.stages.get(stage), self.baselines.get(baseline)
            return round(timed.seconds / floor.seconds, 2) if timed and floor else None

        return {
            "publications": self.publications,
            "companies": self.companies,
            "source_format": self.source_format,
            "stages": {name: f.as_dict() for name, f in self.stages.items()},
            "baselines": {name: f.as_dict() for name, f in self.baselines.items()},
            "extract_transform_load_seconds": round(total, 2),
            "load_over_raw_copy": over("load", "raw_copy_floor"),
            "load_over_raw_copy_keyed": over("load", "raw_copy_keyed"),
            "reload_over_raw_copy": over("reload", "raw_copy_floor"),
            "reload_over_raw_copy_keyed": over("reload", "raw_copy_keyed"),
            "extract_transform_load_peak_rss_mb": round(
                max(
                    (self.stages[s].peak_rss_mb for s in ETL_STAGES if s in self.stages),
                    default=0.0,
                ),
                1,
            ),
            "peak_rss_mb": round(max(f.peak_rss_mb for f in self.stages.values()), 1),
        }


def write_report(report: BenchReport, out_dir: Path) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"bench-{report.publications}.json"
    path.write_text(json.dumps(report.as_dict(), indent=2) + "\n", encoding="utf-8")
    return path


def log_report(figures: dict[str, Any], path: Path) -> None:
    """One key=value line per stage and baseline, then the summary."""
    for name, figure in {**figures["stages"], **figures["baselines"]}.items():
        logger.info(
            "bench=%s seconds=%.2f rows=%d rows_per_second=%.0f peak_rss_mb=%.0f",
            name,
            figure["seconds"],
            figure["rows"],
            figure["rows_per_second"],
            figure["peak_rss_mb"],
        )
    logger.info(
        "bench=summary etl_seconds=%s load_over_raw_copy=%s load_over_raw_copy_keyed=%s "
        "reload_over_raw_copy=%s reload_over_raw_copy_keyed=%s peak_rss_mb=%s json=%s",
        figures["extract_transform_load_seconds"],
        figures["load_over_raw_copy"],
        figures["load_over_raw_copy_keyed"],
        figures["reload_over_raw_copy"],
        figures["reload_over_raw_copy_keyed"],
        figures["peak_rss_mb"],
        path,
    )
