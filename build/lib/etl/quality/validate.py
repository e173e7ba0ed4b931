"""The validation step the pipeline calls: sources and staged tables, one report, one site.

Both halves share one GX context, so this run's Data Docs site lists every suite; the site
is built before any exception is raised, so a blocked run still leaves its report on disk.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from etl.config.settings import Settings
from etl.config.year_ranges import YearRanges
from etl.quality.data_docs import build_data_docs, new_run_id, site_dir
from etl.quality.gx_context import new_context
from etl.quality.results import QualityReport
from etl.quality.source_suites import SourceOutcomeLike, run_source_suites
from etl.quality.warehouse_suites import run_warehouse_suites

logger = logging.getLogger(__name__)


def skipped_report(run_id: str | None = None) -> QualityReport:
    return QualityReport(skipped=True, run_id=run_id)


def run_quality(
    settings: Settings,
    outcomes: Mapping[str, SourceOutcomeLike],
    url: str,
    *,
    years: YearRanges,
    run_id: str | None = None,
    skip_validation: bool = False,
    raise_on_error: bool = True,
) -> QualityReport:
    """Run the source suites, then the staging suites, and build the Data Docs site.

    The staged row counts are reconciled with each outcome's `loaded`. With
    `skip_validation` nothing runs and the report says `skipped: true`. With
    `raise_on_error` (the default) a failed error-level expectation raises
    `DataQualityError` after the site is written; the error's `summary` attribute holds
    `report.as_dict()` so the caller can still record it.
    """
    run_id = run_id or new_run_id()
    if skip_validation:
        logger.warning("quality=skipped run_id=%s reason=skip_validation flag", run_id)
        return skipped_report(run_id)
    docs = site_dir(settings, run_id, "all")
    context = new_context(docs)
    suites = run_source_suites(context, settings.validation, outcomes, run_id, years)
    extract_counts = {name: outcome.loaded for name, outcome in outcomes.items()}
    suites += run_warehouse_suites(
        context, settings.validation, url, extract_counts, run_id=run_id, years=years
    )
    index = build_data_docs(context, docs)
    report = QualityReport(suites=tuple(suites), data_docs_path=str(index), run_id=run_id)
    logger.info(
        "quality=done run_id=%s suites=%d failed_errors=%d failed_warnings=%d data_docs=%s",
        run_id,
        len(report.suites),
        len(report.errors),
        len(report.warnings),
        index,
    )
    if raise_on_error:
        report.raise_for_errors()
    return report
