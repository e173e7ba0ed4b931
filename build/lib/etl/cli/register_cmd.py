"""`abi-etl register`: make the Prefect server and the warehouse ready for the workers.

Run by the one-shot `register` service of docker-compose.yml before any worker starts
(and by `make deploy`). Idempotent: running it again changes nothing.
"""

from __future__ import annotations

import json
import logging
from datetime import timedelta
from pathlib import Path
from typing import Annotated

import typer

from etl.cli.errors import one_line_errors
from etl.config.settings import load_settings
from etl.logs import configure_logging

logger = logging.getLogger(__name__)

EXIT_REGISTRATION_FAILED = 1


@one_line_errors
def register(
    *,
    config: Annotated[Path | None, typer.Option("--config", help="YAML settings file.")] = None,
    prefect_file: Annotated[
        Path, typer.Option("--prefect-file", help="Prefect deployments file.")
    ] = Path("deploy/prefect.yaml"),
    project_dir: Annotated[
        Path,
        typer.Option("--project-dir", help="Directory the deployment entrypoints are relative to."),
    ] = Path("."),
    api_timeout: Annotated[
        float, typer.Option("--api-timeout", help="Seconds to wait for the Prefect API.")
    ] = 120.0,
    migrate: Annotated[
        bool,
        typer.Option(
            "--migrate/--no-migrate", help="Apply the warehouse migrations (ABI_WAREHOUSE_URL)."
        ),
    ] = True,
    bi_role: Annotated[
        str | None,
        typer.Option(
            "--bi-role",
            envvar="ABI_BI_ROLE",
            help="Read-only BI role to (re)grant on the warehouse schemas.",
        ),
    ] = None,
    late_after_minutes: Annotated[
        int,
        typer.Option("--late-after-minutes", min=1, help="Alert when a run stays Late this long."),
    ] = 15,
) -> None:
    """Register the work pool, deployments, notification blocks and automations."""
    # Imported here: Prefect's client costs about a second the other commands skip.
    from etl.deploy.errors import RegistrationError  # noqa: PLC0415
    from etl.deploy.register import RegistrationOptions, register_all  # noqa: PLC0415

    settings = load_settings(config)
    configure_logging(settings.log_level)
    options = RegistrationOptions(
        prefect_file=prefect_file,
        project_dir=project_dir,
        api_timeout_s=api_timeout,
        migrate=migrate,
        bi_role=bi_role,
        late_after=timedelta(minutes=late_after_minutes),
    )
    try:
        report = register_all(settings, options)
    except RegistrationError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(EXIT_REGISTRATION_FAILED) from exc
    logger.info("event=registered %s", json.dumps(report.as_dict(), sort_keys=True))
    typer.echo(json.dumps(report.as_dict(), indent=2, sort_keys=True))
