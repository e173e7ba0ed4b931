"""The whole pipeline on N generated publications, beside the baselines on the same rows.

One run measures each stage as production runs it: extract and transform through the
stage functions the flow calls, then the load through `etl.stages.load` (write_staging
and publish_staging under the run lock), the audit (audit_staging: the SQL checks and the
Great Expectations suites), and the load once more with the same files (the nightly
case). The baselines of `benchmarks.baselines` then write the published rows again.
Every database is a throwaway one created on the server of the given URL.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import SecretStr
from sqlalchemy.engine import make_url

from benchmarks import baselines
from benchmarks.databases import fresh_database, settle
from benchmarks.memory import measure
from benchmarks.report import BenchReport, StageFigure
from etl.cli.progress import StageProgress
from etl.config.settings import SOURCE_NAMES, Settings
from etl.sample.generator import generate_sample
from etl.stages import load as load_stage
from etl.stages.context import new_run_context
from etl.stages.extract import extract_source
from etl.stages.transform import transform_sources
from etl.warehouse.migrate import upgrade


def _timed(display: StageProgress, name: str, action: Callable[[], int]) -> StageFigure:
    """`measure`, with a bar per stage on a terminal (rows and seconds when it ends)."""
    with display.stage(name) as bar:
        figure = measure(action)
        bar.rows(figure.rows)
    return figure


def _measure_stages(
    report: BenchReport, run_settings: Settings, server_url: str, display: StageProgress
) -> None:
    server = make_url(server_url)
    ctx = new_run_context(run_settings, "standard")
    outcomes: dict[str, Any] = {}

    def extract() -> int:
        for source in SOURCE_NAMES:
            outcomes[source] = extract_source(ctx, source)
        return sum(o.rows_in_file for o in outcomes.values())

    report.stages["extract"] = _timed(display, "extract", extract)
    transformed: dict[str, Any] = {}

    def transform() -> int:
        transformed["outcome"] = transform_sources(ctx, outcomes)
        return sum(transformed["outcome"].rows.values())

    report.stages["transform"] = _timed(display, "transform", transform)
    settle(server)

    def load() -> int:
        with load_stage.run_lock(ctx):
            transformed["written"] = load_stage.write_staging(ctx, transformed["outcome"])
            load_stage.publish_staging(ctx)
        return sum(transformed["written"].rows.values())

    report.stages["load"] = _timed(display, "load", load)

    def validate() -> int:
        audited = load_stage.audit_staging(ctx, outcomes, transformed["written"])
        return int(audited.details.get("evaluated", 0))

    report.stages["validate"] = _timed(display, "validate", validate)
    # The nightly case: the same files again, so publish finds nothing to change.
    settle(server)
    report.stages["reload"] = _timed(display, "reload", load)


def _measure_baselines(
    report: BenchReport, server_url: str, dumps: baselines.Dumps, display: StageProgress
) -> None:
    server = make_url(server_url)
    with fresh_database(server) as url:
        settle(server)
        report.baselines["raw_copy_floor"] = _timed(
            display, "raw_copy_floor", lambda: baselines.raw_copy(url, dumps)
        )
    with fresh_database(server) as url:
        upgrade(url)
        settle(server)
        report.baselines["raw_copy_keyed"] = _timed(
            display, "raw_copy_keyed", lambda: baselines.keyed_copy(url, dumps)
        )


def run_bench(
    settings: Settings,
    server_url: str,
    *,
    publications: int,
    companies: int,
    source_format: str = "csv",
    with_to_sql: bool = True,
    display: StageProgress | None = None,
) -> BenchReport:
    """Generate the files, measure every stage and baseline; `display` draws a bar per
    measurement on a terminal."""
    display = display or StageProgress()
    report = BenchReport(publications, companies, source_format)
    scratch = Path(tempfile.mkdtemp(prefix="abi_bench_"))
    try:
        raw = scratch / "raw"
        generate_sample(raw, publications=publications, companies=companies, fmt=source_format)
        with fresh_database(make_url(server_url)) as url:
            paths = settings.paths.model_copy(
                update={
                    "raw_dir": raw,
                    "staging_dir": scratch / "staging",
                    "data_docs_dir": scratch / "docs",
                }
            )
            run_settings = settings.model_copy(
                update={"paths": paths, "warehouse_url": SecretStr(url)}
            )
            _measure_stages(report, run_settings, server_url, display)
            dumps = baselines.dump_published(url, scratch / "published")
        _measure_baselines(report, server_url, dumps, display)
        if with_to_sql:
            frames = baselines.read_dumps(dumps)
            with fresh_database(make_url(server_url)) as url:
                settle(make_url(server_url))
                report.baselines["pandas_to_sql"] = _timed(
                    display, "pandas_to_sql", lambda: baselines.to_sql(url, frames)
                )
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return report
