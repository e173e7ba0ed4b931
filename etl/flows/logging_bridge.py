"""Send the stage modules' log lines to the Prefect API, so the UI shows them per task.

The stages log through plain `logging.getLogger("etl....")` (they also run without
Prefect); for the duration of a flow run this gives the `etl` logger the handlers Prefect
gives its own "extra" loggers, which is what PREFECT_LOGGING_EXTRA_LOGGERS=etl would do,
without depending on every worker's environment. The handlers are removed afterwards so
that code running outside a flow (standard mode in the same process) does not try to
reach the API.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

ETL_LOGGER = "etl"


@contextmanager
def forward_etl_logs(level: str) -> Iterator[None]:
    target = logging.getLogger(ETL_LOGGER)
    added = [h for h in logging.getLogger("prefect.extra").handlers if h not in target.handlers]
    previous_level = target.level
    for handler in added:
        target.addHandler(handler)
    target.setLevel(level)
    try:
        yield
    finally:
        for handler in added:
            target.removeHandler(handler)
        target.setLevel(previous_level)
