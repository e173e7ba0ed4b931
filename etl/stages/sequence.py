"""The pipeline's order of stages, written once for both Prefect and standard mode.

Extract, transform, then the load (`etl.stages.load.load_staged`: write, audit, publish).
How each stage runs and where its summary goes is the caller's and the reporter's
business (`etl.stages.protocols`); the order lives only here and in `load_staged`.
"""

from __future__ import annotations

import logging
import resource
import shutil
import time

from etl.config.settings import SOURCE_NAMES
from etl.stages import archive, run_log, unchanged
from etl.stages.context import RunContext
from etl.stages.protocols import Reporter, StageCaller
from etl.stages.summary import RunSummary, StageOutcome

logger = logging.getLogger(__name__)


def peak_rss_mb() -> float:
    # ru_maxrss is in KiB on Linux.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_pipeline(ctx: RunContext, caller: StageCaller, reporter: Reporter) -> RunSummary:
    """Extract, transform, write, audit, publish; record the run whatever happens."""
    url = ctx.settings.require_warehouse_url()
    summary = RunSummary(run_id=ctx.run_id, mode=ctx.mode)
    # The run lock says this run is alive; it outlives record_run_end, so the row is
    # never `running` without it.
    with run_log.holding_run_lock(url, ctx):
        run_log.record_run_start(url, ctx)
        try:
            run_log.mark_crashed_runs(url, ctx)
            run_log.prune_run_log(url, ctx)
            if not _skipped(ctx, caller, summary):
                _run_stages(ctx, caller, reporter, summary)
            # A run whose inputs cannot be archived is reported failed (the error says the
            # data is published) rather than completed without its archive. It archives
            # the copies the run read, which live in the run's folder.
            archive.archive_run(ctx.settings, ctx.run_id, summary.sources)
            # The run's Parquet files and copies are only worth keeping to inspect a failure.
            if ctx.run_dir.exists():  # a skipped run wrote none
                shutil.rmtree(ctx.run_dir)
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
                "event=run_end run_id=%s mode=%s status=%s skipped=%s peak_rss_mb=%.0f",
                ctx.run_id,
                ctx.mode,
                summary.status,
                summary.skipped_because is not None,
                summary.peak_rss_mb,
            )
    return summary


def _skipped(ctx: RunContext, caller: StageCaller, summary: RunSummary) -> bool:
    """Run the unchanged check; when it proves the run unchanged, record the skip."""
    started = time.perf_counter()
    verdict = caller.call("extraction", "check_unchanged", unchanged.check_unchanged, ctx)
    summary.fingerprint = verdict.fingerprint
    summary.stages["unchanged_check"] = StageOutcome(
        "unchanged_check",
        time.perf_counter() - started,
        details={"unchanged": verdict.unchanged, "reason": verdict.reason},
    )
    if verdict.unchanged:
        unchanged.skip_run(ctx, verdict, summary)
    return verdict.unchanged


def _run_stages(
    ctx: RunContext, caller: StageCaller, reporter: Reporter, summary: RunSummary
) -> None:
    # Imported when the stages run: pandas, pyarrow and Great Expectations take seconds to
    # import (more than the rest of an unchanged night, which needs none of them).
    from etl.stages import load as load_stage  # noqa: PLC0415
    from etl.stages import transform as transform_stage  # noqa: PLC0415
    from etl.stages.extract import check_rejected_ratio  # noqa: PLC0415
    from etl.stages.rejected_rows import record_rejected_rows  # noqa: PLC0415

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
    record_rejected_rows(url, ctx, outcomes)
    reporter.extraction(outcomes)
    for outcome in outcomes.values():
        check_rejected_ratio(outcome, ctx.settings.validation.max_rejected_ratio)

    transformed = caller.call(
        "transformation", "transform_sources", transform_stage.transform_sources, ctx, outcomes
    )
    summary.stages["transformation"] = transformed
    reporter.transformation(transformed)

    load_stage.load_staged(
        ctx, caller, reporter, summary, transformed=transformed, outcomes=outcomes
    )
