"""The five summary artifacts, under stable keys so the UI keeps a history per key."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from uuid import UUID

from prefect.artifacts import (
    create_markdown_artifact,
    create_progress_artifact,
    create_table_artifact,
    update_progress_artifact,
)

from etl.stages.summary import RunSummary, StageOutcome

if TYPE_CHECKING:
    from etl.stages.extract import SourceOutcome

EXTRACTION_KEY = "extraction-summary"
TRANSFORMATION_KEY = "transformation-summary"
LOADING_KEY = "loading-summary"
VALIDATION_KEY = "validation-summary"
PIPELINE_KEY = "pipeline-summary"
PROGRESS_KEY = "loading-progress"
ARTIFACT_KEYS = (EXTRACTION_KEY, TRANSFORMATION_KEY, LOADING_KEY, VALIDATION_KEY, PIPELINE_KEY)


def _markdown_table(rows: list[dict[str, Any]]) -> str:
    if not rows:
        return "_no rows_"
    headers = list(rows[0])
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(str(row[h]) for h in headers) + " |" for row in rows]
    return "\n".join(lines)


def _stage_markdown(title: str, outcome: StageOutcome) -> str:
    rows = [{"table": t, "rows": n} for t, n in sorted(outcome.rows.items())]
    return f"# {title}\n\nduration_seconds: {outcome.seconds:.2f}\n\n{_markdown_table(rows)}\n"


def _transformation_details(outcome: StageOutcome) -> str:
    """What the transform cleaned or could not match: the analyst's to-do list."""
    details = outcome.details
    unknown = [
        {"unknown technology": name, "articles": articles}
        for name, articles in details.get("unknown_technology_articles", {}).items()
    ]
    return (
        f"\narticles_without_technology: {details.get('articles_without_technology')}\n\n"
        f"sic_descriptions_stripped: {details.get('sic_descriptions_stripped')}\n\n"
        "## Technologies the TRL file does not know\n\n"
        "Add a spelling of a known technology to `technologies.aliases`.\n\n"
        f"{_markdown_table(unknown)}\n"
    )


class ArtifactReporter:
    def __init__(self) -> None:
        self._progress_id: UUID | None = None

    def progress(self, percent: float) -> None:
        """Publish progress, so a long load shows it advancing in the UI."""
        if self._progress_id is None:
            self._progress_id = create_progress_artifact(
                percent, key=PROGRESS_KEY, description="Tables published"
            )
        else:
            update_progress_artifact(self._progress_id, percent)

    def extraction(self, outcomes: Mapping[str, SourceOutcome]) -> None:
        rows = [
            {
                "source": o.source,
                "file": o.file,
                "rows_in_file": o.rows_in_file,
                "loaded": o.loaded,
                "rejected": o.rejected,
                "blank_rows": o.blank_rows,
                "rejected_ratio": round(o.rejected_ratio, 4),
                "seconds": round(o.seconds, 2),
                "rejected_by_reason": json.dumps(o.rejected_by_reason, sort_keys=True),
            }
            for o in outcomes.values()
        ]
        create_table_artifact(rows, key=EXTRACTION_KEY, description="Rows read per source")

    def transformation(self, outcome: StageOutcome) -> None:
        create_markdown_artifact(
            _stage_markdown("Transformation summary", outcome) + _transformation_details(outcome),
            key=TRANSFORMATION_KEY,
            description="Rows per staged table",
        )

    def loading(self, outcome: StageOutcome) -> None:
        create_markdown_artifact(
            _stage_markdown("Loading summary", outcome)
            + "\n```json\n"
            + json.dumps(outcome.details, indent=2, default=str)
            + "\n```\n",
            key=LOADING_KEY,
            description="Published rows per table",
        )

    def validation(self, outcome: StageOutcome) -> None:
        details = outcome.details
        rows = details.get("expectations", [])
        head = (
            f"# Validation summary\n\nskipped: {details.get('skipped')}\n\n"
            f"errors: {details.get('error_count')} warnings: {details.get('warning_count')}\n\n"
            f"data_docs: {details.get('data_docs_path')}\n\n"
        )
        create_markdown_artifact(
            head + _markdown_table(rows), key=VALIDATION_KEY, description="Data quality"
        )

    def pipeline(self, summary: RunSummary) -> None:
        stages = [
            {"stage": name, "seconds": round(s.seconds, 2), "rows": sum(s.rows.values())}
            for name, s in summary.stages.items()
        ]
        text = (
            f"# Pipeline summary\n\nrun_id: {summary.run_id}\n\nstatus: {summary.status}\n\n"
            f"peak_rss_mb: {summary.peak_rss_mb:.0f}\n\n"
            + (f"skipped: {summary.skipped_because}\n\n" if summary.skipped_because else "")
            + (f"error: {summary.error}\n\n" if summary.error else "")
            + _markdown_table(stages)
            + "\n\n"
            + _markdown_table([{"table": t, "rows": n} for t, n in summary.table_counts.items()])
        )
        create_markdown_artifact(text, key=PIPELINE_KEY, description="Whole run")
