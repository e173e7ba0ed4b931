"""Logging setup for the command line: plain key=value lines on stderr."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager

LOG_FORMAT = "ts=%(asctime)s level=%(levelname)s logger=%(name)s %(message)s"


class CurrentStderrHandler(logging.StreamHandler):
    """Writes each record to `sys.stderr` as it is then, not as it was at setup.

    A CLI invoked in-process (Typer's test runner, a notebook) may swap sys.stderr for
    the call and close it afterwards; a handler bound to that stream would fail on every
    later record with "I/O operation on closed file".
    """

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    def emit(self, record: logging.LogRecord) -> None:
        # Plain assignment: setStream() would flush the previous, possibly closed, stream.
        self.stream = sys.stderr
        super().emit(record)


def configure_logging(level: str = "INFO") -> None:
    logging.basicConfig(
        level=level, format=LOG_FORMAT, handlers=[CurrentStderrHandler()], force=True
    )
    # Third-party chatter would drown the pipeline's own lines at INFO.
    for noisy in ("great_expectations", "alembic", "httpx", "urllib3"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLevelName(level)))


@contextmanager
def logger_level(name: str, level: str | int) -> Iterator[None]:
    """Set one logger's level for a block, then put the previous level back."""
    target = logging.getLogger(name)
    previous = target.level
    target.setLevel(level)
    try:
        yield
    finally:
        target.setLevel(previous)


class DemoteTracebacks(logging.Filter):
    """On a console handler: records of `loggers` that carry an exception of `exc_types`
    become DEBUG records, shown only when the root logger is at DEBUG.

    For errors whose one-line message says it all (the CLI prints it), while a library
    (Prefect's engine) logs them at ERROR with their traceback. The record is changed in
    place: handlers that ran before this one (Prefect's API handler, attached to Prefect's
    own loggers) keep it at ERROR, so the run's logs in the UI still hold the traceback.
    """

    def __init__(self, loggers: tuple[str, ...], exc_types: tuple[type[BaseException], ...]):
        super().__init__()
        self._loggers = loggers
        self._exc_types = exc_types

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if not isinstance(error, self._exc_types):
            return True
        if not any(record.name == n or record.name.startswith(f"{n}.") for n in self._loggers):
            return True
        record.levelno, record.levelname = logging.DEBUG, "DEBUG"
        return logging.getLogger().isEnabledFor(logging.DEBUG)


@contextmanager
def console_filter(log_filter: logging.Filter) -> Iterator[None]:
    """Add `log_filter` to the root logger's handlers (the console) for a block."""
    handlers = list(logging.getLogger().handlers)
    for handler in handlers:
        handler.addFilter(log_filter)
    try:
        yield
    finally:
        for handler in handlers:
            handler.removeFilter(log_filter)
