"""`python -m benchmarks` (what `make bench` runs): the whole-pipeline benchmark.

Needs ABI_WAREHOUSE_URL (or the config file's warehouse URL) naming a server where the
role may create databases; every measurement runs in a throwaway database there.
"""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from benchmarks.pipeline import run_bench
from benchmarks.report import log_report, write_report
from etl.cli.errors import one_line_errors
from etl.cli.progress import StageProgress
from etl.config.settings import load_settings
from etl.logs import configure_logging


class SourceFormat(StrEnum):
    csv = "csv"
    parquet = "parquet"
    xlsx = "xlsx"


# A missing URL or a bad config file is the user's to fix: one line and exit 2, through the
# same decorator the abi-etl commands use.
@one_line_errors
def bench(  # noqa: PLR0917 - typer maps each option to a parameter
    publications: Annotated[int, typer.Option("--publications", help="PubMed rows.")] = 100_000,
    companies: Annotated[int, typer.Option("--companies", help="Distinct companies.")] = 700,
    source_format: Annotated[SourceFormat, typer.Option("--format")] = SourceFormat.csv,
    out: Annotated[Path, typer.Option("--out", help="JSON folder.")] = Path("bench-results"),
    to_sql: Annotated[
        bool, typer.Option("--to-sql/--no-to-sql", help="Also time the pandas to_sql baseline.")
    ] = True,
    config: Annotated[Path | None, typer.Option("--config", help="YAML settings file.")] = None,
) -> None:
    """Benchmark extract, transform and load against raw COPY and to_sql."""
    settings = load_settings(config)
    server_url = settings.require_warehouse_url()
    configure_logging(settings.log_level)
    with StageProgress() as display:
        report = run_bench(
            settings,
            server_url,
            publications=publications,
            companies=companies,
            source_format=source_format.value,
            with_to_sql=to_sql,
            display=display,
        )
    path = write_report(report, out)
    figures = report.as_dict()
    log_report(figures, path)
    typer.echo(json.dumps(figures, indent=2))


if __name__ == "__main__":
    typer.run(bench)
