"""Standard mode: the pipeline's stages as plain calls, no Prefect involved."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from etl.config.settings import Settings
from etl.stages.context import RunContext, new_run_context
from etl.stages.protocols import Reporter, StageCaller, StageWrapper
from etl.stages.sequence import run_pipeline
from etl.stages.summary import RunSummary, StageOutcome

if TYPE_CHECKING:
    from etl.stages.extract import SourceOutcome

logger = logging.getLogger(__name__)
T = TypeVar("T")


class DirectCaller:
    def extract_all(self, ctx: RunContext, sources: tuple[str, ...]) -> dict[str, SourceOutcome]:
        # Imported when the stages run (see etl.stages.sequence._run_stages).
        from etl.stages.extract import extract_source  # noqa: PLC0415

        return {source: extract_source(ctx, source) for source in sources}

    def call(self, stage: str, name: str, func: Callable[..., T], *args: Any) -> T:
        return func(*args)


class LogReporter:
    """Summaries as key=value log lines: what the Prefect artifacts show, for a terminal."""

    def extraction(self, outcomes: Mapping[str, SourceOutcome]) -> None:
        for o in outcomes.values():
            logger.info(
                "summary=extraction source=%s rows_in_file=%d loaded=%d rejected=%d blank=%d",
                o.source,
                o.rows_in_file,
                o.loaded,
                o.rejected,
                o.blank_rows,
            )

    def transformation(self, outcome: StageOutcome) -> None:
        self._rows("transformation", outcome)
        details = outcome.details
        logger.info(
            "summary=transformation articles_without_technology=%s "
            "unknown_technologies=%s sic_descriptions_stripped=%s",
            details.get("articles_without_technology"),
            details.get("unknown_technologies"),
            details.get("sic_descriptions_stripped"),
        )
        # One line per name, so an analyst can grep which aliases to add.
        for name, articles in details.get("unknown_technology_articles", {}).items():
            logger.info("summary=transformation unknown_technology=%s articles=%d", name, articles)

    def loading(self, outcome: StageOutcome) -> None:
        self._rows("loading", outcome)

    def validation(self, outcome: StageOutcome) -> None:
        details = outcome.details
        logger.info(
            "summary=validation skipped=%s errors=%s warnings=%s data_docs=%s",
            details.get("skipped"),
            details.get("error_count"),
            details.get("warning_count"),
            details.get("data_docs_path"),
        )

    def progress(self, percent: float) -> None:
        logger.info("progress=publish percent=%.0f", percent)

    def pipeline(self, summary: RunSummary) -> None:
        logger.info(
            "summary=pipeline run_id=%s status=%s skipped=%s peak_rss_mb=%.0f",
            summary.run_id,
            summary.status,
            summary.skipped_because is not None,
            summary.peak_rss_mb,
        )
        if summary.skipped_because is not None:
            logger.info("summary=pipeline skipped_because=%s", summary.skipped_because)

    @staticmethod
    def _rows(name: str, outcome: StageOutcome) -> None:
        for table, rows in sorted(outcome.rows.items()):
            logger.info(
                "summary=%s table=%s rows=%d seconds=%.2f", name, table, rows, outcome.seconds
            )


def run_standard(
    settings: Settings,
    skip_validation: bool = False,
    allow_shrink: bool = False,
    wrap: StageWrapper | None = None,
    full_refresh: bool = False,
) -> RunSummary:
    """The pipeline without Prefect; `wrap` may wrap its caller and reporter (the CLI's
    progress display does)."""
    ctx = new_run_context(
        settings,
        "standard",
        skip_validation,
        allow_shrink=allow_shrink,
        full_refresh=full_refresh,
    )
    caller: StageCaller = DirectCaller()
    reporter: Reporter = LogReporter()
    if wrap is not None:
        caller, reporter = wrap(caller, reporter)
    return run_pipeline(ctx, caller, reporter)
