"""`abi-etl config show`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
import yaml

from etl.cli.errors import one_line_errors
from etl.config.locate import locate_config
from etl.config.settings import load_settings_from, masked_dump

config_app = typer.Typer(no_args_is_help=True)


@config_app.command("show", help="Print the effective configuration, secrets masked.")
@one_line_errors
def show(
    config: Annotated[Path | None, typer.Option("--config", help="YAML settings file.")] = None,
) -> None:
    source = locate_config(config)
    settings = load_settings_from(source)
    # A YAML comment, so that the output stays a valid settings file.
    typer.echo(f"# config: {source.path or 'built-in defaults'} (from {source.origin})")
    typer.echo(yaml.safe_dump(masked_dump(settings), sort_keys=False, allow_unicode=True), nl=False)
