"""`python -m benchmarks` (what `make bench` runs): the whole-pipeline benchmark report.

Needs ABI_WAREHOUSE_URL (or the config file's warehouse URL) naming a server where the
role may create databases; every measurement runs in a throwaway database there. Writes
bench.json (every size), bench-N.json (one size), bench.txt and bench.md (the table) and
bench.png (the plot) into --out, and prints the table.
"""

from __future__ import annotations

import logging
from contextlib import ExitStack
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy.engine import make_url

from benchmarks.machine import describe_machine, load_average
from benchmarks.pipeline import BenchOptions, bench_size
from benchmarks.plot import write_plot
from benchmarks.prefect_server import prefect_server
from benchmarks.report import BenchReport, write_json
from benchmarks.table import log_rows, render_markdown, render_text
from etl.cli.errors import one_line_errors
from etl.cli.progress import StageProgress
from etl.config.settings import load_settings
from etl.logs import configure_logging

logger = logging.getLogger(__name__)
DEFAULT_SIZES = [10_000, 100_000, 1_000_000]


class SourceFormat(StrEnum):
    csv = "csv"
    parquet = "parquet"
    xlsx = "xlsx"


def write_outputs(report: BenchReport, out: Path) -> list[Path]:
    """Every file of the report; returns their paths."""
    paths = write_json(report, out)
    text_path, markdown_path = out / "bench.txt", out / "bench.md"
    text_path.write_text(render_text(report), encoding="utf-8")
    markdown_path.write_text(render_markdown(report), encoding="utf-8")
    return [*paths, text_path, markdown_path, write_plot(report, out / "bench.png")]


# A missing URL or a bad config file is the user's to fix: one line and exit 2, through the
# same decorator the abi-etl commands use.
@one_line_errors
def bench(  # noqa: PLR0917 - typer maps each option to a parameter
    sizes: Annotated[
        list[int] | None,
        typer.Option("--size", help="PubMed rows; repeat for several sizes (10k, 100k, 1M)."),
    ] = None,
    companies: Annotated[int, typer.Option("--companies", help="Distinct companies.")] = 700,
    source_format: Annotated[SourceFormat, typer.Option("--format")] = SourceFormat.csv,
    out: Annotated[Path, typer.Option("--out", help="Folder of the report.")] = Path(
        "bench-results"
    ),
    to_sql: Annotated[
        bool, typer.Option("--to-sql/--no-to-sql", help="Also time pandas to_sql.")
    ] = True,
    flow: Annotated[
        bool,
        typer.Option("--flow/--no-flow", help="Also run the flow against a Prefect server."),
    ] = True,
    small_change: Annotated[
        int,
        typer.Option(
            "--small-change", help="Articles the small change edits (half) and adds (half)."
        ),
    ] = 10_000,
    config: Annotated[Path | None, typer.Option("--config", help="YAML settings file.")] = None,
) -> None:
    """Benchmark the production run's scenarios against raw COPY and to_sql."""
    settings = load_settings(config)
    server_url = settings.require_warehouse_url()
    configure_logging(settings.log_level)
    if small_change and source_format is not SourceFormat.csv:
        raise typer.BadParameter("--small-change edits CSV files: use --format csv or 0")
    report = BenchReport(describe_machine(make_url(server_url)))
    with ExitStack() as stack:
        api_url = stack.enter_context(prefect_server()) if flow else None
        display = stack.enter_context(StageProgress())
        options = BenchOptions(
            companies=companies,
            source_format=source_format.value,
            with_to_sql=to_sql,
            flow_api_url=api_url,
            changed=small_change // 2,
            added=small_change - small_change // 2,
            config=config.absolute() if config else None,
            log_dir=out / "logs",
        )
        for size in sizes or DEFAULT_SIZES:
            report.sizes.append(bench_size(server_url, size, options, display))
            report.machine["load_average_at_end"] = load_average()
            # After each size, so that a failure at 1M keeps the smaller sizes' figures.
            paths = write_outputs(report, out)
    log_rows(report)
    logger.info("event=bench_written files=%s", ",".join(str(p) for p in paths))
    typer.echo(render_text(report), nl=False)


if __name__ == "__main__":
    typer.run(bench)
