"""Logging setup for the command line: plain key=value lines on stderr."""

from __future__ import annotations

import logging
import sys

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
