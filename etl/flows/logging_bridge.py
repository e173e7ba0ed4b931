"""Send the stage modules' log lines to the Prefect API, so the UI shows them per task.

The stages log through plain `logging.getLogger("etl....")` (they also run without
Prefect); this gives the `etl` logger the handlers Prefect gives its own "extra"
loggers, which is what PREFECT_LOGGING_EXTRA_LOGGERS=etl would do, without depending on
every worker's environment.
"""

from __future__ import annotations

import logging

ETL_LOGGER = "etl"


def forward_etl_logs(level: str) -> None:
    target = logging.getLogger(ETL_LOGGER)
    for handler in logging.getLogger("prefect.extra").handlers:
        if handler not in target.handlers:
            target.addHandler(handler)
    target.setLevel(level)
