"""Turn expected failures into one line on stderr and a non-zero exit."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import ParamSpec, TypeVar

import typer

from etl.config.locate import SAMPLE_DIR, find_project
from etl.errors import EtlError, SourceFileError

P = ParamSpec("P")
R = TypeVar("R")

EXIT_CONFIG_OR_DATA = 2


def missing_file_hint() -> str:
    """How to point a run at the team's files; said when a source file is not found."""
    project = find_project()
    sample = project / SAMPLE_DIR if project else None
    where = (
        f"{sample} (--raw-dir {sample})"
        if sample and sample.is_dir()
        else f"{SAMPLE_DIR}/ of the abi-etl repository"
    )
    return (
        "hint: point the run at the team's files with --raw-dir DIR, ABI_RAW_DIR=DIR or "
        f"paths.raw_dir in the YAML settings (`abi-etl config show` names the file); "
        f"the committed sample is in {where}"
    )


def _is_missing_source(exc: EtlError) -> bool:
    return isinstance(exc, SourceFileError) and exc.problem.startswith("missing file")


def one_line_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Report an EtlError as `error: <message>` and exit 2; other errors keep their traceback.

    The traceback of an EtlError is still logged at DEBUG (ABI_LOG_LEVEL=DEBUG shows it).
    """

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except EtlError as exc:
            logging.getLogger("etl.cli").debug("error_type=%s", type(exc).__name__, exc_info=True)
            typer.echo(f"error: {exc}", err=True)
            if _is_missing_source(exc):
                typer.echo(missing_file_hint(), err=True)
            raise typer.Exit(EXIT_CONFIG_OR_DATA) from exc

    return wrapper
