"""`abi-etl sample`: write realistic, messy source files and their manifest."""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Annotated

import typer

from etl.cli.errors import one_line_errors
from etl.cli.progress import StageProgress
from etl.logs import configure_logging

logger = logging.getLogger(__name__)


@one_line_errors
def sample(
    out: Annotated[Path, typer.Option("--out", help="Folder to write the files into.")],
    publications: Annotated[
        int, typer.Option("--publications", help="Data rows of the PubMed file.")
    ] = 3000,
    companies: Annotated[int, typer.Option("--companies", help="Distinct companies (CIKs).")] = 120,
    seed: Annotated[int, typer.Option("--seed", help="Same seed, same bytes.")] = 42,
    fmt: Annotated[
        str | None,
        typer.Option("--format", help="xlsx|csv|parquet (default: each source as the team has it)"),
    ] = None,
) -> None:
    # Imported here: pandas and pyarrow take seconds to import, which every other
    # command (`abi-etl run` on an unchanged night) would pay at start.
    from etl.sample.generator import generate_sample  # noqa: PLC0415

    configure_logging()
    started = time.perf_counter()
    with (
        StageProgress() as display,
        display.following("etl.sample", "sample_file_written", "write {source}"),
        display.stage("sample") as bar,
    ):
        try:
            manifest = generate_sample(out, publications, companies, seed, fmt)
        except ValueError as exc:  # an argument out of range: a usage error, exit 2
            raise typer.BadParameter(str(exc)) from exc
        entries = manifest.sources.values()
        bar.rows(sum(entry.rows_in_file for entry in entries))
    logger.info(
        "event=sample_written out=%s format=%s seed=%d publications=%d companies=%d "
        "files=%s rows=%d loaded=%d rejected=%d blank=%d seconds=%.2f",
        out,
        fmt or "default",
        seed,
        publications,
        companies,
        ",".join(entry.file for entry in entries),
        sum(entry.rows_in_file for entry in entries),
        sum(entry.loaded for entry in entries),
        sum(sum(entry.rejected.values()) for entry in entries),
        sum(entry.blank_rows for entry in entries),
        time.perf_counter() - started,
    )
