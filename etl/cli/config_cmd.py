"""`abi-etl config show`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
import yaml

from etl.cli.errors import one_line_errors
from etl.config.settings import load_settings, masked_dump

config_app = typer.Typer(no_args_is_help=True)


@config_app.command("show", help="Print the effective configuration, secrets masked.")
@one_line_errors
def show(
    config: Annotated[Path | None, typer.Option("--config", help="YAML settings file.")] = None,
) -> None:
    settings = load_settings(config)
    typer.echo(yaml.safe_dump(masked_dump(settings), sort_keys=False, allow_unicode=True), nl=False)
