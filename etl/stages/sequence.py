"""The pipeline's order of stages, written once for both Prefect and standard mode.

`StageCaller` decides how a stage function runs (a plain call, or a Prefect task with its
retries and timeout); `Reporter` decides where summaries go (log lines, or Prefect
artifacts). The stages and their order live only here.
"""

from __future__ import annotations

import logging
import resource
import shutil
import time
from collections.abc import Callable, Mapping
from typing import Any, Protocol, TypeVar

from etl.config.settings import SOURCE_NAMES
from etl.stages import archive, run_log
from etl.stages import load as load_stage
from etl.stages import transform as transform_stage
from etl.stages.context import RunContext
from etl.stages.extract import SourceOutcome, check_rejected_ratio
from etl.stages.summary import RunSummary, StageOutcome

logger = logging.getLogger(__name__)
T = TypeVar("T")


class StageCaller(Protocol):
    def extract_all(self, ctx: RunContext, sources: tuple[str, ...]) -> dict[str, SourceOutcome]:
        """Run `extract_source` for every source (concurrently where the caller can)."""

    def call(self, stage: str, name: str, func: Callable[..., T], *args: Any) -> T:
        """Run one stage function as task `name`; `stage` names its retries and timeout."""


class Reporter(Protocol):
    def extraction(self, outcomes: Mapping[str, SourceOutcome]) -> None: ...
    def transformation(self, outcome: StageOutcome) -> None: ...
    def loading(self, outcome: StageOutcome) -> None: ...
    def validation(self, outcome: StageOutcome) -> None: ...
    def progress(self, percent: float) -> None: ...
    def pipeline(self, summary: RunSummary) -> None: ...


def peak_rss_mb() -> float:
    # ru_maxrss is in KiB on Linux.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_pipeline(ctx: RunContext, caller: StageCaller, reporter: Reporter) -> RunSummary:
    """Extract, transform, write, audit, publish; record the run whatever happens."""
    url = ctx.settings.require_warehouse_url()
    summary = RunSummary(run_id=ctx.run_id, mode=ctx.mode)
    run_log.record_run_start(url, ctx)
    try:
        _run_stages(ctx, caller, reporter, summary)
        # The run's Parquet files are only worth keeping to inspect a failure.
        shutil.rmtree(ctx.run_dir)
        # A run whose inputs cannot be archived is reported failed (the error says the
        # data is published) rather than completed without its archive.
        archive.archive_run(ctx.settings, ctx.run_id, summary.sources)
        summary.status = "completed"
    except BaseException as error:
        summary.status = "failed"
        summary.error = f"{type(error).__name__}: {error}"
        raise
    finally:
        summary.peak_rss_mb = peak_rss_mb()
        run_log.record_run_end(url, ctx, summary)
        reporter.pipeline(summary)
        logger.info(
            "event=run_end run_id=%s mode=%s status=%s peak_rss_mb=%.0f",
            ctx.run_id,
            ctx.mode,
            summary.status,
            summary.peak_rss_mb,
        )
    return summary


def _run_stages(
    ctx: RunContext, caller: StageCaller, reporter: Reporter, summary: RunSummary
) -> None:
    url = ctx.settings.require_warehouse_url()
    started = time.perf_counter()
    outcomes = caller.extract_all(ctx, SOURCE_NAMES)
    # Wall time of the (concurrent) extract tasks; rows are the clean rows per source
    # (rejects and blanks are in summary.sources).
    summary.stages["extraction"] = StageOutcome(
        "extraction",
        time.perf_counter() - started,
        rows={name: outcome.loaded for name, outcome in outcomes.items()},
    )
    summary.sources = {name: outcome.as_dict() for name, outcome in outcomes.items()}
    run_log.record_rejected_rows(url, ctx, outcomes)
    reporter.extraction(outcomes)
    for outcome in outcomes.values():
        check_rejected_ratio(outcome, ctx.settings.validation.max_rejected_ratio)

    transformed = caller.call(
        "transformation", "transform_sources", transform_stage.transform_sources, ctx, outcomes
    )
    summary.stages["transformation"] = transformed
    reporter.transformation(transformed)

    with load_stage.run_lock(ctx):
        written = caller.call("load", "write_staging", load_stage.write_staging, ctx, transformed)
        summary.stages["load"] = written

        audited = caller.call(
            "validation", "audit_staging", load_stage.audit_staging, ctx, outcomes
        )
        summary.stages["validation"] = audited
        summary.validation = audited.details
        reporter.validation(audited)
        load_stage.raise_for_audit(audited)

        published = caller.call(
            "load", "publish_staging", load_stage.publish_staging, ctx, reporter.progress
        )
    summary.stages["publish"] = published
    summary.table_counts = dict(published.rows)
    summary.table_checksums = dict(published.details.get("checksums", {}))
    reporter.loading(published)
