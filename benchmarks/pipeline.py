"""One size of the bench: the production runs of each scenario, then the baselines.

For N generated publications, in throwaway databases on the server of the given URL:

1. first run: `run_standard` (what `abi-etl run --no-prefect` calls) into an empty
   warehouse, in a process of its own (benchmarks/scenarios.py);
2. unchanged night: the same command again on the same files;
3. flow mode (when a Prefect server is given): the first run again, as the Prefect flow,
   into another empty warehouse;
4. the baselines of `benchmarks.baselines` on the rows the first run published: the raw
   COPY floor, the keyed COPY floor and, optionally, pandas `to_sql`;
5. small change: the PubMed file with articles edited and added
   (`etl.sample.change`), run into the warehouse of 1 and 2.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url

from benchmarks import baselines
from benchmarks.databases import fresh_database, settle
from benchmarks.memory import measure
from benchmarks.report import (
    FIRST_RUN,
    FLOOR,
    FLOW_MODE,
    KEYED_FLOOR,
    SMALL_CHANGE,
    TO_SQL,
    UNCHANGED,
    SizeReport,
    StageFigure,
)
from benchmarks.scenarios import RunEnvironment, RunFigure, run_scenario
from etl.cli.progress import StageProgress
from etl.sample.change import change_pubmed_csv
from etl.sample.generator import generate_sample, source_files
from etl.warehouse.migrate import upgrade


@dataclass(frozen=True)
class BenchOptions:
    """What one size runs besides the first run, unchanged night and the floors."""

    companies: int = 700
    source_format: str = "csv"
    with_to_sql: bool = True
    flow_api_url: str | None = None  # None: no flow-mode scenario at this size
    changed: int = 5_000  # small change: articles edited ...
    added: int = 5_000  # ... and added (0 and 0: no small-change scenario)
    config: Path | None = None
    log_dir: Path = Path("bench-results/logs")  # each run's log, in a folder per size


def _timed(display: StageProgress, name: str, action: Callable[[], int]) -> StageFigure:
    """`measure`, with a bar per measurement on a terminal (rows and seconds when it ends)."""
    with display.stage(name) as bar:
        figure = measure(action)
        bar.rows(figure.rows)
    return figure


def _run(
    display: StageProgress, env: RunEnvironment, name: str, mode: str = "standard"
) -> RunFigure:
    with display.stage(name) as bar:
        figure = run_scenario(env, name, mode)
        bar.rows(figure.published_rows)
    return figure


def _measure_baselines(
    report: SizeReport,
    server_url: str,
    dumps: baselines.Dumps,
    with_to_sql: bool,
    display: StageProgress,
) -> None:
    server = make_url(server_url)
    with fresh_database(server) as url:
        settle(server)
        report.baselines[FLOOR] = _timed(display, FLOOR, lambda: baselines.raw_copy(url, dumps))
    with fresh_database(server) as url:
        upgrade(url)
        settle(server)
        report.baselines[KEYED_FLOOR] = _timed(
            display, KEYED_FLOOR, lambda: baselines.keyed_copy(url, dumps)
        )
    if with_to_sql:
        frames = baselines.read_dumps(dumps)
        with fresh_database(server) as url:
            settle(server)
            report.baselines[TO_SQL] = _timed(
                display, TO_SQL, lambda: baselines.to_sql(url, frames)
            )


def bench_size(
    server_url: str,
    publications: int,
    options: BenchOptions,
    display: StageProgress | None = None,
) -> SizeReport:
    """Generate the files and measure every scenario and baseline at one size."""
    display = display or StageProgress()
    server = make_url(server_url)
    report = SizeReport(publications, options.companies, options.source_format)
    scratch = Path(tempfile.mkdtemp(prefix="abi_bench_"))
    try:
        raw = scratch / "raw"
        generate_sample(
            raw, publications=publications, companies=options.companies, fmt=options.source_format
        )
        with fresh_database(server) as url:
            logs = options.log_dir / str(publications)
            env = RunEnvironment(url, raw, scratch / "runs", logs, options.config)
            settle(server)
            report.runs[FIRST_RUN] = _run(display, env, FIRST_RUN)
            settle(server)
            report.runs[UNCHANGED] = _run(display, env, UNCHANGED)
            dumps = baselines.dump_published(url, scratch / "published")
            if options.flow_api_url:
                report.runs[FLOW_MODE] = _flow_run(server_url, raw, scratch, logs, options, display)
            _measure_baselines(report, server_url, dumps, options.with_to_sql, display)
            shutil.rmtree(scratch / "published")
            if options.changed or options.added:
                pubmed = raw / source_files(options.source_format)["pubmed_articles"]
                change_pubmed_csv(pubmed, options.changed, options.added)
                report.small_change = {"changed": options.changed, "added": options.added}
                settle(server)
                report.runs[SMALL_CHANGE] = _run(display, env, SMALL_CHANGE)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return report


def _flow_run(  # noqa: PLR0917 - private, called once
    server_url: str,
    raw: Path,
    scratch: Path,
    logs: Path,
    options: BenchOptions,
    display: StageProgress,
) -> RunFigure:
    """The first run again as the Prefect flow, into an empty warehouse of its own."""
    with fresh_database(make_url(server_url)) as url:
        env = RunEnvironment(
            url,
            raw,
            scratch / "flow",
            logs,
            options.config,
            # The client's own files (profiles, local logs) stay in the scratch folder.
            extra_env={
                "PREFECT_API_URL": str(options.flow_api_url),
                "PREFECT_HOME": str(scratch / "flow" / "prefect_home"),
            },
        )
        settle(make_url(server_url))
        return _run(display, env, FLOW_MODE, mode="flow")
