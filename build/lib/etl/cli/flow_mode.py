"""How `abi-etl run` prepares its own process to run the Prefect flow in it.

Order matters, hence three steps the command calls in turn:

1. `prepare_prefect_import()`, before anything imports prefect (Prefect reads its logging
   settings once, at import):
   - PREFECT_LOGGING_EXTRA_LOGGERS gains `etl`: Prefect gives the `etl` logger the handler
     that sends records to the API, so the stage lines show in the flow run's logs;
   - PREFECT_LOGGING_TO_API_WHEN_MISSING_FLOW=ignore: the etl lines logged outside the
     flow (before it starts, after it ends) stay console-only instead of each raising
     Prefect's "no flow run id" warning.
2. `prepare_local_api()`, after the import: without an API URL Prefect starts a temporary
   local server. For that mode only, its analytics are turned off (offline machines log
   failed telemetry with tracebacks) and the server may take 120 s to start (the first
   start migrates a new SQLite database: more than Prefect's 20 s on 2 cores).
3. `one_line_data_errors()` around the run: Prefect's engine logs a failed run's exception
   at ERROR with its traceback; for an EtlError the command prints one line, so that
   traceback goes to DEBUG (ABI_LOG_LEVEL=DEBUG shows it; the API keeps it).

A value the user already set is kept.
"""

from __future__ import annotations

import os
from contextlib import AbstractContextManager

from etl.errors import EtlError
from etl.logs import DemoteTracebacks, console_filter

ETL_LOGGER = "etl"
EXTRA_LOGGERS_ENV = "PREFECT_LOGGING_EXTRA_LOGGERS"
LOCAL_API_ENV = {
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",  # the server's heartbeat
    "DO_NOT_TRACK": "1",  # the SDK's usage events
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
}
PREFECT_RUN_LOGGERS = ("prefect.flow_runs", "prefect.task_runs")


def prepare_prefect_import() -> None:
    extra = [name.strip() for name in os.environ.get(EXTRA_LOGGERS_ENV, "").split(",")]
    if ETL_LOGGER not in extra:
        os.environ[EXTRA_LOGGERS_ENV] = ",".join([*filter(None, extra), ETL_LOGGER])
    os.environ.setdefault("PREFECT_LOGGING_TO_API_WHEN_MISSING_FLOW", "ignore")


def prepare_local_api() -> bool:
    """Set the local-server environment when no API URL is configured; True if it was."""
    # Imported here: this module is loaded before Prefect may be imported (step 1).
    from prefect.context import refresh_global_settings_context  # noqa: PLC0415
    from prefect.settings import get_current_settings  # noqa: PLC0415

    if get_current_settings().api.url:
        return False
    for name, value in LOCAL_API_ENV.items():
        os.environ.setdefault(name, value)
    # The temporary server inherits os.environ; this process reads the settings object.
    refresh_global_settings_context()
    return True


def one_line_data_errors() -> AbstractContextManager[None]:
    return console_filter(DemoteTracebacks(PREFECT_RUN_LOGGERS, (EtlError,)))
