"""`abi-etl db upgrade`."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated

import typer

from etl.cli.errors import one_line_errors
from etl.config.settings import load_settings
from etl.warehouse.migrate import upgrade

db_app = typer.Typer(no_args_is_help=True)
logger = logging.getLogger(__name__)


@db_app.command("upgrade", help="Apply the warehouse migrations up to the latest revision.")
@one_line_errors
def upgrade_cmd(
    config: Annotated[Path | None, typer.Option("--config", help="YAML settings file.")] = None,
) -> None:
    settings = load_settings(config)
    revision = upgrade(settings.require_warehouse_url())
    logger.info("event=db_upgraded revision=%s", revision)
