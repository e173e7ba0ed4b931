"""`abi-etl run`: the pipeline, as a Prefect flow or in standard mode."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated

import typer

from etl.cli import flow_mode
from etl.cli.errors import one_line_errors
from etl.cli.progress import StageProgress
from etl.cli.stage_progress import with_progress
from etl.config.settings import load_settings
from etl.logs import configure_logging
from etl.stages.standard import run_standard
from etl.stages.summary import RunSummary

logger = logging.getLogger(__name__)


def _run_flow(
    config: Path | None,
    raw_dir: Path | None,
    *,
    skip_validation: bool,
    allow_shrink: bool,
    full_refresh: bool,
    display: StageProgress,
) -> RunSummary:
    flow_mode.prepare_prefect_import()
    # Imported here because importing Prefect costs about a second that the
    # other commands, and standard mode, should not pay.
    from etl.flows.abi_etl_flow import run_flow  # noqa: PLC0415

    flow_mode.prepare_local_api()
    with flow_mode.one_line_data_errors():
        return run_flow(
            config,
            raw_dir=raw_dir,
            skip_validation=skip_validation,
            allow_shrink=allow_shrink,
            wrap=with_progress(display),
            full_refresh=full_refresh,
        )


@one_line_errors
def run(
    config: Annotated[Path | None, typer.Option("--config", help="YAML settings file.")] = None,
    raw_dir: Annotated[
        Path | None, typer.Option("--raw-dir", help="Folder of the source files.")
    ] = None,
    *,
    skip_validation: Annotated[
        bool, typer.Option("--skip-validation", help="Skip the data-quality suites.")
    ] = False,
    allow_shrink: Annotated[
        bool,
        typer.Option(
            "--allow-shrink",
            help="Publish even if a source or fact table lost more rows than "
            "validation.max_shrink_ratio since the last completed run.",
        ),
    ] = False,
    full_refresh: Annotated[
        bool,
        typer.Option(
            "--full-refresh",
            help="Run every stage even when the input files, code, settings and published "
            "tables are those of the last completed run (such a run is otherwise skipped).",
        ),
    ] = False,
    no_prefect: Annotated[
        bool, typer.Option("--no-prefect", help="Standard mode: the same stages, no Prefect.")
    ] = False,
) -> None:
    # Absolute, so that the flow run's parameters in the UI name the real folders.
    config = config.absolute() if config else None
    raw_dir = raw_dir.absolute() if raw_dir else None
    settings = load_settings(config, raw_dir=raw_dir)
    configure_logging(settings.log_level)
    with StageProgress() as display:
        if no_prefect:
            summary = run_standard(
                settings,
                skip_validation=skip_validation,
                allow_shrink=allow_shrink,
                wrap=with_progress(display),
                full_refresh=full_refresh,
            )
        else:
            summary = _run_flow(
                config,
                raw_dir,
                skip_validation=skip_validation,
                allow_shrink=allow_shrink,
                full_refresh=full_refresh,
                display=display,
            )
    logger.info(
        "event=run_finished run_id=%s status=%s skipped=%s",
        summary.run_id,
        summary.status,
        summary.skipped_because is not None,
    )
