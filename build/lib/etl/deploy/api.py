"""Wait, bounded, for the Prefect API, then check that it accepts our credentials."""

from __future__ import annotations

import asyncio
import logging
import time

import httpx
from prefect.client.orchestration import PrefectClient

from etl.deploy.errors import RegistrationError

logger = logging.getLogger(__name__)


async def wait_for_api(
    client: PrefectClient, timeout_s: float = 120.0, interval_s: float = 2.0
) -> None:
    """Return once the API answers its health check and an authenticated request.

    Raises RegistrationError when the API stays unreachable for `timeout_s`, or at once
    when it refuses the credentials (PREFECT_API_AUTH_STRING): waiting cannot fix that.
    """
    deadline = time.monotonic() + timeout_s
    attempt = 0
    while True:
        attempt += 1
        error = await client.api_healthcheck()
        if error is None:
            break
        if time.monotonic() >= deadline:
            raise RegistrationError(
                f"api={client.api_url} problem=not healthy after {timeout_s:.0f}s "
                f"({attempt} attempts): {error}"
            )
        logger.info("event=api_waiting api=%s attempt=%d error=%s", client.api_url, attempt, error)
        await asyncio.sleep(interval_s)
    try:
        # /health is open to everyone; this one needs the credentials.
        await client.read_work_pools(limit=1)
    except httpx.HTTPStatusError as exc:
        if exc.response.status_code in (401, 403):
            raise RegistrationError(
                f"api={client.api_url} problem=credentials refused "
                f"(HTTP {exc.response.status_code}): check PREFECT_API_AUTH_STRING"
            ) from exc
        raise
    logger.info("event=api_ready api=%s attempts=%d", client.api_url, attempt)
