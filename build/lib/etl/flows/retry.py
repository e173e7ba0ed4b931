"""Which failures are worth another attempt.

Only transient errors are retried: a lost connection or an I/O timeout may pass; a data
error will fail the same way every time, so it fails at once with its report.
"""

from __future__ import annotations

from typing import Any

import psycopg2
from prefect.states import State
from sqlalchemy import exc as sa_exc

from etl.errors import DataError, TransientError

TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (
    TransientError,
    sa_exc.OperationalError,
    sa_exc.InterfaceError,
    sa_exc.DisconnectionError,
    psycopg2.OperationalError,
    psycopg2.InterfaceError,
    ConnectionError,
    TimeoutError,
)


def is_transient(error: BaseException) -> bool:
    if isinstance(error, DataError):
        return False
    return isinstance(error, TRANSIENT_ERRORS)


def failure_of(state: State[Any]) -> BaseException | None:
    """The exception a failed state holds, or None when it holds none."""
    try:
        state.result(raise_on_failure=True)
    except BaseException as error:
        return error
    return None
