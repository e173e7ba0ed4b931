"""`abi-etl bench`."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Annotated

import typer

from etl.bench.pipeline_bench import run_bench, write_report
from etl.cli.errors import one_line_errors
from etl.config.settings import load_settings
from etl.logs import configure_logging

logger = logging.getLogger(__name__)


@one_line_errors
def bench(  # noqa: PLR0917 - typer maps each option to a parameter
    publications: Annotated[
        int, typer.Option("--publications", help="Rows of the PubMed file.")
    ] = 100_000,
    companies: Annotated[int, typer.Option("--companies", help="Distinct companies.")] = 700,
    source_format: Annotated[str, typer.Option("--format", help="csv|parquet|xlsx")] = "csv",
    out: Annotated[Path, typer.Option("--out", help="Folder for the JSON figures.")] = Path(
        "bench-results"
    ),
    to_sql: Annotated[
        bool, typer.Option("--to-sql/--no-to-sql", help="Also time the pandas to_sql baseline.")
    ] = True,
    config: Annotated[Path | None, typer.Option("--config", help="YAML settings file.")] = None,
) -> None:
    settings = load_settings(config)
    configure_logging(settings.log_level)
    report = run_bench(
        settings,
        settings.require_warehouse_url(),
        publications=publications,
        companies=companies,
        source_format=source_format,
        with_to_sql=to_sql,
    )
    path = write_report(report, out)
    figures = report.as_dict()
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
    typer.echo(json.dumps(figures, indent=2))
