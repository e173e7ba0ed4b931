"""Logging setup for the command line: plain key=value lines on stderr."""

from __future__ import annotations

import logging

LOG_FORMAT = "ts=%(asctime)s level=%(levelname)s logger=%(name)s %(message)s"


def configure_logging(level: str = "INFO") -> None:
    logging.basicConfig(level=level, format=LOG_FORMAT, force=True)
    # Third-party chatter would drown the pipeline's own lines at INFO.
    for noisy in ("great_expectations", "alembic", "httpx", "urllib3"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLevelName(level)))
