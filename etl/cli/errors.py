"""Turn expected failures into one line on stderr and a non-zero exit."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import ParamSpec, TypeVar

import typer

from etl.errors import EtlError

P = ParamSpec("P")
R = TypeVar("R")

EXIT_CONFIG_OR_DATA = 2


def one_line_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Report an EtlError as `error: <message>` and exit 2; other errors keep their traceback."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except EtlError as exc:
            logging.getLogger("etl.cli").debug("error_type=%s", type(exc).__name__, exc_info=True)
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(EXIT_CONFIG_OR_DATA) from exc

    return wrapper
